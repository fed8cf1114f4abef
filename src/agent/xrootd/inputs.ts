/**
 * What a plan reads beyond the watch caches, before anything is decided: the TLS Secret's digest,
 * what the cluster's collector says each manager has subscribed, and where a drain stands (its
 * Job's log). Each read that fails leaves the plan on what the caches show.
 */
import { ClusterNames, TLS_REVISION_ANNOTATION, type ResolvedWorkerSpec, type SpecIssue } from '../../../constructs/index.js';
import { xrootdSpecSchema, applySchema } from '../../../constructs/internal.js';
import { DEFAULT_MEMBERSHIP_URL } from '../defaults.js';
import { decideDrain, type DrainStep } from '../drain.js';
import { readDrainJobLog } from '../drain-log.js';
import { fetchMembership, type MembershipReport } from '../membership.js';
import { readTlsSecret } from '../tls-revision.js';
import { podsOf } from '../views.js';
import type { ClusterContext } from './context.js';

export interface PlanInputs {
  readonly tlsSecretRevision?: string;
  readonly membership?: MembershipReport;
  readonly drain?: DrainStep;
}

export async function readInputs(ctx: ClusterContext): Promise<PlanInputs> {
  const [drain, tlsSecretRevision, membership] = await Promise.all([readDrain(ctx), tlsSecretRevisionOf(ctx), membershipReport(ctx)]);
  return { drain, tlsSecretRevision, membership };
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
 * spec.worker.scaleDown Drain: where a scale-down of the data servers stands (see ../drain.ts). Read
 * before synthesis, which it changes: the replicas held, the servers being drained in maintenance.
 */
async function readDrain(ctx: ClusterContext): Promise<DrainStep | undefined> {
  const issues: SpecIssue[] = [];
  // Resolved only for what the drain reads; an invalid spec is reported by synthesis.
  const worker = applySchema(xrootdSpecSchema.fields.worker, ctx.cr.spec?.worker, 'worker', issues) as ResolvedWorkerSpec;
  if (issues.length || worker.scaleDown !== 'Drain') return undefined;
  const names = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '');
  const statefulSet = names.statefulSet('worker');
  const pods = podsOf(ctx.pods(), statefulSet);
  // Between the deletion and the re-creation of the StatefulSet (a volume expansion), its pods say how many there are.
  const live = ctx.liveStatefulSet(statefulSet)?.spec?.replicas ?? (pods.length ? Math.max(...pods.map((p) => p.ordinal)) + 1 : undefined);
  const input = {
    policy: worker.scaleDown, desired: worker.replicas, live,
    specMaintenance: worker.maintenance, inMaintenance: ctx.cr.status?.maintenance ?? [], pods,
    jobs: ctx.jobs(), generation: ctx.cr.metadata.generation ?? 0, podName: (o: number) => names.pod('worker', o),
  };
  const first = decideDrain(input);
  return first.jobName ? decideDrain({ ...input, jobLog: await readDrainJobLog(ctx.client, ctx.namespace, first.jobName) }) : first;
}
