/**
 * Git over SSH on loopback: an SSH server (the ssh2 library; no sshd can run
 * unprivileged here) that accepts one client key and runs git's own
 * upload-pack for fetches. The client side is the real OpenSSH and git.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

function keyPair(dir: string, name: string): { privateKey: string; publicKey: string } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  return { privateKey: readFileSync(join(dir, name), 'utf8'), publicKey: readFileSync(join(dir, `${name}.pub`), 'utf8') };
}

/** A fresh ed25519 key pair made by ssh-keygen. */
export function newKeyPair(): { privateKey: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xrootd-ssh-key-'));
  try {
    return keyPair(dir, 'key');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class SshGitServer {
  /** The key the server accepts; what a Secret's `identity` holds. */
  readonly client: { privateKey: string; publicKey: string };
  private readonly host: { privateKey: string; publicKey: string };
  private readonly keys: string;
  private readonly server: InstanceType<typeof Server>;
  /** Authentication attempts refused. */
  refused = 0;

  private constructor(private readonly root: string) {
    this.keys = mkdtempSync(join(tmpdir(), 'xrootd-ssh-keys-'));
    this.host = keyPair(this.keys, 'host');
    this.client = keyPair(this.keys, 'client');
    const allowed = utils.parseKey(this.client.publicKey);
    if (allowed instanceof Error) throw allowed;
    this.server = new Server({ hostKeys: [this.host.privateKey] }, (conn) => {
      conn.on('authentication', (ctx) => {
        const ok = ctx.method === 'publickey' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())
          && (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
        if (ok) return ctx.accept();
        this.refused++;
        ctx.reject(['publickey']);
      });
      conn.on('ready', () => conn.on('session', (acceptSession) => {
        const session = acceptSession();
        const env: Record<string, string> = {};
        session.on('env', (accept, _reject, info) => { env[info.key] = info.val; accept?.(); });
        session.on('exec', (accept, reject, info) => {
          const m = /^git-upload-pack '\/?([^']+)'$/.exec(info.command);
          const repo = m && normalize(join(this.root, m[1]));
          if (!repo || !repo.startsWith(this.root)) return reject();
          const stream = accept();
          const git = spawn('git', ['upload-pack', repo], { env: { PATH: process.env.PATH, ...(env.GIT_PROTOCOL ? { GIT_PROTOCOL: env.GIT_PROTOCOL } : {}) } });
          stream.pipe(git.stdin);
          git.stdout.pipe(stream, { end: false });
          git.stderr.pipe(stream.stderr);
          git.on('close', (code) => { stream.exit(code ?? 1); stream.end(); });
        });
      }));
      conn.on('error', () => {});
    });
  }

  /** Serves the bare repositories under `root` (those a GitServer holds). */
  static async start(root: string): Promise<SshGitServer> {
    const s = new SshGitServer(root);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  url(repo: string): string {
    return `ssh://git@127.0.0.1:${this.port}/${repo}.git`;
  }

  /** The known_hosts line that trusts this server's host key. */
  knownHosts(): string {
    return `[127.0.0.1]:${this.port} ${this.host.publicKey.split(' ').slice(0, 2).join(' ')}\n`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.keys, { recursive: true, force: true });
  }
}
