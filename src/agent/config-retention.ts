/**
 * Which configuration ConfigMaps of earlier revisions must outlive a change.
 * Each revision's pods mount their own immutable ConfigMap (named by the hash
 * of its content), so a pod of the old revision that restarts mid-rollout (or
 * during a paused or stuck one) starts with the configuration it was made
 * with. The StatefulSet controller recreates such a pod from its current
 * revision, whose ConfigMap no live pod may reference at that moment: so while
 * any role has not settled on one revision every configuration stays; once all
 * have, only those still mounted by a pod (a terminating one) stay.
 */
import type { KubeObject } from '../kube/kinds.js';
import type { PodObject, RoleView } from './views.js';

/** True when the role's StatefulSet runs one revision and is about to get no other. */
const settled = (r: RoleView): boolean => !r.exists
  || (!r.templateChanging && !r.statusBehind && r.currentRevision !== undefined && r.currentRevision === r.updateRevision);

/** The inventory that may be pruned: without the ConfigMaps that pods may still start with. */
export function withoutRetainedConfigMaps<T extends KubeObject>(
  inventory: readonly T[],
  roles: readonly RoleView[],
  pods: readonly PodObject[],
): T[] {
  const retained = retainedConfigMaps(roles, pods);
  return inventory.filter((o) => !(o.kind === 'ConfigMap' && (retained === 'all' || retained.has(o.metadata.name))));
}

/** `'all'` while some role is between revisions, else the ConfigMaps that pods still mount. */
export function retainedConfigMaps(roles: readonly RoleView[], pods: readonly PodObject[]): 'all' | ReadonlySet<string> {
  if (!roles.every(settled)) return 'all';
  return new Set(pods.flatMap((p) => (p.spec?.volumes ?? []).map((v) => v.configMap?.name).filter((n): n is string => !!n)));
}
