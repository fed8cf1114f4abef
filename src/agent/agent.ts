/**
 * The agent: two controllers on one manager. The Xrootd controller reconciles
 * clusters when their resource, the catalog, their children or their pods
 * change; the Git source controller syncs XrootdGitSources on their own
 * schedule. Both run only while this replica holds the leader Lease. Health,
 * readiness and Prometheus metrics on one HTTP port.
 */
import { DEFAULT_CONCURRENCY } from './defaults.js';
import type { Server } from 'node:http';
import { http as nodeHttp } from '../node-builtins.js';
import { outlastClientKeepAlive } from '../http-keep-alive.js';
import type { DirectivePolicy } from '../directive-policy.js';
import type { KubeClient } from '../kube/client.js';
import type { LeaderOptions } from '../kube/leader.js';
import { Manager, type Controller } from '../kube/manager.js';
import { addGitSourceController } from './git-source/controller.js';
import type { GitSync } from './git-source/sync.js';
import { Logger } from './log.js';
import { addProcessMetrics, Metrics } from './metrics.js';
import type { MembershipOptions } from './xrootd/context.js';
import { addXrootdController } from './xrootd/controller.js';
import type { ReconcileOutcome, Reconciler } from './xrootd/reconcile.js';

/** Clusters reconciled at once: a reconcile spends most of its time waiting for the API server. */
export { DEFAULT_CONCURRENCY };

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
  /** Where clusters' collectors answer /membership, and how long a server may be missing from it. */
  readonly membership?: MembershipOptions;
  /** Called after each reconcile (benchmarks and embedding programs). */
  readonly onReconciled?: (key: string, outcome: ReconcileOutcome | undefined, seconds: number) => void;
}

export class Agent {
  readonly metrics = new Metrics();
  readonly log: Logger;
  readonly manager: Manager;
  readonly reconciler: Reconciler;
  readonly gitSync: GitSync;
  /** Clusters to reconcile. */
  readonly clusters: Controller;
  /** Git sources to sync; each sync schedules the next after the source's interval. */
  readonly sources: Controller;
  private readonly countClusters: () => number;
  private readonly countSources: () => number;
  private readonly stuckRollouts: () => [Record<string, string>, number][];
  private server?: Server;

  constructor(private readonly client: KubeClient, private readonly opts: AgentOptions = {}) {
    this.log = opts.log ?? new Logger();
    client.onWrite = (method, path) => this.log.debug('write', { method, path });
    this.manager = new Manager(client, {
      resyncSeconds: opts.resyncSeconds,
      leader: opts.leaseNamespace ? { namespace: opts.leaseNamespace, name: opts.leaseName ?? 'xrootd-k8s-agent', identity: opts.identity, ...opts.leaderTimings } : undefined,
      onLeadingChange: (leading) => this.log.info(leading ? 'leading' : 'lost leadership: queues stopped, reconciles in flight cancelled, writes refused'),
      onWatchError: (resource, e) => {
        this.metrics.inc('xrootd_agent_watch_errors_total', { resource });
        this.log.warn('watch failed, retrying', { resource, error: e });
      },
    });
    const xrootd = addXrootdController(this.manager, client, opts, this.log, this.metrics);
    const git = addGitSourceController(
      this.manager,
      client,
      { ...opts, catalog: () => xrootd.reconciler.catalog() },
      this.log,
      this.metrics,
    );
    this.reconciler = xrootd.reconciler;
    this.clusters = xrootd.controller;
    this.gitSync = git.gitSync;
    this.sources = git.controller;
    this.countClusters = () => xrootd.xrootds.size;
    this.countSources = () => git.sources.size;
    this.stuckRollouts = () => xrootd.xrootds.list().map((x) => [{ cluster: x.metadata.name, namespace: x.metadata.namespace ?? '' }, Number(x.status?.rollout?.phase === 'Stuck')]);
    this.defineMetrics();
  }

