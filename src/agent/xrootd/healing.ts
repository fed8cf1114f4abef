/**
 * spec.healing, carried out (the decision is ../healing.ts): the Ready server its managers have
 * not listed for too long is deleted; its StatefulSet makes it again on the same volume.
 */
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

/** Whether it restarted a pod (one restart at a time). */
export async function healUnsubscribed(ctx: ClusterContext, plan: Plan): Promise<boolean> {
  const restart = plan.healing?.restart;
  if (!restart) return false;
  ctx.deps.metrics.inc('xrootd_agent_healing_restarts_total', { reason: 'Unsubscribed' });
  ctx.deps.healingRestarts.set(`${ctx.namespace}/${restart.pod}`, restart.entry);
  await ctx.restartPod(restart.pod, 'restarting a Ready server its managers do not list', 'RestartedUnsubscribed', restart.message, {}, 'Warning');
  return true;
}
