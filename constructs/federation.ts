/** Federation by reference: where a meta-manager cluster's redirectors take subscriptions. */
import type { ClusterModel } from './model.js';

/**
 * The cmsd address (host:port) of each redirector of a meta-manager cluster, by its per-pod DNS
 * name: what a member cluster's upstreamRefs resolve to (XrootdClusterProps.upstreamEndpoints).
 * Undefined for a cluster that is not a meta-manager.
 */
export function metaManagerEndpoints(model: ClusterModel): string[] | undefined {
  if (!model.spec.federation.metaManager) return undefined;
  return Array.from({ length: model.topology.redirectors }, (_, i) => `${model.names.podHost('redirector', i)}:${model.spec.xrootd.cmsdPort}`);
}

/** `namespace/name` of an upstream reference, its namespace defaulting to the referring cluster's. */
export const upstreamRefKey = (ref: { name: string; namespace?: string }, namespace: string): string => `${ref.namespace ?? namespace}/${ref.name}`;
