/**
 * Draining data servers before a scale-down (spec.worker.scaleDown: Drain), on real XRootD
 * daemons: the drain Job's script, with the Job's environment, copies a server's files to the
 * servers that stay; here the "Job" is the script run on the host against loopback addresses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRAIN_ENV, DRAIN_PARTIAL_SUFFIX, DRAIN_REFUSED, DRAIN_SCRIPT } from '../../constructs/drain.js';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { requirePrograms, run, startDaemon, stopDaemon, waitFor } from '../helpers/processes.js';
import { TestCa } from '../helpers/test-ca.js';
import { drainEnv, filesOn, runDrain } from './drain-harness.js';
import { withCluster, XROOTD_USER } from './loopback-cluster.js';

const FAST: Partial<XrootdClusterProps> = { version: '5.5.3', xrootd: { startupDelaySeconds: 2 } };
const scratch = mkdtempSync(join(tmpdir(), 'xrd-drain-'));
chmodSync(scratch, 0o755);
const mounts: string[] = [];

beforeAll(() => requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'xrdfs', 'setsid', 'mount'], 'install Debian\'s xrootd-server and xrootd-client (.ci/run does)'));
afterEach(() => { while (mounts.length) run(['umount', mounts.pop()!]); });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A data volume of its own size: a tmpfs, so that free space is what the drain must respect. */
const smallVolume = (mebibytes: number) => (pod: string): string => {
  const dir = mkdtempSync(join(scratch, `${pod}-`));
  const r = run(['mount', '-t', 'tmpfs', '-o', `size=${mebibytes}m,mode=0755`, 'tmpfs', dir]);
  if (r.code !== 0) throw new Error(`mounting a tmpfs needs root: ${r.out}`);
  mounts.push(dir);
  return dir;
};

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('drain 4 data servers to 2: every file readable through the redirector with the same checksum, the drained volumes keep theirs, an interrupted drain resumes', async () => {
  const props: XrootdClusterProps = { ...FAST, name: 'drain', worker: { replicas: 4, scaleDown: 'Drain', storage: { capacity: '32Mi' } } };
  await withCluster(props, async (c) => {
    await c.waitForMembers(4);
    // Files across the 4 servers: through the redirector (it spreads them), and some straight at
    // the two to drain so that both surely hold files. Names with spaces, "#" and "%" included.
    const written = new Map<string, string>();
    const put = (name: string, bytes: number, url: string) => {
      const local = join(scratch, `src-${written.size}`);
      writeFileSync(local, randomBytes(bytes));
      const r = run(['xrdcp', '--nopbar', '--path', local, `${url}/data/${name}`], process.env, 60000);
      if (r.code !== 0) throw new Error(`xrdcp ${name}: ${r.out}`);
      written.set(`/data/${name}`, sha(local));
    };
    // (A name with a space costs the drain a second per manager: it asks them to look for the copy.)
    for (let i = 0; i < 32; i++) put(i % 8 ? `run-${i % 4}/file-${i}.bin` : `with space/file #${i}%.bin`, 64 * 1024 + i * 4096, c.url(0, ''));
    for (const o of [2, 3]) for (let i = 0; i < 8; i++) put(`direct-${o}/f${i}.bin`, 128 * 1024, `root://127.0.0.1:${c.pod('worker', o).port}/`);
    const before = [2, 3].map((o) => filesOn(c.pod('worker', o)));
    expect(before.every((f) => f.size >= 8)).toBe(true);

    // What the agent does first: the servers to drain stop taking new files.
    await c.restartInMaintenance([2, 3]);

    // Highest ordinal first. Worker 3 in one go.
    const first = await runDrain(drainEnv(props, c, 3, [0, 1]));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`drained 127\\.0\\.0\\.1:${c.pod('worker', 3).port}: ${before[1].size} files, \\d+ bytes: ${before[1].size} copied, 0 already there`));

    // Worker 2, killed (the whole process group, as a pod's end) after its third file; then again.
    const log = join(scratch, 'drain-2.log');
    const killed = startDaemon('drain of worker 2', ['setsid', '/bin/sh', '-c', DRAIN_SCRIPT, 'drain'], drainEnv(props, c, 2, [0, 1]), log, XROOTD_USER);
    await waitFor('the drain of worker 2 to copy 3 files', () => /progress files=3\//.test(readFileSync(log, 'utf8')) || undefined, 60000, 20);
    process.kill(-killed.pid, 'SIGKILL');
    await stopDaemon(killed);
    const resumed = await runDrain(drainEnv(props, c, 2, [0, 1]));
    expect(resumed.code).toBe(0);
    const [, done, copied, compared] = /drained \S+: (\d+) files, \d+ bytes: (\d+) copied, (\d+) already there/.exec(resumed.out) ?? [];
    expect(Number(done)).toBe(before[0].size);
    expect(Number(compared)).toBeGreaterThanOrEqual(3);
    expect(Number(copied) + Number(compared)).toBe(before[0].size);

    // The scale-down: workers 2 and 3 stop. Their volumes still hold every file they had (copies only).
    for (const o of [2, 3]) for (const d of ['xrootd', 'cmsd'] as const) await c.stopDaemon(c.pod('worker', o), d);
    expect([2, 3].map((o) => filesOn(c.pod('worker', o)))).toEqual(before);
    const remaining = new Map([...filesOn(c.pod('worker', 0)), ...filesOn(c.pod('worker', 1))]);
    expect([...remaining.keys()].filter((p) => p.endsWith(DRAIN_PARTIAL_SUFFIX))).toEqual([]);
    for (const [path, digest] of written) expect([path, remaining.get(path)]).toEqual([path, digest]);

    // Every file, through the redirector, byte for byte.
    for (const [path, digest] of written) {
      const back = join(scratch, 'back');
      const r = run(['xrdcp', '--nopbar', '--force', c.url(0, path), back], process.env, 60000);
      expect([path, r.code]).toEqual([path, 0]);
      expect([path, sha(back)]).toEqual([path, digest]);
    }
  }, { dataDirOf: smallVolume(32) });
}, 240000);

