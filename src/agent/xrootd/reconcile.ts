/**
 * One reconcile of one Xrootd resource: read what the caches cannot show, plan (validate, decide,
 * render), carry the plan out in phases around a staged server-side apply with owner references
 * and pruning, then write status and Events only when they change. Deletion waits on our
 * finalizer, which deletes data volumes only when the spec asks for it.
 */
import { ROLES, type ClusterModel, type Role, type XrootdStatus } from '../../../constructs/index.js';
import { Applier, type ApplyResult } from '../../apply/applier.js';
import type { DirectivePolicy } from '../../directive-policy.js';
import type { KubeClient } from '../../kube/client.js';
import { writeStatus } from '../conditions.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { DrainStep } from '../drain.js';
import { computeStatus, type Failure } from '../status.js';
import type { RolloutDecision } from '../rollout.js';
import { VolumeAdopter } from '../volume-adoption.js';
import { VolumeExpander } from '../volume-expansion.js';
import { volumesStatus } from '../volumes.js';
import type { StatefulSetView } from '../views.js';
import { desiredObjects, applyPlan } from './apply.js';
import { catalogOf, ClusterContext, type Caches, type MembershipOptions, type ReconcilerDeps, type XrootdObject } from './context.js';
import { eventsOf } from './events.js';
import { ADOPTION_FAILED, failureOf, MISSING_CRD } from './failures.js';
import { addFinalizer, finalize, FINALIZER } from './finalize.js';
import { readInputs, type PlanInputs } from './inputs.js';
import { AFTER_APPLY, BEFORE_APPLY, runPhases } from './phases.js';
import { plan as makePlan, rollbackInForce, type Plan } from './plan.js';
import { statefulSetsWithClaims } from './volumes.js';

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

/** While monitoring: membership changes reach the agent only through the collector. */
const MEMBERSHIP_POLL_MS = 15_000;
/** A drain's progress is in its Job's log, which no watch delivers. */
const DRAIN_PROGRESS_POLL_MS = 5_000;
/** A missing CRD or an old claim still in use changes outside what the agent watches. */
const OUTSIDE_CHANGE_RETRY_MS = 30_000;
/** A rollout, a restart or a pending step waits on the clock or on pods. */
const STEP_POLL_MS = 1000;

