/**
 * A client workload through a redirector for as long as a scenario changes the cluster under
 * it: writes of new files and reads of files seeded on every data server, one after the other
 * without pause, each read compared byte for byte with what was seeded. Every operation is
 * recorded with its outcome and duration (XRootD's client retries and waits included).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { compareVersions } from '../../constructs/catalog.js';
import { HOST_RELEASE } from '../helpers/containers.js';
import { runAsync } from '../helpers/processes.js';
import { copy, type Scratch } from './client-files.js';
import type { LoopbackCluster } from './loopback-cluster.js';

export interface ClientOperation {
  readonly kind: 'write' | 'read';
  /** When it started (Date.now()). */
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly path: string;
  readonly error?: string;
  /** The client's debug log, kept for an operation that failed or took SLOW_MS or more. */
  readonly log?: string;
  /** Why the operation's first try failed, when a known client defect made it try once more. */
  readonly retriedFor?: string;
}

export const SLOW_MS = 5000;

/** What the client was told and did, from its debug log: redirects, waits, connection trouble. */
export function clientStory(log: string): string {
  const told = /redirect|wait|Unable to connect|reconnection|error|Stream/i;
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => told.test(l) && !/Env: trying/.test(l)).slice(0, 30).join('\n') : '(none)';
}

/** A bound on one operation: far beyond any wait XRootD tells a client, so a hang is a failure, not a stuck test. */
const OPERATION_TIMEOUT_MS = 120_000;
/**
 * The client's connection window: XrdCl's default (120 s) makes a client that finds the redirector's
 * port closed (a single redirector being replaced) wait two minutes before it tries again. Sites
 * set it lower for clients of single-redirector clusters (docs/upgrades.md); so does this load.
 */
export const CLIENT_ENV = { XRD_CONNECTIONWINDOW: '5', XRD_CONNECTIONRETRY: '24' };
/**
 * XrdCl before 5.6.0 may fail a reconnection with "Unable to initialize socket: [ERROR] Invalid
 * operation": its event handler went on with a socket that a disconnection had already handed
 * back for reuse (fixed in 5.6.0 by xrootd commit 25f83842d, "Add return codes for error checking
 * in the network Event handler"). The server side is not at fault, so an operation of such a
 * client that failed so is tried once more, and counted apart (docs/upgrades.md).
 */
const CLIENT_SOCKET_REUSE = /Unable to initialize socket: \[ERROR\] Invalid operation/;
const clientHasSocketReuseDefect = compareVersions(HOST_RELEASE, '5.6.0') < 0;
const WRITE_BYTES = 65536;
const SEED_BYTES = 262144;

export class ClientLoad {
  readonly operations: ClientOperation[] = [];
  /** Each file written through the redirector (its path in the cluster) and its local original. */
  readonly written = new Map<string, string>();
  private readonly seeds: [string, string][] = [];
  private running?: Promise<void>;
  private stopping = false;

  /** `url`: the redirector's `root://host:port`. Files go under `dir`, an export. */
  constructor(private readonly url: string, private readonly scratch: Scratch, private readonly dir = '/data/load') {}

  /** Writes `perServer` files straight to each data server, so that the reads reach every one of them. */
  seed(cluster: LoopbackCluster, perServer = 2): void {
    for (const server of cluster.of('worker')) {
      for (let i = 0; i < perServer; i++) {
        const path = `${this.dir}/seed-${server.ordinal}-${i}.bin`;
        const local = this.scratch.randomFile(`seed-${server.ordinal}-${i}.bin`, SEED_BYTES);
        copy(local, `root://127.0.0.1:${server.port}/${path}`);
        this.seeds.push([path, local]);
      }
    }
  }

  start(): void {
    if (!this.seeds.length) throw new Error('ClientLoad.seed first: the reads need files on every data server');
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  since(at: number): ClientOperation[] {
    return this.operations.filter((o) => o.at >= at);
  }

  /** Waits until, after `at`, `count` writes and `count` reads have succeeded. */
  async served(at: number, count = 2, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = this.since(at).filter((o) => o.ok);
      if (ok.filter((o) => o.kind === 'write').length >= count && ok.filter((o) => o.kind === 'read').length >= count) return;
      if (Date.now() > deadline) throw new Error(`the client load had not done ${count} writes and reads within ${timeoutMs} ms: ${JSON.stringify(this.since(at).slice(-4))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async loop(): Promise<void> {
    for (let n = 1; !this.stopping; n++) {
      const name = `w-${n}.bin`;
      const local = this.scratch.randomFile(name, WRITE_BYTES);
      const path = `${this.dir}/${name}`;
      if (await this.operation('write', path, ['xrdcp', '--nopbar', local, `${this.url}/${path}`], () => true)) this.written.set(path, local);
      const [seed, original] = this.seeds[n % this.seeds.length];
      const back = this.scratch.path('read-back.bin');
      await this.operation('read', seed, ['xrdcp', '--force', '--nopbar', `${this.url}/${seed}`, back],
        () => readFileSync(back).equals(readFileSync(original)));
    }
  }

  private async operation(kind: ClientOperation['kind'], path: string, command: string[], same: () => boolean): Promise<boolean> {
    const at = Date.now();
    // The client's own debug log, kept for a failed operation: what it was told, and what it waited for.
    const log = this.scratch.path(`client-${this.operations.length}.log`);
    const env = { ...process.env, ...CLIENT_ENV, XRD_LOGLEVEL: 'Debug', XRD_LOGFILE: log };
    let r = await runAsync(command, env, OPERATION_TIMEOUT_MS);
    let retriedFor: string | undefined;
    if (r.code !== 0 && clientHasSocketReuseDefect && existsSync(log) && CLIENT_SOCKET_REUSE.test(readFileSync(log, 'utf8'))) {
      retriedFor = `XrdCl ${HOST_RELEASE}'s socket reuse on reconnection (fixed in 5.6.0)`;
      r = await runAsync(command, env, OPERATION_TIMEOUT_MS);
    }
    const ok = r.code === 0 && same();
    const error = ok ? undefined : r.code === 0 ? 'what was read differs from what was written'
      : `exit ${r.code}: ${r.out.trim().slice(-300)}\nclient log (${log}):\n${tail(log, 40)}`;
    const ms = Date.now() - at;
    if (ok && ms < SLOW_MS) rmSync(log, { force: true });
    this.operations.push({
      kind, at, ms, ok, path, ...(error ? { error } : {}), ...(ms >= SLOW_MS ? { log } : {}), ...(retriedFor ? { retriedFor } : {}),
    });
    return ok;
  }
}

function tail(file: string, lines: number): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(none)';
}