test('a drain into too little space is refused before anything is copied, naming what it needs', async () => {
  const props: XrootdClusterProps = { ...FAST, name: 'full', worker: { replicas: 2, scaleDown: 'Drain', storage: { capacity: '16Mi' } } };
  await withCluster(props, async (c) => {
    await c.waitForMembers(2);
    // 10 MiB on each 16 MiB volume: worker 0 has room for 6 MiB less its reserve, not for 10.
    for (const o of [0, 1]) {
      for (let i = 0; i < 10; i++) {
        const local = join(scratch, `full-${o}-${i}`);
        writeFileSync(local, randomBytes(1 << 20));
        const r = run(['xrdcp', '--nopbar', local, `root://127.0.0.1:${c.pod('worker', o).port}//data/w${o}/f${i}.bin`], process.env, 60000);
        if (r.code !== 0) throw new Error(r.out);
      }
    }
    const before = [0, 1].map((o) => filesOn(c.pod('worker', o)));
    await c.restartInMaintenance([1]);
    const refused = await runDrain(drainEnv(props, c, 1, [0]));
    expect(refused.code).toBe(DRAIN_REFUSED);
    expect(refused.out).toMatch(/refused: too little space: 10485760 bytes to copy, and the remaining data servers have room for \d of the 10 files .*nothing was copied/);
    expect([0, 1].map((o) => filesOn(c.pod('worker', o)))).toEqual(before);
  }, { dataDirOf: smallVolume(16) });
}, 120000);

