/**
 * One reconcile of one Xrootd resource: validate, synthesize in process, apply
 * in stages with owner references, prune what synthesis no longer produces,
 * then write status and Events only when they change. Deletion waits on our
 * finalizer, which deletes data volumes only when the spec asks for it.
 */
import { downgradeRefusal, INVENTORY_LABEL, ROLES, SpecValidationError, VersionCatalog, type Role, type XrootdClusterProps, type XrootdRelease, type XrootdStatus } from '../../constructs/index.js';
import { Applier, PRUNABLE_KINDS, summarize, type ApplyResult } from '../apply/applier.js';
import { directivePolicyIssues, type DirectivePolicy } from '../directive-policy.js';
import { ApiError, type KubeClient } from '../kube/client.js';
import { collectionPath, kindInfo, objectPath, refOf, type KubeObject, type OwnerReference } from '../kube/kinds.js';
import type { Informer } from '../kube/informer.js';
import { propsOf, toResourceIssue, XROOTD_API_VERSION, type XrootdResource } from '../resources.js';
import { synthesizeCluster } from '../synthesize.js';
import { recordEvent } from './events.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { computeStatus, type Failure, type StatefulSetView } from './status.js';
import { writeStatus } from './conditions.js';
import { observeRoles, policyOf, type PodObject } from './observe.js';
import { planRollout, type RolloutDecision, type RolloutState } from './rollout.js';

export const FINALIZER = 'xrootd.org/finalizer';

export type XrootdObject = KubeObject & XrootdResource & { status?: XrootdStatus; spec?: Record<string, unknown> };
export interface XrootdVersionObject extends KubeObject { spec: XrootdRelease }

export interface Caches {
  readonly xrootds: Informer<XrootdObject>;
  readonly versions?: Informer<XrootdVersionObject>;
  /** Children by kind, from watches on the inventory label. */
  readonly children: ReadonlyMap<string, Informer>;
  /** The clusters' pods (the rollout gates on them). */
  readonly pods?: Informer<PodObject>;
}

export interface ReconcileOutcome {
  readonly results: ApplyResult[];
  readonly failure?: Failure;
  readonly statusWritten: boolean;
  /** performance.now() when the last child was applied (before status and Events). */
  readonly appliedAt?: number;
  readonly rollout?: RolloutDecision;
  /** Reconcile again after this long even if nothing changes (a rollout waits on the clock). */
  readonly requeueAfterMs?: number;
}

export class Reconciler {
  private readonly applier: Applier;

  constructor(private readonly client: KubeClient, private readonly caches: Caches, private readonly log: Logger,
    private readonly metrics: Metrics, private readonly directives: DirectivePolicy = 'all') {
    this.applier = new Applier(client);
  }

