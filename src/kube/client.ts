/**
 * A small Kubernetes REST client over node:https. Bodies go to the API server
 * exactly as given (client-node's object serializer drops fields it does not
 * model), and every request is counted, so "a no-op resync issues no writes"
 * is something a test can check.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Agent, RequestOptions } from 'node:https';
import { https } from '../node-builtins.js';
import type { IncomingMessage } from 'node:http';
import { loadConnection, type Connection } from './kubeconfig.js';

export class ApiError extends Error {
  /** `retryAfterSeconds`: how long the server asked us to wait before trying again. */
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface RequestOpts {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** Give up (and close the connection) once this long has passed; when absent, only after 60 s without an answer. */
  readonly timeoutMs?: number;
  /** The body as text (a pod's log), not parsed as JSON. */
  readonly text?: boolean;
  /** Told the status of a successful answer (an apply that created its object answers 201, one that changed it 200). */
  readonly onSuccess?: (status: number) => void;
}

/** A write this client refused to send: its `writeGuard` said no (a replica that is no longer the leader). */
export class FencedError extends Error {}

/** A request abandoned because the work it belonged to was cancelled (leadership lost, agent stopping). */
export class CancelledError extends Error {}

/**
 * The cancellation of the work in progress. Every request made inside `cancellable(signal, ...)`,
 * however deep in the call chain, is aborted when the signal fires: a reconcile need not thread
 * a signal through the applier, status and event writers.
 */
const workScope = new AsyncLocalStorage<AbortSignal>();

export function cancellable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return workScope.run(signal, work);
}

/** Retries of one request the API server answered with Retry-After (429 from priority and fairness, or a 5xx). */
const MAX_RETRY_AFTER = 10;
/** The longest Retry-After we wait out, in seconds, whatever the server asks. */
const RETRY_AFTER_CAP_SECONDS = 30;

