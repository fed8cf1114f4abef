/**
 * expose.type LoadBalancer, carried out (the decision is ../external-addresses.ts): a data server
 * or supervisor made before its outside address was known started without it (run.sh reads the
 * ConfigMap at start), so it is restarted, one at a time, once the ConfigMap holding it is applied.
 */
import type { ClusterContext } from './context.js';
import type { Plan } from './plan.js';

/** Whether it restarted a pod (one restart at a time). */
export async function announceExternalAddress(ctx: ClusterContext, plan: Plan): Promise<boolean> {
  const pod = plan.external.restart;
  if (!pod) return false;
  const address = plan.external.addresses[pod];
  await ctx.restartPod(pod, 'restarting a pod to announce its outside address', 'ExternalAddressAnnounced',
    `${pod} restarted to announce its load balancer's address ${address} to the managers: clients outside are redirected there`, { address });
  return true;
}
