/**
 * spec.cache at its limits, on real XRootD daemons on loopback, in front of a generated origin:
 * - a file larger than the cache server's memory for blocks (pfc.ram, 1 GiB at least) reads back
 *   whole through a cache whose clients name the origin in the path (pss.origin =);
 * - a cache server whose data disk is a small file system the test makes (a 64 MiB tmpfs) purges
 *   when filled past diskUsage.highPercent, back below lowPercent, the files read longest ago first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, statSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cacheDataPath } from '../../constructs/cache.js';
import { DATA_DIR } from '../../constructs/pod-template.js';
import { requirePrograms, run, waitFor } from '../helpers/processes.js';
import { LoopbackCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-xcache-fill-'));
chmodSync(scratch, 0o755);
const env = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '60' };
const MiB = 1 << 20;
/** pfc.ram's floor is 1 GiB (XrdPfcConfiguration.cc): the large file is larger. */
const LARGE = 1024 * MiB + 3 * MiB + 12345;
const SMALL_FILE = 2 * MiB;
const SMALL_FILES = Array.from({ length: 7 }, (_, i) => `f${i}.bin`);
/**
 * Until it rescans its disks (oss.cachescan, 10 minutes), XRootD's storage counts a new file's
 * space twice (its allocation, then its growth): the disk is large enough for twice the files.
 */
const TMPFS_MIB = 64;
/**
 * XRootD protects from a purge every file opened since its last fill-level check (XrdPfc's purge
 * delay set, cleared at each check): the purge that finds the disk too full removes only files
 * read before the check that preceded it. lowPercent: the coldest three (f2-f4 below) suffice.
 */
const DISK_USAGE = { lowPercent: 15, highPercent: 20, purgeIntervalSeconds: 60 };

let origin: LoopbackCluster;
let named: LoopbackCluster;
let small: LoopbackCluster;
/** The tmpfs the small cache server's data disk is. */
let smallDisk = '';
const sums = new Map<string, string>();

const sha256File = (path: string): string => {
  const r = run(['sha256sum', path]);
  if (r.code !== 0) throw new Error(`sha256sum ${path}: ${r.out}`);
  return r.out.split(/\s+/)[0];
};

/** Writes `bytes` random bytes to a file of the scratch directory in chunks, and remembers its sha256. */
function makeFile(name: string, bytes: number): string {
  const path = join(scratch, name);
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  for (let left = bytes; left > 0;) {
    const chunk = randomBytes(Math.min(left, 64 * MiB));
    writeSync(fd, chunk);
    hash.update(chunk);
    left -= chunk.length;
  }
  closeSync(fd);
  sums.set(name, hash.digest('hex'));
  return path;
}

beforeAll(async () => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'sha256sum', 'mount', 'umount'], 'install Debian\'s xrootd-server and xrootd-client (.ci/run does)');
  if (process.getuid?.() !== 0) throw new Error('mounting the cache\'s small data disk (tmpfs) needs root');
  origin = await LoopbackCluster.start({ name: 'origin', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 } });
  await origin.waitForMembers(1);
  for (const [name, bytes] of [['large.bin', LARGE] as const, ...SMALL_FILES.map((n) => [n, SMALL_FILE] as const)]) {
    const local = makeFile(name, bytes);
    const r = run(['xrdcp', '--nopbar', local, origin.url(0, `/data/${name}`)], env, 180_000);
    if (r.code !== 0) throw new Error(`seeding ${name} on the origin failed: ${r.out}`);
    rmSync(local);
  }
  named = await LoopbackCluster.start({
    name: 'named', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    cache: { origin: { clientNamed: true }, blockSize: '1Mi', dataDisks: { count: 1, capacity: '2Gi' } },
  });
  // The small cache server's volume, with its data disk a tmpfs mounted where the pod mounts the claim.
  const smallVolume = join(scratch, 'small-volume');
  smallDisk = join(smallVolume, cacheDataPath(0));
  mkdirSync(smallDisk, { recursive: true });
  const mounted = run(['mount', '-t', 'tmpfs', '-o', `size=${TMPFS_MIB}m,mode=0755`, 'xrd-xcache-disk', smallDisk]);
  if (mounted.code !== 0) throw new Error(`mounting the small data disk failed: ${mounted.out}`);
  small = await LoopbackCluster.start({
    name: 'small', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    cache: { origin: { address: `127.0.0.1:${origin.pod('redirector', 0).port}` }, blockSize: '256Ki', diskUsage: DISK_USAGE, dataDisks: { count: 1, capacity: `${TMPFS_MIB}Mi` } },
  }, { dataDirOf: () => smallVolume });
  await Promise.all([named.waitForMembers(1), small.waitForMembers(1)]);
}, 10 * 60_000);

afterAll(async () => {
  await Promise.all([named?.stop(), small?.stop(), origin?.stop()]);
  if (smallDisk && existsSync(smallDisk)) run(['umount', smallDisk]);
  rmSync(scratch, { recursive: true, force: true });
});

function withLogs<T>(cluster: () => LoopbackCluster, body: () => T): T {
  try {
    return body();
  } catch (e) {
    console.error(`cache logs:\n${cluster().logs(60)}\n\norigin logs:\n${origin.logs(20)}`);
    throw e;
  }
}

