/**
 * Everyday client operations on real XRootD daemons running the generated
 * configuration (test/conformance/loopback-cluster.ts), through the redirector
 * and straight at a data server: create (a new file), stat, open+read of 1 MiB,
 * ls, and the read throughput of 8 parallel clients on 64 MiB files.
 *
 * Each operation is one client process (xrdcp or xrdfs), as sites' scripts and
 * the 2020 operator's e2e commands run them, so every figure includes the
 * client's start, connection and login; the `floor` line shows that part alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LoopbackCluster, type LoopbackPod } from '../test/conformance/loopback-cluster.js';
import { run, runAsync } from '../test/helpers/processes.js';

const ROUNDS = 20;
const PARALLEL_CLIENTS = 8;
const BIG_FILE_BYTES = 64 << 20;
const CONCURRENT_CREATES = 16;

interface Target { readonly label: string; readonly address: string }

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Runs a client command and returns its wall time in ms; a failure stops the benchmark. */
function timed(command: string[]): number {
  const t = performance.now();
  const r = run(command, process.env, 60000);
  const ms = performance.now() - t;
  if (r.code !== 0) throw new Error(`${command.join(' ')} failed (${r.code}): ${r.out}`);
  return ms;
}

const copy = (from: string, to: string): string[] => ['xrdcp', '--nopbar', '--force', from, to];

async function measure(workers: number): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'xrd-bench-files-'));
  const small = join(scratch, 'small.bin');
  const mib = join(scratch, 'mib.bin');
  const big = join(scratch, 'big.bin');
  writeFileSync(small, randomBytes(1024));
  writeFileSync(mib, randomBytes(1 << 20));
  writeFileSync(big, randomBytes(BIG_FILE_BYTES));
  const started = performance.now();
  const c = await LoopbackCluster.start({
    name: `ops${workers}`, version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: workers },
  });
  try {
    await c.waitForMembers(workers, 0, 180000);
    console.log(`client-ops ${workers} data servers (${c.of('supervisor').length} supervisors): cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const redirector = c.pod('redirector', 0);
    // The data server measured directly: worker 0 subscribes to the redirector itself.
    const server: LoopbackPod = c.pod('worker', 0);
    const targets: Target[] = [
      { label: 'via redirector', address: `127.0.0.1:${redirector.port}` },
      { label: 'direct to server', address: `127.0.0.1:${server.port}` },
    ];
    // Files to stat and read, placed on the measured data server so both paths read the same bytes.
    for (let i = 0; i < ROUNDS; i++) timed(copy(mib, `root://${targets[1].address}//data/bench/read-${i}`));

    const rows: string[] = [];
    const floor: number[] = [];
    for (let i = 0; i < ROUNDS; i++) floor.push(timed(['xrdfs', targets[1].address, 'query', 'config', 'version']));
    rows.push(`  floor (one xrdfs process: start, connect, login, one query) median ${quantile(floor, 0.5).toFixed(1)} ms`);
    const figures: Record<string, Record<string, number[]>> = {};
    for (const t of targets) {
      const f: Record<string, number[]> = { create: [], stat: [], 'open+read 1 MiB': [], ls: [] };
      for (let i = 0; i < ROUNDS; i++) {
        f.create.push(timed(copy(small, `root://${t.address}//data/bench/new-${t.label.replace(/\W/g, '')}-${i}`)));
        f.stat.push(timed(['xrdfs', t.address, 'stat', `/data/bench/read-${i}`]));
        f['open+read 1 MiB'].push(timed(copy(`root://${t.address}//data/bench/read-${i}`, '/dev/null')));
        f.ls.push(timed(['xrdfs', t.address, 'ls', '/data/bench']));
      }
      figures[t.label] = f;
    }
    for (const op of Object.keys(figures[targets[0].label])) {
      const via = figures[targets[0].label][op];
      const direct = figures[targets[1].label][op];
      const ratio = quantile(via, 0.5) / quantile(direct, 0.5);
      rows.push(`  ${op.padEnd(16)} via redirector median ${quantile(via, 0.5).toFixed(1)} ms p95 ${quantile(via, 0.95).toFixed(1)} ms`
        + ` | direct median ${quantile(direct, 0.5).toFixed(1)} ms p95 ${quantile(direct, 0.95).toFixed(1)} ms | ratio ${ratio.toFixed(2)}`);
    }

    // Many new files: the lookup wait is per request, so concurrent creates overlap their waits.
    const sources = Array.from({ length: CONCURRENT_CREATES }, (_, i) => {
      const path = join(scratch, `many-${i}.bin`);
      writeFileSync(path, randomBytes(1024));
      return path;
    });
    timed(['xrdfs', targets[0].address, 'mkdir', '-p', '/data/bench/many']);
    const manyMs = timed(['xrdcp', '--nopbar', '--parallel', String(CONCURRENT_CREATES), ...sources, `root://${targets[0].address}//data/bench/many/`]);
    rows.push(`  create ${CONCURRENT_CREATES} new files in one xrdcp --parallel ${CONCURRENT_CREATES} via redirector: ${manyMs.toFixed(0)} ms (${(CONCURRENT_CREATES / (manyMs / 1000)).toFixed(1)} files/s)`);

    // Throughput: 8 clients at once, each reading its own 64 MiB file (placed by the redirector).
    const bigNames = Array.from({ length: PARALLEL_CLIENTS }, (_, i) => `/data/bench/big-${i}`);
    for (const name of bigNames) timed(copy(big, `root://${targets[0].address}/${name}`));
    const holders = bigNames.map((name) => {
      const located = run(['xrdfs', targets[0].address, 'locate', '-r', name]).out;
      const port = /:(\d+) Server/.exec(located)?.[1];
      if (!port) throw new Error(`cannot locate ${name}: ${located}`);
      return `127.0.0.1:${port}`;
    });
    for (const [label, addressOf] of [['via redirector', () => targets[0].address], ['direct to servers', (i: number) => holders[i]]] as const) {
      const t = performance.now();
      const results = await Promise.all(bigNames.map((name, i) => runAsync(copy(`root://${addressOf(i)}/${name}`, '/dev/null'), process.env, 120000)));
      const seconds = (performance.now() - t) / 1000;
      const failed = results.find((r) => r.code !== 0);
      if (failed) throw new Error(`parallel read failed: ${failed.out}`);
      const spread = new Set(holders).size;
      rows.push(`  read ${PARALLEL_CLIENTS} x 64 MiB in parallel ${label}: ${((PARALLEL_CLIENTS * BIG_FILE_BYTES) / 2 ** 20 / seconds).toFixed(0)} MiB/s (${seconds.toFixed(2)} s; files on ${spread} servers)`);
    }
    console.log(rows.join('\n'));
  } finally {
    await c.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `client-ops`: at 3 and at 130 data servers (the latter with supervisors). */
export async function clientOps(scales: number[] = [3, 130]): Promise<void> {
  console.log(`client-ops: ${ROUNDS} rounds per operation, one client process each (targets: create via redirector median < 100 ms at 130; stat and read within 1.5x of direct)`);
  for (const workers of scales) await measure(workers);
}
