/**
 * spec.security.gsi with identity rules on real XRootD daemons (Debian's, GSI plugin included):
 * clients log in with grid proxies made by xrdgsiproxy from certificates of a test CA; the
 * grid-mapfile gives Alice's subject a user name, which an authorization rule names. Another
 * subject of the same CA logs in but gets only what anybody gets; a certificate of another CA,
 * and a client without one, cannot log in at all (GSI turns the unix protocol off). The probes
 * log in with the host certificate.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { run } from '../helpers/processes.js';
import { TestCa, type UserCredentials } from '../helpers/test-ca.js';
import { daemonIds, LoopbackCluster } from './loopback-cluster.js';

const ALICE = '/DC=org/DC=xrootd-k8s/OU=people/CN=Alice Example';
const scratch = mkdtempSync(join(tmpdir(), 'xrd-gsi-files-'));
let ca: TestCa;
let stranger: TestCa;
let alice: UserCredentials;
let bob: UserCredentials;
let mallory: UserCredentials;
let cluster: LoopbackCluster;
/** The same, with third-party copy, and TLS offered but not required (see the delegation test). */
let copying: LoopbackCluster;

/** What the test's clients share: the CA to verify servers against; the server name is not what is tested here. */
const clientEnv = (): NodeJS.ProcessEnv => ({ X509_CERT_DIR: ca.certDir, XrdSecGSISRVNAMES: '*', XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '15' });

beforeAll(async () => {
  // XRootD's GSI encrypts with the host key: RSA.
  ca = TestCa.create('gsi', 'rsa');
  stranger = TestCa.create('stranger', 'rsa');
  alice = ca.userCredentials('alice', ALICE);
  bob = ca.userCredentials('bob', '/DC=org/DC=xrootd-k8s/OU=people/CN=Bob Example');
  mallory = stranger.userCredentials('mallory', ALICE);
  // The group the daemons run with (the host's xrootd user, or a release's image user): the Secret's files are the group's.
  const { gid } = daemonIds();
  const ips = ['127.0.0.1', '127.0.0.10'];
  const secret = ca.secretVolume('tls', ['localhost', hostname(), ...ips], ips, gid);
  const props = (name: string, tls: { require?: 'none' }, xrootd: { thirdPartyCopy?: boolean }): XrootdClusterProps => ({
    name, version: '5.5.3', xrootd: { startupDelaySeconds: 2, ...xrootd }, worker: { replicas: 1 },
    security: {
      tls: { secretName: `${name}-tls`, ...tls },
      gsi: { users: [{ dn: ALICE, name: 'alice' }] },
      authorization: {
        rules: [
          { path: '/data', privileges: ['read', 'list'] },
          { who: 'user', name: 'alice', path: '/data/alice', privileges: ['create', 'write', 'delete'] },
        ],
      },
    },
  });
  // The data servers' copies check the source's name too; here it is a loopback address.
  const opts = { tlsDir: secret, clientEnv: { ...clientEnv(), X509_USER_PROXY: bob.proxy }, daemonEnv: { XrdSecGSISRVNAMES: '*' } };
  [cluster, copying] = await Promise.all([LoopbackCluster.start(props('gsi', {}, {}), opts), LoopbackCluster.start(props('copying', { require: 'none' }, { thirdPartyCopy: true }), opts)]);
  await Promise.all([cluster.waitForMembers(1), copying.waitForMembers(1)]);
}, 10 * 60_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), copying?.stop()]);
  ca?.remove();
  stranger?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

function withLogs(body: () => void): void {
  try {
    body();
  } catch (e) {
    console.error(`daemon logs:\n${cluster.logs(40)}\n\ncopying cluster:\n${copying.logs(40)}`);
    throw e;
  }
}

/** xrdcp through the redirector with a proxy, or with no credentials at all. */
function xrdcp(who: UserCredentials | undefined, from: string, to: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...clientEnv(), X509_USER_PROXY: who?.proxy };
  if (!who) delete env.X509_USER_PROXY;
  return run(['xrdcp', '--force', '--nopbar', from, to], env, 60_000);
}
const remote = (path: string): string => `roots://127.0.0.1:${cluster.pod('redirector', 0).port}/${path}`;
const upload = (name: string): string => {
  const local = join(scratch, name);
  writeFileSync(local, randomBytes(256 << 10));
  return local;
};

