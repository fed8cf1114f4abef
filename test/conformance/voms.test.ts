/**
 * spec.security.gsi.voms with authorization rules by VO, group and role, on real XRootD daemons
 * with XRootD's VOMS plugin: clients log in over roots:// (GSI) and HTTPS with proxies that carry
 * VOMS attributes, made offline by voms-proxy-fake (Debian's voms-clients) and signed by a test
 * VOMS server whose certificate a test CA issued. A member of the VO's group writes where the
 * group's rule allows, and with the right role where the role's rule allows; a member of the VO
 * outside the group, a member of another VO, attributes that expired, and attributes signed by a
 * server the cluster does not list get only what anybody gets (reading).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { requirePrograms, run } from '../helpers/processes.js';
import { TestCa, type UserCredentials } from '../helpers/test-ca.js';
import { daemonIds, LoopbackCluster } from './loopback-cluster.js';

const VO = 'testvo';
const VOMS_HOST = 'voms.test.example';
const VOMS_SUBJECT = '/DC=org/DC=xrootd-k8s/OU=services/CN=voms.test.example';
const scratch = mkdtempSync(join(tmpdir(), 'xrd-voms-files-'));
let ca: TestCa;
let cluster: LoopbackCluster;
/** The same rules with voms.require: a proxy without valid attributes of the VO cannot log in at all. */
let requiring: LoopbackCluster;
/** Proxies by what they carry. */
const proxies: Record<string, string> = {};

const clientEnv = (): NodeJS.ProcessEnv => ({ X509_CERT_DIR: ca.certDir, XrdSecGSISRVNAMES: '*', XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '15' });

/** A proxy of `user` carrying `fqans` of `vo`, signed by `server` as voms-proxy-fake makes it; extra options such as an expired lifetime. */
function vomsProxy(name: string, user: UserCredentials, server: UserCredentials, vo: string, fqans: string[],
  extra: string[] = []): string {
  const out = join(scratch, `${name}.proxy`);
  const r = run(['voms-proxy-fake', '-cert', user.cert, '-key', user.key, '-hostcert', server.cert, '-hostkey', server.key,
    '-voms', vo, '-uri', `${VOMS_HOST}:15000`, ...fqans.flatMap((f) => ['-fqan', f]), '-hours', '2', '-rfc', ...extra, '-out', out],
  { ...process.env, X509_CERT_DIR: ca.certDir, RANDFILE: join(scratch, '.rnd') });
  if (r.code !== 0) throw new Error(`voms-proxy-fake ${name} failed: ${r.out}`);
  return out;
}

