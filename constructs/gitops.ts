/**
 * What GitOps tools read from the synthesized objects. Argo CD applies a sync wave at a time
 * and waits for it to be healthy: the roles' StatefulSets get waves in the rollout order
 * (spec.upgrade.order, data servers first), so a version change applied straight from dist/
 * rolls each role only once the one before it is healthy again. Everything else is wave 0.
 */
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';

export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** CRDs go first: the resources of the following waves need them. */
export const CRD_SYNC_WAVE = '-1';

/** The sync wave of a role's StatefulSet: 1, 2, 3 in the order the roles roll. */
export function roleSyncWave(model: ClusterModel, role: Role): string {
  return String(model.spec.upgrade.order.indexOf(role) + 1);
}