test('the mapped user writes where its rule allows, reads it back identical, and is refused elsewhere', () => withLogs(() => {
  const local = upload('alice.bin');
  expect(xrdcp(alice, local, remote('/data/alice/file.bin'))).toMatchObject({ code: 0 });
  const back = join(scratch, 'alice.back');
  expect(xrdcp(alice, remote('/data/alice/file.bin'), back)).toMatchObject({ code: 0 });
  expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  const outside = xrdcp(alice, local, remote('/data/elsewhere.bin'));
  expect(outside.code).not.toBe(0);
  expect(outside.out).toContain('permission denied');
  // The redirector logged the login under the mapped name.
  expect(cluster.logs(200)).toMatch(/login as alice/);
}));

test('another subject of the same CA logs in and gets what anybody gets: reading, not writing', () => withLogs(() => {
  const back = join(scratch, 'bob.back');
  expect(xrdcp(bob, remote('/data/alice/file.bin'), back)).toMatchObject({ code: 0 });
  const write = xrdcp(bob, upload('bob.bin'), remote('/data/alice/bob.bin'));
  expect(write.code).not.toBe(0);
  expect(write.out).toContain('permission denied');
}));

test('no login without a certificate of a trusted CA: Alice\'s subject from another CA, or no credentials (no unix fallback)', () => withLogs(() => {
  for (const [what, who] of [['another CA', mallory], ['no credentials', undefined]] as const) {
    const r = xrdcp(who, remote('/data/alice/file.bin'), join(scratch, 'refused.back'));
    expect({ what, code: r.code === 0 ? 0 : 'refused' }).toEqual({ what, code: 'refused' });
    expect(r.out).toContain('Auth failed');
  }
}));

test('the probes log in with the host certificate', () => withLogs(() => {
  for (const pod of cluster.pods) {
    const probe = cluster.probe(pod, 'ready');
    expect({ pod: pod.name, ok: probe.code === 0 || probe.out }).toEqual({ pod: pod.name, ok: true });
  }
}));

test('third-party copy with a delegated proxy: the destination fetches the source as the client, and without delegation it cannot', () => withLogs(() => {
  const at = (path: string): string => `root://127.0.0.1:${copying.pod('redirector', 0).port}/${path}`;
  const local = upload('tpc.bin');
  expect(xrdcp(alice, local, at('/data/alice/original.bin'))).toMatchObject({ code: 0 });
  const tpc = (mode: string[], to: string) => run(['xrdcp', '--force', '--nopbar', '--tpc', ...mode, at('/data/alice/original.bin'), at(to)],
    { ...process.env, ...clientEnv(), X509_USER_PROXY: alice.proxy }, 60_000);
  expect(tpc(['delegate', 'only'], '/data/alice/copied.bin')).toMatchObject({ code: 0 });
  expect(readFileSync(join(copying.pod('worker', 0).dataDir, 'data/alice/copied.bin')).equals(readFileSync(local))).toBe(true);
  // The data server's xrdcp (the daemons' user: xrootd on the host, the image's user in a container; the test's
  // clients are root) logged in to the source as Alice, with the proxy she delegated.
  expect(copying.logs(400)).toMatch(/ (?!root\.)[\w-]+\.\d+:\d+@\S+ pvt IP46 login as alice/);
  // Without a delegated proxy the data server's copy has no credentials: the source lets it in nowhere.
  const undelegated = tpc(['only'], '/data/alice/undelegated.bin');
  expect(undelegated.code).not.toBe(0);
  expect(undelegated.out).toContain('Auth failed');
}));

test('both clusters started clean on their release: nothing in their configuration ignored, unknown or deprecated', () => {
  expect(cluster.configWarnings()).toEqual([]);
  expect(copying.configWarnings()).toEqual([]);
});
