/**
 * The collector's reading of reports, on packets XRootD 5.5.3 sent (test/fixtures/xrd-report,
 * captured from Debian's daemons), renamed to pods as a Kubernetes pod's host name would be.
 * The collector process with real daemons is test/conformance/monitoring.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collector } from '../../src/collector/collector.js';
import { METRICS } from '../../src/collector/metrics.js';
import { readReport } from '../../src/collector/report.js';
import { repoRoot } from '../helpers/repo.js';

const fixture = (name: string): string => readFileSync(join(repoRoot(), 'test/fixtures/xrd-report', `${name}.xml`), 'utf8');
/** The packet as pod `pod` of the `physics` cluster would send it (host names are per-pod FQDNs there). */
const asPod = (packet: string, pod: string): string => packet.replace(/src="vm:/, `src="${pod}.physics-x.ns.svc.cluster.local:`).replace(/<host>vm<\/host>/, `<host>${pod}.physics-x.ns.svc.cluster.local</host>`);
const withValue = (packet: string, tag: string, value: number): string => packet.replace(new RegExp(`<${tag}>\\d+</${tag}>`), `<${tag}>${value}</${tag}>`);

let clock = 1_000_000;
const collector = (): Collector => new Collector({ cluster: 'physics', namespace: 'ns', udpPort: 0, httpPort: 0, staleSeconds: 30, now: () => clock });
async function value(c: Collector, name: string, labels: Record<string, string>): Promise<number | undefined> {
  return c.value(name, labels);
}

test('a data server\'s xrootd report: who sent it, and its bytes, operations and space', () => {
  const r = readReport(asPod(fixture('worker-xrootd'), 'physics-worker-0'));
  expect(r).toMatchObject({ pod: 'physics-worker-0', role: 'worker', daemon: 'xrootd' });
  const v = (metric: string, labels?: Record<string, string>) => r.values
    .find((s) => s.metric === metric && JSON.stringify(s.labels ?? {}) === JSON.stringify(labels ?? {}))?.value;
  expect(v('xrootd_received_bytes_total')).toBeGreaterThan(3 << 20);
  expect(v('xrootd_operations_total', { operation: 'open' })).toBe(2);
  expect(v('xrootd_operations_total', { operation: 'write' })).toBe(1);
  expect(v('xrootd_space_bytes', { path: '/data' })).toBe(264212084 * 1024);
  expect(v('xrootd_space_free_bytes', { path: '/data' })).toBeGreaterThan(0);
  expect(r.space).toEqual({ bytes: 264212084 * 1024, freeBytes: 70151316 * 1024 });
  // Several exported paths: the fullest file system is the one that counts; nonsense (free above the size) is not one.
  const two = readReport(asPod(fixture('worker-xrootd'), 'physics-worker-0').replace('<paths>1<stats id="0">', '<paths>2<stats id="1"><lp>"/store"</lp><tot>1000</tot><free>100</free></stats><stats id="0">'));
  expect(two.space).toEqual({ bytes: 1000 * 1024, freeBytes: 100 * 1024 });
  expect(readReport(asPod(fixture('worker-xrootd'), 'physics-worker-0').replace(/<free>\d+<\/free>/, '<free>364212084</free>')).space).toBeUndefined();
  // A size past 2^53 bytes (a forged packet) is no figure either: the agent would refuse the collector's whole answer.
  expect(readReport(asPod(fixture('worker-xrootd'), 'physics-worker-0').replace(/(<rp>[^<]*<\/rp>)<tot>\d+<\/tot>/, '$1<tot>999999999999999999999999</tot>')).space).toBeUndefined();
  // A size that overflows once in bytes (1e306 KiB) is no series either: the text format would carry "Infinity".
  const overflowing = readReport(asPod(fixture('worker-xrootd'), 'physics-worker-0').replace(/(<rp>[^<]*<\/rp>)<tot>\d+<\/tot>/, `$1<tot>1${'0'.repeat(306)}</tot>`));
  expect(overflowing.values.filter((s) => s.metric === 'xrootd_space_bytes')).toEqual([]);
  // Files open for writing (worker.nodeDrain waits for none): only a whole number the agent can take.
  const worker = asPod(fixture('worker-xrootd'), 'physics-worker-0');
  expect(readReport(worker.replace('<opw>0</opw>', '<opw>3</opw>')).openForWrite).toBe(3);
  for (const forged of ['<opw>-1</opw>', '<opw>1.5</opw>', '<opw>99999999999999999999</opw>', '<opw>x</opw>']) {
    expect(readReport(worker.replace('<opw>0</opw>', forged)).openForWrite).toBeUndefined();
  }
  // The collector serves each data server's latest figure to the agent (worker.storage.autoExpand), a manager's none.
  const c = collector();
  c.receive(Buffer.from(asPod(fixture('worker-xrootd'), 'physics-worker-0')), '10.0.0.1');
  c.receive(Buffer.from(asPod(fixture('redirector-xrootd'), 'physics-redirector-0')), '10.0.0.2');
  expect(c.spaces()).toEqual([{ pod: 'physics-worker-0', bytes: 264212084 * 1024, freeBytes: 70151316 * 1024, openForWrite: 0, reportedAt: clock }]);
  // Every figure is one the collector defines (and docs/monitoring.md lists).
  expect(r.values.every((s) => METRICS.some((m) => m.name === s.metric))).toBe(true);
});

test('a manager\'s cmsd report lists the subscribed servers by pod', () => {
  const r = readReport(fixture('redirector-cmsd').replace(/<host>vm<\/host><role>S/, '<host>physics-worker-0.physics-worker.ns.svc.cluster.local</host><role>S')
    .replace(/<host>vm<\/host><role>S/, '<host>physics-worker-1.physics-worker.ns.svc.cluster.local</host><role>S'));
  expect(r.members).toEqual([
    { pod: 'physics-worker-0', host: 'physics-worker-0.physics-worker.ns.svc.cluster.local', status: 'awn', active: true },
    { pod: 'physics-worker-1', host: 'physics-worker-1.physics-worker.ns.svc.cluster.local', status: 'awn', active: true },
  ]);
  expect(r.values.find((s) => s.metric === 'xrootd_cms_subscribed_servers')?.value).toBe(2);
});

test('counters follow XRootD\'s absolute counts, restart from zero with the daemon, and gauges are set', async () => {
  const c = collector();
  const packet = asPod(fixture('worker-xrootd'), 'physics-worker-0');
  const labels = { pod: 'physics-worker-0', role: 'worker', daemon: 'xrootd' };
  expect(c.receive(withValue(packet, 'in', 1000))).toBe('accepted');
  expect(await value(c, 'xrootd_received_bytes_total', labels)).toBe(1000);
  c.receive(withValue(packet.replace(/tod="\d+"/, 'tod="1796155300"'), 'in', 1500));
  expect(await value(c, 'xrootd_received_bytes_total', labels)).toBe(1500);
  // Restarted: a new start time, counting from zero again.
  c.receive(withValue(packet.replace(/tos="\d+"/, 'tos="1796155900"').replace(/tod="\d+"/, 'tod="1796155910"'), 'in', 40));
  expect(await value(c, 'xrootd_received_bytes_total', labels)).toBe(40);
  expect(await value(c, 'xrootd_connections', labels)).toBe(0);
  expect(await value(c, 'xrootd_start_time_seconds', labels)).toBe(1796155900);
});

test('a server leaving a manager\'s list disappears from its members; a daemon that stops reporting disappears after the stale period', async () => {
  const c = collector();
  const manager = fixture('redirector-cmsd').replace(/src="vm:/, 'src="physics-redirector-0:')
    .replace(/<host>vm<\/host><role>S/, '<host>physics-worker-0</host><role>S').replace(/<host>vm<\/host><role>S/, '<host>physics-worker-1</host><role>S');
  c.receive(manager);
  expect(c.membership()[0].members.map((m) => m.pod)).toEqual(['physics-worker-0', 'physics-worker-1']);
  const oneLeft = manager.replace(/<node>2<stats id="0">.*?<\/stats>/, '<node>1').replace(/tod="\d+"/, 'tod="1796155999"');
  c.receive(oneLeft);
  expect(c.membership()[0].members.map((m) => m.pod)).toEqual(['physics-worker-1']);
  expect(await value(c, 'xrootd_cms_member', { member: 'physics-worker-0' })).toBeUndefined();
  expect(await value(c, 'xrootd_cms_subscribed_servers', { pod: 'physics-redirector-0' })).toBe(1);
  clock += 31_000;
  expect(c.membership()).toEqual([]);
  expect(await value(c, 'xrootd_cms_subscribed_servers', { pod: 'physics-redirector-0' })).toBeUndefined();
});

test('what is not a report is counted and dropped, never thrown: broken XML, other XML, oversized, random bytes, cut packets', async () => {
  const c = collector();
  const good = fixture('worker-xrootd');
  const cases: [string | Buffer, string][] = [
    ['<statistics tod="1"', 'malformed'], ['<!DOCTYPE x [<!ENTITY a "b">]><statistics/>', 'malformed'], ['<a><b></a></b>', 'malformed'],
    ['<html><body>hi</body></html>', 'foreign'], [good.replace('pgm="xrootd"', 'pgm="httpd"'), 'foreign'],
    [good.replace(/src="[^"]*"/, 'src="a b:1"'), 'foreign'], [good.replace(/ins="[^"]*"/, 'ins="<x>"'), 'malformed'],
    [Buffer.alloc(70_000, 0x41), 'oversized'],
  ];
  // Deeply nested or with too many elements: refused before they cost anything.
  cases.push([`<statistics>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</statistics>`, 'malformed'], [`<statistics>${'<a/>'.repeat(12_000)}</statistics>`, 'malformed']);
  for (const [packet, result] of cases) {
    expect({ packet: String(packet).slice(0, 40), result: c.receive(packet) }).toEqual({ packet: String(packet).slice(0, 40), result });
  }
  for (let i = 0; i < 300; i++) {
    expect(['malformed', 'foreign', 'accepted']).toContain(c.receive(randomBytes(1 + (i * 37) % 2000)));
    expect(['malformed', 'foreign', 'accepted']).toContain(c.receive(good.slice(0, (i * 13) % good.length)));
  }
  expect(await value(c, 'xrootd_collector_packets_total', { result: 'oversized' })).toBe(1);
  expect(await value(c, 'xrootd_collector_packets_total', { result: 'malformed' })).toBeGreaterThan(300);
});

test('servers a manager lists by address are named by the pod that reports from that address; a shared address stays an address', () => {
  const c = collector();
  for (const [pod, address] of [['physics-worker-0', '10.0.0.5'], ['physics-worker-1', '10.0.0.6']]) {
    expect(c.receive(asPod(fixture('worker-cmsd'), pod), `::ffff:${address}`)).toBe('accepted');
  }
  c.receive(asPod(fixture('worker-xrootd'), 'physics-worker-7'), '10.0.0.7');
  c.receive(asPod(fixture('worker-xrootd'), 'physics-worker-8'), '10.0.0.7');
  const manager = fixture('redirector-cmsd').replace(/src="vm:/, 'src="physics-redirector-0:')
    .replace(/<host>vm<\/host><role>S<\/role><run>awn/, '<host>[::10.0.0.5]</host><role>S</role><run>awn')
    .replace(/<host>vm<\/host><role>S<\/role><run>awn/, '<host>[::ffff:10.0.0.7]</host><role>S</role><run>sw');
  c.receive(manager, '10.0.0.1');
  expect(c.membership().find((m) => m.pod === 'physics-redirector-0')?.members).toEqual([
    { pod: 'physics-worker-0', host: '[::10.0.0.5]', address: '10.0.0.5', status: 'awn', active: true },
    { pod: '10.0.0.7', host: '[::ffff:10.0.0.7]', address: '10.0.0.7', status: 'sw', active: false },
  ]);
});

describe('a cache server (spec.cache): its summary, the file cache\'s records (g-stream) and its disk reports', () => {
  const json = (name: string): string => readFileSync(join(repoRoot(), 'test/fixtures/xrd-report', `${name}.json`), 'utf8');
  const pod = 'cache-worker-0';
  const gstream = (release: string): string => json(`cache-gstream-${release}`).replace('"host":"vm"', `"host":"${pod}.cache-worker.ns.svc.cluster.local"`);
  const disks = (name = pod, used = 300) => JSON.stringify({ code: 'xrootd-k8s.cache-disks', host: name, ins: 'worker', tod: 1796548500, disks: [{ disk: 0, kib: 1000, usedKib: used }, { disk: 1, kib: 3000, usedKib: 100 }] });
  const at = { pod, role: 'worker', daemon: 'xrootd' };
  const summary = (): string => asPod(fixture('cache-worker-xrootd'), pod);

  test('5.5.3\'s summary, with its `<hits>0></hits>`, is read; the proxy\'s opens at the origin are counted', async () => {
    const c = collector();
    expect(c.receive(summary(), '10.0.0.5')).toBe('accepted');
    expect(await value(c, 'xrootd_cache_origin_opens_total', at)).toBe(1);
    expect(await value(c, 'xrootd_cache_origin_open_errors_total', at)).toBe(0);
  });

  test('the file cache\'s records add up per pod; from 5.7.2 what was fetched too', async () => {
    const c = collector();
    c.receive(summary(), '10.0.0.5');
    expect(c.receive(gstream('5.8.1'), '10.0.0.5')).toBe('accepted');
    expect(await value(c, 'xrootd_cache_fetched_bytes_total', at)).toBe(3000000);
    expect(await value(c, 'xrootd_cache_hit_bytes_total', at)).toBe(4245184 + 3000000);
    expect(await value(c, 'xrootd_cache_closed_files_total', at)).toBe(2);
    expect(c.receive(gstream('5.8.1'), '10.0.0.5')).toBe('accepted');
    expect(await value(c, 'xrootd_cache_closed_files_total', at)).toBe(4);
    // 5.5.3 says nothing of what it fetched: no such series rather than a wrong one.
    const old = collector();
    old.receive(summary(), '10.0.0.5');
    expect(old.receive(gstream('5.5.3'), '10.0.0.5')).toBe('accepted');
    expect(await value(old, 'xrootd_cache_fetched_bytes_total', at)).toBeUndefined();
    expect(await value(old, 'xrootd_cache_hit_bytes_total', at)).toBe(6000000);
    // The summary that follows keeps the records' series (they are not in it).
    old.receive(summary().replace(/tod="\d+"/, 'tod="1796548430"'), '10.0.0.5');
    expect(await value(old, 'xrootd_cache_hit_bytes_total', at)).toBe(6000000);
  });

  test('disk reports set each disk\'s size and use; /membership\'s caches carry them with the bytes sent and fetched', async () => {
    const c = collector();
    c.receive(summary(), '10.0.0.5');
    expect(c.receive(disks(), '10.0.0.5')).toBe('accepted');
    expect(await value(c, 'xrootd_cache_disk_bytes', { ...at, disk: '1' })).toBe(3000 * 1024);
    expect(await value(c, 'xrootd_cache_disk_used_bytes', { ...at, disk: '0' })).toBe(300 * 1024);
    c.receive(gstream('5.8.1'), '10.0.0.5');
    c.receive(withValue(summary().replace(/tod="\d+"/, 'tod="1796548430"'), 'out', 9_000_000), '10.0.0.5');
    const [figures] = c.caches();
    expect(figures).toMatchObject({
      pod, fetchedBytes: 3000000, disks: [{ disk: 0, bytes: 1024000, usedBytes: 307200 }, { disk: 1, bytes: 3072000, usedBytes: 102400 }],
    });
    // Bytes sent count from when the collector first heard of the pod.
    expect(figures.sentBytes).toBe(9_000_000 - Number(/<out>(\d+)<\/out>/.exec(summary())![1]));
  });

  test('a pod reports only as itself: records and disk reports of a pod not reporting its summary, or from another pod\'s address, are refused', async () => {
    const c = collector();
    expect(c.receive(disks(), '10.0.0.5')).toBe('foreign');
    expect(c.receive(gstream('5.8.1'), '10.0.0.5')).toBe('foreign');
    c.receive(summary(), '10.0.0.5');
    c.receive(asPod(fixture('worker-xrootd'), 'cache-worker-1'), '10.0.0.6');
    expect(c.receive(disks(pod), '10.0.0.6')).toBe('foreign');
    expect(c.receive(gstream('5.8.1'), '10.0.0.6')).toBe('foreign');
    expect(await value(c, 'xrootd_cache_disk_bytes', { ...at, disk: '0' })).toBeUndefined();
  });

  test('a file named to look like counts does not change them: the record\'s own counts, after its name, are read', async () => {
    const c = collector();
    c.receive(summary(), '10.0.0.5');
    const forged = gstream('5.8.1').replace('"lfn":"/f.bin"', '"lfn":"/x","b_hit":1,"b_miss":1,"b_bypass":1,"b_todisk":999999999999,"y":"');
    expect(c.receive(forged, '10.0.0.5')).toBe('accepted');
    expect(await value(c, 'xrootd_cache_fetched_bytes_total', at)).toBe(3000000);
  });

  test('what is not a cache packet is refused, never thrown: other JSON, broken JSON, bad disks, other g-streams', () => {
    const c = collector();
    c.receive(summary(), '10.0.0.5');
    for (const packet of ['{', '{"code":"x"}', '{"code":"g","gs":{"type":"T"},"src":{"host":"cache-worker-0","inst":"worker","pgm":"xrootd"}}',
      disks().replace('"usedKib":300', '"usedKib":3000'), disks().replace('"disk":0', '"disk":-1'), disks().replace('"disk":0', '"disk":64'), disks().replace('"ins":"worker"', '"ins":"Worker!"'),
      disks().replace(/"disks":\[.*\]/, '"disks":[]'), `{"code":"xrootd-k8s.cache-disks","host":"${'a'.repeat(300)}"}`, `{${randomBytes(200).toString('latin1')}`]) {
      expect({ packet: packet.slice(0, 60), result: c.receive(packet, '10.0.0.5') }).toEqual({ packet: packet.slice(0, 60), result: 'foreign' });
    }
  });
});

test('a label value from a packet (an exported path) with quotes, backslashes and a newline is escaped in the text format: one line per series', () => {
  const c = collector();
  const hostile = '/data"} 1\nevil_metric{a="b\\';
  const packet = asPod(fixture('worker-xrootd'), 'physics-worker-0').replace(/<lp>"[^<]*"<\/lp>/, `<lp>"${hostile}"</lp>`);
  expect(c.receive(packet)).toBe('accepted');
  const lines = c.metricsText().split('\n').filter((l) => l.startsWith('xrootd_space_bytes{'));
  expect(lines.length).toBeGreaterThan(0);
  expect(c.metricsText()).not.toMatch(/^evil_metric/m);
  expect(lines.some((l) => l.includes('path="\\"/data\\"} 1\\nevil_metric{a=\\"b\\\\'))).toBe(true);
  for (const l of lines) expect(l).toMatch(/^xrootd_space_bytes\{(?:[a-z_]+="(?:[^"\\\n]|\\["\\n])*",?)+\} \d+$/);
});
