/**
 * A local mirror of one remote repository, kept with the git command: shallow
 * fetches of one ref (depth 1, no tags, no history), then the files of that
 * commit read from the object store (no checkout, so no symlink or
 * path-traversal surprises). Credentials go to git through the environment,
 * never the command line or the URL.
 */
import { YAML_LIMITS } from '../yaml-documents.js';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitRefSpec { readonly branch?: string; readonly tag?: string; readonly commit?: string }

/** From the source's Secret: HTTPS basic credentials, or an SSH key with the host keys to trust. */
export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly identity?: string;
  readonly knownHosts?: string;
}

/** A file of a commit, its bytes (checked to be UTF-8 when read); one larger than the input limit is not read (`text` empty, `bytes` its size). */
export interface RepositoryFile { readonly file: string; readonly text: string | Uint8Array; readonly bytes?: number }

/** A failure of git itself (network, credentials, missing ref); `message` is what a person reads. */
export class GitError extends Error {}

const SSH_URL = /^(ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/;

/** What git fetches for a ref: branches and tags by full name, a commit by id. */
export function refspecOf(ref: GitRefSpec): string {
  if (ref.commit) return ref.commit;
  if (ref.tag) return `refs/tags/${ref.tag}`;
  return `refs/heads/${ref.branch ?? 'main'}`;
}

/**
 * Environment and temporary files that hand credentials to git. HTTPS: an
 * Authorization header through GIT_CONFIG_* variables. SSH: the key and
 * known_hosts in a private temporary directory, host keys always checked.
 */
export function credentialEnv(url: string, creds: GitCredentials | undefined, tmp: () => string): Record<string, string> {
  const config: [string, string][] = [['credential.helper', ''], ['protocol.file.allow', 'never']];
  if (SSH_URL.test(url)) {
    const ssh = ['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
    if (creds?.identity) {
      if (!creds.knownHosts) throw new GitError('the Secret has identity but no known_hosts: SSH host keys are always checked');
      const dir = tmp();
      writeFileSync(join(dir, 'identity'), creds.identity.endsWith('\n') ? creds.identity : `${creds.identity}\n`, { mode: 0o600 });
      writeFileSync(join(dir, 'known_hosts'), creds.knownHosts, { mode: 0o600 });
      ssh.push('-i', join(dir, 'identity'), '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`);
    }
    config.push(['core.sshCommand', ssh.join(' ')]);
  } else if (creds?.password !== undefined) {
    const basic = Buffer.from(`${creds.username ?? 'git'}:${creds.password}`).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${basic}`]);
  }
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(config.length) };
  config.forEach(([k, v], i) => { env[`GIT_CONFIG_KEY_${i}`] = k; env[`GIT_CONFIG_VALUE_${i}`] = v; });
  return env;
}

/** git's own message, without the noise: the last lines that say what failed. */
function explain(stderr: string, url: string, withCredentials: boolean): string {
  const boilerplate = /^(hint:|Please make sure you have the correct access rights|and the repository exists)/;
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !boilerplate.test(l));
  const text = lines.slice(-2).join('; ');
  const authFailed = /could not read Username|terminal prompts disabled|Authentication failed|HTTP 401|HTTP 403|Permission denied \(publickey/i.test(stderr);
  if (authFailed && withCredentials) return `${url} refused the credentials of spec.secretRef: ${text}`;
  if (authFailed) return `${url} asks for credentials and the source has none (set spec.secretRef): ${text}`;
  if (/Host key verification failed/i.test(stderr)) return `${url}: host key not trusted (SSH host keys come from known_hosts in spec.secretRef): ${text}`;
  return text || 'git failed without a message';
}

export class GitRepository {
  private readonly env: Record<string, string>;

  constructor(readonly dir: string) {
    // No user or system configuration leaks in; HOME is the mirror's own.
    this.env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
  }

  private git(
    args: string[],
    opts: { env?: Record<string, string>; timeoutMs?: number; url?: string; withCredentials?: boolean } = {},
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd: this.dir, env: { ...this.env, ...opts.env }, timeout: opts.timeoutMs ?? 60000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if (error.killed) return reject(new GitError(`git ${args[0]} of ${opts.url ?? this.dir} did not finish within ${(opts.timeoutMs ?? 60000) / 1000} s`));
          reject(new GitError(explain(stderr, opts.url ?? this.dir, !!opts.withCredentials)));
        });
    });
  }

  /** Fetches one ref (depth 1) and returns its commit id. */
  async fetch(url: string, ref: GitRefSpec, creds: GitCredentials | undefined, timeoutMs: number): Promise<string> {
    if (!existsSync(join(this.dir, 'HEAD'))) {
      mkdirSync(this.dir, { recursive: true });
      await this.git(['init', '--quiet', '--bare']);
    }
    const temps: string[] = [];
    try {
      const env = credentialEnv(url, creds, () => { const d = mkdtempSync(join(tmpdir(), 'xrootd-git-')); temps.push(d); return d; });
      // "--" keeps a URL from ever being read as an option.
      await this.git(['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', '--force', '--', url, `+${refspecOf(ref)}:refs/xrootd/fetched`],
        { env, timeoutMs, url, withCredentials: !!creds });
    } finally {
      for (const d of temps) rmSync(d, { recursive: true, force: true });
    }
    return (await this.git(['rev-parse', '--verify', 'refs/xrootd/fetched^{commit}'])).trim();
  }

  /**
   * The YAML files at `path` in a commit: every *.yaml and *.yml below a
   * directory, or the file itself. Undefined when the path does not exist.
   */
  async files(commit: string, path: string): Promise<RepositoryFile[] | undefined> {
    const clean = path.replace(/\/+$/, '');
    const spec = clean === '.' || clean === '' ? [] : ['--', clean];
    const listing = await this.git(['ls-tree', '-r', '-z', '-l', '--full-tree', commit, ...spec]);
    const entries = listing.split('\0').filter(Boolean).map((line) => {
      const [meta, file] = line.split('\t');
      const [mode, type, object, size] = meta.split(/ +/);
      return { mode, type, object, file, bytes: Number(size) || 0 };
    }).filter((e) => e.file === clean || clean === '.' || clean === '' || e.file.startsWith(`${clean}/`));
    if (!entries.length) return undefined;
    const single = entries.length === 1 && entries[0].file === clean;
    const wanted = entries.filter((e) => e.type === 'blob' && e.mode !== '120000' && (single || /\.ya?ml$/.test(e.file)));
    const readable = wanted.filter((e) => e.bytes <= YAML_LIMITS.bytes);
    const texts = await this.blobs(readable.map((e) => e.object));
    const textOf = new Map(readable.map((e, i) => [e, texts[i]]));
    return wanted.map((e) => ({ file: e.file, text: textOf.get(e) ?? new Uint8Array(), bytes: e.bytes }));
  }

  /** Blob contents in one `git cat-file --batch` (one process, however many files). */
  private blobs(objects: readonly string[]): Promise<Buffer[]> {
    if (!objects.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const git = spawn('git', ['cat-file', '--batch'], { cwd: this.dir, env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let stderr = '';
      git.stdout.on('data', (c: Buffer) => chunks.push(c));
      git.stderr.on('data', (c) => { stderr += c; });
      git.on('error', reject);
      git.on('close', (code) => {
        if (code !== 0) return reject(new GitError(`git cat-file failed: ${stderr.trim()}`));
        // Each answer: "<object> blob <size>\n<size bytes>\n".
        const out = Buffer.concat(chunks);
        const texts: Buffer[] = [];
        let at = 0;
        for (const object of objects) {
          const eol = out.indexOf(0x0a, at);
          const [id, type, size] = out.subarray(at, eol).toString().split(' ');
          if (id !== object || type !== 'blob') return reject(new GitError(`git cat-file: unexpected answer for ${object}`));
          texts.push(out.subarray(eol + 1, eol + 1 + Number(size)));
          at = eol + 1 + Number(size) + 1;
        }
        resolve(texts);
      });
      git.stdin.end(`${objects.join('\n')}\n`);
    });
  }
}