/** Reads `path` through a cluster's redirector into the scratch directory: its sha256, or the client's error. */
function read(cluster: LoopbackCluster, path: string, label: string): string {
  const back = join(scratch, `${label}.${Date.now()}.back`);
  const r = run(['xrdcp', '--force', '--nopbar', cluster.url(0, path), back], env, 300_000);
  if (r.code !== 0) return `failed: ${r.out.trim().split('\n').pop()}`;
  const sum = sha256File(back);
  rmSync(back);
  return sum;
}

/** Where a cache server keeps its copy of `path`: the data-space file its namespace entry links to, on the host. */
function copyOf(cluster: LoopbackCluster, path: string): string | undefined {
  const server = cluster.of('worker')[0];
  const entry = join(server.dataDir, path);
  if (!lstatSync(entry, { throwIfNoEntry: false })?.isSymbolicLink()) return undefined;
  const target = readlinkSync(entry);
  return target.startsWith(`${DATA_DIR}/`) ? join(server.dataDir, relative(DATA_DIR, target)) : target;
}

test('a file larger than pfc.ram, from an origin the client names, reads back whole and lies whole on the data disk', () => withLogs(() => named, () => {
  const originUrl = `root://127.0.0.1:${origin.pod('redirector', 0).port}//data/large.bin`;
  expect(read(named, `/${originUrl}`, 'large')).toBe(sums.get('large.bin'));
  // The copy on the cache server's data disk is the origin's file, whole.
  const disk = join(named.of('worker')[0].dataDir, cacheDataPath(0));
  const copies = filesUnder(disk).filter((f) => statSync(f).size === LARGE);
  expect(copies).toHaveLength(1);
  expect(sha256File(copies[0])).toBe(sums.get('large.bin'));
}), 10 * 60_000);

test('a path that names no origin is refused by a client-named cache', () => {
  expect(read(named, '/data/f0.bin', 'unnamed')).toMatch(/^failed/);
});

const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));

/** The small data disk's fill level, in percent, as the cache server sees it (statfs of the tmpfs). */
function fillPercent(): number {
  const s = statfsSync(smallDisk);
  return (100 * (s.blocks - s.bfree)) / s.blocks;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('filled past highPercent, a cache server purges back below lowPercent, the files read longest ago first', async () => {
  // Purges run on a timer: the disk crosses highPercent only with the last file, so that the purge
  // that follows finds every file read, in a known order of last reads (a second apart: the
  // cache's access times are in seconds). f0 and f1 are read again after f2-f4: f2 is coldest.
  // Files read since the last check are protected from the next purge: a check passes (a purge
  // interval) before f5 and f6 take the disk past highPercent, so that only those two are.
  const order = ['f2.bin', 'f3.bin', 'f4.bin', 'f0.bin', 'f1.bin', 'f5.bin', 'f6.bin'];
  // The highest fill level, sampled every 100 ms from f5 on: the purge may follow the last copy within a second (CI saw it).
  let filled = 0;
  let sampler: NodeJS.Timeout | undefined;
  for (const [i, name] of ['f0.bin', 'f1.bin', ...order].entries()) {
    if (name === 'f5.bin') {
      expect(fillPercent()).toBeLessThanOrEqual(DISK_USAGE.highPercent);
      await pause((DISK_USAGE.purgeIntervalSeconds + 5) * 1000);
      sampler = setInterval(() => { filled = Math.max(filled, fillPercent()); }, 100).unref();
    }
    withLogs(() => small, () => expect({ name, sum: read(small, `/data/${name}`, `${name}-${i}`) }).toEqual({ name, sum: sums.get(name) }));
    filled = Math.max(filled, fillPercent());
    await pause(1100);
  }
  const level = await waitFor(`the purge (every ${DISK_USAGE.purgeIntervalSeconds} s)`, () => {
    const p = fillPercent();
    return p < DISK_USAGE.lowPercent ? p : undefined;
  }, DISK_USAGE.purgeIntervalSeconds * 1000 + 60_000, 1000).catch((e: Error) => {
    throw new Error(`${e.message}: the data disk stays ${fillPercent().toFixed(1)}% full\n${small.logs(40)}`);
  });
  clearInterval(sampler);
  const kept = order.filter((name) => {
    const copy = copyOf(small, `/data/${name}`);
    return copy !== undefined && existsSync(copy);
  });
  console.log(`purge: the data disk went from ${filled.toFixed(1)}% down to ${level.toFixed(1)}% (low ${DISK_USAGE.lowPercent}%, high ${DISK_USAGE.highPercent}%); kept ${kept.join(', ')}`);
  expect(filled).toBeGreaterThan(DISK_USAGE.highPercent);
  // What went were the coldest files, in the order they were last read; the last read stays.
  const purged = order.filter((n) => !kept.includes(n));
  expect(purged.length).toBeGreaterThan(0);
  expect(purged).toEqual(order.slice(0, purged.length));
  expect(kept).toContain('f6.bin');
  // A purged file is a miss again, fetched anew from the origin.
  withLogs(() => small, () => expect(read(small, `/data/${purged[0]}`, 'refetched')).toBe(sums.get(purged[0])));
}, 6 * 60_000);

test('the cache clusters started clean on their release: nothing in their configuration ignored, unknown or deprecated', () => {
  expect([...named.configWarnings(), ...small.configWarnings()]).toEqual([]);
});
