/**
 * spec.cache.origin.credentials.x509Proxy on real XRootD daemons: an origin that lets only one
 * grid identity read (GSI, a grid-mapfile naming the cache's subject, an authorization rule for
 * that user), and two cache clusters in front of it, one logging in with that identity's proxy
 * from its "Secret" (a directory mounted as the pod mounts it), one with none. The proxy's cache
 * reads through; the other is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { run } from '../helpers/processes.js';
import { TestCa, type UserCredentials } from '../helpers/test-ca.js';
import { daemonIds, LoopbackCluster } from './loopback-cluster.js';

const CACHE_SUBJECT = '/DC=org/DC=xrootd-k8s/OU=services/CN=edge cache';
const scratch = mkdtempSync(join(tmpdir(), 'xrd-xcache-proxy-'));
chmodSync(scratch, 0o755);
let ca: TestCa;
let cacheIdentity: UserCredentials;
let origin: LoopbackCluster;
let withProxy: LoopbackCluster;
let withoutProxy: LoopbackCluster;
const sums = new Map<string, string>();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  // XRootD's GSI encrypts with the host key: RSA.
  ca = TestCa.create('xcache-gsi', 'rsa');
  cacheIdentity = ca.userCredentials('edge', CACHE_SUBJECT);
  const { uid, gid } = daemonIds();
  const ips = ['127.0.0.1', '127.0.0.10'];
  const tls = ca.secretVolume('tls', ['localhost', hostname(), ...ips], ips, gid);
  // GSI checks a server's name against its certificate; here the servers are loopback addresses.
  const daemonEnv = { XrdSecGSISRVNAMES: '*' };
  origin = await LoopbackCluster.start({
    name: 'origin', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    security: {
      tls: { secretName: 'origin-tls' },
      gsi: { users: [{ dn: CACHE_SUBJECT, name: 'edge' }] },
      authorization: { rules: [{ who: 'user', name: 'edge', path: '/data', privileges: ['read', 'list'] }] },
    },
  }, { tlsDir: tls, daemonEnv, clientEnv: { X509_CERT_DIR: ca.certDir, XrdSecGSISRVNAMES: '*', X509_USER_PROXY: cacheIdentity.proxy } });
  await origin.waitForMembers(1);
  // The origin's files, on its data server's volume.
  const dataDir = join(origin.pod('worker', 0).dataDir, 'data');
  for (const name of ['a.bin', 'b.bin']) {
    const content = randomBytes(400 << 10);
    writeFileSync(join(dataDir, name), content);
    chownSync(join(dataDir, name), uid, gid);
    sums.set(name, sha256(content));
  }
  // The cache's "Secret": the proxy, readable by the pod's group, as a Secret volume mounts it.
  const secretDir = join(scratch, 'origin-proxy');
  mkdirSync(secretDir, { mode: 0o750 });
  chownSync(secretDir, 0, gid);
  copyFileSync(cacheIdentity.proxy, join(secretDir, 'x509up'));
  chmodSync(join(secretDir, 'x509up'), 0o440);
  chownSync(join(secretDir, 'x509up'), 0, gid);
  const cacheProps = (name: string, proxy: boolean): XrootdClusterProps => ({
    name, version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    security: { tls: { secretName: `${name}-tls` } },
    cache: {
      origin: { address: `127.0.0.1:${origin.pod('redirector', 0).port}`, ...(proxy ? { credentials: { x509Proxy: { secretName: 'edge-proxy' } } } : {}) },
      dataDisks: { count: 1, capacity: '1Gi' },
    },
  });
  [withProxy, withoutProxy] = await Promise.all([
    LoopbackCluster.start(cacheProps('cache', true), { tlsDir: tls, daemonEnv, originCredentialsDir: secretDir }),
    LoopbackCluster.start(cacheProps('open', false), { tlsDir: tls, daemonEnv }),
  ]);
  await Promise.all([withProxy.waitForMembers(1), withoutProxy.waitForMembers(1)]);
}, 10 * 60_000);

afterAll(async () => {
  await Promise.all([withProxy?.stop(), withoutProxy?.stop(), origin?.stop()]);
  ca?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

/** Reads a file through a cache cluster's redirector over TLS: its sha256, or the client's last line. */
function readThrough(cache: LoopbackCluster, name: string): string {
  const back = join(scratch, `${name}.${Date.now()}.back`);
  const env: NodeJS.ProcessEnv = { ...process.env, X509_CERT_DIR: ca.certDir, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '30' };
  delete env.X509_USER_PROXY;
  const r = run(['xrdcp', '--force', '--nopbar', `roots://127.0.0.1:${cache.pod('redirector', 0).port}//data/${name}`, back], env, 90_000);
  return r.code === 0 ? sha256(readFileSync(back)) : `failed: ${r.out.trim().split('\n').pop()}`;
}

function withLogs(cache: () => LoopbackCluster, body: () => void): void {
  try {
    body();
  } catch (e) {
    console.error(`cache logs:\n${cache().logs(40)}\n\norigin logs:\n${origin.logs(30)}`);
    throw e;
  }
}

test('a cache logging in with the proxy reads through it what the origin grants that identity', () => withLogs(() => withProxy, () => {
  for (const name of ['a.bin', 'b.bin']) expect({ name, sum: readThrough(withProxy, name) }).toEqual({ name, sum: sums.get(name) });
  // The origin saw the cache's identity log in with GSI.
  expect(origin.logs(400)).toMatch(/login as edge|edge\.\d+:\d+@/);
}), 180_000);

test('a cache without the proxy is refused by the origin, with XRootD\'s reason at the client', () => withLogs(() => withoutProxy, () => {
  const refused = readThrough(withoutProxy, 'a.bin');
  console.log(`without a proxy, the client reads: ${refused}`);
  expect(refused).toMatch(/^failed: .*(permission denied|not authorized|auth|exchange)/i);
}), 180_000);

test('the clusters started clean: nothing in their configuration ignored, unknown or deprecated', () => {
  expect([...withProxy.configWarnings(), ...withoutProxy.configWarnings()]).toEqual([]);
});
