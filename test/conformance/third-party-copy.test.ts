/**
 * HTTPS third-party copy (WebDAV COPY, pull mode) between two generated clusters on real XRootD
 * daemons from the project's image, with TLS and WLCG tokens as FTS does it: the client asks the
 * destination cluster's redirector to COPY, naming the Source; the destination's data server pulls
 * the file from the source cluster (through its redirector) itself, with the token the client
 * handed over in TransferHeaderAuthorization. Each cluster accepts tokens for its own audience only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions, type XrootdClusterProps } from '../../constructs/index.js';
import { HOST_RELEASE, projectImage, releaseUnderTest, type ContainerImage } from '../helpers/containers.js';
import { runAsync } from '../helpers/processes.js';
import { TestCa } from '../helpers/test-ca.js';
import { TokenIssuer } from '../helpers/token-issuer.js';
import { LoopbackCluster } from './loopback-cluster.js';

const RELEASE = releaseUnderTest() ?? HOST_RELEASE;
const since = (version: string): boolean => compareVersions(RELEASE, version) >= 0;
/**
 * XRootD 5.9.3 on (XrdHttpTpcTPC.cc, opensocket_callback) refuses to copy from or to a loopback or
 * link-local address unless told `tpc.allow local`: a client must not make a data server fetch from
 * its own host. Pods' addresses are private, which XRootD allows, so the rendered configuration keeps
 * the guard; these clusters live on loopback, and so does the source the destination pulls from.
 */
const ON_LOOPBACK = since('5.9.3') ? ['tpc.allow local'] : [];
const SOURCE_AUDIENCE = 'https://source.test.example.org';
const DESTINATION_AUDIENCE = 'https://destination.test.example.org';
const scratch = mkdtempSync(join(tmpdir(), 'xrd-tpc-files-'));
let image: ContainerImage;
let ca: TestCa;
let issuer: TokenIssuer;
let source: LoopbackCluster;
let destination: LoopbackCluster;

const props = (name: string, audience: string): XrootdClusterProps => ({
  name, version: '5.5.3', xrootd: { startupDelaySeconds: 2, http: true, thirdPartyCopy: true },
  // The redirector's TPC handler connects to the source too: it asks for the file's size before it opens the destination.
  redirector: { extraDirectives: ON_LOOPBACK }, worker: { replicas: 1, extraDirectives: ON_LOOPBACK },
  security: {
    tls: { secretName: `${name}-tls` },
    tokens: { audiences: [audience], issuers: [{ name: 'test', url: issuer.url, basePaths: ['/data'] }], issuerCaBundle: { configMapName: 'issuer-ca' } },
  },
});

beforeAll(async () => {
  image = projectImage('xrootd');
  ca = TestCa.create('tpc');
  const ips = ['127.0.0.1', '127.0.0.10'];
  const secret = ca.secretVolume('tls', [...ips, hostname()], ips, Number(image.user.split(':')[1]));
  issuer = await TokenIssuer.start(secret);
  const bundle = join(ca.dir, 'bundle.crt');
  writeFileSync(bundle, readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + readFileSync(ca.cert, 'utf8'));
  // Started together: each waits only for its own data server.
  [source, destination] = await Promise.all([
    LoopbackCluster.start(props('source', SOURCE_AUDIENCE), { image, tlsDir: secret, caBundle: bundle }),
    LoopbackCluster.start(props('destination', DESTINATION_AUDIENCE), { image, tlsDir: secret, caBundle: bundle }),
  ]);
  await Promise.all([source.waitForMembers(1), destination.waitForMembers(1)]);
}, 30 * 60_000);
afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
  await issuer?.stop();
  ca?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`source logs:\n${source.logs(40)}\n\ndestination logs:\n${destination.logs(60)}`);
    throw e;
  }
}

const url = (cluster: LoopbackCluster, path: string): string => `https://127.0.0.10:${cluster.pod('redirector', 0).port}${path}`;

/** curl against a cluster's redirector, following its redirect to the data server; prints the status code last. */
async function curl(args: string[]): Promise<{ status: string; body: string }> {
  const r = await runAsync(['curl', '-sS', '-L', '--cacert', ca.cert, '-w', '\n%{http_code}', ...args], process.env, 120_000);
  const lines = r.out.trimEnd().split('\n');
  return { status: lines.pop()!, body: lines.join('\n') };
}
const bearer = (token: string): string[] => ['-H', `Authorization: Bearer ${token}`];
const READ = 'storage.read:/';
const CREATE = 'storage.create:/';

/**
 * How the TPC handler words a refusal of the copy it was asked for: from 5.7.0 on (generateClientErr in
 * XrdTpcTPC.cc) the message comes with the copy's two ends, `failure: <message>, local=<path>, remote=<source>`.
 */
const tpcError = (message: string, to: string, from: string): string =>
  since('5.7.0') ? `failure: ${message}, local=${to}, remote=${url(source, from)}` : message;
/**
 * What the TPC handler answers when the redirector asks it to wait (it sleeps, then gives up: OpenWaitStall
 * opens once, in every release). Its status is the wait's seconds read as an errno: 400 before 5.9.0;
 * from 5.9.0 on (mapErrNoToHttp) the one second of `cms.delay lookup 1` is EPERM, 403. The body tells.
 */
