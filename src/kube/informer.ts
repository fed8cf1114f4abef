/**
 * List-then-watch cache of one collection. It never gives up: a 410 Gone or an
 * expired resourceVersion relists, any other failure (API server restart,
 * dropped connection) retries with backoff, and a relist reports objects that
 * vanished while the watch was down as deletions, so no change is lost.
 */
import { ApiError, type KubeClient, type WatchEvent, type WatchHandle } from './client.js';
import { collectionPath, type KindInfo, type KubeObject } from './kinds.js';

export type InformerEvent = 'added' | 'modified' | 'deleted';

export interface InformerOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  /** Seconds the server keeps one watch open before we reopen it. */
  readonly watchSeconds?: number;
  readonly onError?: (e: unknown) => void;
}

const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** What the cache keeps: managedFields are most of an object's bytes and nothing here reads them. */
function slim<T extends KubeObject>(o: T): T {
  if (!o.metadata?.managedFields) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata } as T;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: ((event: InformerEvent, obj: T) => void)[] = [];
  private resourceVersion = '';
  private running = false;
  private handle?: WatchHandle;
  private synced!: Promise<void>;
  private markSynced!: () => void;
  private loop?: Promise<void>;
  /** Ends a backoff sleep early (on stop). */
  private wake?: () => void;

  constructor(private readonly client: KubeClient, readonly kind: KindInfo, private readonly opts: InformerOptions = {}) {
    this.synced = new Promise((r) => { this.markSynced = r; });
  }

  on(handler: (event: InformerEvent, obj: T) => void): this {
    this.handlers.push(handler);
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
    await this.loop;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  private emit(event: InformerEvent, obj: T): void {
    for (const h of this.handlers) h(event, obj);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        this.markSynced();
        await this.watchOnce();
        failures = 0;
      } catch (e) {
        if (!this.running) break;
        if (e instanceof ApiError && (e.status === 410 || e.reason === 'Expired' || e.reason === 'Gone')) {
          this.resourceVersion = '';
          continue;
        }
        failures++;
        this.opts.onError?.(e);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
          this.wake = () => { clearTimeout(t); r(); };
        });
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.request<{ items: T[]; metadata: { resourceVersion: string } }>('GET',
      collectionPath(this.kind, this.opts.namespace), { query: { labelSelector: this.opts.labelSelector } });
    const seen = new Set<string>();
    for (const item of list.items) {
      // Lists omit apiVersion and kind on items.
      const obj = slim({ ...item, apiVersion: this.kind.apiVersion, kind: this.kind.kind } as T);
      const k = key(obj);
      seen.add(k);
      const before = this.cache.get(k);
      this.cache.set(k, obj);
      if (!before) this.emit('added', obj);
      else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('modified', obj);
    }
    for (const [k, obj] of this.cache) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.emit('deleted', obj);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
  }

  private async watchOnce(): Promise<void> {
    let failure: unknown;
    this.handle = await this.client.watch<T>(collectionPath(this.kind, this.opts.namespace), {
      resourceVersion: this.resourceVersion,
      labelSelector: this.opts.labelSelector,
      timeoutSeconds: this.opts.watchSeconds ?? 300,
    }, (e: WatchEvent<T>) => {
      if (e.type === 'ERROR') {
        const status = e.object as unknown as { code?: number; reason?: string; message?: string };
        failure = new ApiError(status.code ?? 500, status.reason ?? 'Unknown', `watch ${this.kind.plural}: ${status.message}`);
        this.handle?.stop();
        return;
      }
      const obj = slim(e.object);
      if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
      if (e.type === 'BOOKMARK') return;
      const k = key(obj);
      if (e.type === 'DELETED') {
        this.cache.delete(k);
        this.emit('deleted', obj);
      } else {
        const existed = this.cache.has(k);
        this.cache.set(k, obj);
        this.emit(existed ? 'modified' : 'added', obj);
      }
    });
    await this.handle.done;
    if (failure) throw failure;
  }
}
