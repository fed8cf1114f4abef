/**
 * A small controller runtime, shaped like controller-runtime's manager: it owns
 * the shared informers (one watch per collection, whoever reads it), runs the
 * controllers registered with it, and ties them to leader election. Each
 * controller declares which informers it watches and how an event maps to the
 * keys of its queue; the manager starts the queues only while this replica
 * leads, and when leadership is lost it stops them and cancels the reconciles
 * in flight (their API requests are aborted) before another replica can take
 * the lease.
 */
import { hostname } from 'node:os';
import type { KubeClient } from './client.js';
import { Informer, type InformerEvent, type InformerOptions } from './informer.js';
import { kindInfo, type KubeObject } from './kinds.js';
import { LeaderElector, type LeaderOptions } from './leader.js';
import { WorkQueue, type QueueOptions } from './queue.js';

export interface Watch<T extends KubeObject = KubeObject> {
  readonly informer: Informer<T>;
  /** The queue keys an event on `obj` concerns (none to ignore it). */
  readonly keys: (obj: T, event: InformerEvent) => Iterable<string>;
}

export interface ReconcileResult {
  /** Look at the key again after this long even if nothing changes. */
  readonly requeueAfterMs?: number;
}

export interface ControllerSpec extends QueueOptions {
  readonly name: string;
  readonly watches: readonly Watch<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- each watch has its own object type
  /** Every key the controller must look at: when it starts leading and at each periodic resync. */
  readonly allKeys: () => Iterable<string>;
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<ReconcileResult | undefined | void>;
  readonly onError?: (key: string, e: unknown, retryInMs: number) => void;
}

export class Controller {
  readonly queue: WorkQueue;

  constructor(readonly spec: ControllerSpec) {
    this.queue = new WorkQueue(async (key, signal) => {
      const result = await spec.reconcile(key, signal);
      if (result?.requeueAfterMs !== undefined && !signal.aborted) this.queue.addAfter(key, result.requeueAfterMs);
    }, { ...spec, startStopped: true }, spec.onError); // nothing runs until the manager says this replica leads
  }

  enqueueAll(): void {
    for (const k of this.spec.allKeys()) this.queue.add(k);
  }
}

export interface ManagerOptions {
  /** Leader election on this Lease; without it this replica always leads. */
  readonly leader?: Omit<LeaderOptions, 'identity'> & { readonly identity?: string };
  /** Seconds between periodic resyncs of every key of every controller. */
  readonly resyncSeconds?: number;
  readonly onLeadingChange?: (leading: boolean) => void;
  readonly onWatchError?: (resource: string, e: unknown) => void;
}

export class Manager {
  private readonly informers = new Map<string, Informer<any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- one per collection, of any kind
  private readonly controllers: Controller[] = [];
  private elector?: LeaderElector;
  private resync?: NodeJS.Timeout;
  private isLeading = false;
  private isSynced = false;

  constructor(readonly client: KubeClient, private readonly opts: ManagerOptions = {}) {}

  get leading(): boolean { return this.isLeading; }
  get synced(): boolean { return this.isSynced; }

  /** The shared informer of a collection: the same instance for the same kind, namespace and selector. */
  informer<T extends KubeObject>(apiVersion: string, kind: string, opts: Omit<InformerOptions, 'onError'> = {}): Informer<T> {
    const key = JSON.stringify([apiVersion, kind, opts.namespace ?? '', opts.labelSelector ?? '']);
    let informer = this.informers.get(key);
    if (!informer) {
      const info = kindInfo(apiVersion, kind);
      informer = new Informer<T>(this.client, info, { ...opts, onError: (e) => this.opts.onWatchError?.(info.plural, e) });
      this.informers.set(key, informer);
    }
    return informer as Informer<T>;
  }

  add(spec: ControllerSpec): Controller {
    const controller = new Controller(spec);
    for (const w of spec.watches) {
      w.informer.on((event, obj) => {
        if (!controller.queue.isRunning) return;
        for (const k of w.keys(obj, event)) controller.queue.add(k);
      });
    }
    this.controllers.push(controller);
    return controller;
  }

  /** Queues every key of every controller (when leading), as the periodic resync does. */
  resyncNow(): void {
    if (this.isLeading) for (const c of this.controllers) c.enqueueAll();
  }

  /** Fills the caches, then leads (or campaigns for the lease). */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    this.isSynced = true;
    const leader = this.opts.leader;
    if (leader) {
      const identity = leader.identity ?? `${hostname()}-${process.pid}`;
      this.client.userAgent = `xrootd-k8s-agent/${identity}`;
      // Its own client: Lease renewals are not reconcile traffic, and are never cancelled with it.
      this.elector = new LeaderElector(this.client.clone(), { ...leader, identity }, (leading) => this.setLeading(leading));
      // Every write asks first: none leaves once another replica may lead, even one already under way.
      this.client.writeGuard = () => this.elector?.writeRefusal();
      this.elector.start();
    } else {
      this.setLeading(true);
    }
    const every = (this.opts.resyncSeconds ?? 300) * 1000;
    this.resync = setInterval(() => this.resyncNow(), every);
  }

  private setLeading(leading: boolean): void {
    this.isLeading = leading;
    if (leading) {
      for (const c of this.controllers) {
        c.queue.start();
        c.enqueueAll();
      }
    } else {
      for (const c of this.controllers) void c.queue.stop({ cancel: true, reason: 'leadership lost' });
    }
    this.opts.onLeadingChange?.(leading);
  }

  /** Graceful: the reconciles in flight finish, the lease is released, the watches end. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    await Promise.all(this.controllers.map((c) => c.queue.stop()));
    await this.elector?.stop();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