test('names a listing or a URL cannot carry are refused, naming them, before anything is copied', async () => {
  const props: XrootdClusterProps = { ...FAST, name: 'names', worker: { replicas: 2, scaleDown: 'Drain' } };
  await withCluster(props, async (c) => {
    await c.waitForMembers(2);
    const source = c.pod('worker', 1);
    // Made on the volume itself, as a site's own tools could.
    for (const name of ['plain.bin', 'what?.bin']) {
      writeFileSync(join(source.dataDir, 'data', name), 'x');
    }
    run(['chown', '-R', XROOTD_USER, join(source.dataDir, 'data')]);
    const refused = await runDrain(drainEnv(props, c, 1, [0]));
    expect(refused.code).toBe(DRAIN_REFUSED);
    expect(refused.out).toContain('names with "?" cannot be copied through an XRootD URL: /data/what?.bin');
    rmSync(join(source.dataDir, 'data', 'what?.bin'));
    writeFileSync(join(source.dataDir, 'data', 'two\nlines.bin'), 'x');
    const broken = await runDrain(drainEnv(props, c, 1, [0]));
    expect(broken.code).toBe(DRAIN_REFUSED);
    expect(broken.out).toContain('cannot list /data (a name with a line break in it?)');
    expect(filesOn(c.pod('worker', 0)).size).toBe(0);
  }, { dataDirOf: (pod) => { const d = mkdtempSync(join(scratch, `${pod}-`)); run(['mkdir', '-p', join(d, 'data')]); return d; } });
}, 120000);

test('with TLS required the Job verifies the data servers against the cluster\'s CA (roots://): copies with it, refuses to talk without', async () => {
  const ca = TestCa.create('drain');
  const other = TestCa.create('other');
  const ips = ['127.0.0.1', '127.0.0.10'];
  const gid = Number(run(['id', '-g', XROOTD_USER]).out.trim());
  const secret = ca.secretVolume('drain-tls', ['localhost', hostname(), ...ips], ips, gid);
  const props: XrootdClusterProps = { ...FAST, name: 'tlsdrain', worker: { replicas: 2, scaleDown: 'Drain' }, security: { tls: { secretName: 'tlsdrain-tls', require: 'all' } } };
  try {
    await withCluster(props, async (c) => {
      await c.waitForMembers(2);
      const client = { ...process.env, X509_CERT_DIR: ca.certDir };
      const written = new Map<string, string>();
      for (let i = 0; i < 4; i++) {
        const local = join(scratch, `tls-${i}`);
        writeFileSync(local, randomBytes(100_000 + i));
        expect(run(['xrdcp', '--nopbar', '--path', local, `roots://127.0.0.1:${c.pod('worker', 1).port}//data/tls/f${i}.bin`], client, 60000)).toMatchObject({ code: 0 });
        written.set(`/data/tls/f${i}.bin`, sha(local));
      }
      await c.restartInMaintenance([1]);
      const otherCa = join(scratch, 'other-ca.crt');
      writeFileSync(otherCa, readFileSync(other.cert));
      chmodSync(otherCa, 0o644);
      const untrusted = await runDrain(drainEnv(props, c, 1, [0], { [DRAIN_ENV.caFile]: otherCa }));
      expect(untrusted.code).not.toBe(0);
      expect(filesOn(c.pod('worker', 0)).size).toBe(0);
      const drained = await runDrain(drainEnv(props, c, 1, [0], { [DRAIN_ENV.caFile]: join(secret, 'ca.crt') }));
      expect(drained.out).toMatch(/drained \S+: 4 files, \d+ bytes: 4 copied/);
      expect(drained.code).toBe(0);
      for (const d of ['xrootd', 'cmsd'] as const) await c.stopDaemon(c.pod('worker', 1), d);
      for (const [path, digest] of written) {
        const back = join(scratch, 'tls-back');
        expect([path, run(['xrdcp', '--nopbar', '--force', `roots://127.0.0.1:${c.pod('redirector', 0).port}/${path}`, back], client, 60000).code]).toEqual([path, 0]);
        expect([path, sha(back)]).toEqual([path, digest]);
      }
    }, { tlsDir: secret });
  } finally {
    ca.remove();
    other.remove();
  }
}, 180000);
