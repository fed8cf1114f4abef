/**
 * A real Git server on loopback: git's own http-backend (smart HTTP, protocol
 * v2) behind a small CGI gateway that asks for HTTP Basic credentials when
 * told to, and a repository the test commits to with the git command.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class GitServer {
  readonly root: string;
  private readonly server: Server;
  /** Requests answered 401 for want of credentials (the server asked for them). */
  unauthorized = 0;

  private constructor(root: string, private readonly auth: { username: string; password: string } | undefined) {
    this.root = root;
    this.server = createServer((req, res) => {
      const header = req.headers.authorization ?? '';
      if (this.auth && header !== `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`) {
        this.unauthorized++;
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1',
          REQUEST_METHOD: req.method, PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '', HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
          GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '', REMOTE_USER: this.auth?.username ?? '', REMOTE_ADDR: '127.0.0.1',
        },
      });
      req.pipe(cgi.stdin);
      // CGI answer: headers (Status: among them), a blank line, the body.
      let head = Buffer.alloc(0);
      let headersDone = false;
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) return void res.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headersDone = true;
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of head.subarray(0, end).toString().split('\r\n')) {
          const i = line.indexOf(':');
          const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
          if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
          else headers[k] = v;
        }
        res.writeHead(status, headers);
        res.write(head.subarray(end + 4));
      });
      cgi.on('close', () => res.end());
      cgi.on('error', () => { res.statusCode = 500; res.end(); });
    });
  }

  /** Serves repositories under a fresh directory; with `auth`, every request must carry those credentials. */
  static async start(auth?: { username: string; password: string }): Promise<GitServer> {
    const g = new GitServer(mkdtempSync(join(tmpdir(), 'xrootd-git-server-')), auth);
    await new Promise<void>((resolve) => g.server.listen(0, '127.0.0.1', resolve));
    return g;
  }

  get port(): number {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  url(repo: string): string {
    return `http://127.0.0.1:${this.port}/${repo}.git`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A working copy that pushes to a bare repository the server serves. */
export class GitRepo {
  readonly work: string;

  constructor(server: GitServer, readonly name: string, readonly branch = 'main') {
    const bare = join(server.root, `${name}.git`);
    execFileSync('git', ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bare]);
    this.work = mkdtempSync(join(tmpdir(), `xrootd-git-work-${name}-`));
    this.git('init', '--quiet', `--initial-branch=${branch}`);
    this.git('remote', 'add', 'origin', bare);
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', ...args], { cwd: this.work, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  }

  write(file: string, text: string): this {
    mkdirSync(dirname(join(this.work, file)), { recursive: true });
    writeFileSync(join(this.work, file), text);
    return this;
  }

  remove(file: string): this {
    this.git('rm', '--quiet', file);
    return this;
  }

  /** Commits everything and pushes; returns the commit id. */
  commit(message: string): string {
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    this.git('push', '--quiet', 'origin', `HEAD:${this.branch}`);
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** Tags HEAD and pushes the tag. */
  tag(name: string): string {
    this.git('tag', name);
    this.git('push', '--quiet', 'origin', `refs/tags/${name}`);
    return this.git('rev-parse', 'HEAD').trim();
  }

  cleanup(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}
