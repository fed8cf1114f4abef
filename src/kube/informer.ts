/**
 * List-then-watch cache of one collection, as client-go's shared informer does
 * it. It never gives up: a 410 Gone or an expired resourceVersion relists, any
 * other failure (API server restart, dropped connection) retries with backoff
 * (or after the server's Retry-After), and a relist reports objects that
 * vanished while the watch was down as deletions, so no change is lost.
 * Lists come in pages; watches end after a jittered timeout so many replicas
 * do not reconnect in step; indexes answer "the objects of this owner" without
 * scanning; handlers run after the socket callback, in batches, so a slow
 * handler never stalls the watch stream.
 */
import { ApiError, type KubeClient, type WatchEvent, type WatchHandle } from './client.js';
import { collectionPath, objectKey, type KindInfo, type KubeObject } from './kinds.js';

export type InformerEvent = 'added' | 'modified' | 'deleted';

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** The shortest time a watch stays open before we reopen it; each watch lasts between this and twice this. */
  readonly watchSeconds?: number;
  /** Objects per list page. */
  readonly pageSize?: number;
  readonly onError?: (e: unknown) => void;
  /**
   * The kind comes with another project's CRD, which the Kubernetes cluster may lack: while it is
   * not served (404) the cache is empty and counts as synced, and the informer looks again every
   * `absentRetrySeconds` (default 600) without reporting an error, or at once on `recheck()`.
   */
  readonly optional?: boolean;
  readonly absentRetrySeconds?: number;
  /** What the cache keeps of each object (default: all but managedFields); handlers and readers see only that. */
  readonly keep?: (o: KubeObject) => KubeObject;
}

/** Values an object is indexed under (an owner's uid, an instance name); none to leave it out. */
export type IndexFunc<T> = (o: T) => readonly string[];

const DEFAULT_WATCH_SECONDS = 300;
const DEFAULT_PAGE_SIZE = 500;
const ABSENT_RETRY_SECONDS = 600;

