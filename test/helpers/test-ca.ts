/**
 * A certificate authority made by a test with the openssl command: a CA, certificates it signs
 * for given names and addresses, and the files as a kubernetes.io/tls Secret mounts them
 * (tls.crt, tls.key, ca.crt, readable by the pod's group), plus a hashed CA directory for
 * XRootD's clients (X509_CERT_DIR).
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.js';

function openssl(args: string[]): string {
  const r = run(['openssl', ...args]);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

/** Key algorithm of the CA and the certificates it makes: XRootD's GSI needs RSA host keys. */
export type KeyType = 'ec' | 'rsa';
const newKey = (type: KeyType): string[] => (type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']);

/** A user's X.509 credentials: certificate, key (mode 600) and a grid proxy made from them. */
export interface UserCredentials { readonly subject: string; readonly cert: string; readonly key: string; readonly proxy: string }

export class TestCa {
  readonly cert: string;
  private readonly key: string;
  /** A directory of the CA certificate under its hash name, for XRootD clients (X509_CERT_DIR). */
  readonly certDir: string;

  constructor(readonly dir: string, readonly name: string, readonly keyType: KeyType = 'ec') {
    this.cert = join(dir, `${name}-ca.crt`);
    this.key = join(dir, `${name}-ca.key`);
    openssl(['req', '-x509', ...newKey(keyType), '-nodes', '-keyout', this.key, '-out', this.cert,
      '-days', '2', '-subj', `/DC=org/DC=xrootd-k8s/CN=${name} test CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    this.certDir = join(dir, `${name}-cadir`);
    mkdirSync(this.certDir);
    copyFileSync(this.cert, join(this.certDir, `${openssl(['x509', '-hash', '-noout', '-in', this.cert]).trim()}.0`));
    chmodSync(dir, 0o755);
  }

  static create(name: string, keyType: KeyType = 'ec'): TestCa {
    return new TestCa(mkdtempSync(join(tmpdir(), `ca-${name}-`)), name, keyType);
  }

  /** A user certificate for `subject` (slash form, /DC=org/CN=Alice) and a one-hour grid proxy made from it. */
  userCredentials(name: string, subject: string): UserCredentials {
    const cert = join(this.dir, `${name}.crt`);
    const key = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    // Key identifiers: voms-proxy-fake names its signer's (authorityKeyIdentifier keyid:always).
    writeFileSync(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    openssl(['req', ...newKey(this.keyType), '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
    chmodSync(key, 0o600);
    // An RFC 3820 proxy signed with SHA-256, as voms-proxy-init makes it (xrdgsiproxy 5.5 signs with
    // SHA-1, which OpenSSL 3 refuses when XrdCl presents the proxy as its TLS client certificate).
    const serial = String(1000 + Math.floor(Math.random() * 1e6));
    const proxyKey = join(this.dir, `${name}-proxy.key`);
    const proxyCsr = join(this.dir, `${name}-proxy.csr`);
    const proxyCert = join(this.dir, `${name}-proxy.crt`);
    const proxyExt = join(this.dir, `${name}-proxy.ext`);
    writeFileSync(proxyExt, 'proxyCertInfo=critical,language:id-ppl-inheritAll\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    openssl(['req', '-new', ...newKey(this.keyType), '-nodes', '-keyout', proxyKey, '-out', proxyCsr, '-subj', `${subject}/CN=${serial}`]);
    openssl(['x509', '-req', '-in', proxyCsr, '-CA', cert, '-CAkey', key, '-set_serial', serial, '-days', '1', '-sha256', '-extfile', proxyExt, '-out', proxyCert]);
    const proxy = join(this.dir, `${name}.proxy`);
    writeFileSync(proxy, [proxyCert, proxyKey, cert].map((f) => readFileSync(f, 'utf8')).join(''), { mode: 0o600 });
    return { subject, cert, key, proxy };
  }

  /**
   * A server certificate for `dnsNames` and `ips`, written as a TLS Secret's volume: a directory
   * with tls.crt, tls.key and ca.crt, mode 0440, group `gid` (the pod's fsGroup).
   */
  secretVolume(name: string, dnsNames: string[], ips: string[], gid: number): string {
    const out = join(this.dir, name);
    mkdirSync(out);
    const key = join(out, 'tls.key');
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    writeFileSync(ext, `subjectAltName=${[...dnsNames.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',')}\n`
      + 'extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    openssl(['req', ...newKey(this.keyType), '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${dnsNames[0] ?? ips[0]}`]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-out', join(out, 'tls.crt'), '-days', '2', '-extfile', ext]);
    copyFileSync(this.cert, join(out, 'ca.crt'));
    for (const f of ['tls.crt', 'tls.key', 'ca.crt']) {
      chownSync(join(out, f), 0, gid);
      chmodSync(join(out, f), 0o440);
    }
    chmodSync(out, 0o755);
    return out;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
