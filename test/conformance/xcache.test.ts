/**
 * spec.cache on real XRootD daemons on loopback: a generated cache cluster (a redirector in front
 * of two cache servers from the project's image, each with two data disks) in front of a generated
 * origin cluster. A first read through the cache's redirector is a miss: the redirector sends the
 * client to a cache server, which fetches the file from the origin block by block; the copy lies
 * in that server's data space, linked from its namespace, its metadata in the metadata space. The
 * next reads are hits, and still are with the origin stopped, while a file never read is then
 * unreachable. The cache reports to the collector (spec.monitoring): the file cache's records,
 * its disks' fill level and its failed opens at the origin, and status.cache from them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { compareVersions, resolveCluster, type XrootdClusterProps } from '../../constructs/index.js';
import { cacheStatus } from '../../src/agent/cache-status.js';
import type { MembershipReport } from '../../src/agent/membership.js';
import { startCollector, type RunningCollector, type Scrape } from '../helpers/collector.js';
import { projectImage, releaseUnderTest } from '../helpers/containers.js';
import { DATA_DIR } from '../../constructs/pod-template.js';
import { requirePrograms, run, waitFor } from '../helpers/processes.js';
import { LoopbackCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-xcache-'));
chmodSync(scratch, 0o755);
const FILES = ['a.bin', 'b.bin', 'never-read.bin'];
let origin: LoopbackCluster;
let cache: LoopbackCluster;
let collector: RunningCollector;
let props: XrootdClusterProps;
const release = releaseUnderTest() ?? '5.5.3';
/** The file cache counts what it fetched from the origin (b_todisk) from 5.7.2. */
const countsFetched = compareVersions(release, '5.7.2') >= 0;
const sums = new Map<string, string>();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const env = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '30' };

