/** Federation by reference: where a meta-manager cluster's redirectors take subscriptions. */
import type { ClusterModel } from './model.js';

/**
 * The cmsd address (host:port) of each redirector of a meta-manager cluster, by its per-pod DNS
 * name: what a member cluster's upstreamRefs resolve to (XrootdClusterProps.decisions.upstreamEndpoints).
 * Undefined for a cluster that is not a meta-manager.
 */
export function metaManagerEndpoints(model: ClusterModel): string[] | undefined {
  if (!model.spec.federation.metaManager) return undefined;
  return Array.from({ length: model.topology.redirectors }, (_, i) => `${model.names.podHost('redirector', i)}:${model.spec.xrootd.cmsdPort}`);
}
