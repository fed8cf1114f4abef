/**
 * spec.monitoring on real XRootD daemons from the project's image, each container with its pod's
 * host name (as in Kubernetes), reporting to the collector command run as its own process on
 * loopback: the figures of known transfers land on the pod that served them, a manager's
 * subscribed servers drop when a data server's cmsd stops, and what is not a report is counted.
 */
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectImage } from '../helpers/containers.js';
import { startCollector, type RunningCollector, type Scrape } from '../helpers/collector.js';
import { logOf, run, waitFor } from '../helpers/processes.js';
import { LoopbackCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-monitoring-'));
let collector: RunningCollector;
let cluster: LoopbackCluster;
let udpPort: number;
let httpPort: number;

beforeAll(async () => {
  const image = projectImage('xrootd');
  collector = await startCollector({ cluster: 'mon', namespace: 'physics', dir: scratch, staleSeconds: 8 });
  [udpPort, httpPort] = [Number(collector.address.split(':')[1]), collector.httpPort];
  cluster = await LoopbackCluster.start({
    name: 'mon', version: '5.5.3', site: 'T2_XK_Loopback', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 2 }, monitoring: { enabled: true, reportIntervalSeconds: 2 },
  }, { image, collector: `127.0.0.1:${udpPort}` });
  await cluster.waitForMembers(2);
}, 30 * 60_000);
afterAll(async () => {
  await cluster?.stop();
  await collector?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`collector log:\n${logOf(collector.daemon, 30)}\n\ndaemon logs:\n${cluster.logs(20)}`);
    throw e;
  }
}

/** The scraped series, by name and labels. */
const scrape = (): Promise<Scrape> => collector.scrape();

/** Waits for the next reports to carry what `check` wants. */
const until = <T>(what: string, check: (get: Scrape) => T | undefined, timeoutMs = 30_000) =>
  waitFor(what, async () => check(await scrape()), timeoutMs, 500);

test('every daemon of every pod reports, named by its pod, role and daemon', () => withLogs(async () => {
  await until('reports from all six daemons', (get) => {
    const all = ['mon-redirector-0', 'mon-worker-0', 'mon-worker-1'].flatMap((pod) => ['xrootd', 'cmsd'].map((daemon) => get('xrootd_start_time_seconds', { pod, daemon })));
    return all.every((v) => v !== undefined && v > 0) ? true : undefined;
  });
  const get = await scrape();
  expect(get('xrootd_start_time_seconds', { cluster: 'mon', namespace: 'physics', pod: 'mon-worker-1', role: 'worker', daemon: 'xrootd' })).toBeGreaterThan(0);
  expect(get('xrootd_space_bytes', { pod: 'mon-worker-0', path: '/data' })).toBeGreaterThan(0);
  // spec.site, as the daemons themselves put it in their reports (all.sitename).
  for (const daemon of ['xrootd', 'cmsd']) expect(get('xrootd_site_info', { pod: 'mon-redirector-0', daemon, site: 'T2_XK_Loopback' })).toBe(1);
  expect(await until('the manager counting both data servers', (g) => (g('xrootd_cms_subscribed_servers', { pod: 'mon-redirector-0' }) === 2 ? 2 : undefined))).toBe(2);
}), 60_000);

test('a write and a read of known sizes move the bytes and opens of the data server that served them, not the other', () => withLogs(async () => {
  const size = 6 << 20;
  const before = await scrape();
  const local = join(scratch, 'known.bin');
  writeFileSync(local, Buffer.alloc(size, 0x5a));
  const redirector = `root://127.0.0.1:${cluster.pod('redirector', 0).port}/`;
  expect(run(['xrdcp', '--force', '--nopbar', local, `${redirector}/data/known.bin`])).toMatchObject({ code: 0 });
  expect(run(['xrdcp', '--force', '--nopbar', `${redirector}/data/known.bin`, join(scratch, 'known.back')])).toMatchObject({ code: 0 });
  const served = cluster.of('worker').find((w) => readdirSync(join(w.dataDir, 'data')).includes('known.bin'))!;
  const other = cluster.of('worker').find((w) => w !== served)!;
  const at = (pod: string) => ({ pod, daemon: 'xrootd' });
  const moved = (get: Scrape, name: string, pod: string, labels: Record<string, string> = {}) =>
    (get(name, { ...at(pod), ...labels }) ?? 0) - (before(name, { ...at(pod), ...labels }) ?? 0);
  // Each daemon reports on its own clock: wait for the redirector's report too.
  const after = await until('the served pod\'s and the redirector\'s reports after both copies', (get) =>
    (moved(get, 'xrootd_received_bytes_total', served.name) >= size && moved(get, 'xrootd_sent_bytes_total', served.name) >= size
      && moved(get, 'xrootd_redirects_total', 'mon-redirector-0') >= 2 ? get : undefined));
  expect(moved(after, 'xrootd_operations_total', served.name, { operation: 'open' })).toBeGreaterThanOrEqual(2);
  expect(moved(after, 'xrootd_operations_total', served.name, { operation: 'write' })).toBeGreaterThanOrEqual(1);
  expect(moved(after, 'xrootd_operations_total', served.name, { operation: 'read' })).toBeGreaterThanOrEqual(1);
  expect(moved(after, 'xrootd_received_bytes_total', other.name)).toBeLessThan(size / 8);
  expect(moved(after, 'xrootd_redirects_total', 'mon-redirector-0')).toBeGreaterThanOrEqual(2);
}), 60_000);

test('a data server whose cmsd stops leaves the manager\'s list; its series go after the stale period', () => withLogs(async () => {
  const leaving = cluster.pod('worker', 1);
  await cluster.stopDaemon(leaving, 'cmsd');
  await until('the manager counting one data server', (get) => (get('xrootd_cms_subscribed_servers', { pod: 'mon-redirector-0' }) === 1 ? true : undefined));
  const membership = await (await fetch(`http://127.0.0.1:${httpPort}/membership`)).json() as { managers: { pod: string; members: { active: boolean }[] }[] };
  expect(membership.managers.find((m) => m.pod === 'mon-redirector-0')!.members.filter((m) => m.active)).toHaveLength(1);
  await until('the stopped cmsd\'s series gone', (get) => (get('xrootd_start_time_seconds', { pod: leaving.name, daemon: 'cmsd' }) === undefined ? true : undefined), 20_000);
  expect((await scrape())('xrootd_start_time_seconds', { pod: leaving.name, daemon: 'xrootd' })).toBeGreaterThan(0);
}), 60_000);

test('packets that are not reports are counted and dropped; the collector keeps serving', () => withLogs(async () => {
  const socket = dgram.createSocket('udp4');
  for (const p of ['not xml at all', '<statistics tod="1"', '<html></html>', Buffer.alloc(61_000, 0x3c)]) {
    await new Promise<void>((resolve, reject) => socket.send(p, udpPort, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
  socket.close();
  const get = await until('the dropped packets counted', (g) => ((g('xrootd_collector_packets_total', { result: 'oversized' }) ?? 0) >= 1 ? g : undefined));
  expect(get('xrootd_collector_packets_total', { result: 'malformed' })).toBeGreaterThanOrEqual(2);
  expect(get('xrootd_collector_packets_total', { result: 'foreign' })).toBeGreaterThanOrEqual(1);
  expect(get('xrootd_collector_packets_total', { result: 'accepted' })).toBeGreaterThan(10);
  expect(collector.daemon.exited).toBe(false);
}), 60_000);

test('the cluster started clean on its release: nothing in its configuration ignored, unknown or deprecated', () => {
  expect(cluster.configWarnings()).toEqual([]);
});
