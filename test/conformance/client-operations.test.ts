/**
 * Everyday client operations through the redirectors of a fresh cluster
 * (2 redirectors + 3 data servers) on real XRootD daemons running the
 * generated configuration: the exports are there before anything is written,
 * the 2020 Go operator's e2e commands pass through each redirector, a
 * directory made through one redirector is seen through the other, and one
 * redirector going away changes nothing for clients of the other.
 *
 * The tests share one cluster and run in order: the first one sees it fresh.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrograms, run, waitFor, type RunResult } from '../helpers/processes.js';
import { daemonIds, LoopbackCluster } from './loopback-cluster.js';

const EXPORTS = [{ path: '/data', readOnly: false }, { path: '/store', readOnly: true }];
// Administrators' extra lines land in their role's block, and only there.
const REDIRECTOR_EXTRA = ['xrootd.trace redirect'];
const WORKER_EXTRA = ['xrootd.trace emsg', 'ofs.trace open'];
const scratch = mkdtempSync(join(tmpdir(), 'xrd-ops-'));
chmodSync(scratch, 0o755);
let c: LoopbackCluster;

/** `root://host:port` of redirector `i`, as the operator's e2e script names its redirector. */
const redirectorUrl = (i: number): string => `root://127.0.0.1:${c.pod('redirector', i).port}`;
const xrdfs = (i: number, ...args: string[]): RunResult => run(['xrdfs', `${redirectorUrl(i)}/`, ...args], process.env, 60000);

function ok(r: RunResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.out}`);
  return r.out;
}

function localFile(name: string, bytes: number): string {
  const path = join(scratch, name);
  writeFileSync(path, randomBytes(bytes));
  return path;
}

function readBack(i: number, path: string, local: string): void {
  const back = join(scratch, `${path.replace(/\//g, '_')}.back`);
  ok(run(['xrdcp', '--force', '--nopbar', `${redirectorUrl(i)}/${path}`, back], process.env, 60000), `xrdcp ${path} out through redirector ${i}`);
  expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
}

beforeAll(async () => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'xrdfs', 'xrdmapc', 'setpriv'], 'install Debian\'s xrootd-server and xrootd-client (.ci/run does)');
  c = await LoopbackCluster.start({
    name: 'ops', version: '5.5.3', redirector: { replicas: 2, extraDirectives: REDIRECTOR_EXTRA }, worker: { replicas: 3, extraDirectives: WORKER_EXTRA },
    xrootd: { startupDelaySeconds: 2, exports: EXPORTS },
  });
  // Wait only until each manager has its data servers: nothing has been looked up or written yet.
  for (const r of [0, 1]) {
    await c.waitForMembers(3, r);
  }
}, 120000);

afterAll(async () => {
  if (c) {
    const failed = (expect.getState() as { numFailingTests?: number }).numFailingTests;
    if (failed) console.error(`daemon logs:\n${c.logs()}`);
    await c.stop();
  }
  rmSync(scratch, { recursive: true, force: true });
});

test('a fresh cluster lists, stats and locates every export through each redirector before any write', () => {
  for (const r of [0, 1]) {
    for (const { path } of EXPORTS) {
      expect(xrdfs(r, 'ls', path)).toEqual({ code: 0, out: '' });
      expect(ok(xrdfs(r, 'stat', path), `stat ${path}`)).toMatch(/Flags:.*IsDir/);
      // Every data server has every export, so the manager locates all three.
      const located = ok(xrdfs(r, 'locate', path), `locate ${path}`);
      for (const w of c.of('worker')) expect(located).toContain(`:${w.port} Server`);
    }
  }
  // Made by the start script as the daemons' user, with the mode XRootD gives the directories it makes.
  const { uid } = daemonIds();
  for (const w of c.of('worker')) {
    for (const { path } of EXPORTS) {
      const st = statSync(join(w.dataDir, path));
      expect({ dir: st.isDirectory(), mode: (st.mode & 0o777).toString(8), uid: st.uid }).toEqual({ dir: true, mode: '775', uid });
    }
  }
}, 120000);

test('each daemon read the extra directives of its own role and no other\'s', () => {
  // XRootD echoes every directive it takes as `=====> <directive>` in its log.
  const taken = (pod: { dir: string }) => readFileSync(join(pod.dir, 'xrootd.log'), 'utf8').split('\n')
    .filter((l) => l.startsWith('=====> ')).map((l) => l.slice(7).trim());
  for (const r of c.of('redirector')) {
    expect(taken(r)).toEqual(expect.arrayContaining(REDIRECTOR_EXTRA));
    for (const d of WORKER_EXTRA) expect(taken(r)).not.toContain(d);
  }
  for (const w of c.of('worker')) {
    expect(taken(w)).toEqual(expect.arrayContaining(WORKER_EXTRA));
    for (const d of REDIRECTOR_EXTRA) expect(taken(w)).not.toContain(d);
  }
});

