/**
 * spec.worker.scaleDown Drain, carried out (the decision is ../drain.ts; the Job is rendered with
 * the cluster): before the StatefulSet shrinks past a drained data server, its volume is marked as
 * holding copies only; once it has, the drain is reported.
 */
import { DRAINED_AT_ANNOTATION, DATA_VOLUME } from '../../../constructs/internal.js';
import { ApiError } from '../../kube/client.js';
import { objectPath } from '../../kube/kinds.js';
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

/** Before the StatefulSet shrinks past it: the volume says it holds copies only. */
export async function markDrained(ctx: ClusterContext, plan: Plan): Promise<void> {
  const drained = plan.drain?.drained;
  if (!drained) return;
  const claim = `${DATA_VOLUME}-${plan.model.names.pod('worker', drained.ordinal)}`;
  try {
    await ctx.client.request('PATCH', objectPath({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim, namespace: ctx.namespace }), {
      contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [DRAINED_AT_ANNOTATION]: new Date().toISOString() } } },
    });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
}

export async function reportDrained(ctx: ClusterContext, plan: Plan): Promise<void> {
  const drained = plan.drain?.drained;
  if (!drained) return;
  ctx.log.info('data server drained', { cluster: ctx.key, pod: drained.pod, summary: drained.summary });
  const what = drained.summary ? drained.summary.replace(/^drained \S+: /, 'drained: ') : 'drained';
  await ctx.event('Normal', 'DataServerDrained',
    `${drained.pod} ${what}; data servers lowered to ${plan.model.topology.workers} (its volume is kept, holding copies only)`);
}
