/**
 * What a plan reads beyond the watch caches, and the decisions on the data servers that synthesis
 * depends on: the TLS Secret's digest, what the cluster's collector says (members, each data
 * server's space and writes), the cordoned nodes; then, from one look at the data servers, volume
 * growth, their number (autoscale), where a drain stands (its Job's log) and who is prepared for a
 * node drain. Each read that fails leaves the plan on what the caches show.
 */
import { ClusterNames, TLS_REVISION_ANNOTATION, type ResolvedHealingSpec, type ResolvedWorkerSpec, type SpecIssue } from '../../../constructs/index.js';
import { xrootdSpecSchema, applySchema, DATA_VOLUME } from '../../../constructs/internal.js';
import { DEFAULT_MEMBERSHIP_URL } from '../defaults.js';
import { decideAutoExpand, type AutoExpandStep } from '../auto-expand.js';
import { decideAutoscale, type AutoscaleStep } from '../autoscale.js';
import { decideDrain, type DrainStep } from '../drain.js';
import type { LostNodesStep } from '../lost-nodes.js';
import { decideNodeDrain, type NodeDrainStep } from '../node-drain.js';
import { readDrainJobLog } from '../drain-log.js';
import { fetchMembership, type MembershipReport } from '../membership.js';
import { readTlsSecret } from '../tls-revision.js';
import { podsOf, type ClaimObject, type PodView } from '../views.js';
import { claimsOf } from '../volumes.js';
import type { ClusterContext } from './context.js';
import { readLostNodes } from './lost-nodes.js';

export interface PlanInputs {
  readonly tlsSecretRevision?: string;
  readonly membership?: MembershipReport;
  /** spec.worker.storage.autoExpand: a filling data server's claim to grow (autoscale waits for it). */
  readonly autoExpand: AutoExpandStep;
  /** spec.worker.autoscale: the data servers to run, decided before the drain that a lower number starts. */
  readonly autoscale?: AutoscaleStep;
  readonly drain?: DrainStep;
  /** spec.worker.nodeDrain: the data servers on cordoned nodes, and one to release to the drain. */
  readonly nodeDrain?: NodeDrainStep;
  /** spec.healing.lostNodes: pods to move off nodes NotReady too long, and data servers lost with them. */
  readonly lostNodes?: LostNodesStep;
}

/** The data servers as the caches show them, read once for every decision on them. */
interface DataServers {
  readonly statefulSet: string;
  readonly pods: PodView[];
  /** The live StatefulSet's replicas (undefined: none yet). */
  readonly live?: number;
  /** Their data volumes, by ordinal. */
  readonly claims: Map<number, ClaimObject>;
  readonly podName: (ordinal: number) => string;
}

export async function readInputs(ctx: ClusterContext): Promise<PlanInputs> {
  // Resolved only for what these decisions read; an invalid spec is reported by synthesis.
  const issues: SpecIssue[] = [];
  const resolved = applySchema(xrootdSpecSchema.fields.worker, ctx.cr.spec?.worker, 'worker', issues) as ResolvedWorkerSpec;
  const worker = issues.length ? undefined : resolved;
  const healing = applySchema(xrootdSpecSchema.fields.healing, ctx.cr.spec?.healing, 'healing', issues) as ResolvedHealingSpec;
  const lostNodesPolicy = issues.length ? undefined : healing.lostNodes;
  const [tlsSecretRevision, membership, cordoned] = await Promise.all([
    tlsSecretRevisionOf(ctx), membershipReport(ctx), cordonedNodes(ctx, worker),
  ]);
  const servers = dataServers(ctx);
  const monitored = (ctx.cr.spec as { monitoring?: { enabled?: boolean } } | undefined)?.monitoring?.enabled;
  const spaces = monitored ? membership?.spaces : undefined;
  const now = new Date().toISOString();
  const autoExpand = decideAutoExpand({
    policy: worker?.storage.autoExpand, spaces, now, refused: ctx.refusedGrowths(), previous: ctx.cr.status?.autoExpand,
    claims: new Map([...servers.claims].filter(([o]) => servers.live !== undefined && o < servers.live)
      .map(([o, c]) => [servers.podName(o), c])),
  });
  // Without a policy, no memory of one: a policy set again starts from what runs.
  if (!worker?.autoscale) ctx.deps.autoscaled.delete(ctx.cr.metadata.uid ?? ctx.key);
  const autoscale = worker?.autoscale ? decideAutoscaleFor(ctx, worker, servers, { spaces, autoExpand, now }) : undefined;
  const drain = worker ? await readDrain(ctx, worker, servers, autoscale) : undefined;
  const nodeDrain = worker?.nodeDrain ? decideNodeDrain({
    policy: worker.nodeDrain, pods: servers.pods, cordoned, membership, previous: ctx.cr.status?.nodeDrain, now,
  }) : undefined;
  const lostNodes = lostNodesPolicy
    ? await readLostNodes(ctx, lostNodesPolicy, { monitored: !!monitored, membership, claims: servers.claims }) : undefined;
  return { tlsSecretRevision, membership, autoExpand, autoscale, drain, nodeDrain, lostNodes };
}

