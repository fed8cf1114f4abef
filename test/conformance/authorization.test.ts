/**
 * spec.security.authorization on real XRootD daemons (Debian's 5.5.3) from the ConfigMap's bytes:
 * rules for anybody rendered to XRootD's authorization database; inside a granted prefix the
 * granted operations work through the redirector, outside it and beyond the privileges they do not.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/processes.js';
import { daemonIds, LoopbackCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-authz-files-'));
let c: LoopbackCluster;
const { uid, gid } = daemonIds();

/** A file put on the data server's volume directly, as if it had been written earlier. */
function onVolume(path: string, bytes: Buffer): void {
  const file = join(c.of('worker')[0].dataDir, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, bytes);
  chownSync(join(file, '..'), uid, gid);
  chownSync(file, uid, gid);
}

const xrdcp = (from: string, to: string, ...flags: string[]) => run(['xrdcp', '--nopbar', ...flags, from, to], { ...process.env, XRD_REQUESTTIMEOUT: '15' }, 60_000);
const xrdfs = (...args: string[]) => run(['xrdfs', `127.0.0.1:${c.pod('redirector', 0).port}`, ...args], process.env, 60_000);

beforeAll(async () => {
  c = await LoopbackCluster.start({
    name: 'authz', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    security: { authorization: { rules: [{ path: '/data/public', privileges: ['read', 'list'] }, { path: '/data/drop', privileges: ['create', 'list'] }] } },
  });
  await c.waitForMembers(1).catch((e) => { throw new Error(`${(e as Error).message}\n${c.logs()}`); });
}, 120_000);
afterAll(async () => {
  await c?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('inside a granted prefix the granted operations work; beyond the privileges and outside the prefix they are refused', async () => {
  try {
    const published = randomBytes(256 << 10);
    onVolume('data/public/dataset.bin', published);
    onVolume('data/private/secret.bin', randomBytes(1024));
    const back = join(scratch, 'dataset.back');
    expect(xrdcp(c.url(0, '/data/public/dataset.bin'), back, '--force')).toMatchObject({ code: 0 });
    expect(readFileSync(back).equals(published)).toBe(true);
    expect(xrdfs('ls', '/data/public').out).toContain('/data/public/dataset.bin');

    const local = join(scratch, 'upload.bin');
    writeFileSync(local, randomBytes(64 << 10));
    // read and list only: no writes under /data/public.
    const write = xrdcp(local, c.url(0, '/data/public/upload.bin'));
    expect(write.code).not.toBe(0);
    expect(write.out).toContain('permission denied');
    // create and list (xrdcp looks the destination up first): uploads land in /data/drop ...
    expect(xrdcp(local, c.url(0, '/data/drop/upload.bin'))).toMatchObject({ code: 0 });
    expect(readFileSync(join(c.of('worker')[0].dataDir, 'data/drop/upload.bin')).equals(readFileSync(local))).toBe(true);
    // ... but removing one needs delete, which the rule does not grant.
    const rm = xrdfs('rm', '/data/drop/upload.bin');
    expect(rm.code).not.toBe(0);
    expect(rm.out).toContain('permission denied');
    expect(readFileSync(join(c.of('worker')[0].dataDir, 'data/drop/upload.bin')).equals(readFileSync(local))).toBe(true);
    // No rule: nothing at all.
    const outside = xrdcp(c.url(0, '/data/private/secret.bin'), join(scratch, 'secret.back'));
    expect(outside.code).not.toBe(0);
    expect(outside.out).toContain('permission denied');
    expect(xrdcp(local, c.url(0, '/data/elsewhere.bin')).code).not.toBe(0);
  } catch (e) {
    console.error(`daemon logs:\n${c.logs()}`);
    throw e;
  }
}, 120_000);

test('the cluster started clean on its release: nothing in its configuration ignored, unknown or deprecated', () => {
  expect(c.configWarnings()).toEqual([]);
});
