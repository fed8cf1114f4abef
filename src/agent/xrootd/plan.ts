/**
 * Deciding, before anything is written: the spec resolved once, each automatic behaviour's
 * decision taken from what is observed, the objects rendered with those decisions, and a stuck
 * rollout sent back to the spec the cluster was last Ready with (automatic rollback).
 */
import {
  ClusterNames, downgradeRefusal, resolveCluster, ROLES, SpecValidationError, VersionCatalog, withDecisions,
  type ClusterDecisions, type ClusterModel, type CacheStatus, type HealingRestartStatus, type ManagerMembersStatus, type RollbackStatus,
  type XrootdRelease,
} from '../../../constructs/index.js';
import { directivePolicyIssues } from '../../directive-policy.js';
import { objectKey, type KubeObject } from '../../kube/kinds.js';
import { propsOf, resolveReferences } from '../../resources.js';
import { synthesizeCluster } from '../../synthesize.js';
import type { AutoscaleStep } from '../autoscale.js';
import type { DrainStep } from '../drain.js';
import type { LostNodesStep } from '../lost-nodes.js';
import type { NodeDrainStep } from '../node-drain.js';
import { decideExternalAddresses, type ExternalAddressStep } from '../external-addresses.js';
import type { AutoExpandStep } from '../auto-expand.js';
import { decideHealing, type HealingStep } from '../healing.js';
import { decideMaintenance, type MaintenanceStep } from '../maintenance.js';
import { cacheStatus } from '../cache-status.js';
import { membersStatus, withUnsubscribedUnready, type MembersInput } from '../membership.js';
import { observeRoles, policyOf } from '../observe.js';
import { decideRollout, type RolloutDecision, type RolloutState } from '../rollout.js';
import { isReady, readyPodsOf, type RoleView } from '../views.js';
import type { ClusterContext, XrootdObject } from './context.js';
import { DowngradeRefusedError } from './failures.js';
import type { PlanInputs } from './inputs.js';
import { UPSTREAM_INDEX, INSTANCE_INDEX } from '../indexes.js';

/** What a reconcile decided: the model, each behaviour's step, and the objects that carry them out. */
export interface Plan {
  readonly model: ClusterModel;
  readonly rollout: RolloutDecision;
  readonly roles: readonly RoleView[];
  /** Rendered once, with every decision in place. */
  readonly objects: KubeObject[];
  readonly rolledBack?: RollbackStatus;
  /** With spec.monitoring and a collector that answered: each manager's members. */
  readonly members?: ManagerMembersStatus[];
  /** A cache cluster with spec.monitoring and a collector that answered: fill level and hit ratio. */
  readonly cache?: CacheStatus;
  /** expose.type LoadBalancer: the pods' outside addresses, and a pod to restart to announce its own. */
  readonly external: ExternalAddressStep;
  /** spec.worker.maintenance: the data server to restart into or out of maintenance next. */
  readonly maintenance?: MaintenanceStep;
  /** spec.worker.scaleDown Drain: where the scale-down stands. */
  readonly drain?: DrainStep;
  /** spec.healing, with spec.monitoring and a collector that answered: a Ready server its managers lack to restart. */
  readonly healing?: HealingStep;
  /** spec.worker.storage.autoExpand: a filling data server's claim to grow. */
  readonly autoExpand: AutoExpandStep;
  /** spec.worker.autoscale: the data servers' number chosen (decided with the inputs, rendered here). */
  readonly autoscale?: AutoscaleStep;
  /** spec.worker.nodeDrain: the cordoned nodes rendered, and a data server to release to the drain. */
  readonly nodeDrain?: NodeDrainStep;
  /** spec.healing.lostNodes: pods to move off lost nodes, data servers to replace. */
  readonly lostNodes?: LostNodesStep;
}

/** The rollback recorded for this generation, if the cluster runs its last Ready spec instead of its spec. */
export function rollbackInForce(cr: XrootdObject): RollbackStatus | undefined {
  return cr.status?.rolledBack?.generation === cr.metadata.generation ? cr.status?.rolledBack : undefined;
}

export function plan(ctx: ClusterContext, inputs: PlanInputs): Plan {
  const { cr } = ctx;
  // Before anything is planned: a refused directive changes nothing that runs.
  const refused = directivePolicyIssues(cr.spec, ctx.deps.directives);
  if (refused.length) throw new SpecValidationError(refused);
  const lastReady = cr.status?.lastReadySpec;
  const rolledBack = rollbackInForce(cr);
  const planned = planFor(ctx, rolledBack && lastReady ? lastReady : cr.spec, inputs);
  if (rolledBack || planned.rollout.phase !== 'Stuck' || !planned.model.spec.upgrade.autoRollback || !lastReady) return { ...planned, rolledBack };
  const back = planFor(ctx, lastReady, inputs);
  const rollback = {
    generation: cr.metadata.generation, fromVersion: planned.model.spec.version, toVersion: back.model.spec.version,
    stuckPod: planned.rollout.stuckPod, at: new Date().toISOString(),
  };
  ctx.log.warn('rolling back', { cluster: ctx.key, ...rollback });
  return { ...back, rolledBack: rollback };
}

