/**
 * A small Kubernetes REST client over node:https, authenticated by client-node's
 * KubeConfig. Bodies go to the API server exactly as given (client-node's object
 * serializer drops fields it does not model), and every request is counted, so
 * "a no-op resync issues no writes" is something a test can check.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';

export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string, readonly body?: unknown) {
    super(message);
  }
}

export interface RequestOpts {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
}

/** Verbs that change something in the cluster. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface WatchEvent<T> { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; readonly object: T }

export interface WatchHandle { stop(): void; readonly done: Promise<void> }

export class KubeClient {
  /** Requests issued, by verb (GET, LIST and WATCH count as reads). */
  readonly counts = { reads: 0, writes: 0, watches: 0 };
  private readonly server: URL;
  private agent?: Agent;
  private optionsAt = 0;
  /** Called for every write, before it is sent (the agent logs them at debug level). */
  onWrite?: (method: string, path: string) => void;
  private options: RequestOptions = {};

  constructor(readonly config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** In the cluster (service account) when `kubeconfig` is absent and KUBERNETES_SERVICE_HOST is set; else the file or the default. */
  static load(kubeconfig?: string): KubeClient {
    const kc = new KubeConfig();
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
    return new KubeClient(kc);
  }

  /** Options with credentials, refreshed every minute so rotated service-account tokens are picked up. */
  private async requestOptions(): Promise<RequestOptions> {
    if (Date.now() - this.optionsAt > 60_000) {
      const opts: RequestOptions = {};
      await this.config.applyToHTTPSOptions(opts);
      this.agent?.destroy();
      this.agent = new Agent({ keepAlive: true, maxSockets: 16, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized });
      this.options = { headers: opts.headers, agent: this.agent };
      this.optionsAt = Date.now();
    }
    return this.options;
  }

  private url(path: string, query?: RequestOpts['query']): URL {
    const u = new URL(path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOpts = {}): Promise<T> {
    if (WRITES.has(method)) {
      this.counts.writes++;
      this.onWrite?.(method, path);
    } else this.counts.reads++;
    const base = await this.requestOptions();
    const payload = opts.body === undefined ? undefined
      : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
    const res = await this.send(method, this.url(path, opts.query), { ...base, headers }, payload);
    const text = await readAll(res);
    const parsed = text ? safeJson(text) : undefined;
    if ((res.statusCode ?? 0) >= 400) {
      const status = parsed as { reason?: string; message?: string } | undefined;
      throw new ApiError(res.statusCode ?? 0, status?.reason ?? 'Unknown', `${method} ${path}: ${res.statusCode} ${status?.message ?? text}`, parsed);
    }
    return parsed as T;
  }

  private send(method: string, url: URL, options: RequestOptions, payload?: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { ...options, method }, resolve);
      req.on('error', reject);
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${url.pathname}: no answer in 60 s`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Streams watch events of a collection until the server ends the watch or `stop()` is called. */
  async watch<T>(path: string, query: Record<string, string | number | boolean | undefined>, onEvent: (e: WatchEvent<T>) => void): Promise<WatchHandle> {
    this.counts.watches++;
    const base = await this.requestOptions();
    const url = this.url(path, { ...query, watch: true, allowWatchBookmarks: true });
    // A watch holds its connection for minutes: keep it off the shared keep-alive pool.
    const agent = new Agent({ keepAlive: false, ca: this.agent?.options.ca, cert: this.agent?.options.cert, key: this.agent?.options.key, rejectUnauthorized: this.agent?.options.rejectUnauthorized });
    const res = await this.send('GET', url, { ...base, agent, headers: { ...(base.headers as Record<string, string>), Accept: 'application/json' } });
    if ((res.statusCode ?? 0) >= 400) {
      const text = await readAll(res);
      const status = safeJson(text) as { reason?: string; message?: string } | undefined;
      throw new ApiError(res.statusCode ?? 0, status?.reason ?? 'Unknown', `WATCH ${path}: ${res.statusCode} ${status?.message ?? text}`);
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