  private defineMetrics(): void {
    const m = this.metrics;
    m.counter('xrootd_agent_reconciles_total', 'Reconciles run.');
    m.counter('xrootd_agent_reconcile_errors_total', 'Reconciles that failed and were retried.');
    m.counter('xrootd_agent_applied_objects_total', 'Objects created, configured or pruned.');
    m.counter('xrootd_agent_healing_restarts_total', 'Pods the agent restarted on its own (spec.healing), by reason.');
    m.counter('xrootd_agent_volume_auto_expansions_total', 'Data volumes the agent grew as they filled (spec.worker.storage.autoExpand).');
    m.counter('xrootd_agent_lost_node_actions_total', 'Pods the agent moved off nodes NotReady past spec.healing.lostNodes.notReadySeconds (moved), and data servers it replaced by empty ones (replaced), by action.');
    m.counter('xrootd_agent_node_drain_releases_total', 'Data servers on cordoned nodes the agent released to the drain once prepared (spec.worker.nodeDrain).');
    m.counter('xrootd_agent_autoscale_changes_total', 'Data servers the agent added (direction up) or removed through a drain (down) as the cluster filled or emptied (spec.worker.autoscale).');
    m.counter('xrootd_agent_watch_errors_total', 'Watches that failed and were restarted.');
    m.histogram('xrootd_agent_reconcile_duration_seconds', 'Time of one reconcile.', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    m.gauge('xrootd_agent_queue_depth', 'Clusters waiting for a reconcile.', () => this.clusters.queue.depth);
    m.gauge('xrootd_agent_leader', '1 while this replica holds the leader Lease.', () => Number(this.manager.leading));
    // The cluster's alert XrootdRolloutStuck reads it (labels as the collector's series name a cluster).
    m.gauge('xrootd_agent_rollout_stuck', '1 while a cluster\'s rollout is stopped at a pod that did not become Ready (status.rollout.phase Stuck).',
      () => this.stuckRollouts());
    m.counter('xrootd_agent_git_syncs_total', 'Git source syncs by result: applied, unchanged, failed (commit or fetch refused), error (retried).');
    m.gauge('xrootd_agent_git_revision_info', 'The commit each Git source has applied (value 1).', () => [...this.gitSync.states].filter(([, s]) => s.revision).map(([source, s]) => [{ source, revision: s.revision! }, 1]));
    m.gauge('xrootd_agent_git_sync_failing', '1 while the newest commit of a Git source is refused or cannot be fetched.', () => [...this.gitSync.states].map(([source, s]) => [{ source }, Number(s.failing)]));
    m.gauge('xrootd_agent_git_last_success_timestamp_seconds', 'When each Git source last synced successfully (Unix time).', () => [...this.gitSync.states].filter(([, s]) => s.lastSuccess).map(([source, s]) => [{ source }, Math.round(s.lastSuccess!)]));
    m.gauge('xrootd_agent_api_writes', 'Write requests issued by reconciles and watches since start (Lease renewals excluded).', () => this.client.counts.writes);
    m.gauge('xrootd_agent_api_reads', 'Read requests issued by reconciles and watches since start (Lease renewals excluded).', () => this.client.counts.reads);
    m.gauge('xrootd_agent_api_watches', 'Watch requests opened since start (each informer opens one, and again after the server ends it).', () => this.client.counts.watches);
    addProcessMetrics(m, 'agent');
    m.gauge('xrootd_agent_api_throttled', 'Requests the API server asked to retry later (429 from priority and fairness, or 5xx with Retry-After), each retried after the time it asked.', () => this.client.counts.throttled);
  }

  /** Queues every cluster and source, as the periodic resync does. */
  resyncNow(): void {
    this.manager.resyncNow();
  }

  async start(): Promise<void> {
    if (this.opts.httpPort !== undefined) await this.serveHttp(this.opts.httpPort, this.opts.httpHost ?? '0.0.0.0');
    await this.manager.start();
    this.log.info('caches synced', { clusters: this.countClusters(), gitSources: this.countSources(), namespace: this.opts.namespace ?? '(all)' });
  }

  private serveHttp(port: number, host: string): Promise<void> {
    this.server = nodeHttp.createServer((req, res) => {
      const send = (code: number, body: string, type = 'text/plain') => { res.writeHead(code, { 'Content-Type': type }); res.end(body); };
      if (req.url === '/healthz') return send(200, 'ok\n');
      if (req.url === '/readyz') return this.manager.synced ? send(200, 'ok\n') : send(503, 'caches not synced\n');
      if (req.url === '/metrics') return send(200, this.metrics.render(), 'text/plain; version=0.0.4');
      return send(404, 'not found\n');
    });
    outlastClientKeepAlive(this.server);
    return new Promise((resolve) => this.server!.listen(port, host, resolve));
  }

  /** The port the HTTP server listens on (useful with port 0). */
  get httpPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Graceful: finish the reconciles in flight, release the Lease, stop watches. */
  async stop(): Promise<void> {
    await this.manager.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.client.close();
  }
}
