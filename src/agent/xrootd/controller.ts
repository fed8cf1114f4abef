/**
 * The Xrootd controller's setup: the informers it reads (the resources, the catalog, every kind
 * of child, the clusters' pods and claims), their indexes, and the watches that queue a cluster
 * when something it depends on changes; next to the reconcile it drives (reconcile.ts).
 */
import { INVENTORY_LABEL, MANAGED_BY } from '../../../constructs/index.js';
import { PRUNABLE_KINDS } from '../../apply/applier.js';
import type { DirectivePolicy } from '../../directive-policy.js';
import type { KubeClient } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';
import { controllerOf, objectKey, type KubeObject } from '../../kube/kinds.js';
import { CATALOG_API_VERSION, XROOTD_API_VERSION } from '../../kinds.js';
import type { Controller, Manager } from '../../kube/manager.js';
import { DEFAULT_CONCURRENCY } from '../defaults.js';
import { CONTROLLER_INDEX, INSTANCE_INDEX, ORIGIN_INDEX, UPSTREAM_INDEX, byController, byInstance, byOriginRef, byUpstreamRef } from '../indexes.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { claimEssentials, podEssentials, type ClaimObject, type PodObject } from '../views.js';
import type { MembershipOptions, XrootdObject, XrootdVersionObject } from './context.js';
import { Reconciler, type ReconcileOutcome } from './reconcile.js';

export interface XrootdControllerOptions {
  /** Watch one namespace only; all namespaces when absent. */
  readonly namespace?: string;
  readonly concurrency?: number;
  /** Which extra directives clusters may carry (all by default). */
  readonly extraDirectives?: DirectivePolicy;
  readonly membership?: MembershipOptions;
  /** Called after each reconcile (benchmarks and embedding programs). */
  readonly onReconciled?: (key: string, outcome: ReconcileOutcome | undefined, seconds: number) => void;
}

export interface XrootdController {
  readonly controller: Controller;
  readonly reconciler: Reconciler;
  readonly xrootds: Informer<XrootdObject>;
}

export function addXrootdController(
  m: Manager,
  client: KubeClient,
  opts: XrootdControllerOptions,
  log: Logger,
  metrics: Metrics,
): XrootdController {
  const { namespace } = opts;
  const managed = `app.kubernetes.io/managed-by=${MANAGED_BY},${INVENTORY_LABEL}`;
  const xrootds = m.informer<XrootdObject>(XROOTD_API_VERSION, 'Xrootd', { namespace }).addIndex(UPSTREAM_INDEX, byUpstreamRef).addIndex(ORIGIN_INDEX, byOriginRef);
  const versions = m.informer<XrootdVersionObject>(CATALOG_API_VERSION, 'XrootdVersion');
  const children = new Map<string, Informer>(PRUNABLE_KINDS.map((k) => [k.kind,
    m.informer(k.apiVersion, k.kind, { namespace, labelSelector: INVENTORY_LABEL, optional: !!k.optional })
      .addIndex(CONTROLLER_INDEX, byController)]));
  const pods = m.informer<PodObject>('v1', 'Pod', { namespace, labelSelector: managed, keep: podEssentials }).addIndex(INSTANCE_INDEX, byInstance);
  const claims = m.informer<ClaimObject>('v1', 'PersistentVolumeClaim', { namespace, labelSelector: managed, keep: claimEssentials })
    .addIndex(INSTANCE_INDEX, byInstance);
  const reconciler = new Reconciler(
    client,
    { xrootds, versions, children, pods, claims },
    log,
    metrics,
    opts.extraDirectives,
    opts.membership,
  );

  const allClusters = () => xrootds.list().map(objectKey);
  const controller = m.add({
    name: 'xrootd',
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    allKeys: allClusters,
    watches: [
      // A meta-manager's change (or its creation, or deletion) reaches the clusters that subscribe to it.
      // A cluster, and those that name it: its federation's members, the caches in front of it.
      {
        informer: xrootds,
        keys: (x) => [objectKey(x), ...[UPSTREAM_INDEX, ORIGIN_INDEX].flatMap((i) => xrootds.byIndex(i, objectKey(x)).map(objectKey))],
      },
      // A catalog change can change any cluster's image or rendering.
      { informer: versions, keys: () => (m.synced ? allClusters() : []) },
      // Pod readiness gates rollouts; pods are owned by StatefulSets, so they map by their instance label.
      { informer: pods, keys: (p) => byInstance(p) },
      // A claim bound or grown moves an expansion on; claims outlive their StatefulSet, so they map by instance too.
      { informer: claims, keys: (c) => byInstance(c) },
      ...[...children.values()].map((informer) => ({ informer, keys: (o: KubeObject) => {
        const owner = controllerOf(o);
        return owner?.kind === 'Xrootd' ? [`${o.metadata.namespace}/${owner.name}`] : [];
      } })),
    ],
    reconcile: async (key) => {
      const started = performance.now();
      metrics.inc('xrootd_agent_reconciles_total');
      let outcome: ReconcileOutcome | undefined;
      try {
        outcome = await reconciler.reconcile(key);
        return { requeueAfterMs: outcome?.requeueAfterMs };
      } finally {
        const seconds = (performance.now() - started) / 1000;
        metrics.observe('xrootd_agent_reconcile_duration_seconds', seconds);
        opts.onReconciled?.(key, outcome, seconds);
      }
    },
    onError: (key, e, retryIn) => {
      metrics.inc('xrootd_agent_reconcile_errors_total');
      log.error('reconcile failed', { cluster: key, retryInMs: retryIn, error: e });
    },
  });
  return { controller, reconciler, xrootds };
}