export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(client: KubeClient, caches: Caches, log: Logger, metrics: Metrics, directives: DirectivePolicy = 'all', membership: MembershipOptions = {}) {
    const applier = new Applier(client);
    this.deps = {
      client, caches, log, metrics, applier, directives, membership,
      expander: new VolumeExpander(client, applier), adopter: new VolumeAdopter(client), externalSeen: new Map(),
      healingRestarts: new Map(), autoExpandRefused: new Map(), seenReady: new Map(), autoscaled: new Map(),
      refusedGenerations: new Map(), writtenStatus: new Map(),
    };
  }

  /** The catalog entries the XrootdVersion resources add to (or override in) the built-in catalog. */
  catalog() {
    return catalogOf(this.deps.caches);
  }

  /** read → plan → phases and apply → observe → status. */
  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace, name] = key.split('/');
    const cached = this.deps.caches.xrootds.get(namespace, name);
    // Gone: owner references let the garbage collector remove the children.
    if (!cached) return undefined;
    const cr = withStatusWritten(cached, this.deps.writtenStatus);
    const ctx = new ClusterContext(this.deps, cr);
    if (cr.metadata.deletionTimestamp) {
      this.deps.refusedGenerations.delete(cr.metadata.uid!);
      this.deps.writtenStatus.delete(cr.metadata.uid!);
      await finalize(ctx);
      return undefined;
    }
    // The finalizer is written alongside the first stage: it must exist before the StatefulSets,
    // which make the volumes it guards, not before everything (one round trip less for a new cluster).
    const finalizing = cr.metadata.finalizers?.includes(FINALIZER) ? undefined : addFinalizer(ctx);
    finalizing?.catch(() => undefined); // awaited below: a failure retries the reconcile

    let inputs: PlanInputs | undefined;
    let plan: Plan | undefined;
    let failure: Failure | undefined;
    let results: ApplyResult[] = [];
    let appliedAt: number | undefined;
    let carriedOut = false;
    try {
      inputs = await readInputs(ctx);
      plan = makePlan(ctx, inputs);
      await runPhases(BEFORE_APPLY, ctx, plan);
      results = await applyPlan(ctx, plan, desiredObjects(ctx, plan), finalizing);
      appliedAt = performance.now();
      await runPhases(AFTER_APPLY, ctx, plan);
      carriedOut = true;
    } catch (e) {
      failure = failureOf(e, key);
      if (!failure) throw e;
    }
    await finalizing;
    const changed = results.filter((r) => r.action !== 'unchanged');
    for (const r of changed) this.deps.metrics.inc('xrootd_agent_applied_objects_total', { action: r.action });
    if (changed.length) this.deps.log.info('applied', { cluster: key, changes: changed.map((r) => `${r.action} ${r.key}`) });
    const status = this.status(ctx, plan, inputs, failure, carriedOut);
    const statusWritten = await this.report(ctx, status, changed);
    return {
      results, failure, statusWritten, appliedAt, rollout: plan?.rollout,
      requeueAfterMs: requeueAfter(plan, inputs?.drain, failure, carriedOut),
    };
  }

  private status(
    ctx: ClusterContext,
    plan: Plan | undefined,
    inputs: PlanInputs | undefined,
    failure: Failure | undefined,
    carriedOut: boolean,
  ): XrootdStatus {
    const { cr } = ctx;
    const drain = inputs?.drain;
    const ok = plan && !failure ? plan : undefined;
    return computeStatus({
      generation: cr.metadata.generation ?? 0, previous: cr.status, failure, model: plan?.model, statefulSets: observe(ctx, plan?.model),
      rollout: plan?.rollout, now: new Date().toISOString(), spec: cr.spec, members: ok?.members, cache: ok?.cache,
      membersGraceSeconds: this.deps.membership.graceSeconds,
      rolledBack: plan ? plan.rolledBack : rollbackInForce(cr),
      maintenance: carriedOut ? plan?.maintenance?.applied : undefined,
      healing: carriedOut ? ok?.healing : undefined,
      autoExpand: carriedOut ? ok?.autoExpand.status : undefined,
      autoscale: carriedOut ? inputs?.autoscale?.status : undefined,
      nodeDrain: carriedOut ? inputs?.nodeDrain?.status : undefined,
      lostNodes: carriedOut ? inputs?.lostNodes?.status : undefined,
      external: ok?.external.status,
      drain: failure ? cr.status?.drain : drain?.status,
      volumes: ok ? volumesStatus({ desired: statefulSetsWithClaims(ok.objects)[0], claims: ctx.claims() }) : undefined,
    });
  }

  /**
   * Status, then Events, written only when they change. The Events go after the status (a failed
   * status write, tried again, must not post them twice), all at once.
   */
  private async report(ctx: ClusterContext, status: XrootdStatus, changed: ApplyResult[]): Promise<boolean> {
    const { cr } = ctx;
    const statusWritten = await writeStatus(ctx.client, cr, status,
      (o) => this.deps.writtenStatus.set(cr.metadata.uid!, { resourceVersion: o.metadata.resourceVersion!, status }));
    if (statusWritten) ctx.log.debug('status changed', { cluster: ctx.key, before: cr.status, after: status });
    if (statusWritten || changed.length) {
      await Promise.all(eventsOf(cr.status, status, changed).map(({ type, reason, message }) => ctx.event(type, reason, message)));
    }
    return statusWritten;
  }
}

/**
 * The resource as the cache has it, with the status this agent wrote last while the cache has not
 * seen that write (its resource version is older): a reconcile right after another starts from
 * what is there. Resource versions are compared as etcd's revisions (numbers); any other form is
 * taken as caught up.
 */
function withStatusWritten(cr: XrootdObject, written: ReconcilerDeps['writtenStatus']): XrootdObject {
  const uid = cr.metadata.uid!;
  const last = written.get(uid);
  if (!last) return cr;
  const [seen, wrote] = [cr.metadata.resourceVersion ?? '', last.resourceVersion];
  if (/^\d+$/.test(seen) && /^\d+$/.test(wrote) && BigInt(seen) < BigInt(wrote)) return { ...cr, status: last.status };
  written.delete(uid);
  return cr;
}

/** The StatefulSets as the watch caches see them. */
function observe(ctx: ClusterContext, model: ClusterModel | undefined): Map<Role, StatefulSetView> {
  const statefulSets = new Map<Role, StatefulSetView>();
  for (const role of model ? ROLES : []) {
    const sts = ctx.liveStatefulSet(model!.names.statefulSet(role));
    if (sts) statefulSets.set(role, sts);
  }
  return statefulSets;
}

/** When to look again though nothing the agent watches changes. */
function requeueAfter(
  plan: Plan | undefined,
  drain: DrainStep | undefined,
  failure: Failure | undefined,
  carriedOut: boolean,
): number | undefined {
  const maintenance = carriedOut ? plan?.maintenance : undefined;
  if (plan?.rollout.phase === 'Rolling' || maintenance?.restart || maintenance?.pending || plan?.external.restart || plan?.external.pending) return STEP_POLL_MS;
  if (drain?.status?.phase === 'Copying') return DRAIN_PROGRESS_POLL_MS;
  if (failure?.reason === MISSING_CRD || failure?.reason === ADOPTION_FAILED) return OUTSIDE_CHANGE_RETRY_MS;
  const polls = [plan?.model.spec.monitoring.enabled ? MEMBERSHIP_POLL_MS : undefined, plan?.lostNodes?.recheckInMs]
    .filter((x) => x !== undefined);
  return polls.length ? Math.min(...polls) : undefined;
}