beforeAll(async () => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp'], 'install Debian\'s xrootd-server and xrootd-client (.ci/run does)');
  origin = await LoopbackCluster.start({ name: 'origin', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 } });
  await origin.waitForMembers(1);
  for (const [i, name] of FILES.entries()) {
    const local = join(scratch, name);
    writeFileSync(local, randomBytes((1 + i) * (700 << 10)));
    sums.set(name, sha256(readFileSync(local)));
    const r = run(['xrdcp', '--nopbar', local, origin.url(0, `/data/${name}`)], env, 60_000);
    if (r.code !== 0) throw new Error(`seeding ${name} on the origin failed: ${r.out}`);
  }
  const top = origin.pod('redirector', 0);
  collector = await startCollector({ cluster: 'cache', namespace: 'physics', dir: scratch });
  props = {
    name: 'cache', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 2 }, monitoring: { enabled: true, reportIntervalSeconds: 2 },
    cache: { origin: { address: `${top.host}:${top.port}` }, blockSize: '64Ki', prefetch: 4, dataDisks: { count: 2, capacity: '1Gi' } },
  };
  cache = await LoopbackCluster.start(props, { image: projectImage('xrootd'), collector: collector.address });
  await cache.waitForMembers(2).catch((e: Error) => {
    throw new Error(`${e.message}\n\ncache logs:\n${cache.logs(40)}`);
  });
}, 5 * 60_000);
afterAll(async () => {
  await Promise.all([cache?.stop(), origin?.stop(), collector?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

function withLogs(body: () => void): void {
  try {
    body();
  } catch (e) {
    console.error(`cache logs:\n${cache.logs(60)}\n\norigin logs:\n${origin.logs(30)}`);
    throw e;
  }
}

/** Reads a file through the cache's redirector; its bytes' sha256, or the client's error. */
function readThroughCache(name: string): string {
  const back = join(scratch, `${name}.${Date.now()}.back`);
  const r = run(['xrdcp', '--force', '--nopbar', cache.url(0, `/data/${name}`), back], env, 90_000);
  return r.code === 0 ? sha256(readFileSync(back)) : `failed: ${r.out.trim().split('\n').pop()}`;
}

/**
 * The cache servers holding a copy of /data/<name>: its namespace entry links into a data space.
 * Link targets are the daemons' paths: in a container, below the pod's mount point of the volume.
 */
function holders(name: string): Array<{ server: string; data: string; meta: string }> {
  return cache.of('worker').flatMap((p) => {
    const entry = join(p.dataDir, 'data', name);
    const onHost = (target: string): string => (target.startsWith(`${DATA_DIR}/`) ? join(p.dataDir, relative(DATA_DIR, target)) : target);
    if (!lstatSync(entry, { throwIfNoEntry: false })?.isSymbolicLink()) return [];
    return [{ server: p.name, data: onHost(readlinkSync(entry)), meta: onHost(readlinkSync(`${entry}.cinfo`)) }];
  });
}

test('a miss is fetched from the origin by one cache server, the copy on one of its data disks and its metadata in the metadata space', () => withLogs(() => {
  for (const name of ['a.bin', 'b.bin']) expect({ name, sum: readThroughCache(name) }).toEqual({ name, sum: sums.get(name) });
  for (const name of ['a.bin', 'b.bin']) {
    const found = holders(name);
    expect(found).toHaveLength(1);
    const server = cache.of('worker').find((p) => p.name === found[0].server)!;
    expect(found[0].data).toMatch(new RegExp(`^${server.dataDir}/\\.xcache/data-[01]/`));
    expect(found[0].meta).toMatch(new RegExp(`^${server.dataDir}/\\.xcache-meta/`));
    // The copy is whole once read through: the bytes on the cache's disk are the origin's.
    expect(sha256(readFileSync(found[0].data))).toBe(sums.get(name));
  }
  expect(holders('never-read.bin')).toEqual([]);
}));

/** Waits for the collector's scrape to carry what `check` wants. */
const until = <T>(what: string, check: (get: Scrape) => T | undefined, timeoutMs = 30_000) =>
  waitFor(what, async () => check(await collector.scrape()), timeoutMs, 500).catch(async (e: Error) => {
    const text = await (await fetch(`http://127.0.0.1:${collector.httpPort}/metrics`)).text();
    throw new Error(`${e.message}\n${text.split('\n').filter((l) => /^xrootd_(cache|collector|start_time)/.test(l)).join('\n')}`);
  });

test('the collector has each cache server\'s file cache records and data disks; status.cache shows fill level and hit ratio', async () => {
  const sizes = { 'a.bin': 700 << 10, 'b.bin': 1400 << 10 };
  const holder = (name: string) => holders(name)[0].server;
  // Reads of a.bin again: hits, served by its holder from its copy.
  for (let i = 0; i < 2; i++) withLogs(() => expect(readThroughCache('a.bin')).toBe(sums.get('a.bin')));
  // The file cache sends a record when it closes a file, which for the hits may come late: wait for
  // the misses' records (they carry what was fetched) and every disk report.
  const misses = new Map<string, number>();
  for (const name of ['a.bin', 'b.bin']) misses.set(holder(name), (misses.get(holder(name)) ?? 0) + 1);
  const reported = (g: Scrape) => cache.of('worker').every((p) => g('xrootd_cache_disk_bytes', { pod: p.name, disk: '1' }) !== undefined)
    && [...misses].every(([pod, n]) => (g('xrootd_cache_closed_files_total', { pod }) ?? 0) >= n);
  const get = await until('the file cache\'s records and the disk reports', (g) => (reported(g) ? g : undefined), 60_000);
  for (const p of cache.of('worker')) {
    for (const disk of ['0', '1']) {
      expect(get('xrootd_cache_disk_bytes', { pod: p.name, role: 'worker', daemon: 'xrootd', disk })).toBeGreaterThan(0);
      expect(get('xrootd_cache_disk_used_bytes', { pod: p.name, disk })).toBeGreaterThan(0);
    }
    expect(get('xrootd_cache_origin_open_errors_total', { pod: p.name })).toBe(0);
  }
  expect(get('xrootd_cache_origin_opens_total', { pod: holder('a.bin') })).toBeGreaterThanOrEqual(1);
  // Every byte a client read is a hit, a miss or passed through, as XRootD counts them.
  const read = (pod: string) => ['hit', 'miss', 'bypass'].reduce((sum, k) => sum + (get(`xrootd_cache_${k}_bytes_total`, { pod }) ?? 0), 0);
  expect(read(holder('a.bin'))).toBeGreaterThanOrEqual(sizes['a.bin']);
  if (countsFetched) {
    // Fetched once, each file by its holder: the hits fetched nothing.
    const fetched = (name: keyof typeof sizes) => get('xrootd_cache_fetched_bytes_total', { pod: holder(name) }) ?? 0;
    if (holder('a.bin') !== holder('b.bin')) expect(fetched('a.bin')).toBe(sizes['a.bin']);
    else expect(fetched('a.bin')).toBe(sizes['a.bin'] + sizes['b.bin']);
  } else {
    expect(get('xrootd_cache_fetched_bytes_total', { pod: holder('a.bin') })).toBeUndefined();
  }
  // A file the origin lacks: the cache server's open there fails, and is counted.
  expect(readThroughCache('not-at-the-origin.bin')).toMatch(/^failed/);
  await until('the failed open at the origin counted', (g) => (cache.of('worker').some((p) => (g('xrootd_cache_origin_open_errors_total', { pod: p.name }) ?? 0) >= 1) ? true : undefined));
  const status = cacheStatus(resolveCluster(props), await collector.json<MembershipReport>('/membership'));
  console.log(`status.cache on ${release}: ${JSON.stringify(status)}`);
  expect(status).toMatchObject({ servers: 2, fillPercent: expect.any(Number), fullestPercent: expect.any(Number), disposable: expect.stringContaining('without a drain') });
  expect(status!.fillPercent).toBeGreaterThan(0);
  if (countsFetched) expect(status!.hitPercent).toBeGreaterThan(0);
  else expect(status!.hitPercent).toBeUndefined();
}, 90_000);

test('hits are served by the cache alone: with the origin stopped, cached files read back identical and a file never read cannot be had', async () => {
  await origin.stop();
  withLogs(() => {
    for (const name of ['a.bin', 'b.bin']) expect({ name, sum: readThroughCache(name) }).toEqual({ name, sum: sums.get(name) });
    expect(readThroughCache('never-read.bin')).toMatch(/^failed/);
  });

}, 180_000);

test('the cache cluster started clean on its release: nothing in its configuration ignored, unknown or deprecated', () => {
  expect(cache.configWarnings()).toEqual([]);
});
