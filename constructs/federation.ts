/**
 * References between clusters: where a meta-manager cluster's redirectors take subscriptions
 * (federation.upstreamRefs), and where a cluster's clients reach it (a cache's cache.origin.ref).
 */
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

/** host:port of a cluster's client Service (its redirectors): what a cache's cache.origin.ref resolves to (decisions.originAddress). */
export function clientEndpoint(model: ClusterModel): string {
  return `${model.names.clientServiceHosts()[0]}:${model.spec.xrootd.port}`;
}