  /** The catalog entries the XrootdVersion resources add to (or override in) the built-in catalog. */
  catalog(): XrootdRelease[] {
    return (this.caches.versions?.list() ?? []).map((v) => ({ ...v.spec, features: v.spec.features ?? [] }));
  }

  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace, name] = key.split('/');
    const cr = this.caches.xrootds.get(namespace, name);
    // Gone: owner references let the garbage collector remove the children.
    if (!cr) return undefined;
    if (cr.metadata.deletionTimestamp) {
      await this.finalize(cr);
      return undefined;
    }
    if (!cr.metadata.finalizers?.includes(FINALIZER)) await this.addFinalizer(cr);

    let failure: Failure | undefined;
    let results: ApplyResult[] = [];
    let appliedAt: number | undefined;
    let rollout: RolloutDecision | undefined;
    let model;
    let rolledBack = cr.status?.rolledBack?.generation === cr.metadata.generation ? cr.status?.rolledBack : undefined;
    try {
      // Before anything is planned: a refused directive changes nothing that runs.
      const refused = directivePolicyIssues(cr.spec, this.directives);
      if (refused.length) throw new SpecValidationError(refused);
      const catalog = this.catalog();
      const lastReady = cr.status?.lastReadySpec;
      const propsWith = (spec: Record<string, unknown> | undefined) => ({ ...propsOf({ ...cr, spec }), catalog });
      let planned = this.plan(cr, propsWith(rolledBack && lastReady ? lastReady : cr.spec));
      model = planned.model;
      rollout = planned.rollout;
      // Automatic rollback: a stuck step sends the cluster back to the spec it last reached Ready with.
      if (!rolledBack && rollout.phase === 'Stuck' && model.spec.upgrade.autoRollback && lastReady) {
        const back = this.plan(cr, propsWith(lastReady));
        rolledBack = { generation: cr.metadata.generation, fromVersion: model.spec.version, toVersion: back.model.spec.version, stuckPod: rollout.stuckPod, at: new Date().toISOString() };
        this.log.warn('rolling back', { cluster: key, ...rolledBack });
        planned = back;
        model = back.model;
        rollout = back.rollout;
      }
      const synthesized = synthesizeCluster({ ...planned.props, partitions: rollout.partitions });
      const owner = ownerOf(cr);
      const desired = synthesized.objects.map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }));
      const foreign = desired.map((o) => this.live(o)).find((l) => l && controllerOf(l) && controllerOf(l)!.uid !== owner.uid);
      if (foreign) throw new OwnershipError(`${foreign.kind} ${foreign.metadata.name} is controlled by ${controllerOf(foreign)!.kind} ${controllerOf(foreign)!.name}; not taking it over`);
      results = await this.applier.apply(desired, { live: (o) => this.live(o) });
      results.push(...await this.applier.prune(desired, this.inventory(cr)));
      appliedAt = performance.now();
      for (const pod of rollout.deletePods) await this.deleteStuckPod(cr, pod);
    } catch (e) {
      if (e instanceof SpecValidationError) {
        const issues = e.issues.map((i) => toResourceIssue(i, { file: key, document: 0 }).message);
        failure = { reason: 'InvalidSpec', message: issues.join('; ') };
      } else if (e instanceof RefusedError) {
        failure = { reason: 'DowngradeRefused', message: e.message };
      } else if (e instanceof OwnershipError) {
        failure = { reason: 'OwnershipConflict', message: e.message };
      } else if (e instanceof ApiError && (e.status === 422 || e.status === 400)) {
        failure = { reason: 'ApplyRejected', message: e.message };
      } else {
        throw e;
      }
    }
    const changed = results.filter((r) => r.action !== 'unchanged');
    for (const r of changed) this.metrics.inc('xrootd_agent_applied_objects_total', { action: r.action });
    if (changed.length) this.log.info('applied', { cluster: key, changes: changed.map((r) => `${r.action} ${r.key}`) });

    const statefulSets = new Map<Role, StatefulSetView>();
    if (model) {
      for (const role of ROLES) {
        const sts = this.caches.children.get('StatefulSet')?.get(namespace, model.names.statefulSet(role));
        if (sts) statefulSets.set(role, sts as StatefulSetView);
      }
    }
    const status = computeStatus({
      generation: cr.metadata.generation ?? 0, previous: cr.status, failure, model, statefulSets, rollout, now: new Date().toISOString(),
      spec: cr.spec, rolledBack,
    });
    const statusWritten = await writeStatus(this.client, cr, status);
    if (statusWritten) this.log.debug('status changed', { cluster: key, before: cr.status, after: status });
    if (statusWritten || changed.length) await this.announce(cr, cr.status, status, changed);
    const requeueAfterMs = rollout?.phase === 'Rolling' ? 1000 : undefined;
    return { results, failure, statusWritten, appliedAt, rollout, requeueAfterMs };
  }

  /**
   * The rollout step for these props. Templates do not depend on partitions: synthesize once
   * to see them and decide the step; the caller synthesizes again with the partitions.
   */
  private plan(cr: XrootdObject, props: XrootdClusterProps & { catalog: XrootdRelease[] }) {
    const first = synthesizeCluster(props);
    const m = first.cluster.model;
    const { namespace, name } = cr.metadata;
    const refused = downgradeRefusal(new VersionCatalog(props.catalog), cr.status?.currentVersion, m.spec.version);
    if (refused && !m.spec.upgrade.force) throw new RefusedError(`spec.version ${refused}`);
    const pods = this.caches.pods?.list((p) => p.metadata.namespace === namespace && p.metadata.labels?.['app.kubernetes.io/instance'] === name) ?? [];
    const roles = observeRoles(m, first.objects, (role) => this.caches.children.get('StatefulSet')?.get(namespace, m.names.statefulSet(role)) as StatefulSetView | undefined, pods);
    // Only what the planner remembers; phase and message are recomputed every time.
    const { role, revision, partition, stepStartedAt, startedAt } = (cr.status?.rollout ?? {}) as RolloutState;
    const previous = { role, revision, partition, stepStartedAt, startedAt } as RolloutState;
    return { props, model: m, rollout: planRollout(roles, policyOf(m.spec), previous, new Date().toISOString()) };
  }

  private live(o: KubeObject): KubeObject | undefined {
    return this.caches.children.get(o.kind)?.get(o.metadata.namespace, o.metadata.name);
  }

  /** What this resource produced before: inventory-labelled children it controls. */
  private inventory(cr: XrootdObject): KubeObject[] {
    const uid = cr.metadata.uid;
    return PRUNABLE_KINDS.flatMap((k) => this.caches.children.get(k.kind)?.list((o) =>
      o.metadata.namespace === cr.metadata.namespace && o.metadata.labels?.[INVENTORY_LABEL] === cr.metadata.name
      && controllerOf(o)?.uid === uid) ?? []);
  }

  /** Events on transitions only, so a steady cluster is quiet. */
  private async announce(cr: XrootdObject, before: XrootdStatus | undefined, after: XrootdStatus, changed: ApplyResult[]): Promise<void> {
    const cond = (s: XrootdStatus | undefined, t: string) => s?.conditions?.find((c) => c.type === t);
    const events: [type: 'Normal' | 'Warning', reason: string, message: string][] = [];
    if (changed.length) {
      events.push(['Normal', 'Applied', summarize(changed)]);
    }
    const degraded = cond(after, 'Degraded');
    if (degraded?.status === 'True' && (cond(before, 'Degraded')?.status !== 'True' || cond(before, 'Degraded')?.message !== degraded.message)) {
      events.push(['Warning', degraded.reason ?? 'Degraded', degraded.message ?? '']);
    }
    const deprecated = cond(after, 'Deprecated');
    if (deprecated?.status === 'True' && cond(before, 'Deprecated')?.status !== 'True') events.push(['Warning', 'DeprecatedVersion', deprecated.message ?? '']);
    if (cond(after, 'Ready')?.status === 'True' && cond(before, 'Ready')?.status !== 'True') events.push(['Normal', 'Ready', cond(after, 'Ready')?.message ?? '']);
    const [r0, r1] = [before?.rollout, after.rollout];
    if (r1?.phase && (r1.phase !== r0?.phase || r1.partition !== r0?.partition || r1.role !== r0?.role) && r1.phase !== 'Stuck') {
      events.push(['Normal', r1.phase === 'Paused' ? 'RolloutPaused' : 'RollingOut', r1.message ?? '']);
    }
    if (r0?.phase && !r1?.phase) events.push(['Normal', 'RolloutDone', `every pod runs the current template (${after.targetVersion})`]);
    for (const [type, reason, message] of events) {
      try {
        await recordEvent(this.client, cr, type, reason, message);
      } catch (e) {
        this.log.warn('event not recorded', { cluster: `${cr.metadata.namespace}/${cr.metadata.name}`, reason, error: e });
      }
    }
  }

  /** A pod stuck unready on a revision being rolled back from: the StatefulSet waits for it forever, so it goes. */
  private async deleteStuckPod(cr: XrootdObject, pod: string): Promise<void> {
    const ns = cr.metadata.namespace!;
    await this.applier.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: ns } });
    this.log.info('deleted stuck pod', { cluster: `${ns}/${cr.metadata.name}`, pod });
    await recordEvent(this.client, cr, 'Normal', 'DeletedStuckPod', `${pod} was not Ready on a revision being replaced; deleted so it comes back on the current one`)
      .catch((e) => this.log.warn('event not recorded', { error: e }));
  }

  private async addFinalizer(cr: XrootdObject): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: a concurrent change retries instead of being overwritten.
    await this.client.request('PATCH', objectPath(refOf(cr)), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: [...(cr.metadata.finalizers ?? []), FINALIZER], resourceVersion: cr.metadata.resourceVersion } },
    });
  }

  /** Data volumes go only when `spec.worker.storage.retention.whenDeleted` is Delete; everything else is garbage-collected. */
  private async finalize(cr: XrootdObject): Promise<void> {
    if (!cr.metadata.finalizers?.includes(FINALIZER)) return;
    const ns = cr.metadata.namespace!;
    const retention = (cr.spec as { worker?: { storage?: { retention?: { whenDeleted?: string } } } } | undefined)?.worker?.storage?.retention?.whenDeleted ?? 'Retain';
    const pvcs = await this.client.request<{ items: KubeObject[] }>('GET', collectionPath(kindInfo('v1', 'PersistentVolumeClaim'), ns), {
      query: { labelSelector: `${INVENTORY_LABEL}=${cr.metadata.name}` },
    });
    if (retention === 'Delete') {
      for (const pvc of pvcs.items) await this.applier.delete({ ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
    }
    await recordEvent(this.client, cr, 'Normal', 'Deleting', retention === 'Delete'
      ? `deleted ${pvcs.items.length} data volumes (whenDeleted: Delete)`
      : `kept ${pvcs.items.length} data volumes (whenDeleted: Retain)`).catch((e) => this.log.warn('event not recorded', { cluster: `${ns}/${cr.metadata.name}`, error: e }));
    await this.client.request('PATCH', objectPath(refOf(cr)), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: cr.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: cr.metadata.resourceVersion } },
    });
    this.log.info('finalized', { cluster: `${ns}/${cr.metadata.name}`, volumes: retention === 'Delete' ? 'deleted' : 'kept' });
  }
}

class OwnershipError extends Error {}
class RefusedError extends Error {}

export function ownerOf(cr: KubeObject): OwnerReference {
  return { apiVersion: XROOTD_API_VERSION, kind: 'Xrootd', name: cr.metadata.name, uid: cr.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}