/** One spec: resolved once, observed against, decided on, rendered with the decisions. */
function planFor(ctx: ClusterContext, spec: Record<string, unknown> | undefined, inputs: PlanInputs): Omit<Plan, 'rolledBack'> {
  const { cr } = ctx;
  const catalog = ctx.catalog();
  const resource = { ...cr, spec };
  const { drain } = inputs;
  const decisions: ClusterDecisions = {
    tlsSecretRevision: inputs.tlsSecretRevision,
    ...(inputs.nodeDrain ? { cordonedNodes: inputs.nodeDrain.cordonedNodes } : {}),
    ...references(ctx, resource, catalog),
    ...(drain ? {
      drain: {
        replicas: drain.replicas,
        maintenance: drain.maintenance,
        job: drain.job && { ...drain.job, generation: cr.metadata.generation ?? 0 },
      },
    } : {}),
  };
  const model = resolveCluster({ ...propsOf(resource), catalog, decisions });
  const refused = downgradeRefusal(new VersionCatalog(catalog), cr.status?.currentVersion, model.spec.version);
  if (refused && !model.spec.upgrade.force) throw new DowngradeRefusedError(`spec.version ${refused}`);
  const pods = ctx.pods();
  // One clock and one resolution of a meta-manager's members for every decision of this plan.
  const now = new Date().toISOString();
  const federated = model.spec.monitoring.enabled && inputs.membership ? federatedMembers(ctx, model) : undefined;
  const members = model.spec.monitoring.enabled && inputs.membership ? membersStatus({
    model, report: inputs.membership, readyPods: readyPodsOf(pods), previous: cr.status?.members, now, federated,
  }) : undefined;
  const external = observeExternalAddresses(ctx, model);
  // The rollout compares the templates to render with the live ones; partitions do not change templates.
  const templates = synthesizeCluster({ model: withDecisions(model, { externalAddresses: external.addresses }) }).objects;
  // In service means subscribed: a Ready pod its managers do not list holds the rollout like an unready one.
  const observed = observeRoles(model, templates, (role) => ctx.liveStatefulSet(model.names.statefulSet(role)), pods);
  const roles = withUnsubscribedUnready(observed, members);
  // Only what the planner remembers; phase and message are recomputed every time.
  const { role, revision, partition, stepStartedAt, startedAt } = (cr.status?.rollout ?? {}) as RolloutState;
  const rollout = decideRollout(
    roles,
    policyOf(model.spec),
    { role, revision, partition, stepStartedAt, startedAt } as RolloutState,
    now,
  );
  const workers = roles.find((r) => r.role === 'worker');
  const maintenance = workers && decideMaintenance(model.spec.worker.maintenance, cr.status?.maintenance ?? [], workers.replicas, workers.pods, model.names.statefulSet('worker'));
  const { objects } = synthesizeCluster({
    model: withDecisions(model, { externalAddresses: external.addresses, partitions: rollout.partitions }),
  });
  const cache = model.spec.monitoring.enabled ? cacheStatus(model, inputs.membership) : undefined;
  // A server that fell out of its managers' lists may have turned unready too (its connection closed): every pod counts.
  const unlisted = members && membersStatus({
    model, report: inputs.membership, readyPods: readyPodsOf(pods), now, federated,
    candidates: new Map(observed.filter((r) => r.role !== 'redirector').flatMap((r) => r.pods).filter((p) => !p.deleting)
      .map((p) => [p.name, pods.find((o) => o.metadata.name === p.name)?.status?.podIP])),
  });
  const healing = unlisted && decideHealing({
    policy: model.spec.healing, members: unlisted, now, previous: cr.status?.healing,
    pods: observed.filter((r) => r.role !== 'redirector').flatMap((r) => r.pods),
    otherPods: observed.filter((r) => r.role === 'redirector').flatMap((r) => r.pods),
    busy: busyWith(rollout, maintenance, external, drain, inputs.autoscale, inputs.nodeDrain),
    remembered: rememberedRestarts(ctx, model), wasReady: seenReady(ctx, observed),
  });
  const { autoExpand } = inputs;
  return {
    model, rollout, roles, members, cache, external, maintenance, drain, objects, healing, autoExpand,
    autoscale: inputs.autoscale, nodeDrain: inputs.nodeDrain, lostNodes: inputs.lostNodes,
  };
}

/** The agent's memory of its healing restarts of this cluster's pods (by StatefulSet name: cluster names may share a prefix). */
function rememberedRestarts(ctx: ClusterContext, model: ClusterModel): HealingRestartStatus[] {
  const ours = new RegExp(`^(${ROLES.map((r) => model.names.statefulSet(r)).join('|')})-\\d+$`);
  return [...ctx.deps.healingRestarts].filter(([k]) => k.startsWith(`${ctx.namespace}/`) && ours.test(k.slice(ctx.namespace.length + 1))).map(([, r]) => r);
}

