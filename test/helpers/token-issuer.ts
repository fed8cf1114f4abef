/**
 * A token issuer on loopback, as a WLCG/SciTokens issuer looks to XRootD: an HTTPS server
 * (certificate from a test CA) with /.well-known/openid-configuration and the JWKS of a key
 * made here, and tokens (JWT, ES256) minted with that key. Stopped by closing its server.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TokenClaims {
  readonly scope?: string;
  readonly aud?: string;
  readonly sub?: string;
  readonly exp?: number;
  readonly iat?: number;
  readonly nbf?: number;
  readonly iss?: string;
}

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

export class TokenIssuer {
  /**
   * @param requests Key discovery requests the issuer answered (the daemons fetch keys themselves).
   */
  private constructor(private readonly server: Server, readonly url: string, private readonly key: KeyObject,
    readonly requests: readonly string[]) {}

  /** Serves on 127.0.0.1 with the TLS files of `tlsDir` (tls.crt, tls.key). */
  static async start(tlsDir: string): Promise<TokenIssuer> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'ES256', use: 'sig' };
    const requests: string[] = [];
    const at = { url: '' };
    const server = createServer({ key: readFileSync(join(tlsDir, 'tls.key')), cert: readFileSync(join(tlsDir, 'tls.crt')) }, (req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: at.url, jwks_uri: `${at.url}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
      else { res.statusCode = 404; res.end('{}'); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    at.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return new TokenIssuer(server, at.url, privateKey, requests);
  }

  /** A signed token: WLCG profile claims valid for an hour unless `claims` says otherwise. */
  mint(claims: TokenClaims): string {
    const now = Math.floor(Date.now() / 1000);
    const body = { iss: this.url, sub: 'alice', iat: now, nbf: now - 60, exp: now + 3600, 'wlcg.ver': '1.0', jti: randomUUID(), ...claims };
    const signed = `${b64({ alg: 'ES256', typ: 'JWT', kid: 'test-key' })}.${b64(body)}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), { key: this.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