const REDIRECTOR_WAIT = 'Failed to open local resource';
/** A refused open: 401 before 5.9.0, then 403 (EACCES through mapErrNoToHttp), what plain requests get. */
const REFUSED = since('5.9.0') ? '403' : '401';
let waitsAnswered = 0;

/**
 * COPY to the destination, pulling `from` (a path of the source cluster) with `sourceToken`. The
 * first COPY of a new path through a redirector is refused (REDIRECTOR_WAIT) after the redirector's
 * lookup (docs/security.md); the retry, as FTS makes it, is redirected to a data server.
 */
async function pull(from: string, to: string, destinationToken: string | undefined,
  sourceToken: string | undefined): Promise<{ status: string; body: string }> {
  const copy = () => curl([
    '-X', 'COPY', '-H', `Source: ${url(source, from)}`,
    ...(destinationToken ? bearer(destinationToken) : []),
    ...(sourceToken ? ['-H', `TransferHeaderAuthorization: Bearer ${sourceToken}`] : []),
    url(destination, to),
  ]);
  let r = await copy();
  for (let retry = 0; retry < 3 && /^[45]\d\d$/.test(r.status) && r.body === tpcError(REDIRECTOR_WAIT, to, from); retry++) {
    waitsAnswered++;
    r = await copy();
  }
  return r;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('pull mode: the destination\'s data server fetches the file from the source cluster with the handed-over token; bytes identical', () => withLogs(async () => {
  const original = randomBytes(8 << 20);
  const local = join(scratch, 'original.bin');
  writeFileSync(local, original);
  // Expect: 100-continue: the redirector answers (307) before reading the body; without it curl may still be sending when
  // that answer closes the connection, and reports a broken pipe (000) instead of following the redirect.
  const put = await curl(['-T', local, '-H', 'Expect: 100-continue', '--expect100-timeout', '30', ...bearer(issuer.mint({ aud: SOURCE_AUDIENCE, scope: `${READ} ${CREATE}` })), '-o', '/dev/null', url(source, '/data/original.bin')]);
  expect(put.status).toMatch(/^20[01]$/);

  const copy = await pull('/data/original.bin', '/data/copied.bin',
    issuer.mint({ aud: DESTINATION_AUDIENCE, scope: CREATE }), issuer.mint({ aud: SOURCE_AUDIENCE, scope: READ }));
  // The answer starts before the transfer does: 201 Created up to 5.x, 202 Accepted from 6.0.0 on (XrdHttpTpcTPC.cc,
  // RunCurlWithUpdates). Either way the transfer's last chunk reports its result (perf markers come before it).
  expect(copy.status).toBe(since('6.0.0') ? '202' : '201');
  expect(copy.body).toMatch(/success: Created/);
  expect(waitsAnswered).toBeLessThanOrEqual(1);

  const back = join(scratch, 'copied.back');
  const get = await curl([...bearer(issuer.mint({ aud: DESTINATION_AUDIENCE, scope: READ })), '-o', back, url(destination, '/data/copied.bin')]);
  expect(get.status).toBe('200');
  expect(sha256(readFileSync(back))).toBe(sha256(original));
  // The copy landed on the destination's data server's volume, not the source's.
  expect(sha256(readFileSync(join(destination.pod('worker', 0).dataDir, 'data/copied.bin')))).toBe(sha256(original));
}), 180_000);

test('refused: no token for the destination, a source token of the wrong audience, a destination token without create', () => withLogs(async () => {
  const readSource = issuer.mint({ aud: SOURCE_AUDIENCE, scope: READ });
  const refused = (to: string) => ({ status: REFUSED, body: tpcError(`Unable to create ${to}; permission denied`, to, '/data/original.bin') });
  expect(await pull('/data/original.bin', '/data/anonymous.bin', undefined, readSource)).toEqual(refused('/data/anonymous.bin'));
  expect(await pull('/data/original.bin', '/data/read-only.bin', issuer.mint({ aud: DESTINATION_AUDIENCE, scope: READ }), readSource))
    .toEqual(refused('/data/read-only.bin'));
  // The destination accepts the COPY; the source refuses the pull, and the transfer reports it.
  const wrongAudience = await pull('/data/original.bin', '/data/wrong-audience.bin',
    issuer.mint({ aud: DESTINATION_AUDIENCE, scope: CREATE }), issuer.mint({ aud: DESTINATION_AUDIENCE, scope: READ }));
  expect(`${wrongAudience.status} ${wrongAudience.body}`).toMatch(/failure|^[45]\d\d /);
  expect(wrongAudience.body).not.toMatch(/success/);
  for (const name of ['anonymous.bin', 'read-only.bin']) {
    const r = await curl([...bearer(issuer.mint({ aud: DESTINATION_AUDIENCE, scope: READ })), '-o', '/dev/null', url(destination, `/data/${name}`)]);
    expect({ name, status: r.status }).toEqual({ name, status: '404' });
  }
  // XRootD leaves the empty file it opened for the failed pull; FTS deletes it after a failure (docs/security.md).
  const failed = join(destination.pod('worker', 0).dataDir, 'data/wrong-audience.bin');
  expect(existsSync(failed) ? statSync(failed).size : 0).toBe(0);
}), 180_000);

test('both clusters\' configuration started clean on this release: nothing unknown, ignored or deprecated', () => {
  expect({ source: source.configWarnings(), destination: destination.configWarnings() }).toEqual({ source: [], destination: [] });
});