beforeAll(async () => {
  requirePrograms(['voms-proxy-fake', 'curl'], 'install Debian\'s voms-clients and curl (test/install-prerequisites.sh does)');
  ca = TestCa.create('voms', 'rsa');
  const server = ca.userCredentials('voms', VOMS_SUBJECT);
  const rogue = ca.userCredentials('rogue', '/DC=org/DC=xrootd-k8s/OU=services/CN=rogue.test.example');
  const alice = ca.userCredentials('alice', '/DC=org/DC=xrootd-k8s/OU=people/CN=Alice Example');
  const carol = ca.userCredentials('carol', '/DC=org/DC=xrootd-k8s/OU=people/CN=Carol Example');
  // Every FQAN with its role (Role=NULL for none), as VOMS servers issue them.
  const member = `/${VO}/Role=NULL/Capability=NULL`;
  const writer = `/${VO}/writers/Role=NULL/Capability=NULL`;
  proxies.writer = vomsProxy('writer', alice, server, VO, [member, writer]);
  proxies.production = vomsProxy('production', alice, server, VO, [member, `/${VO}/writers/Role=production/Capability=NULL`]);
  proxies.member = vomsProxy('member', carol, server, VO, [member]);
  proxies.otherVo = vomsProxy('other-vo', alice, server, 'othervo', ['/othervo/Role=NULL/Capability=NULL', '/othervo/writers/Role=NULL/Capability=NULL']);
  // Valid from two hours ago for one hour: expired an hour ago (past the plugin's five minutes of grace).
  proxies.expired = vomsProxy('expired', alice, server, VO, [member, writer], ['-vomslife', '1', '-pastac', '2:00']);
  proxies.unlisted = vomsProxy('unlisted', alice, rogue, VO, [member, writer]);
  const { gid } = daemonIds();
  const ips = ['127.0.0.1', '127.0.0.10'];
  const secret = ca.secretVolume('tls', ['localhost', hostname(), ...ips], ips, gid);
  const props = (name: string, require: boolean): XrootdClusterProps => ({
    name, version: '5.5.3', xrootd: { startupDelaySeconds: 2, http: true }, worker: { replicas: 1 },
    security: {
      tls: { secretName: `${name}-tls` },
      gsi: { voms: { require, vos: [{ name: VO, servers: [{ host: VOMS_HOST, subject: VOMS_SUBJECT, issuer: '/DC=org/DC=xrootd-k8s/CN=voms test CA' }] }] } },
      authorization: {
        rules: [
          { path: '/data', privileges: ['read', 'list'] },
          { who: 'vo', vo: VO, group: `/${VO}/writers`, path: '/data/writers', privileges: ['create', 'write'] },
          { who: 'vo', vo: VO, group: `/${VO}/writers`, role: 'production', path: '/data/production', privileges: ['create'] },
        ],
      },
    },
  });
  const opts = { tlsDir: secret, clientEnv: { ...clientEnv(), X509_USER_PROXY: proxies.member }, daemonEnv: { XrdSecGSISRVNAMES: '*' } };
  [cluster, requiring] = await Promise.all([LoopbackCluster.start(props('voms', false), opts), LoopbackCluster.start(props('requiring', true), opts)]);
  await Promise.all([cluster.waitForMembers(1), requiring.waitForMembers(1)]);
}, 10 * 60_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), requiring?.stop()]);
  ca?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

function withLogs(body: () => void): void {
  try {
    body();
  } catch (e) {
    console.error(`daemon logs:\n${cluster.logs(60)}\n\nrequiring cluster:\n${requiring.logs(40)}`);
    throw e;
  }
}

const port = (): number => cluster.pod('redirector', 0).port;
const local = (name: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, randomBytes(128 << 10));
  return path;
};
const xrdcp = (proxy: string, from: string, to: string) => run(['xrdcp', '--force', '--nopbar', from, to], { ...process.env, ...clientEnv(), X509_USER_PROXY: proxy }, 60_000);
const roots = (path: string): string => `roots://127.0.0.1:${port()}/${path}`;
/** curl over HTTPS with the proxy as client certificate, following the redirector to the data server; the status code. */
const https = (proxy: string, args: string[], path: string): string => run(['curl', '-sS', '-L', '--cacert', ca.cert, '--cert', proxy, '--key', proxy,
  '-w', '%{http_code}', ...(args.includes('-o') ? [] : ['-o', '/dev/null']), ...args, `https://127.0.0.1:${port()}${path}`], process.env, 60_000).out.trim().split('\n').pop()!;

test('over roots://, a member of the VO\'s group writes where the group\'s rule allows and reads it back identical; without the role, not where the role\'s rule is', () => withLogs(() => {
  const file = local('writer.bin');
  expect(xrdcp(proxies.writer, file, roots('/data/writers/writer.bin'))).toMatchObject({ code: 0 });
  const back = join(scratch, 'writer.back');
  expect(xrdcp(proxies.writer, roots('/data/writers/writer.bin'), back)).toMatchObject({ code: 0 });
  expect(readFileSync(back).equals(readFileSync(file))).toBe(true);
  const roleless = xrdcp(proxies.writer, file, roots('/data/production/writer.bin'));
  expect(roleless.code).not.toBe(0);
  expect(roleless.out).toContain('permission denied');
  // The plugin put the attributes into the login (the redirector logs the VO it read).
  expect(cluster.logs(400)).toContain(VO);
}));

test('with the production role in the group, the role\'s rule applies too', () => withLogs(() => {
  expect(xrdcp(proxies.production, local('production.bin'), roots('/data/production/production.bin'))).toMatchObject({ code: 0 });
  expect(xrdcp(proxies.production, local('production-writers.bin'), roots('/data/writers/production.bin'))).toMatchObject({ code: 0 });
}));

