/**
 * spec.worker.maintenance, carried out (the decision is ../maintenance.ts): data servers read the
 * list when they start, so the next one whose state changes is restarted, once every other data
 * server is Ready (the maintenance ConfigMap was applied in the first stage, so it starts with the
 * new list).
 */
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

/** Whether it restarted a pod (one restart at a time). */
export async function carryOutMaintenance(ctx: ClusterContext, plan: Plan): Promise<boolean> {
  const restart = plan.maintenance?.restart;
  if (!restart) return false;
  const { pod, entering } = restart;
  await ctx.restartPod(pod, entering ? 'restarting a data server into maintenance' : 'restarting a data server out of maintenance',
    entering ? 'MaintenanceStarted' : 'MaintenanceEnded', entering
      ? `${pod} restarted into maintenance: it serves reads and receives no new files (spec.worker.maintenance)`
      : `${pod} restarted out of maintenance: it receives new files again`);
  return true;
}