/** Verbs that change something in the cluster. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface WatchEvent<T> { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; readonly object: T }

export interface WatchHandle { stop(): void; readonly done: Promise<void> }

export class KubeClient {
  /** Requests issued, by verb (GET, LIST and WATCH count as reads). */
  readonly counts = { reads: 0, writes: 0, watches: 0, throttled: 0 };
  private agent?: Agent;
  private optionsAt = 0;
  private options: RequestOptions = {};
  /** Called for every write, before it is sent (the agent logs them at debug level). */
  onWrite?: (method: string, path: string) => void;
  /**
   * Asked at the moment of every write: a reason to refuse it, or undefined. The leader's
   * reconcile client refuses once its lease may have passed to another replica, whatever
   * was in flight when it lost it (even a process frozen and resumed).
   */
  writeGuard?: () => string | undefined;

  /** `userAgent` names the replica in the API server's audit log. */
  constructor(readonly connection: Connection, public userAgent = 'xrootd-k8s') {}

  /** In the cluster (service account) when `kubeconfig` is absent and KUBERNETES_SERVICE_HOST is set; else the file or the default. */
  static load(kubeconfig?: string): KubeClient {
    return new KubeClient(loadConnection(kubeconfig));
  }

  /** A second client on the same connection, with its own counters and sockets. */
  clone(): KubeClient {
    return new KubeClient(this.connection, this.userAgent);
  }

  private tlsOptions() {
    const c = this.connection;
    return { ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: !c.insecure };
  }

  /** Options with credentials, refreshed every minute so rotated service-account tokens are picked up. */
  private async requestOptions(): Promise<RequestOptions> {
    if (Date.now() - this.optionsAt > 60_000) {
      const headers = await this.connection.headers();
      this.agent ??= new https.Agent({ keepAlive: true, maxSockets: 16, ...this.tlsOptions() });
      this.options = { headers, agent: this.agent };
      this.optionsAt = Date.now();
    }
    return this.options;
  }

  private url(path: string, query?: RequestOpts['query']): URL {
    const u = new URL(path, this.connection.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOpts = {}): Promise<T> {
    const signal = workScope.getStore();
    const isWrite = WRITES.has(method);
    if (!isWrite) this.counts.reads++;
    const base = await this.requestOptions();
    const payload = opts.body === undefined ? undefined
      : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Accept: 'application/json', 'User-Agent': this.userAgent };
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      // Without a length node sends the body chunked; after a DELETE with a chunked body the API server
      // answered the next request on that connection with a bare 400.
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    for (let attempt = 0; ; attempt++) {
      if (attempt === 0 && isWrite) {
        // The fence is checked after the last await before the send: a replica frozen in between
        // (SIGSTOP, a long GC pause) finds its lease lapsed when it resumes and sends nothing.
        const refused = this.writeGuard?.();
        if (refused) throw new FencedError(`${method} ${path} not sent: ${refused}`);
        this.counts.writes++;
        this.onWrite?.(method, path);
      }
      if (signal?.aborted) throw new CancelledError(`${method} ${path} not sent: ${String(signal.reason ?? 'cancelled')}`);
      // Checked again once the connection is there, just before the bytes go out (a new connection's TLS
      // handshake is a window a freeze could fall into).
      const guard = isWrite ? this.writeGuard : undefined;
      const res = await this.send(method, this.url(path, opts.query), { ...base, headers }, payload,
        opts.timeoutMs, signal, undefined, guard);
      const text = await readAll(res);
      const parsed = text ? safeJson(text) : undefined;
      const status = res.statusCode ?? 0;
      const wait = retryAfterSeconds(status, res.headers['retry-after']);
      // As client-go: the server asked us to come back (priority and fairness rejected the request
      // before running it, or it is shutting down), so the same request is sent again, writes too.
      if (wait !== undefined && attempt < MAX_RETRY_AFTER) {
        this.counts.throttled++;
        if (isWrite) {
          const refused = this.writeGuard?.();
          if (refused) throw new FencedError(`${method} ${path} not sent again: ${refused}`);
        }
        await sleep(wait * 1000, signal);
        continue;
      }
      if (status >= 400) {
        const s = parsed as { reason?: string; message?: string } | undefined;
        throw new ApiError(status, s?.reason ?? 'Unknown', `${method} ${path}: ${status} ${s?.message ?? text}`, parsed);
      }
      opts.onSuccess?.(status);
      return (opts.text ? text : parsed) as T;
    }
  }

  /** `idleMs`: how long the connection may stay silent before it is given up. */
  private send(
    method: string,
    url: URL,
    options: RequestOptions,
    payload?: string,
    deadlineMs?: number,
    signal?: AbortSignal,
    idleMs = 60_000,
    guard?: () => string | undefined,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = https.request(url, { ...options, method }, resolve);
      req.on('error', reject);
      req.setTimeout(idleMs, () => req.destroy(new Error(`${method} ${url.pathname}: nothing received in ${idleMs / 1000} s`)));
      if (deadlineMs !== undefined) {
        // An absolute deadline for the whole answer (the socket timeout above only measures idleness).
        const deadline = setTimeout(() => req.destroy(new Error(`${method} ${url.pathname}: no answer in ${deadlineMs} ms`)), deadlineMs);
        req.on('close', () => clearTimeout(deadline));
      }
      if (signal) {
        const abort = () => req.destroy(new CancelledError(`${method} ${url.pathname}: cancelled (${String(signal.reason ?? 'cancelled')})`));
        signal.addEventListener('abort', abort, { once: true });
        req.on('close', () => signal.removeEventListener('abort', abort));
      }
      const go = () => {
        const refused = guard?.();
        if (refused) return void req.destroy(new FencedError(`${method} ${url.pathname} not sent: ${refused}`));
        if (payload !== undefined) req.write(payload);
        req.end();
      };
      if (!guard) return go();
      // Nothing (not even the headers) is written before a socket is connected and the guard passed.
      req.once('socket', (socket) => {
        // A new connection is still connecting (then its TLS handshake); a kept-alive one is ready.
        if (socket.connecting) socket.once('secureConnect', go);
        else go();
      });
    });
  }

  /** Streams watch events of a collection until the server ends the watch or `stop()` is called. */
  async watch<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    this.counts.watches++;
    const base = await this.requestOptions();
    const url = this.url(path, { ...query, watch: true, allowWatchBookmarks: true });
    // A watch holds its connection for minutes: keep it off the shared keep-alive pool.
    const agent = new https.Agent({ keepAlive: false, ...this.tlsOptions() });
    // A quiet collection sends nothing for minutes: the watch may stay silent until the server's own
    // timeout, and a little longer before we take the connection for dead.
    const timeoutSeconds = Number(query.timeoutSeconds ?? 0);
    const idleMs = timeoutSeconds > 0 ? (timeoutSeconds + 30) * 1000 : 60_000;
    const res = await this.send('GET', url, { ...base, agent, headers: { ...(base.headers as Record<string, string>), Accept: 'application/json' } }, undefined, undefined, undefined, idleMs);
    if ((res.statusCode ?? 0) >= 400) {
      const text = await readAll(res);
      const status = safeJson(text) as { reason?: string; message?: string } | undefined;
      const wait = retryAfterSeconds(res.statusCode ?? 0, res.headers['retry-after']);
      throw new ApiError(res.statusCode ?? 0, status?.reason ?? 'Unknown', `WATCH ${path}: ${res.statusCode} ${status?.message ?? text}`, undefined, wait);
    }
    let stopped = false;
    const done = new Promise<void>((resolve, reject) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line && !stopped) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      });
      res.on('end', () => resolve());
      res.on('close', () => resolve());
      res.on('error', (e) => (stopped ? resolve() : reject(e)));
    });
    return {
      stop: () => { stopped = true; res.destroy(); agent.destroy(); },
      done: done.finally(() => agent.destroy()),
    };
  }

  close(): void {
    this.agent?.destroy();
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => { text += c; });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Seconds to wait before sending again, when the answer asks for it: a 429, or a 5xx with Retry-After (client-go's rule). */
export function retryAfterSeconds(status: number, header: string | string[] | undefined): number | undefined {
  if (status !== 429 && status < 500) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return status === 429 ? 1 : undefined;
  const seconds = Number.parseInt(value, 10);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(Math.max(seconds, 1), RETRY_AFTER_CAP_SECONDS) : 1;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', abort); resolve(); }, ms);
    const abort = () => { clearTimeout(t); reject(new CancelledError(`cancelled while waiting to retry (${String(signal?.reason ?? 'cancelled')})`)); };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
