/** The labels every object carries, and the selectors derived from them. */
import type { Role } from './names.js';

/** Names the cluster an object belongs to, so an applier can prune what synthesis no longer produces. */
export const INVENTORY_LABEL = 'xrootd.org/cluster';
export const MANAGED_BY = 'xrootd-k8s';
/** On every Xrootd a Git source applies: the source's name (with the owner reference, how its prune finds them). */
export const GIT_SOURCE_LABEL = 'xrootd.org/git-source';
/**
 * spec.worker.nodeDrain: on a data server prepared for its node's drain. The data servers'
 * disruption budget leaves such a pod out, so the drain's next eviction of it goes through.
 */
export const RELEASED_TO_DRAIN_LABEL = 'xrootd.org/released-to-drain';

/** Labels of every object of a cluster (selectors use a subset of them). */
export function clusterLabels(cluster: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'xrootd',
    'app.kubernetes.io/instance': cluster,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [INVENTORY_LABEL]: cluster,
  };
}

export function roleLabels(cluster: string, version: string, role: Role): Record<string, string> {
  return { ...clusterLabels(cluster, version), 'app.kubernetes.io/component': role };
}

/**
 * Labels of data volumes: no version, because volumeClaimTemplates are
 * immutable and a version label there would make every upgrade a rejected update.
 */
export function claimLabels(cluster: string, role: Role): Record<string, string> {
  const { 'app.kubernetes.io/version': _version, ...rest } = roleLabels(cluster, '', role);
  return rest;
}

/** Selects every pod of the cluster. Immutable in StatefulSets: never add to it. */
export function clusterSelector(cluster: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': cluster };
}

export function roleSelector(cluster: string, role: Role): Record<string, string> {
  return { ...clusterSelector(cluster), 'app.kubernetes.io/component': role };
}
