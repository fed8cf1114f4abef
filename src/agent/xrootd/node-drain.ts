/**
 * spec.worker.nodeDrain, carried out (the decision is ../node-drain.ts; the cordoned nodes are
 * rendered with the cluster): a prepared data server's pod is labelled out of the disruption
 * budget, and the drain's next eviction takes it; its StatefulSet makes it again elsewhere. The
 * drain must be the one to take it: \`kubectl drain\` keeps evicting a pod by name, so a pod the
 * agent deleted would come back under the same name elsewhere and hold the drain up.
 */
import { RELEASED_TO_DRAIN_LABEL } from '../../../constructs/index.js';
import { ApiError } from '../../kube/client.js';
import { objectPath } from '../../kube/kinds.js';
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

/** Whether the pod (this one: a new one of the same name is the StatefulSet's) was labelled. */
async function label(ctx: ClusterContext, pod: string, value: string | null, uid?: string): Promise<boolean> {
  try {
    await ctx.client.request('PATCH', objectPath({ apiVersion: 'v1', kind: 'Pod', name: pod, namespace: ctx.namespace }), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { ...(uid ? { uid } : {}), labels: { [RELEASED_TO_DRAIN_LABEL]: value } } },
    });
    return true;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // Gone or replaced (a merge patch naming another uid is refused as a change of it, 422): nothing to do.
    // Refused otherwise (RBAC, admission): said, and tried again at the next reconcile.
    const replaced = e.status === 404 || e.status === 409 || (e.status === 422 && /uid/i.test(e.message));
    if (!replaced) {
      ctx.log.warn('a data server prepared for its node\'s drain could not be labelled', { cluster: ctx.key, pod, error: e.message });
      await ctx.event('Warning', 'NodeDrainLabelRefused', `${pod}: ${e.message}`);
    }
    return false;
  }
}

export async function releaseToNodeDrain(ctx: ClusterContext, plan: Plan): Promise<void> {
  for (const pod of plan.nodeDrain?.restore ?? []) {
    if (await label(ctx, pod, null)) ctx.log.info('a released data server\'s node is no longer cordoned: back in the disruption budget', { cluster: ctx.key, pod });
  }
  const release = plan.nodeDrain?.release;
  if (!release || !await label(ctx, release.pod, 'true', release.uid)) return;
  ctx.deps.metrics.inc('xrootd_agent_node_drain_releases_total');
  ctx.log.info('released a prepared data server to its node\'s drain', { cluster: ctx.key, pod: release.pod, node: release.node });
  await ctx.event('Normal', 'DataServerReleasedForNodeDrain', release.message);
}
