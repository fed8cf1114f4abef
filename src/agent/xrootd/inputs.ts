/**
 * What a plan reads beyond the watch caches, before anything is decided: the TLS Secret's digest,
 * what the cluster's collector says each manager has subscribed, and where a drain stands (its
 * Job's log). Each read that fails leaves the plan on what the caches show.
 */
import { ClusterNames, RELEASED_TO_DRAIN_LABEL, TLS_REVISION_ANNOTATION, type ResolvedWorkerSpec, type SpecIssue } from '../../../constructs/index.js';
import { xrootdSpecSchema, applySchema, DATA_VOLUME } from '../../../constructs/internal.js';
import { DEFAULT_MEMBERSHIP_URL } from '../defaults.js';
import { decideAutoExpand } from '../auto-expand.js';
import { decideAutoscale, type AutoscaleStep } from '../autoscale.js';
import { decideDrain, type DrainStep } from '../drain.js';
import { decideNodeDrain, type NodeDrainStep } from '../node-drain.js';
import { readDrainJobLog } from '../drain-log.js';
import { fetchMembership, type MembershipReport } from '../membership.js';
import { readTlsSecret } from '../tls-revision.js';
import { isReady, podsOf, type PodView } from '../views.js';
import { claimsOf } from '../volumes.js';
import type { ClusterContext } from './context.js';

export interface PlanInputs {
  readonly tlsSecretRevision?: string;
  readonly membership?: MembershipReport;
  /** spec.worker.autoscale: the data servers to run, decided before the drain that a lower number starts. */
  readonly autoscale?: AutoscaleStep;
  readonly drain?: DrainStep;
  /** spec.worker.nodeDrain: the data servers on cordoned nodes, and one to release to the drain. */
  readonly nodeDrain?: NodeDrainStep;
}

export async function readInputs(ctx: ClusterContext): Promise<PlanInputs> {
  const [tlsSecretRevision, scale, cordoned] = await Promise.all([
    tlsSecretRevisionOf(ctx),
    membershipReport(ctx).then(async (membership) => ({ membership, ...await readScale(ctx, membership) })),
    cordonedNodes(ctx),
  ]);
  return { tlsSecretRevision, ...scale, nodeDrain: nodeDrainFor(ctx, scale.membership, cordoned) };
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
async function cordonedNodes(ctx: ClusterContext): Promise<Set<string> | undefined> {
  if (!(ctx.cr.spec as { worker?: { nodeDrain?: unknown } } | undefined)?.worker?.nodeDrain) return undefined;
  try {
    const list = await ctx.client.request<{ items?: { metadata?: { name?: string } }[] }>('GET', '/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue');
    return new Set((list.items ?? []).map((n) => n.metadata?.name ?? '').filter(Boolean));
  } catch (e) {
    ctx.log.warn('cordoned nodes not read: no data server is prepared for a node drain', { cluster: ctx.key, error: e });
    return undefined;
  }
}

function nodeDrainFor(
  ctx: ClusterContext, membership: MembershipReport | undefined, cordoned: Set<string> | undefined,
): NodeDrainStep | undefined {
  const issues: SpecIssue[] = [];
  const worker = applySchema(xrootdSpecSchema.fields.worker, ctx.cr.spec?.worker, 'worker', issues) as ResolvedWorkerSpec;
  if (issues.length || !worker.nodeDrain) return undefined;
  const statefulSet = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '').statefulSet('worker');
  const pods = ctx.pods().filter((p) => new RegExp(`^${statefulSet}-\\d+$`).test(p.metadata.name))
    .map((p) => ({
      name: p.metadata.name, uid: p.metadata.uid, node: p.spec?.nodeName, deleting: !!p.metadata.deletionTimestamp, ready: isReady(p),
      released: p.metadata.labels?.[RELEASED_TO_DRAIN_LABEL] !== undefined,
    }));
  return decideNodeDrain({
    policy: worker.nodeDrain, pods, cordoned, membership, previous: ctx.cr.status?.nodeDrain, now: new Date().toISOString(),
  });
}

/**
 * The data servers' number: spec.worker.autoscale's decision (../autoscale.ts) or the spec's, and
 * with spec.worker.scaleDown Drain where a scale-down stands (../drain.ts). Read before synthesis,
 * which they change: the replicas held, the servers being drained in maintenance.
 */