/** What the cache keeps: managedFields are most of an object's bytes and nothing here reads them. */
function slim<T extends KubeObject>(o: T): T {
  if (!o.metadata?.managedFields) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata } as T;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: ((event: InformerEvent, obj: T) => void)[] = [];
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → object keys. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  /** Events waiting for the handlers, flushed on the next turn of the event loop. */
  private pending: [InformerEvent, T][] = [];
  private resourceVersion = '';
  private running = false;
  private handle?: WatchHandle;
  private readonly synced: Promise<void>;
  private markSynced!: () => void;
  private loop?: Promise<void>;
  /** Ends a backoff sleep early (on stop). */
  private wake?: () => void;
  /** False while an optional kind is not served by the API server. */
  served = true;
  /** Callers of recheck() waiting for the next list attempt. */
  private rechecks: (() => void)[] = [];
  /** Lists and watches opened (tests and benchmarks read them). */
  readonly counts = { lists: 0, pages: 0, watches: 0 };

  private readonly keep: (o: T) => T;

  constructor(private readonly client: KubeClient, readonly kind: KindInfo, private readonly opts: InformerOptions = {}) {
    this.keep = (opts.keep ?? slim) as unknown as (o: T) => T;
    this.synced = new Promise((r) => { this.markSynced = r; });
  }

  on(handler: (event: InformerEvent, obj: T) => void): this {
    this.handlers.push(handler);
    return this;
  }

  /** Adds an index; `byIndex(name, value)` then answers in constant time. Add before `start()`. */
  addIndex(name: string, values: IndexFunc<T>): this {
    this.indexers.set(name, values);
    this.indexes.set(name, new Map());
    for (const [k, o] of this.cache) this.index(k, undefined, o);
    return this;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.loop = this.run();
    }
    return this.synced;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.handle?.stop();
    this.wake?.();
    this.answerRechecks();
    await this.loop;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  get size(): number {
    return this.cache.size;
  }

  /** The objects indexed under `value` by the index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`${this.kind.plural} has no index ${name}`);
    return [...index.get(value) ?? []].map((k) => this.cache.get(k)!).filter(Boolean);
  }

  private put(k: string, obj: T): T | undefined {
    const before = this.cache.get(k);
    this.cache.set(k, obj);
    this.index(k, before, obj);
    return before;
  }

  private remove(k: string): void {
    const before = this.cache.get(k);
    this.cache.delete(k);
    this.index(k, before, undefined);
  }

  private index(k: string, before: T | undefined, after: T | undefined): void {
    for (const [name, values] of this.indexers) {
      const index = this.indexes.get(name)!;
      for (const v of before ? values(before) : []) {
        const keys = index.get(v);
        keys?.delete(k);
        if (keys?.size === 0) index.delete(v);
      }
      for (const v of after ? values(after) : []) {
        let keys = index.get(v);
        if (!keys) index.set(v, (keys = new Set()));
        keys.add(k);
      }
    }
  }

  private emit(event: InformerEvent, obj: T): void {
    if (!this.handlers.length) return;
    if (!this.pending.length) setImmediate(() => this.flush());
    this.pending.push([event, obj]);
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const [event, obj] of batch) for (const h of this.handlers) h(event, obj);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        this.served = true;
        this.markSynced();
        this.answerRechecks();
        await this.watchOnce();
        failures = 0;
      } catch (e) {
        if (!this.running) break;
        if (e instanceof ApiError && (e.status === 410 || e.reason === 'Expired' || e.reason === 'Gone')) {
          this.resourceVersion = '';
          continue;
        }
        if (this.opts.optional && e instanceof ApiError && e.status === 404) {
          this.absent();
          this.answerRechecks();
          await this.sleep((this.opts.absentRetrySeconds ?? ABSENT_RETRY_SECONDS) * 1000);
          continue;
        }
        failures++;
        this.answerRechecks();
        this.opts.onError?.(e);
        const backoff = e instanceof ApiError && e.retryAfterSeconds !== undefined
          ? e.retryAfterSeconds * 1000 : Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        await this.sleep(backoff * (1 + Math.random() * 0.2));
      }
    }
  }

  /**
   * Whether the kind is served, asked of the API server now when it was not (a cluster needs the
   * kind: its CRD may have been installed since the last look). Polling every absent kind often
   * cost requests on every idle agent; asking when needed costs them only where they matter.
   */
  async recheck(): Promise<boolean> {
    if (this.served || !this.running) return this.served;
    const answered = new Promise<void>((r) => this.rechecks.push(r));
    this.wake?.();
    await answered;
    return this.served;
  }

  private answerRechecks(): void {
    const waiting = this.rechecks;
    this.rechecks = [];
    for (const r of waiting) r();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => { clearTimeout(t); r(); };
    });
  }

  /** The kind is not served (its CRD is gone or not yet there): nothing of it exists. */
  private absent(): void {
    this.served = false;
    this.resourceVersion = '';
    for (const [k, obj] of this.cache) {
      this.remove(k);
      this.emit('deleted', obj);
    }
    this.markSynced();
  }

  /** Pages through the collection; an expired continue token starts the list over. */
  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    this.counts.lists++;
    const items: T[] = [];
    let next: string | undefined;
    do {
      this.counts.pages++;
      const page = await this.client.request<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>('GET',
        collectionPath(this.kind, this.opts.namespace),
        { query: { labelSelector: this.opts.labelSelector, limit: this.opts.pageSize ?? DEFAULT_PAGE_SIZE, continue: next } });
      // Lists omit apiVersion and kind on items.
      for (const item of page.items) items.push(this.keep({ ...item, apiVersion: this.kind.apiVersion, kind: this.kind.kind } as T));
      next = page.metadata.continue || undefined;
      if (!next) return { items, resourceVersion: page.metadata.resourceVersion };
    } while (this.running);
    throw new Error('stopped');
  }

  private async relist(): Promise<void> {
    const list = await this.listAll();
    const seen = new Set<string>();
    for (const obj of list.items) {
      const k = objectKey(obj);
      seen.add(k);
      const before = this.put(k, obj);
      if (!before) this.emit('added', obj);
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('modified', obj);
    }
    for (const [k, obj] of this.cache) {
      if (!seen.has(k)) {
        this.remove(k);
        this.emit('deleted', obj);
      }
    }
    this.resourceVersion = list.resourceVersion;
  }

  private async watchOnce(): Promise<void> {
    let failure: unknown;
    this.counts.watches++;
    const minimum = this.opts.watchSeconds ?? DEFAULT_WATCH_SECONDS;
    this.handle = await this.client.watch<T>(collectionPath(this.kind, this.opts.namespace), {
      resourceVersion: this.resourceVersion,
      labelSelector: this.opts.labelSelector,
      timeoutSeconds: Math.round(minimum * (1 + Math.random())),
    }, (e: WatchEvent<T>) => {
      if (e.type === 'ERROR') {
        const status = e.object as unknown as { code?: number; reason?: string; message?: string };
        failure = new ApiError(status.code ?? 500, status.reason ?? 'Unknown', `watch ${this.kind.plural}: ${status.message}`);
        this.handle?.stop();
        return;
      }
      const obj = this.keep(e.object);
      if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
      if (e.type === 'BOOKMARK') return;
      const k = objectKey(obj);
      if (e.type === 'DELETED') {
        this.remove(k);
        this.emit('deleted', obj);
      } else {
        const before = this.put(k, obj);
        this.emit(before ? 'modified' : 'added', obj);
      }
    });
    await this.handle.done;
    if (failure) throw failure;
  }
}
