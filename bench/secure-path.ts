/**
 * The data path with TLS and tokens against the same path without them, in the same run:
 * two clusters (a redirector and a data server each) from the project's image, one plain, one
 * with `security.tls` (required) and `security.tokens` (an issuer on loopback over HTTPS).
 * Each figure is a client process through the redirector: open+read+close of 1 KiB (the open
 * latency a job sees, login and token check included) and the read rate of a 256 MiB file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { XrootdClusterProps } from '../constructs/index.js';
import { LoopbackCluster } from '../test/conformance/loopback-cluster.js';
import { projectImage } from '../test/helpers/containers.js';
import { runAsync } from '../test/helpers/processes.js';
import { TestCa } from '../test/helpers/test-ca.js';
import { TokenIssuer } from '../test/helpers/token-issuer.js';

const ROUNDS = 20;
const BIG_BYTES = 256 << 20;
const READS = 5;
const AUDIENCE = 'https://bench.example.org';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Path { readonly label: string; readonly url: (path: string) => string; readonly env: NodeJS.ProcessEnv }

/** Wall time of one client process in ms; asynchronous, as the token issuer lives in this process. */
async function timed(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t = performance.now();
  const r = await runAsync(command, env, 120_000);
  if (r.code !== 0) throw new Error(`${command.join(' ')} failed (${r.code}): ${r.out}`);
  return performance.now() - t;
}

/** Writes the files, then times both paths in alternation, so that neither gets a quieter machine or warmer caches. */
async function measure(paths: readonly Path[], small: string, big: string): Promise<Array<{ openMs: number; readMiBs: number }>> {
  for (const p of paths) {
    await timed(['xrdcp', '--nopbar', '--force', small, p.url('/data/small.bin')], p.env);
    await timed(['xrdcp', '--nopbar', '--force', big, p.url('/data/big.bin')], p.env);
    await timed(['xrdcp', '--nopbar', '--force', p.url('/data/small.bin'), '/dev/null'], p.env); // warm-up: key fetch, caches
  }
  const opens = paths.map(() => [] as number[]);
  const reads = paths.map(() => [] as number[]);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [k, p] of paths.entries()) opens[k].push(await timed(['xrdcp', '--nopbar', '--force', p.url('/data/small.bin'), '/dev/null'], p.env));
  }
  for (let i = 0; i < READS; i++) {
    for (const [k, p] of paths.entries()) {
      reads[k].push((BIG_BYTES / 2 ** 20) / ((await timed(['xrdcp', '--nopbar', '--force', p.url('/data/big.bin'), '/dev/null'], p.env)) / 1000));
    }
  }
  return paths.map((_, k) => ({ openMs: median(opens[k]), readMiBs: median(reads[k]) }));
}

export async function securePathBench(): Promise<void> {
  const image = projectImage('xrootd');
  const scratch = mkdtempSync(join(tmpdir(), 'secure-bench-'));
  const ca = TestCa.create('bench');
  const ips = ['127.0.0.1', '127.0.0.10'];
  const secret = ca.secretVolume('tls', [...ips, hostname()], ips, Number(image.user.split(':')[1]));
  const issuer = await TokenIssuer.start(secret);
  const bundle = join(ca.dir, 'bundle.crt');
  writeFileSync(bundle, readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + readFileSync(ca.cert, 'utf8'));
  const small = join(scratch, 'small.bin');
  const big = join(scratch, 'big.bin');
  writeFileSync(small, randomBytes(1024));
  writeFileSync(big, randomBytes(BIG_BYTES));
  const base: XrootdClusterProps = { name: 'plain', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 } };
  const clusters: LoopbackCluster[] = [];
  try {
    const plain = await LoopbackCluster.start(base, { image });
    clusters.push(plain);
    const secure = await LoopbackCluster.start({
      ...base, name: 'secure',
      security: { tls: { secretName: 'secure-tls' }, tokens: { audiences: [AUDIENCE], issuers: [{ name: 'bench', url: issuer.url, basePaths: ['/data'] }], issuerCaBundle: { configMapName: 'ca' } } },
    }, { image, tlsDir: secret, caBundle: bundle });
    clusters.push(secure);
    await plain.waitForMembers(1);
    await secure.waitForMembers(1);
    const token = issuer.mint({ aud: AUDIENCE, scope: 'storage.read:/ storage.create:/ storage.modify:/' });
    const paths: Path[] = [
      { label: 'plain root://', url: (f) => `root://127.0.0.1:${plain.pod('redirector', 0).port}/${f}`, env: process.env },
      { label: 'roots:// + token', url: (f) => `roots://127.0.0.1:${secure.pod('redirector', 0).port}/${f}`, env: { ...process.env, X509_CERT_DIR: ca.certDir, BEARER_TOKEN: token } },
    ];
    const [a, b] = await measure(paths, small, big);
    console.log(`secure-path: open+read 1 KiB via redirector median ${a.openMs.toFixed(0)} ms ${paths[0].label}, ${b.openMs.toFixed(0)} ms ${paths[1].label} (x${(b.openMs / a.openMs).toFixed(2)}, ${ROUNDS} rounds, alternating)`);
    console.log(`secure-path: read 256 MiB via redirector ${a.readMiBs.toFixed(0)} MiB/s ${paths[0].label}, ${b.readMiBs.toFixed(0)} MiB/s ${paths[1].label} (x${(b.readMiBs / a.readMiBs).toFixed(2)}, median of ${READS}, alternating)`);
  } finally {
    for (const c of clusters) await c.stop();
    await issuer.stop();
    ca.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
}
