/**
 * cache: a generated cache cluster (spec.cache) in front of a generated origin cluster, on real
 * XRootD daemons on loopback (test/conformance/loopback-cluster.ts): for each of a few 256 MiB
 * files, read straight from the origin, then through the cache (a miss: the cache server fetches
 * it), then through the cache again (a hit). Time to first byte and read rate of each, one xrdcp
 * each to stdout, as a client job reads: TTFB counts the client's start, its login, the
 * redirect and the open (on a miss, the cache server's own open at the origin and first block).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LoopbackCluster } from '../test/conformance/loopback-cluster.js';
import { run } from '../test/helpers/processes.js';

const FILES = 3;
const FILE_BYTES = 256 << 20;
const env = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '120' };

interface Read { readonly ttfbMs: number; readonly mibPerSecond: number }

/** One xrdcp of `url` to stdout: when its first byte came, and the rate of the rest. */
function timedRead(url: string): Promise<Read> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    let bytes = 0;
    const child = spawn('xrdcp', ['--nopbar', '--force', url, '-'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      if (!first) first = performance.now();
      bytes += d.length;
    });
    child.on('close', (code) => {
      const end = performance.now();
      if (code !== 0 || bytes !== FILE_BYTES) return reject(new Error(`xrdcp ${url}: exit ${code}, ${bytes} bytes: ${err.trim()}`));
      resolve({ ttfbMs: first - t0, mibPerSecond: bytes / 2 ** 20 / ((end - first) / 1000) });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (label: string, reads: Read[]) => `${label} TTFB ${median(reads.map((r) => r.ttfbMs)).toFixed(0)} ms, ${median(reads.map((r) => r.mibPerSecond)).toFixed(0)} MiB/s`;

export async function cacheBench(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-cache-'));
  let origin: LoopbackCluster | undefined;
  let cache: LoopbackCluster | undefined;
  try {
    origin = await LoopbackCluster.start({ name: 'origin', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 } });
    await origin.waitForMembers(1);
    for (let i = 0; i < FILES; i++) {
      const local = join(scratch, `f${i}`);
      const fd = openSync(local, 'w');
      for (let left = FILE_BYTES; left > 0; left -= 64 << 20) writeSync(fd, randomBytes(64 << 20));
      closeSync(fd);
      const r = run(['xrdcp', '--nopbar', local, origin.url(0, `/data/f${i}`)], env, 300_000);
      if (r.code !== 0) throw new Error(`seeding f${i}: ${r.out}`);
      rmSync(local);
    }
    // OSG's settings (opensciencegrid/xcache): 512 KiB blocks, 10 read ahead.
    cache = await LoopbackCluster.start({
      name: 'cache', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
      cache: { origin: { address: `127.0.0.1:${origin.pod('redirector', 0).port}` }, blockSize: '512Ki', prefetch: 10, dataDisks: { count: 1, capacity: '10Gi' } },
    });
    await cache.waitForMembers(1);
    const direct: Read[] = [];
    const miss: Read[] = [];
    const hit: Read[] = [];
    for (let i = 0; i < FILES; i++) {
      direct.push(await timedRead(origin.url(0, `/data/f${i}`)));
      miss.push(await timedRead(cache.url(0, `/data/f${i}`)));
      hit.push(await timedRead(cache.url(0, `/data/f${i}`)));
    }
    console.log(`cache: ${FILES} files of ${FILE_BYTES >> 20} MiB, medians, one xrdcp each (block 512 KiB, prefetch 10, loopback, page cache warm): `
      + `${line('straight from the origin', direct)}; ${line('miss through the cache', miss)}; ${line('hit', hit)}`);
  } finally {
    await Promise.all([cache?.stop(), origin?.stop()]);
    rmSync(scratch, { recursive: true, force: true });
  }
}
