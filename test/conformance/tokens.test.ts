/**
 * spec.security.tokens on real XRootD daemons run from the project's image (the SciTokens
 * plugin ships in it): a token issuer on loopback over HTTPS whose keys the daemons fetch
 * themselves, tokens minted by the test, a cluster of a redirector and a data server with TLS
 * required. Each claim that can make a token wrong is tried over roots:// (ztn) and HTTPS
 * (Authorization: Bearer), through the redirector.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { projectImage, type ContainerImage } from '../helpers/containers.js';
import { DRAIN_ENV } from '../../constructs/drain.js';
import { run, runAsync } from '../helpers/processes.js';
import { TestCa } from '../helpers/test-ca.js';
import { TokenIssuer } from '../helpers/token-issuer.js';
import { drainEnv, runDrain } from './drain-harness.js';
import { LoopbackCluster, XROOTD_USER } from './loopback-cluster.js';

// No audiences in the spec: the cluster accepts its site name (spec.site) by default.
const AUDIENCE = 'T2_XK_Tokens';
const scratch = mkdtempSync(join(tmpdir(), 'xrd-token-files-'));
// The drain runs as the xrootd user and reads its token and CA in here.
chmodSync(scratch, 0o755);
let image: ContainerImage;
let ca: TestCa;
let issuer: TokenIssuer;
let stranger: TokenIssuer;
let cluster: LoopbackCluster;
let redirector: number;
let props: XrootdClusterProps;

beforeAll(async () => {
  image = projectImage('xrootd');
  ca = TestCa.create('tokens');
  const ips = ['127.0.0.1', '127.0.0.10'];
  const secret = ca.secretVolume('tls', [...ips, hostname()], ips, Number(image.user.split(':')[1]));
  issuer = await TokenIssuer.start(secret);
  stranger = await TokenIssuer.start(secret);
  // The daemons trust the image's public CAs plus the test CA (spec.security.tokens.issuerCaBundle).
  const bundle = join(ca.dir, 'bundle.crt');
  writeFileSync(bundle, readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + readFileSync(ca.cert, 'utf8'));
  props = {
    name: 'tokens', version: '5.5.3', site: AUDIENCE, xrootd: { startupDelaySeconds: 2, http: true },
    worker: { replicas: 2, scaleDown: 'Drain', drainToken: { secretName: 'drain-token' } },
    security: {
      tls: { secretName: 'tokens-tls' },
      tokens: { issuers: [{ name: 'test', url: issuer.url, basePaths: ['/data'], defaultUser: 'tokenuser' }], issuerCaBundle: { configMapName: 'issuer-ca' } },
      // Requests without a valid token fall through to these rules.
      authorization: { rules: [{ path: '/data/public', privileges: ['read', 'list'] }] },
    },
  };
  cluster = await LoopbackCluster.start(props, { image, tlsDir: secret, caBundle: bundle });
  await cluster.waitForMembers(2);
  redirector = cluster.pod('redirector', 0).port;
}, 30 * 60_000);
afterAll(async () => {
  await cluster?.stop();
  await issuer?.stop();
  await stranger?.stop();
  ca?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function withLogs(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`daemon logs:\n${cluster.logs(60)}`);
    throw e;
  }
}

/**
 * xrdcp through the redirector with `token` (WLCG bearer token discovery: BEARER_TOKEN), or none.
 * Asynchronous: the issuer the daemons fetch keys from lives in this process.
 */
function xrdcp(token: string | undefined, from: string, to: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, X509_CERT_DIR: ca.certDir, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '15' };
  delete env.BEARER_TOKEN;
  if (token) env.BEARER_TOKEN = token;
  return runAsync(['xrdcp', '--force', '--nopbar', from, to], env, 60_000);
}
const remote = (path: string): string => `roots://127.0.0.1:${redirector}/${path}`;
const upload = (name: string): string => {
  const local = join(scratch, name);
  writeFileSync(local, randomBytes(512 << 10));
  return local;
};

