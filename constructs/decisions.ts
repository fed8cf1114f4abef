/**
 * What the agent decides from what it observes and feeds into rendering: one props group
 * (XrootdClusterProps.decisions), checked here as strictly as the spec, because each value
 * reaches a configuration file, a script or a StatefulSet. An app that builds its clusters
 * itself passes none, except upstreamEndpoints for its federations.
 */
import { isIP } from 'node:net';
import { HOST_PORT } from './api/schema.js';
import type { ResolvedXrootdSpec } from './api/types.generated.js';
import { issue, type SpecIssue } from './api/validate.js';
import { upstreamRefKey, type ClusterNames, type Role } from './names.js';
import { podsWithOwnService, type Topology } from './topology.js';

/** Where a rolling change stands, per role: pods with ordinal >= partition run the new template. */
export type RolloutPartitions = Partial<Record<Role, number>>;

/** spec.worker.scaleDown Drain, while a data server's files are copied away before it goes. */
export interface DrainDecision {
  /** The data servers held at this number until the drained one's files are on the others. */
  readonly replicas: number;
  /** spec.worker.maintenance and the data servers being drained: they receive no new files. */
  readonly maintenance: readonly number[];
  /** The copy to run now, if any: rendered as the cluster's drain Job. */
  readonly job?: DrainJobDecision;
}

export interface DrainJobDecision {
  /** The data server to drain. */
  readonly ordinal: number;
  /** The data servers that stay and take its files. */
  readonly targets: readonly number[];
  /** The spec generation the Job is made for: a failed Job is tried again once the spec changes. */
  readonly generation: number;
}

export interface ClusterDecisions {
  /**
   * StatefulSet rolling-update partitions: the agent's rollout step.
   * @default - 0 for every role (the whole role follows the template)
   */
  readonly partitions?: RolloutPartitions;
  /**
   * A digest of the TLS Secret's content (the agent reads it): stamped on the pod templates, so a
   * renewed certificate rolls the pods through the same gates as any other change. XRootD reads
   * its key only at start.
   * @default - none: the pods roll when secretName changes, not when the Secret's content does
   */
  readonly tlsSecretRevision?: string;
  /**
   * expose.type LoadBalancer: the address outside clients reach each data server and supervisor at,
   * by pod name (the agent reads them from the pods' Services). Announced to the managers, which
   * redirect clients from public addresses there and in-cluster clients to the pod itself.
   * @default - none known: every pod is announced by its own address only
   */
  readonly externalAddresses?: Readonly<Record<string, string>>;
  /**
   * federation.upstreamRefs resolved: the cmsd addresses (host:port) of each referenced meta-manager's
   * redirectors, by `namespace/name` (metaManagerEndpoints of its model). The agent resolves them
   * from the Xrootd resources; an app passes those of the meta-manager clusters it builds.
   * @default - none: synthesis refuses a cluster with upstreamRefs
   */
  readonly upstreamEndpoints?: Readonly<Record<string, readonly string[]>>;
  /**
   * spec.cache.origin.ref resolved: host:port of the referenced cluster's client Service
   * (clientEndpoint of its model). The agent resolves it from the Xrootd resources.
   * @default - none: synthesis refuses a cache with origin.ref
   */
  readonly originAddress?: string;
  /**
   * A scale-down in progress (spec.worker.scaleDown Drain): the data servers' number and
   * maintenance list while it lasts, and the copy Job.
   * @default - none: the spec's replicas and maintenance
   */
  readonly drain?: DrainDecision;
  /**
   * spec.worker.nodeDrain: the cordoned nodes of data servers being prepared for a drain (the agent
   * reads the Nodes). A data server on one of them has its cmsd suspend itself at its managers.
   * @default - none
   */
  readonly cordonedNodes?: readonly string[];
}

/** The decisions as the model carries them: checked, with defaults. */
export interface ResolvedDecisions {
  readonly partitions: Record<Role, number>;
  /** Only with spec.security.tls. */
  readonly tlsSecretRevision?: string;
  /** Only those of this cluster's data servers and supervisors. */
  readonly externalAddresses: Readonly<Record<string, string>>;
  /** Every meta-manager cmsd the redirectors subscribe to: federation.upstream, then the resolved upstreamRefs. */
  readonly upstream: readonly string[];
  /** A cache's origin: cache.origin.address, or the resolved cache.origin.ref (only for cache clusters that name one). */
  readonly originAddress?: string;
  /** federation.upstreamRefs and cache.origin.ref without their decisions: validation passes, synthesis refuses. */
  readonly unresolvedRefs: readonly SpecIssue[];
  readonly drainJob?: DrainJobDecision;
  /** Only with spec.worker.nodeDrain: node names, sorted. */
  readonly cordonedNodes: readonly string[];
}