function dataServers(ctx: ClusterContext): DataServers {
  const names = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '');
  const statefulSet = names.statefulSet('worker');
  const pods = podsOf(ctx.pods(), statefulSet);
  // Between the deletion and the re-creation of the StatefulSet (a volume expansion), its pods say how many there are.
  const live = ctx.liveStatefulSet(statefulSet)?.spec?.replicas ?? (pods.length ? Math.max(...pods.map((p) => p.ordinal)) + 1 : undefined);
  return { statefulSet, pods, live, claims: claimsOf(ctx.claims(), DATA_VOLUME, statefulSet), podName: (o) => names.pod('worker', o) };
}

/**
 * The digest of the cluster's TLS Secret, read at every reconcile (resyncs included, so a renewal
 * is seen within --resync). Unreadable (not granted, missing): the revision the data servers'
 * template already carries, so nothing rolls; the reason is logged.
 */
async function tlsSecretRevisionOf(ctx: ClusterContext): Promise<string | undefined> {
  const name = (ctx.cr.spec as { security?: { tls?: { secretName?: string } } } | undefined)?.security?.tls?.secretName;
  if (!name) return undefined;
  const read = await readTlsSecret(ctx.client, ctx.namespace, name);
  if ('revision' in read) return read.revision;
  ctx.log.warn('TLS Secret not read: a renewed certificate will not roll the pods', { cluster: ctx.key, reason: read.unreadable });
  const worker = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '').statefulSet('worker');
  const live = ctx.liveStatefulSet(worker) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined;
  return live?.spec?.template?.metadata?.annotations?.[TLS_REVISION_ANNOTATION];
}

/**
 * What each manager has subscribed, from the cluster's collector (spec.monitoring); undefined
 * (status keeps what it had, rollouts go by readiness alone) when it cannot be asked.
 */
async function membershipReport(ctx: ClusterContext): Promise<MembershipReport | undefined> {
  const spec = ctx.cr.spec as { monitoring?: { enabled?: boolean } } | undefined;
  if (!spec?.monitoring?.enabled) return undefined;
  const url = (ctx.deps.membership.url ?? DEFAULT_MEMBERSHIP_URL).replaceAll('{cluster}', ctx.cr.metadata.name).replaceAll('{namespace}', ctx.namespace);
  const { report, error } = await fetchMembership(url);
  if (!report) ctx.log.debug('membership not read', { cluster: ctx.key, error });
  return report;
}

/**
 * spec.worker.nodeDrain: the cordoned nodes (Nodes are cluster-scoped: the agent's ClusterRole
 * lets it list them). Unreadable: undefined, and nothing is released.
 */
async function cordonedNodes(ctx: ClusterContext, worker: ResolvedWorkerSpec | undefined): Promise<Set<string> | undefined> {
  if (!worker?.nodeDrain) return undefined;
  try {
    const list = await ctx.client.request<{ items?: { metadata?: { name?: string } }[] }>('GET', '/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue');
    return new Set((list.items ?? []).map((n) => n.metadata?.name ?? '').filter(Boolean));
  } catch (e) {
    ctx.log.warn('cordoned nodes not read: no data server is prepared for a node drain', { cluster: ctx.key, error: e });
    return undefined;
  }
}

/**
 * spec.worker.scaleDown Drain: where a scale-down of the data servers (to the spec's number, or
 * autoscale's) stands (../drain.ts). Read before synthesis, which it changes: the replicas held,
 * the servers being drained in maintenance.
 */
async function readDrain(
  ctx: ClusterContext, worker: ResolvedWorkerSpec, servers: DataServers, autoscale: AutoscaleStep | undefined,
): Promise<DrainStep | undefined> {
  if (worker.scaleDown !== 'Drain') return undefined;
  const input = {
    policy: worker.scaleDown, desired: autoscale?.replicas ?? worker.replicas, live: servers.live,
    specMaintenance: worker.maintenance, inMaintenance: ctx.cr.status?.maintenance ?? [], pods: servers.pods,
    jobs: ctx.jobs(), generation: ctx.cr.metadata.generation ?? 0, podName: servers.podName,
  };
  const first = decideDrain(input);
  return first.jobName ? decideDrain({ ...input, jobLog: await readDrainJobLog(ctx.client, ctx.namespace, first.jobName) }) : first;
}

function decideAutoscaleFor(
  ctx: ClusterContext, worker: ResolvedWorkerSpec, servers: DataServers,
  observed: { spaces?: MembershipReport['spaces']; autoExpand: AutoExpandStep; now: string },
): AutoscaleStep {
  const { autoExpand: expand, spaces, now } = observed;
  const growing = expand.grow ? `${expand.grow.claim.metadata.name} grows first (worker.storage.autoExpand)`
    : expand.growing?.length ? `waiting for ${expand.growing.join(', ')} to grow (worker.storage.autoExpand)` : undefined;
  // The agent's memory when newer than status (a status write not yet seen).
  const stored = ctx.cr.status?.autoscale;
  const remembered = ctx.deps.autoscaled.get(ctx.cr.metadata.uid ?? ctx.key);
  const previous = remembered && (!stored?.lastScaledAt || (remembered.lastScaledAt ?? '') > stored.lastScaledAt) ? remembered : stored;
  const step = decideAutoscale({
    policy: worker.autoscale, specReplicas: worker.replicas, live: servers.live, spaces, pods: servers.pods,
    maintenance: worker.maintenance,
    growing, claimed: new Set(servers.claims.keys()), drainPhase: ctx.cr.status?.drain?.phase, previous, now, podName: servers.podName,
  });
  if (step.change) ctx.deps.autoscaled.set(ctx.cr.metadata.uid ?? ctx.key, step.status!);
  return step;
}