const READ = 'storage.read:/';
const WRITE = 'storage.read:/ storage.create:/ storage.modify:/';

test('roots://: a write-scoped token writes, a read-scoped token reads and cannot write', () => withLogs(async () => {
  const local = upload('written.bin');
  expect(await xrdcp(issuer.mint({ aud: AUDIENCE, scope: WRITE }), local, remote('/data/written.bin'))).toMatchObject({ code: 0 });
  const back = join(scratch, 'written.back');
  expect(await xrdcp(issuer.mint({ aud: AUDIENCE, scope: READ }), remote('/data/written.bin'), back)).toMatchObject({ code: 0 });
  expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  const refused = await xrdcp(issuer.mint({ aud: AUDIENCE, scope: READ }), local, remote('/data/not-allowed.bin'));
  expect(refused.code).not.toBe(0);
  expect(refused.out).toContain('permission denied');
  // The daemons fetched the issuer's keys over HTTPS themselves.
  expect(issuer.requests).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/jwks']));
}), 120_000);

test('refused: no token, an expired token, another issuer\'s token, a token for another audience', () => withLogs(async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: Record<string, string | undefined> = {
    'no token': undefined,
    expired: issuer.mint({ aud: AUDIENCE, scope: READ, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
    'unknown issuer': stranger.mint({ aud: AUDIENCE, scope: READ }),
    'wrong audience': issuer.mint({ aud: 'https://elsewhere.example.org', scope: READ }),
    'another site\'s name as audience': issuer.mint({ aud: 'T2_XK_Elsewhere', scope: READ }),
  };
  for (const [what, token] of Object.entries(cases)) {
    const r = await xrdcp(token, remote('/data/written.bin'), join(scratch, 'refused.bin'));
    expect({ what, code: r.code === 0 ? 0 : 'refused' }).toEqual({ what, code: 'refused' });
    expect(r.out).toMatch(/permission denied|Auth failed/);
  }
}), 120_000);

test('a token scoped to a subdirectory reaches that subdirectory only', () => withLogs(async () => {
  const local = upload('scoped.bin');
  const scoped = issuer.mint({ aud: AUDIENCE, scope: 'storage.create:/group-a storage.read:/group-a' });
  expect(await xrdcp(scoped, local, remote('/data/group-a/scoped.bin'))).toMatchObject({ code: 0 });
  expect((await xrdcp(scoped, local, remote('/data/group-b/scoped.bin'))).code).not.toBe(0);
  expect((await xrdcp(scoped, remote('/data/written.bin'), join(scratch, 'outside.bin'))).code).not.toBe(0);
}), 120_000);

test('without a token the authorization rules decide: /data/public is readable by anybody, writing there still needs a token', () => withLogs(async () => {
  const local = upload('public.bin');
  expect(await xrdcp(issuer.mint({ aud: AUDIENCE, scope: WRITE }), local, remote('/data/public/open.bin'))).toMatchObject({ code: 0 });
  const back = join(scratch, 'public.back');
  expect(await xrdcp(undefined, remote('/data/public/open.bin'), back)).toMatchObject({ code: 0 });
  expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  const write = await xrdcp(undefined, local, remote('/data/public/anonymous.bin'));
  expect(write.code).not.toBe(0);
  expect(write.out).toContain('permission denied');
  // An invalid token gets no more than no token: the rules, and nothing outside them.
  const now = Math.floor(Date.now() / 1000);
  const expired = issuer.mint({ aud: AUDIENCE, scope: READ, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
  expect(await xrdcp(expired, remote('/data/public/open.bin'), join(scratch, 'expired.back'))).toMatchObject({ code: 0 });
  expect((await xrdcp(expired, remote('/data/written.bin'), join(scratch, 'expired2.back'))).code).not.toBe(0);
}), 120_000);

test('HTTPS: Authorization: Bearer through the redirector, read and write by scope', () => withLogs(async () => {
  const url = `https://127.0.0.1:${redirector}/data/over-https.bin`;
  const local = upload('https.bin');
  // --location-trusted: the redirect goes to the data server, another host, and the token must follow it.
  const curl = async (token: string | undefined, ...args: string[]) => (await runAsync(['curl', '-sS', '--location-trusted', '--cacert', ca.cert, '-o', '/dev/null',
    '-w', '%{http_code}', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), ...args, url], process.env, 60_000)).out.trim();
  // Expect: 100-continue: XrdHttp answers a refused open before the body is sent (without it, curl may still be
  // sending when the 403 closes the connection, and reports a broken pipe instead of the answer).
  const put = ['-T', local, '-H', 'Expect: 100-continue', '--expect100-timeout', '30'];
  expect(await curl(issuer.mint({ aud: AUDIENCE, scope: READ }), ...put)).toBe('403');
  expect(await curl(issuer.mint({ aud: AUDIENCE, scope: WRITE }), ...put)).toMatch(/^20[01]$/);
  expect(await curl(issuer.mint({ aud: AUDIENCE, scope: READ }))).toBe('200');
  expect(await curl(undefined)).toBe('403');
  expect(await curl(issuer.mint({ aud: 'https://elsewhere.example.org', scope: READ }))).toBe('403');
}), 120_000);

test('a drain logs in with its token (worker.drainToken): a read-only one is refused at the first copy, one that may write copies every file', () => withLogs(async () => {
  const written = new Map<string, string>();
  const writer = issuer.mint({ aud: AUDIENCE, scope: WRITE });
  for (let i = 0; i < 3; i++) {
    const local = upload(`drain-${i}.bin`);
    expect(await xrdcp(writer, local, `roots://127.0.0.1:${cluster.pod('worker', 1).port}//data/drain/f${i}.bin`)).toMatchObject({ code: 0 });
    written.set(`/data/drain/f${i}.bin`, createHash('sha256').update(readFileSync(local)).digest('hex'));
  }
  await cluster.restartInMaintenance([1]);
  // The Job's token file, readable by its user alone.
  const tokenFile = (scope: string): string => {
    const file = join(scratch, 'drain-token');
    rmSync(file, { force: true });
    writeFileSync(file, issuer.mint({ aud: AUDIENCE, scope }), { mode: 0o400 });
    run(['chown', XROOTD_USER, file]);
    return file;
  };
  const caFile = join(scratch, 'ca.crt');
  writeFileSync(caFile, readFileSync(ca.cert), { mode: 0o644 });
  const env = (token: string) => drainEnv(props, cluster, 1, [0], { [DRAIN_ENV.caFile]: caFile, BEARER_TOKEN_FILE: token });
  const readOnly = await runDrain(env(tokenFile(READ)));
  expect(readOnly.code).not.toBe(0);
  expect(readOnly.out).toMatch(/copying \/data\/drain\/f\d\.bin .* failed: .*permission denied/is);
  const drained = await runDrain(env(tokenFile(WRITE)));
  // Other tests left files on it too: all of them copied.
  expect(drained.out).toMatch(/drained \S+: (\d+) files, \d+ bytes: \1 copied/);
  expect(drained.code).toBe(0);
  for (const d of ['xrootd', 'cmsd'] as const) await cluster.stopDaemon(cluster.pod('worker', 1), d);
  for (const [path, digest] of written) {
    const back = join(scratch, 'drain-back');
    expect([path, (await xrdcp(issuer.mint({ aud: AUDIENCE, scope: READ }), remote(path), back)).code]).toEqual([path, 0]);
    expect([path, createHash('sha256').update(readFileSync(back)).digest('hex')]).toEqual([path, digest]);
  }
}), 180_000);

test('the cluster started clean on its release: nothing in its configuration ignored, unknown or deprecated', () => {
  expect(cluster.configWarnings()).toEqual([]);
});