export const DECISION_KEYS = ['partitions', 'tlsSecretRevision', 'externalAddresses', 'upstreamEndpoints', 'originAddress', 'drain', 'cordonedNodes'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The spec as a drain shapes it: the data servers held at their number, those being drained in
 * maintenance. Applied before the spec is resolved, as both decide the topology.
 */
export function specWithDrain(spec: Record<string, unknown>, drain: DrainDecision | undefined): Record<string, unknown> {
  if (!drain) return spec;
  const worker = isRecord(spec.worker) ? spec.worker : {};
  return { ...spec, worker: { ...worker, replicas: drain.replicas, maintenance: drain.maintenance } };
}

/** Checks the decisions against the resolved spec; every broken rule lands in `issues`, named `decisions.<field>`. */
export function resolveDecisions(
  given: unknown,
  spec: ResolvedXrootdSpec,
  names: ClusterNames,
  t: Topology,
  issues: SpecIssue[],
): ResolvedDecisions {
  if (given !== undefined && !isRecord(given)) issues.push(issue('decisions', 'must be an object'));
  const decisions = (isRecord(given) ? given : {}) as ClusterDecisions;
  for (const key of Object.keys(decisions)) {
    if (!(DECISION_KEYS as readonly string[]).includes(key)) issues.push(issue(`decisions.${key}`, `is not a known field (known: ${DECISION_KEYS.join(', ')})`));
  }
  const partitions = checkPartitions(decisions.partitions, issues);
  const revision = decisions.tlsSecretRevision;
  if (revision !== undefined && !(typeof revision === 'string' && /^[0-9a-z]{1,63}$/.test(revision))) {
    issues.push(issue('decisions.tlsSecretRevision', 'must be at most 63 lower-case letters and digits', revision));
  }
  const externalAddresses = checkExternalAddresses(decisions.externalAddresses, spec, names, t, issues);
  const drainJob = decisions.drain?.job;
  if (drainJob && !(Number.isInteger(drainJob.ordinal) && drainJob.ordinal >= 0
    && drainJob.targets.every((o) => Number.isInteger(o) && o >= 0 && o !== drainJob.ordinal))) {
    issues.push(issue('decisions.drain.job', 'must drain one data server (a whole number) to others', drainJob));
  }
  const cordonedNodes = checkCordonedNodes(decisions.cordonedNodes, spec, issues);
  const federation = federationUpstream(spec, names.namespace, decisions.upstreamEndpoints, issues);
  const origin = cacheOrigin(spec, names.namespace, decisions.originAddress, issues);
  return {
    partitions, externalAddresses, upstream: federation.upstream, cordonedNodes,
    unresolvedRefs: [...federation.unresolvedRefs, ...origin.unresolvedRefs],
    ...(origin.address ? { originAddress: origin.address } : {}),
    ...(spec.security.tls && revision ? { tlsSecretRevision: revision } : {}),
    ...(drainJob ? { drainJob } : {}),
  };
}

/** Node names (a shell loop reads them from a file): DNS subdomains, only for spec.worker.nodeDrain. */
function checkCordonedNodes(given: unknown, spec: ResolvedXrootdSpec, issues: SpecIssue[]): readonly string[] {
  if (given === undefined) return [];
  if (!Array.isArray(given)) {
    issues.push(issue('decisions.cordonedNodes', 'must be a list of node names'));
    return [];
  }
  if (given.length && !spec.worker.nodeDrain) issues.push(issue('decisions.cordonedNodes', 'are only for spec.worker.nodeDrain'));
  for (const node of given) {
    if (typeof node !== 'string' || node.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node)) {
      issues.push(issue('decisions.cordonedNodes', 'must be node names (DNS subdomains: lower-case letters, digits, "-" and ".")', node));
    }
  }
  return [...new Set(given as string[])].sort();
}

export function checkPartitions(given: RolloutPartitions | undefined, issues: SpecIssue[]): Record<Role, number> {
  const partitions = { redirector: 0, supervisor: 0, worker: 0, ...given };
  for (const [role, p] of Object.entries(partitions)) {
    if (!Number.isInteger(p) || p < 0) issues.push(issue(`decisions.partitions.${role}`, 'must be a whole number >= 0', p));
  }
  return partitions;
}

