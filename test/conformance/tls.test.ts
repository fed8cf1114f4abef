/**
 * spec.security.tls on real XRootD daemons (Debian's 5.5.3) from the ConfigMap's bytes: a test
 * CA signs the pods' certificate, delivered as a TLS Secret mounts it (group-readable files);
 * roots:// and https:// on the xrootd port through the redirector, peers verified against the
 * CA, TLS required for every xroot request unless the spec says otherwise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { run } from '../helpers/processes.js';
import { TestCa } from '../helpers/test-ca.js';
import { daemonIds, withCluster, type LoopbackCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-tls-files-'));
const ca = TestCa.create('site');
const otherCa = TestCa.create('other');
// Every address the loopback pods use (see LoopbackCluster) and the names a redirect may carry.
const loopbackIps = ['127.0.0.1', '127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.2.0', '127.0.2.1'];
const { gid } = daemonIds();
// XRootD's clients match a host only against the certificate's DNS names (an IP address too): the
// loopback addresses stand in for the pods' DNS names, so they are listed as names as well.
const secret = ca.secretVolume('tls-secret', ['localhost', hostname(), ...loopbackIps], loopbackIps, gid);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  ca.remove();
  otherCa.remove();
});

const props = (name: string, require: 'none' | 'all'): XrootdClusterProps => ({
  name, version: '5.5.3', xrootd: { startupDelaySeconds: 2, http: true }, worker: { replicas: 2 },
  security: { tls: { secretName: `${name}-tls`, require } },
});

function withTlsCluster(p: XrootdClusterProps, body: (c: LoopbackCluster) => Promise<void>): Promise<void> {
  return withCluster(p, async (c) => {
    await c.waitForMembers(2);
    await body(c);
  }, { tlsDir: secret });
}

/** xrdcp as a client that trusts `certDir` (X509_CERT_DIR: what XrdCl verifies servers against). */
const xrdcp = (certDir: string, from: string, to: string) =>
  run(['xrdcp', '--force', '--nopbar', from, to], { ...process.env, X509_CERT_DIR: certDir, XRD_CONNECTIONRETRY: '1', XRD_REQUESTTIMEOUT: '10' }, 60_000);

test('TLS required: roots:// and https:// through the redirector with the CA, refused without it', async () => {
  await withTlsCluster(props('secure', 'all'), async (c) => {
    for (const pod of c.pods) {
      const probe = c.probe(pod, 'ready');
      expect({ pod: pod.name, ok: probe.code === 0 || probe.out }).toEqual({ pod: pod.name, ok: true });
    }
    const port = c.pod('redirector', 0).port;
    const local = join(scratch, 'secure.bin');
    writeFileSync(local, randomBytes(2 << 20));

    expect(xrdcp(ca.certDir, local, `roots://127.0.0.1:${port}//data/secure.bin`)).toMatchObject({ code: 0 });
    const back = join(scratch, 'secure.back');
    expect(xrdcp(ca.certDir, `roots://127.0.0.1:${port}//data/secure.bin`, back)).toMatchObject({ code: 0 });
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);

    // A client that trusts another CA cannot talk to the cluster at all, with roots:// or root://.
    const wrongCa = xrdcp(otherCa.certDir, `roots://127.0.0.1:${port}//data/secure.bin`, join(scratch, 'wrong'));
    expect(wrongCa.code).not.toBe(0);
    expect(wrongCa.out).toMatch(/TLS|SSL|certificate/i);
    expect(xrdcp(otherCa.certDir, `root://127.0.0.1:${port}//data/secure.bin`, join(scratch, 'wrong')).code).not.toBe(0);
    // A client without TLS (no CA to verify with) is refused: the server demands TLS for every request.
    const empty = mkdtempSync(join(tmpdir(), 'no-ca-'));
    const clear = xrdcp(empty, `root://127.0.0.1:${port}//data/secure.bin`, join(scratch, 'clear'));
    expect(clear.code).not.toBe(0);
    expect(clear.out).toMatch(/TLS/);

    // HTTPS on the same port: the redirect to the data server is followed, the bytes are the same.
    const viaHttps = join(scratch, 'https.back');
    const curl = run(['curl', '-sS', '-L', '--fail', '--cacert', ca.cert, '-o', viaHttps, `https://127.0.0.1:${port}/data/secure.bin`], process.env, 60_000);
    expect(curl).toMatchObject({ code: 0 });
    expect(readFileSync(viaHttps).equals(readFileSync(local))).toBe(true);
    const untrusted = run(['curl', '-sS', '-L', '--fail', '--cacert', otherCa.cert, '-o', '/dev/null', `https://127.0.0.1:${port}/data/secure.bin`]);
    expect(untrusted.code).toBe(60);
  });
}, 180_000);

test('TLS offered but not required (require: none): clear root:// still works, roots:// is verified', async () => {
  await withTlsCluster(props('optional', 'none'), async (c) => {
    const port = c.pod('redirector', 0).port;
    const local = join(scratch, 'optional.bin');
    writeFileSync(local, randomBytes(1 << 20));
    const empty = mkdtempSync(join(tmpdir(), 'no-ca-'));
    expect(xrdcp(empty, local, `root://127.0.0.1:${port}//data/optional.bin`)).toMatchObject({ code: 0 });
    expect(xrdcp(ca.certDir, `roots://127.0.0.1:${port}//data/optional.bin`, join(scratch, 'optional.back'))).toMatchObject({ code: 0 });
    expect(readFileSync(join(scratch, 'optional.back')).equals(readFileSync(local))).toBe(true);
    expect(xrdcp(otherCa.certDir, `roots://127.0.0.1:${port}//data/optional.bin`, join(scratch, 'x')).code).not.toBe(0);
  });
}, 180_000);