test('a member of the VO outside the group, another VO, expired attributes and a server the cluster does not list: reading only', () => withLogs(() => {
  const outcomes = Object.fromEntries(['member', 'otherVo', 'expired', 'unlisted'].map((who) => {
    const write = xrdcp(proxies[who], local(`${who}.bin`), roots(`/data/writers/${who}.bin`));
    const read = xrdcp(proxies[who], roots('/data/writers/writer.bin'), join(scratch, `${who}.back`));
    return [who, { write: write.code === 0 ? 'written' : /permission denied/.test(write.out) ? 'permission denied' : write.out, read: read.code === 0 ? 'read' : read.out }];
  }));
  expect(outcomes).toEqual(Object.fromEntries(['member', 'otherVo', 'expired', 'unlisted'].map((who) => [who, { write: 'permission denied', read: 'read' }])));
}));

test('over HTTPS the same rules hold: the group\'s member writes, the others are forbidden (403), everyone reads', () => withLogs(() => {
  const put = (who: string, path: string) => https(proxies[who], ['-T', local(`https-${who}.bin`), '-H', 'Expect: 100-continue', '--expect100-timeout', '30'], path);
  const statuses: Record<string, string> = Object.fromEntries([
    ['writer', put('writer', '/data/writers/https-writer.bin')],
    ['production', put('production', '/data/production/https-production.bin')],
    ...['member', 'otherVo', 'expired', 'unlisted'].map((who) => [who, put(who, `/data/writers/https-${who}.bin`)]),
  ]);
  // XrdHttp answers a PUT it stored with 200 or 201, depending on the release.
  const stored = (status: string) => (/^20[01]$/.test(status) ? 'stored' : status);
  expect(Object.fromEntries(Object.entries(statuses).map(([who, status]) => [who, stored(status)])))
    .toEqual({ writer: 'stored', production: 'stored', member: '403', otherVo: '403', expired: '403', unlisted: '403' });
  // What the member stored is what anybody reads back, expired attributes or not.
  const back = join(scratch, 'https-writer.back');
  expect(https(proxies.expired, ['-o', back], '/data/writers/https-writer.bin')).toBe('200');
  expect(readFileSync(back).equals(readFileSync(join(scratch, 'https-writer.bin')))).toBe(true);
}));

test('with voms.require, only valid attributes of the VO log in: another VO, expired attributes and an unlisted server are refused at login, over roots:// and HTTPS', () => withLogs(() => {
  const at = (path: string): string => `roots://127.0.0.1:${requiring.pod('redirector', 0).port}/${path}`;
  const logins = Object.fromEntries(['writer', 'member', 'otherVo', 'expired', 'unlisted'].map((who) => {
    const r = xrdcp(proxies[who], local(`requiring-${who}.bin`), at(`/data/writers/${who}.bin`));
    return [who, r.code === 0 ? 'written' : /Auth failed/.test(r.out) ? 'Auth failed' : /permission denied/.test(r.out) ? 'permission denied' : r.out];
  }));
  expect(logins).toEqual({ writer: 'written', member: 'permission denied', otherVo: 'Auth failed', expired: 'Auth failed', unlisted: 'Auth failed' });
  // HTTPS refuses the request itself (the extractor is required): no status a server sends for a file.
  const get = (who: string) => run(['curl', '-sS', '--cacert', ca.cert, '--cert', proxies[who], '--key', proxies[who], '-o', '/dev/null', '-w', '%{http_code}',
    `https://127.0.0.1:${requiring.pod('redirector', 0).port}/data/writers/writer.bin`], process.env, 60_000).out.trim().split('\n').pop();
  expect(['writer', 'expired'].map((who) => [who, get(who)])).toEqual([['writer', expect.stringMatching(/^30[27]$/)], ['expired', expect.not.stringMatching(/^[23]\d\d$/)]]);
}));

test('both clusters started clean on their release: nothing in their configuration ignored, unknown or deprecated', () => {
  expect([...cluster.configWarnings(), ...requiring.configWarnings()]).toEqual([]);
});
