/**
 * How the agent's caches are indexed and how objects map to queue keys:
 * children by the uid of the Xrootd that controls them, pods by the cluster
 * they belong to, clusters by the Git source that declares them, by the
 * meta-managers they name (spec.federation.upstreamRefs) and by their cache's origin
 * (spec.cache.origin.ref).
 */
import { controllerOf, type KubeObject } from '../kube/kinds.js';
import { GIT_SOURCE_LABEL, upstreamRefKey } from '../../constructs/index.js';
import { isPlainObject } from '../../constructs/internal.js';

export const CONTROLLER_INDEX = 'controller-uid';
export const INSTANCE_INDEX = 'instance';
export const SOURCE_INDEX = 'git-source';
export const UPSTREAM_INDEX = 'upstream-ref';
export const ORIGIN_INDEX = 'origin-ref';

export const byController = (o: KubeObject): string[] => {
  const uid = controllerOf(o)?.uid;
  return uid ? [uid] : [];
};

/** `namespace/cluster` of a pod, from its instance label. */
export const byInstance = (o: KubeObject): string[] => {
  const instance = o.metadata.labels?.['app.kubernetes.io/instance'];
  return instance ? [`${o.metadata.namespace}/${instance}`] : [];
};

/** `namespace/source` of a cluster a Git source applied. */
export const bySource = (o: KubeObject): string[] => {
  const source = o.metadata.labels?.[GIT_SOURCE_LABEL];
  return source ? [`${o.metadata.namespace}/${source}`] : [];
};

/** `namespace/name` of each meta-manager a cluster names in spec.federation.upstreamRefs. */
export const byUpstreamRef = (o: KubeObject & { spec?: Record<string, unknown> }): string[] => {
  const federation = o.spec?.federation;
  const refs = isPlainObject(federation) && Array.isArray(federation.upstreamRefs) ? federation.upstreamRefs : [];
  return refs.filter((r): r is { name: string; namespace?: string } => isPlainObject(r) && typeof r.name === 'string' && (r.namespace === undefined || typeof r.namespace === 'string'))
    .map((r) => upstreamRefKey(r, o.metadata.namespace ?? 'default'));
};

/** `namespace/name` of the cluster a cache names as its origin (spec.cache.origin.ref). */
export const byOriginRef = (o: KubeObject & { spec?: Record<string, unknown> }): string[] => {
  const cache = o.spec?.cache;
  const ref = isPlainObject(cache) && isPlainObject(cache.origin) ? cache.origin.ref : undefined;
  return isPlainObject(ref) && typeof ref.name === 'string' && (ref.namespace === undefined || typeof ref.namespace === 'string')
    ? [upstreamRefKey(ref as { name: string; namespace?: string }, o.metadata.namespace ?? 'default')]
    : [];
};