async function readScale(ctx: ClusterContext, membership: MembershipReport | undefined): Promise<Pick<PlanInputs, 'autoscale' | 'drain'>> {
  const issues: SpecIssue[] = [];
  // Resolved only for what these decisions read; an invalid spec is reported by synthesis.
  const worker = applySchema(xrootdSpecSchema.fields.worker, ctx.cr.spec?.worker, 'worker', issues) as ResolvedWorkerSpec;
  if (issues.length) return {};
  const names = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '');
  const statefulSet = names.statefulSet('worker');
  const pods = podsOf(ctx.pods(), statefulSet);
  // Between the deletion and the re-creation of the StatefulSet (a volume expansion), its pods say how many there are.
  const live = ctx.liveStatefulSet(statefulSet)?.spec?.replicas ?? (pods.length ? Math.max(...pods.map((p) => p.ordinal)) + 1 : undefined);
  const podName = (o: number) => names.pod('worker', o);
  // Without a policy, no memory of one: a policy set again starts from what runs.
  if (!worker.autoscale) ctx.deps.autoscaled.delete(ctx.cr.metadata.uid ?? ctx.key);
  const autoscale = worker.autoscale ? decideAutoscaleFor(ctx, worker, membership, { live, pods, podName, statefulSet }) : undefined;
  if (worker.scaleDown !== 'Drain') return { autoscale };
  const input = {
    policy: worker.scaleDown, desired: autoscale?.replicas ?? worker.replicas, live,
    specMaintenance: worker.maintenance, inMaintenance: ctx.cr.status?.maintenance ?? [], pods,
    jobs: ctx.jobs(), generation: ctx.cr.metadata.generation ?? 0, podName,
  };
  const first = decideDrain(input);
  const drain = first.jobName ? decideDrain({ ...input, jobLog: await readDrainJobLog(ctx.client, ctx.namespace, first.jobName) }) : first;
  return { autoscale, drain };
}

interface DataServers { live?: number; pods: PodView[]; podName: (ordinal: number) => string; statefulSet: string }

function decideAutoscaleFor(
  ctx: ClusterContext, worker: ResolvedWorkerSpec, membership: MembershipReport | undefined, servers: DataServers,
): AutoscaleStep {
  const { live, pods, podName, statefulSet } = servers;
  const monitored = (ctx.cr.spec as { monitoring?: { enabled?: boolean } } | undefined)?.monitoring?.enabled;
  const spaces = monitored ? membership?.spaces : undefined;
  const now = new Date().toISOString();
  const expand = worker.storage.autoExpand && spaces && decideAutoExpand({
    policy: worker.storage.autoExpand, spaces, now, refused: ctx.refusedGrowths(), previous: ctx.cr.status?.autoExpand,
    claims: new Map([...claimsOf(ctx.claims(), DATA_VOLUME, statefulSet)]
      .filter(([o]) => live !== undefined && o < live).map(([o, c]) => [podName(o), c])),
  });
  const growing = expand?.grow ? `${expand.grow.claim.metadata.name} grows first (worker.storage.autoExpand)`
    : expand?.growing?.length ? `waiting for ${expand.growing.join(', ')} to grow (worker.storage.autoExpand)` : undefined;
  // The agent's memory when newer than status (a status write not yet seen).
  const stored = ctx.cr.status?.autoscale;
  const remembered = ctx.deps.autoscaled.get(ctx.cr.metadata.uid ?? ctx.key);
  const previous = remembered && (!stored?.lastScaledAt || (remembered.lastScaledAt ?? '') > stored.lastScaledAt) ? remembered : stored;
  const claimed = new Set([...claimsOf(ctx.claims(), DATA_VOLUME, statefulSet).keys()]);
  const step = decideAutoscale({
    policy: worker.autoscale, specReplicas: worker.replicas, live, spaces, pods, maintenance: worker.maintenance, growing, claimed,
    drainPhase: ctx.cr.status?.drain?.phase, previous, now, podName,
  });
  if (step.change) ctx.deps.autoscaled.set(ctx.cr.metadata.uid ?? ctx.key, step.status!);
  return step;
}
