/**
 * The agent: watches Xrootd and XrootdVersion resources and the children they
 * own, queues the affected clusters and reconciles them while it holds the
 * leader Lease. Health, readiness and Prometheus metrics on one HTTP port.
 */
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { INVENTORY_LABEL, MANAGED_BY } from '../../constructs/index.js';
import type { PodObject } from './observe.js';
import { PRUNABLE_KINDS } from '../apply/applier.js';
import type { DirectivePolicy } from '../directive-policy.js';
import type { KubeClient } from '../kube/client.js';
import { Informer } from '../kube/informer.js';
import { kindInfo, type KubeObject } from '../kube/kinds.js';
import { GitSync, SOURCE_LABEL, SYNC_REQUEST_ANNOTATION, type GitSourceObject } from './git-sync.js';
import { LeaderElector, type LeaderOptions } from './leader.js';
import { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { WorkQueue } from './queue.js';
import { controllerOf, Reconciler, type ReconcileOutcome, type XrootdObject, type XrootdVersionObject } from './reconciler.js';

export interface AgentOptions {
  /** Watch one namespace only (namespaced RBAC); all namespaces when absent. */
  readonly namespace?: string;
  /** Where the leader Lease lives; leader election is off when absent. */
  readonly leaseNamespace?: string;
  readonly leaseName?: string;
  readonly identity?: string;
  /** Lease duration, renew deadline and retry period (seconds); client-go's defaults when absent. */
  readonly leaderTimings?: Pick<LeaderOptions, 'leaseSeconds' | 'renewDeadlineSeconds' | 'retryPeriodSeconds'>;
  /** Health, readiness and metrics; no HTTP server when absent. */
  readonly httpPort?: number;
  readonly httpHost?: string;
  /** Seconds between full resyncs of every cluster (also catches missed status changes). */
  readonly resyncSeconds?: number;
  readonly concurrency?: number;
  readonly log?: Logger;
  /** Where the agent keeps its shallow mirrors of Git sources. */
  readonly gitCacheDir?: string;
  /** Which extra directives clusters may carry (all by default). */
  readonly extraDirectives?: DirectivePolicy;
  /** Called after each reconcile (benchmarks and embedding programs). */
  readonly onReconciled?: (key: string, outcome: ReconcileOutcome | undefined, seconds: number) => void;
}

export class Agent {
  readonly metrics = new Metrics();
  readonly log: Logger;
  readonly queue: WorkQueue;
  readonly reconciler: Reconciler;
  private readonly xrootds: Informer<XrootdObject>;
  private readonly versions: Informer<XrootdVersionObject>;
  private readonly children = new Map<string, Informer>();
  private readonly pods: Informer<PodObject>;
  private readonly sources: Informer<GitSourceObject>;
  readonly gitSync: GitSync;
  /** Git sources to sync; each sync schedules the next after the source's interval. */
  readonly gitQueue: WorkQueue;
  /** Per source, the generation and sync request last queued for: our own status writes do not trigger fetches. */
  private readonly sourceSeen = new Map<string, string>();
  private leader?: LeaderElector;
  private server?: Server;
  private resync?: NodeJS.Timeout;
  private leading = false;
  private synced = false;

  constructor(private readonly client: KubeClient, private readonly opts: AgentOptions = {}) {
    this.log = opts.log ?? new Logger();
    client.onWrite = (method, path) => this.log.debug('write', { method, path });
    const onError = (what: string) => (e: unknown) => {
      this.metrics.inc('xrootd_agent_watch_errors_total', { resource: what });
      this.log.warn('watch failed, retrying', { resource: what, error: e });
    };
    this.xrootds = new Informer<XrootdObject>(client, kindInfo('xrootd.org/v1alpha1', 'Xrootd'), { namespace: opts.namespace, onError: onError('xrootds') });
    this.versions = new Informer<XrootdVersionObject>(client, kindInfo('catalog.xrootd.org/v1alpha1', 'XrootdVersion'), { onError: onError('xrootdversions') });
    for (const k of PRUNABLE_KINDS) {
      this.children.set(k.kind, new Informer(client, kindInfo(k.apiVersion, k.kind), { namespace: opts.namespace, labelSelector: INVENTORY_LABEL, onError: onError(k.kind) }));
    }
    this.pods = new Informer<PodObject>(client, kindInfo('v1', 'Pod'), { namespace: opts.namespace, labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY},${INVENTORY_LABEL}`, onError: onError('pods') });
    this.reconciler = new Reconciler(client, { xrootds: this.xrootds, versions: this.versions, children: this.children, pods: this.pods }, this.log, this.metrics,
      opts.extraDirectives);
    this.sources = new Informer<GitSourceObject>(client, kindInfo('xrootd.org/v1alpha1', 'XrootdGitSource'), { namespace: opts.namespace, onError: onError('xrootdgitsources') });
    this.gitSync = new GitSync(client, { sources: this.sources, xrootds: this.xrootds, catalog: () => this.reconciler.catalog(), directives: opts.extraDirectives ?? 'all' }, this.log, this.metrics,
      opts.gitCacheDir ?? join(tmpdir(), 'xrootd-k8s-git'));
    this.gitQueue = new WorkQueue((key) => this.syncSource(key), { concurrency: 2, baseDelayMs: 2000 }, (key, e, retryIn) => {
      this.metrics.inc('xrootd_agent_git_syncs_total', { source: key, result: 'error' });
      this.log.error('git sync failed', { source: key, retryInMs: retryIn, error: e });
    });
    this.queue = new WorkQueue((key) => this.reconcileKey(key), { concurrency: opts.concurrency ?? 4 }, (key, e, retryIn) => {
      this.metrics.inc('xrootd_agent_reconcile_errors_total');
      this.log.error('reconcile failed', { cluster: key, retryInMs: retryIn, error: e });
    });
    this.defineMetrics();
  }

  private defineMetrics(): void {
    const m = this.metrics;
    m.counter('xrootd_agent_reconciles_total', 'Reconciles run.');
    m.counter('xrootd_agent_reconcile_errors_total', 'Reconciles that failed and were retried.');
    m.counter('xrootd_agent_applied_objects_total', 'Objects created, configured or pruned.');
    m.counter('xrootd_agent_watch_errors_total', 'Watches that failed and were restarted.');
    m.histogram('xrootd_agent_reconcile_duration_seconds', 'Time of one reconcile.', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    m.gauge('xrootd_agent_queue_depth', 'Clusters waiting for a reconcile.', () => this.queue.depth);
    m.gauge('xrootd_agent_leader', '1 while this replica holds the leader Lease.', () => Number(this.leading));
    m.counter('xrootd_agent_git_syncs_total', 'Git source syncs by result: applied, unchanged, failed (commit or fetch refused), error (retried).');
    m.gauge('xrootd_agent_git_revision_info', 'The commit each Git source has applied (value 1).', () => [...this.gitSync.states].filter(([, s]) => s.revision).map(([source, s]) => [{ source, revision: s.revision! }, 1]));
    m.gauge('xrootd_agent_git_sync_failing', '1 while the newest commit of a Git source is refused or cannot be fetched.', () => [...this.gitSync.states].map(([source, s]) => [{ source }, Number(s.failing)]));
    m.gauge('xrootd_agent_git_last_success_timestamp_seconds', 'When each Git source last synced successfully (Unix time).', () => [...this.gitSync.states].filter(([, s]) => s.lastSuccess).map(([source, s]) => [{ source }, Math.round(s.lastSuccess!)]));
    m.gauge('xrootd_agent_api_writes', 'Write requests issued by reconciles and watches since start (Lease renewals excluded).', () => this.client.counts.writes);
    m.gauge('xrootd_agent_api_reads', 'Read requests issued by reconciles and watches since start (Lease renewals excluded).', () => this.client.counts.reads);
  }

  private async reconcileKey(key: string): Promise<void> {
    if (!this.leading) return;
    const started = performance.now();
    this.metrics.inc('xrootd_agent_reconciles_total');
    let outcome: ReconcileOutcome | undefined;
    try {
      outcome = await this.reconciler.reconcile(key);
      if (outcome?.requeueAfterMs) this.queue.addAfter(key, outcome.requeueAfterMs);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.metrics.observe('xrootd_agent_reconcile_duration_seconds', seconds);
      this.opts.onReconciled?.(key, outcome, seconds);
    }
  }

  private async syncSource(key: string): Promise<void> {
    if (!this.leading) return;
    const outcome = await this.gitSync.sync(key);
    if (outcome?.nextInMs) this.gitQueue.addAfter(key, outcome.nextInMs);
  }

  /** Queues every cluster, as the periodic resync does. */
  resyncNow(): void {
    this.enqueueAll();
  }

  private enqueueAll(): void {
    for (const x of this.xrootds.list()) this.queue.add(`${x.metadata.namespace}/${x.metadata.name}`);
    for (const g of this.sources.list()) this.gitQueue.add(`${g.metadata.namespace}/${g.metadata.name}`);
  }

  async start(): Promise<void> {
    if (this.opts.httpPort !== undefined) await this.serveHttp(this.opts.httpPort, this.opts.httpHost ?? '0.0.0.0');
    this.xrootds.on((e, o) => {
      this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
      // A Git-sourced cluster deleted by hand comes back at once.
      const source = o.metadata.labels?.[SOURCE_LABEL];
      if (e === 'deleted' && source && controllerOf(o)?.kind === 'XrootdGitSource') this.gitQueue.add(`${o.metadata.namespace}/${source}`);
    });
    this.sources.on((e, g) => {
      const key = `${g.metadata.namespace}/${g.metadata.name}`;
      if (e === 'deleted') {
        this.sourceSeen.delete(key);
        this.gitSync.forget(g);
        return;
      }
      // A new spec or a sync request; not our own status writes.
      const seen = `${g.metadata.generation}|${g.metadata.annotations?.[SYNC_REQUEST_ANNOTATION] ?? ''}`;
      if (this.sourceSeen.get(key) !== seen) {
        this.sourceSeen.set(key, seen);
        this.gitQueue.add(key);
      }
    });
    // A catalog change can change any cluster's image or rendering.
    this.versions.on(() => { if (this.synced) this.enqueueAll(); });
    // Pod readiness gates rollouts; pods are owned by StatefulSets, so map them by their instance label.
    this.pods.on((_e, p) => {
      const instance = p.metadata.labels?.['app.kubernetes.io/instance'];
      if (instance) this.queue.add(`${p.metadata.namespace}/${instance}`);
    });
    for (const inf of this.children.values()) {
      inf.on((_e, o: KubeObject) => {
        const owner = controllerOf(o);
        if (owner?.kind === 'Xrootd') this.queue.add(`${o.metadata.namespace}/${owner.name}`);
      });
    }
    await Promise.all([this.xrootds.start(), this.versions.start(), this.pods.start(), this.sources.start(), ...[...this.children.values()].map((i) => i.start())]);
    this.synced = true;
    this.log.info('caches synced', { clusters: this.xrootds.list().length, gitSources: this.sources.list().length, namespace: this.opts.namespace ?? '(all)' });
    if (this.opts.leaseNamespace) {
      const identity = this.opts.identity ?? `${hostname()}-${process.pid}`;
      this.client.userAgent = `xrootd-k8s-agent/${identity}`;
      // Its own client: Lease renewals are not reconcile traffic, and the write counter measures reconciles.
      const leader = new LeaderElector(this.client.clone(), {
        namespace: this.opts.leaseNamespace, name: this.opts.leaseName ?? 'xrootd-k8s-agent', identity, ...this.opts.leaderTimings,
      }, (leading) => {
        this.leading = leading;
        this.log.info(leading ? 'leading' : 'lost leadership: queues hold, writes refused until the lease is ours again');
        if (leading) this.enqueueAll();
      });
      // Every reconcile and Git sync write asks first: none leaves once another replica may lead.
      this.client.writeGuard = () => leader.writeRefusal();
      this.leader = leader;
      this.leader.start();
    } else {
      this.leading = true;
      this.enqueueAll();
    }
    const every = (this.opts.resyncSeconds ?? 300) * 1000;
    this.resync = setInterval(() => this.enqueueAll(), every);
  }

  private serveHttp(port: number, host: string): Promise<void> {
    this.server = createServer((req, res) => {
      const send = (code: number, body: string, type = 'text/plain') => { res.writeHead(code, { 'Content-Type': type }); res.end(body); };
      if (req.url === '/healthz') return send(200, 'ok\n');
      if (req.url === '/readyz') return this.synced ? send(200, 'ok\n') : send(503, 'caches not synced\n');
      if (req.url === '/metrics') return send(200, this.metrics.render(), 'text/plain; version=0.0.4');
      return send(404, 'not found\n');
    });
    return new Promise((resolve) => this.server!.listen(port, host, resolve));
  }

  /** The port the HTTP server listens on (useful with port 0). */
  get httpPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Graceful: finish the reconciles in flight, release the Lease, stop watches. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    await Promise.all([this.queue.stop(), this.gitQueue.stop()]);
    await this.leader?.stop();
    await Promise.all([this.xrootds.stop(), this.versions.stop(), this.pods.stop(), this.sources.stop(), ...[...this.children.values()].map((i) => i.stop())]);
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.client.close();
  }
}
