/**
 * spec.worker.storage.autoExpand, carried out (the decision is ../auto-expand.ts): the filling data
 * server's claim asks for more; the storage driver and the kubelet grow the volume and its file
 * system while the pod runs, and cmsd sees the new space at its next look (no restart).
 */
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

export async function autoExpandVolume(ctx: ClusterContext, plan: Plan): Promise<void> {
  const grow = plan.autoExpand.grow;
  if (!grow) return;
  const { claim, pod, from, to, freePercent } = grow;
  await ctx.deps.expander.grow(claim, to, 'spec.worker.storage.autoExpand');
  ctx.deps.metrics.inc('xrootd_agent_volume_auto_expansions_total');
  ctx.log.info('growing a filling data volume', { cluster: ctx.key, claim: claim.metadata.name, pod, from, to, freePercent });
  await ctx.event('Normal', 'VolumeAutoExpanded', `${claim.metadata.name} (${pod}) grows from ${from} to ${to}: ${freePercent}% free, `
    + `below spec.worker.storage.autoExpand.freePercent (${plan.model.spec.worker.storage.autoExpand!.freePercent}%)`);
}