test('the 2020 operator\'s e2e commands pass through each redirector in turn', () => {
  const dummy = localFile('dummy', 4096);
  const written: string[] = [];
  for (const r of [0, 1]) {
    // tests/e2e/test-copy-and-query-file.sh: ls /data, xrdcp dummy in, ls /data | grep it (one file name per redirector:
    // the script's xrdcp has no --force, so a second run of it with the same name would be refused as existing).
    const name = r === 0 ? '/data/dummy' : `/data/dummy-${r}`;
    ok(xrdfs(r, 'ls', '/data'), `xrdfs ls /data through redirector ${r}`);
    ok(run(['xrdcp', dummy, `${redirectorUrl(r)}/${name}`], process.env, 60000), `xrdcp dummy ${name} through redirector ${r}`);
    written.push(name);
    const listed = ok(xrdfs(r, 'ls', '/data'), `xrdfs ls /data through redirector ${r}`).split('\n');
    // Everything written so far, through either redirector, whichever data server it landed on.
    for (const w of written) expect(listed).toContain(w);
    readBack(r, name, dummy);
  }
}, 120000);

test('a directory made through one redirector is listed through the other within seconds, even after it was looked for there in vain', async () => {
  // Redirector 1 learns that no data server has the directory (a negative entry in its cache)...
  expect(xrdfs(1, 'ls', '/data/made-later').code).not.toBe(0);
  // ...then it is made through redirector 0: the data server that makes it tells every manager at once.
  const made = Date.now();
  ok(xrdfs(0, 'mkdir', '/data/made-later'), 'mkdir through redirector 0');
  await waitFor('redirector 1 to list /data/made-later', () => (xrdfs(1, 'ls', '/data/made-later').code === 0 ? true : undefined), 10000, 200);
  const seconds = (Date.now() - made) / 1000;
  expect(seconds).toBeLessThan(5);

  // A file in it, written through one redirector, is listed and read through the other.
  const local = localFile('later.bin', 64 << 10);
  ok(run(['xrdcp', '--nopbar', local, `${redirectorUrl(0)}//data/made-later/later.bin`], process.env, 60000), 'xrdcp into the new directory');
  expect(ok(xrdfs(1, 'ls', '/data/made-later'), 'ls through redirector 1').split('\n')).toContain('/data/made-later/later.bin');
  readBack(1, '/data/made-later/later.bin', local);
}, 120000);

test('with one redirector stopped, the other still lists, writes, reads and makes directories', async () => {
  const stopped = c.pod('redirector', 0);
  await c.stopDaemon(stopped, 'xrootd');
  await c.stopDaemon(stopped, 'cmsd');
  // Short client timeouts: by default a client keeps retrying a dead address for minutes.
  const impatient = { ...process.env, XRD_CONNECTIONWINDOW: '2', XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '4' };
  expect(run(['xrdfs', `${redirectorUrl(0)}/`, 'ls', '/data'], impatient, 30000).code).not.toBe(0);

  const listed = ok(xrdfs(1, 'ls', '/data'), 'ls through redirector 1').split('\n');
  expect(listed).toEqual(expect.arrayContaining(['/data/dummy', '/data/dummy-1', '/data/made-later']));
  const local = localFile('alone.bin', 1 << 20);
  ok(run(['xrdcp', '--nopbar', local, `${redirectorUrl(1)}//data/alone.bin`], process.env, 60000), 'xrdcp in through redirector 1');
  expect(ok(xrdfs(1, 'ls', '/data'), 'ls through redirector 1').split('\n')).toContain('/data/alone.bin');
  readBack(1, '/data/alone.bin', local);
  readBack(1, '/data/dummy', join(scratch, 'dummy'));
  ok(xrdfs(1, 'mkdir', '/data/alone-dir'), 'mkdir through redirector 1');
  ok(xrdfs(1, 'ls', '/data/alone-dir'), 'ls of the new directory through redirector 1');
  // The read-only export still refuses writes through the remaining redirector.
  expect(run(['xrdcp', '--nopbar', local, `${redirectorUrl(1)}//store/alone.bin`], process.env, 60000).out).toMatch(/No servers have write access/);
}, 120000);

test('the cluster started clean on its release: nothing in its configuration ignored, unknown or deprecated', () => {
  expect(c.configWarnings()).toEqual([]);
});
