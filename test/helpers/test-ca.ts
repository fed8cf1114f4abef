/**
 * A certificate authority made by a test with the openssl command: a CA, certificates it signs
 * for given names and addresses, and the files as a kubernetes.io/tls Secret mounts them
 * (tls.crt, tls.key, ca.crt, readable by the pod's group), plus a hashed CA directory for
 * XRootD's clients (X509_CERT_DIR).
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.js';

function openssl(args: string[]): string {
  const r = run(['openssl', ...args]);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

export class TestCa {
  readonly cert: string;
  private readonly key: string;
  /** A directory of the CA certificate under its hash name, for XRootD clients (X509_CERT_DIR). */
  readonly certDir: string;

  constructor(readonly dir: string, readonly name: string) {
    this.cert = join(dir, `${name}-ca.crt`);
    this.key = join(dir, `${name}-ca.key`);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', this.key, '-out', this.cert,
      '-days', '2', '-subj', `/CN=${name} test CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    this.certDir = join(dir, `${name}-cadir`);
    mkdirSync(this.certDir);
    copyFileSync(this.cert, join(this.certDir, `${openssl(['x509', '-hash', '-noout', '-in', this.cert]).trim()}.0`));
    chmodSync(dir, 0o755);
  }

  static create(name: string): TestCa {
    return new TestCa(mkdtempSync(join(tmpdir(), `ca-${name}-`)), name);
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
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${dnsNames[0] ?? ips[0]}`]);
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
