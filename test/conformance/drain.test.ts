/**
 * Draining data servers before a scale-down (spec.worker.scaleDown: Drain), on real XRootD
 * daemons: the drain Job's script, with the Job's environment, copies a server's files to the
 * servers that stay; here the "Job" is the script run on the host against loopback addresses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DRAIN_ENV, DRAIN_PARTIAL_SUFFIX, DRAIN_REFUSED, DRAIN_SCRIPT, drainJob } from '../../constructs/drain.js';
import { MAINTENANCE_KEY } from '../../constructs/config.js';
import { resolveCluster, type XrootdClusterProps } from '../../constructs/index.js';
import { requirePrograms, run, startDaemon, stopDaemon, waitFor } from '../helpers/processes.js';
import { withCluster, XROOTD_USER, type LoopbackCluster, type LoopbackPod } from './loopback-cluster.js';

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

/** The environment the drain Job gets, with the loopback addresses in place of the per-pod DNS names. */
function drainEnv(props: XrootdClusterProps, c: LoopbackCluster, source: number, targets: number[]): NodeJS.ProcessEnv {
  const job = drainJob(resolveCluster(props), { ordinal: source, targets, generation: 1 });
  const env = Object.fromEntries(((job.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }).template.spec.containers[0].env).map((e) => [e.name, e.value]));
  const at = (o: number) => `${c.pod('worker', o).host}:${c.pod('worker', o).port}`;
  const redirectors = c.of('redirector').map((r) => `127.0.0.1:${r.port}`).join(' ');
  return { PATH: process.env.PATH, HOME: scratch, ...env, [DRAIN_ENV.source]: at(source), [DRAIN_ENV.targets]: targets.map(at).join(' '), [DRAIN_ENV.redirectors]: redirectors };
}

function drain(env: NodeJS.ProcessEnv): { code: number; out: string } {
  return run(['setpriv', `--reuid=${XROOTD_USER}`, `--regid=${XROOTD_USER}`, '--init-groups', '--', '/bin/sh', '-c', DRAIN_SCRIPT, 'drain'], env, 120000);
}

/** Every file under a data volume's export, by path, with its sha256. */
function filesOn(pod: LoopbackPod): Map<string, string> {
  const root = join(pod.dataDir, 'data');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(`/data/${relative(root, path)}`, createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Restarts data servers with the maintenance list they read at start (their exports read-only). */
async function putInMaintenance(c: LoopbackCluster, ordinals: number[]): Promise<void> {
  writeFileSync(join(c.dir, 'maintenance', MAINTENANCE_KEY), ordinals.join('\n'));
  for (const o of ordinals) {
    const pod = c.pod('worker', o);
    await c.stopDaemon(pod, 'xrootd');
    await c.stopDaemon(pod, 'cmsd');
    c.startPod(pod);
  }
  await c.waitForMembers(c.of('worker').length);
}

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
    await putInMaintenance(c, [2, 3]);

    // Highest ordinal first. Worker 3 in one go.
    const first = drain(drainEnv(props, c, 3, [0, 1]));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(new RegExp(`drained 127\\.0\\.0\\.1:${c.pod('worker', 3).port}: ${before[1].size} files, \\d+ bytes: ${before[1].size} copied, 0 already there`));

    // Worker 2, killed (the whole process group, as a pod's end) after its third file; then again.
    const log = join(scratch, 'drain-2.log');
    const killed = startDaemon('drain of worker 2', ['setsid', '/bin/sh', '-c', DRAIN_SCRIPT, 'drain'], drainEnv(props, c, 2, [0, 1]), log, XROOTD_USER);
    await waitFor('the drain of worker 2 to copy 3 files', () => /progress files=3\//.test(readFileSync(log, 'utf8')) || undefined, 60000, 20);
    process.kill(-killed.pid, 'SIGKILL');
    await stopDaemon(killed);
    const resumed = drain(drainEnv(props, c, 2, [0, 1]));
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
    await putInMaintenance(c, [1]);
    const refused = drain(drainEnv(props, c, 1, [0]));
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
    const refused = drain(drainEnv(props, c, 1, [0]));
    expect(refused.code).toBe(DRAIN_REFUSED);
    expect(refused.out).toContain('names with "?" cannot be copied through an XRootD URL: /data/what?.bin');
    rmSync(join(source.dataDir, 'data', 'what?.bin'));
    writeFileSync(join(source.dataDir, 'data', 'two\nlines.bin'), 'x');
    const broken = drain(drainEnv(props, c, 1, [0]));
    expect(broken.code).toBe(DRAIN_REFUSED);
    expect(broken.out).toContain('cannot list /data (a name with a line break in it?)');
    expect(filesOn(c.pod('worker', 0)).size).toBe(0);
  }, { dataDirOf: (pod) => { const d = mkdtempSync(join(scratch, `${pod}-`)); run(['mkdir', '-p', join(d, 'data')]); return d; } });
}, 120000);
