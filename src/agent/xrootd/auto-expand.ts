/**
 * spec.worker.storage.autoExpand, carried out (the decision is ../auto-expand.ts): the filling data
 * server's claim asks for more; the storage driver and the kubelet grow the volume and its file
 * system while the pod runs, and cmsd sees the new space at its next look (no restart). A growth its
 * StorageClass or the API server refuses (a quota, admission) is reported and asked again later,
 * never a reason to stop the rest of the reconcile.
 */
import { VolumeChangeError } from '../volume-expansion.js';
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

export async function autoExpandVolume(ctx: ClusterContext, plan: Plan): Promise<void> {
  const grow = plan.autoExpand.grow;
  if (!grow) return;
  const { claim, pod, from, to, freePercent } = grow;
  const name = claim.metadata.name;
  // The StorageClass is read only when a claim is about to grow, not at every reconcile.
  let refusal = await ctx.deps.expander.expansionRefusal(claim.spec?.storageClassName).catch(() => undefined);
  if (!refusal) {
    try {
      await ctx.deps.expander.grow(claim, to, 'spec.worker.storage.autoExpand');
    } catch (e) {
      if (!(e instanceof VolumeChangeError)) throw e;
      refusal = e.message;
    }
  }
  if (refusal) {
    ctx.deps.autoExpandRefused.set(`${ctx.namespace}/${name}`, { reason: refusal, at: Date.now() });
    ctx.log.warn('a filling data volume could not grow', { cluster: ctx.key, claim: name, pod, to, error: refusal });
    await ctx.event('Warning', 'VolumeAutoExpandRefused', `${name} (${pod}) has ${freePercent}% free and could not grow to ${to}: ${refusal}`);
    return;
  }
  ctx.deps.autoExpandRefused.delete(`${ctx.namespace}/${name}`);
  ctx.deps.metrics.inc('xrootd_agent_volume_auto_expansions_total');
  ctx.log.info('growing a filling data volume', { cluster: ctx.key, claim: name, pod, from, to, freePercent });
  await ctx.event('Normal', 'VolumeAutoExpanded', `${name} (${pod}) grows from ${from} to ${to}: ${freePercent}% free, `
    + `below spec.worker.storage.autoExpand.freePercent (${grow.threshold}%)`);
}
