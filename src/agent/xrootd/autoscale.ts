/**
 * spec.worker.autoscale, reported (the decision is ../autoscale.ts, taken before synthesis, which
 * renders the number chosen; a lower one goes through the drain): an Event and the metric for each
 * data server added or removed, a Warning when the cluster is full at maxReplicas.
 */
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

export async function reportAutoscale(ctx: ClusterContext, plan: Plan): Promise<void> {
  const step = plan.autoscale;
  if (step?.atMaximum) await ctx.event('Warning', 'AutoscaleAtMaximum', step.atMaximum);
  if (!step?.change) return;
  const { from, to, message } = step.change;
  const direction = to > from ? 'up' : 'down';
  ctx.deps.metrics.inc('xrootd_agent_autoscale_changes_total', { direction });
  ctx.log.info('autoscaling the data servers', { cluster: ctx.key, from, to, message });
  await ctx.event('Normal', to > from ? 'DataServersAdded' : 'DataServersLowered', `data servers ${from} -> ${to}: ${message} (spec.worker.autoscale)`);
}