/**
 * Addresses for expose.type LoadBalancer: IP addresses (XRootD reads an interface list of
 * addresses) of pods that have a Service of their own; they reach a shell script, so nothing else.
 */
export function checkExternalAddresses(
  given: unknown,
  spec: ResolvedXrootdSpec,
  names: ClusterNames,
  t: Topology,
  issues: SpecIssue[],
): Readonly<Record<string, string>> {
  if (given !== undefined && !isRecord(given)) issues.push(issue('decisions.externalAddresses', 'must be an object of pod names and addresses'));
  const addresses = (isRecord(given) ? given : {}) as Record<string, string>;
  const entries = Object.entries(addresses);
  if (entries.length && spec.expose.type !== 'LoadBalancer') issues.push(issue('decisions.externalAddresses', 'are only for expose.type LoadBalancer'));
  const pods = new Set(podsWithOwnService(names, t).map((p) => p.pod));
  for (const [pod, address] of entries) {
    if (!pods.has(pod)) issues.push(issue(`decisions.externalAddresses.${pod}`, 'must name a data server or supervisor pod of the cluster', pod));
    if (typeof address !== 'string' || isIP(address) === 0) issues.push(issue(`decisions.externalAddresses.${pod}`, 'must be an IPv4 or IPv6 address', address));
  }
  return addresses;
}

/**
 * The meta-managers' cmsd addresses: the spec's own, then each reference's from `given` (they reach
 * the configuration, so they are checked as the spec's are). A reference without any is noted for
 * synthesis to refuse; validation alone (the CLI's validate, a Git source) cannot look it up.
 */
function federationUpstream(spec: ResolvedXrootdSpec, namespace: string, given: unknown, issues: SpecIssue[]) {
  if (given !== undefined && !isRecord(given)) issues.push(issue('decisions.upstreamEndpoints', 'must be an object of namespace/name and host:port lists'));
  const endpoints = (isRecord(given) ? given : {}) as Record<string, unknown>;
  const upstream = [...spec.federation.upstream];
  const unresolvedRefs: SpecIssue[] = [];
  spec.federation.upstreamRefs.forEach((ref, i) => {
    const key = upstreamRefKey(ref, namespace);
    const list = endpoints[key];
    if (list === undefined) {
      unresolvedRefs.push(issue(`federation.upstreamRefs[${i}]`, `must name a meta-manager whose addresses are known: ${key} is not resolved `
        + `(the agent resolves it from the Xrootd resources; an app passes decisions.upstreamEndpoints["${key}"])`));
    } else if (!Array.isArray(list) || !list.length || !list.every((e) => typeof e === 'string' && e.length <= 259 && new RegExp(HOST_PORT).test(e))) {
      issues.push(issue(`decisions.upstreamEndpoints.${key}`, 'must be a non-empty list of host:port (a DNS name or an IPv4 address, and a port)', list));
    } else {
      upstream.push(...(list as string[]));
    }
  });
  return { upstream: [...new Set(upstream)], unresolvedRefs };
}

/** A cache's origin: its address, or its reference's from `given` (it reaches the configuration: checked as the spec's is). */
function cacheOrigin(spec: ResolvedXrootdSpec, namespace: string, given: unknown,
  issues: SpecIssue[]): { address?: string; unresolvedRefs: SpecIssue[] } {
  const origin = spec.cache?.origin;
  if (!origin?.ref) {
    if (given !== undefined) issues.push(issue('decisions.originAddress', 'is only for a cache cluster whose origin is a reference (cache.origin.ref)'));
    return { address: origin?.address, unresolvedRefs: [] };
  }
  const key = upstreamRefKey(origin.ref, namespace);
  if (given === undefined) {
    return { unresolvedRefs: [issue('cache.origin.ref', `must name a cluster whose address is known: ${key} is not resolved (the agent resolves it from the Xrootd resources; an app passes decisions.originAddress)`)] };
  }
  if (typeof given !== 'string' || given.length > 259 || !new RegExp(HOST_PORT).test(given)) {
    issues.push(issue('decisions.originAddress', 'must be host:port (a DNS name or an IPv4 address, and a port)', given));
    return { unresolvedRefs: [] };
  }
  return { address: given, unresolvedRefs: [] };
}