/** The pods of the cluster the agent has seen Ready, now included; only pods that still exist are kept. */
function seenReady(ctx: ClusterContext, observed: readonly RoleView[]): Set<string> {
  const pods = observed.flatMap((r) => r.pods).filter((p) => p.uid);
  const before = ctx.deps.seenReady.get(ctx.key) ?? new Set<string>();
  const seen = new Set(pods.filter((p) => p.ready || before.has(p.uid!)).map((p) => p.uid!));
  ctx.deps.seenReady.set(ctx.key, seen);
  return seen;
}

/** What else is changing the cluster now, if anything: healing waits for it. */
function busyWith(
  rollout: RolloutDecision, maintenance: MaintenanceStep | undefined, external: ExternalAddressStep, drain: DrainStep | undefined,
  autoscale: AutoscaleStep | undefined, nodeDrain: NodeDrainStep | undefined,
): string | undefined {
  if (rollout.phase !== 'Idle') return `the rollout (${rollout.phase})`;
  if (drain?.status?.phase) return `the drain of ${drain.status.pod}`;
  if (autoscale?.change) return 'the data servers being added or removed (worker.autoscale)';
  const preparing = nodeDrain?.status?.map((p) => p.pod);
  if (preparing?.length) return `the preparation of ${preparing.join(', ')} for a node drain (suspended at its managers on purpose)`;
  if (maintenance?.restart || maintenance?.pending) return 'the maintenance restarts';
  if (external.restart || external.pending) return 'the restarts announcing outside addresses';
  return undefined;
}

/**
 * spec.federation.upstreamRefs and spec.cache.origin.ref, resolved from the Xrootd resources the
 * agent sees (a change to them reconciles this one again).
 */
function references(ctx: ClusterContext, resource: XrootdObject, catalog: readonly XrootdRelease[]): Pick<ClusterDecisions, 'upstreamEndpoints' | 'originAddress'> {
  const { endpoints, originAddress, issues } = resolveReferences(resource, (key) => {
    const [namespace, name] = key.split('/');
    return ctx.caches.xrootds.get(namespace, name);
  }, catalog);
  if (issues.length) throw new SpecValidationError(issues);
  return { upstreamEndpoints: endpoints, ...(originAddress ? { originAddress } : {}) };
}

/** A meta-manager's expected subscribers: the redirectors of the valid clusters that name it (federation.upstreamRefs). */
function federatedMembers(ctx: ClusterContext, model: ClusterModel): MembersInput['federated'] {
  if (!model.spec.federation.metaManager) return undefined;
  const expected: string[] = [];
  const readyPods = new Map<string, string | undefined>();
  for (const member of ctx.caches.xrootds.byIndex(UPSTREAM_INDEX, ctx.key)) {
    let redirectors: number;
    try {
      redirectors = resolveCluster(propsOf(member)).topology.redirectors;
    } catch {
      continue; // reported on the member itself
    }
    const names = new ClusterNames(member.metadata.name, member.metadata.namespace!, '');
    const named = (pod: string) => (member.metadata.namespace === ctx.namespace ? pod : `${member.metadata.namespace}/${pod}`);
    for (let i = 0; i < redirectors; i++) expected.push(named(names.pod('redirector', i)));
    for (const [pod, ip] of readyPodsOf(ctx.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(member)) ?? [])) {
      if (pod.startsWith(`${names.statefulSet('redirector')}-`)) readyPods.set(named(pod), ip);
    }
  }
  return { expected, readyPods };
}

/** expose.type LoadBalancer: what each data server's and supervisor's Service got from its load balancer. */
function observeExternalAddresses(ctx: ClusterContext, model: ClusterModel): ExternalAddressStep {
  const { namespace } = ctx;
  const services = ctx.caches.children.get('Service');
  const pods = ctx.pods().map((p) => ({
    name: p.metadata.name, ready: isReady(p), deleting: !!p.metadata.deletionTimestamp, createdAt: p.metadata.creationTimestamp,
  }));
  const seen = ctx.deps.externalSeen;
  // Also remembered here: a status write that fails (or a CRD without status.external) must not restart the pods again and again.
  const remembered = [...seen].filter(([k]) => k.startsWith(`${namespace}/`)).map(([k, v]) => ({ pod: k.slice(namespace.length + 1), ...v }));
  const step = decideExternalAddresses({
    model, service: (name) => services?.get(namespace, name), previous: [...(ctx.cr.status?.external ?? []), ...remembered],
    pods, now: new Date().toISOString(),
  });
  for (const { pod, address, since } of step.status) seen.set(`${namespace}/${pod}`, { address, since });
  return step;
}
