/**
 * Normalize and validate, in one function: construct props (or an Xrootd
 * resource's spec) in, the fully resolved cluster model out, or a
 * SpecValidationError that lists every broken rule.
 */
import { isIP } from 'node:net';
import { VersionCatalog, type XrootdFeature, type XrootdRelease } from './catalog.js';
import { ClusterNames, type Role } from './names.js';
import { quantityBytes } from './quantity.js';
import { MIN_CAPACITY_BYTES, spaceThresholds, type SpaceThresholds } from './space.js';
import { upstreamRefKey } from './federation.js';
import { HOST_PORT, xrootdSpecSchema } from './spec/schema.js';
import type { ResolvedXrootdSpec, XrootdSpec } from './spec/types.generated.js';
import { applySchema, issue, SpecValidationError, type SpecIssue } from './spec/validate.js';
import { topology, type Topology } from './topology.js';
import { exposesPerPodServices, podsWithOwnService } from './services.js';

/** Where a rolling change stands, per role: pods with ordinal >= partition run the new template. */
export type RolloutPartitions = Partial<Record<Role, number>>;

export interface XrootdClusterProps extends XrootdSpec {
  /** Name of the cluster: the prefix of every object name and the inventory label's value. */
  readonly name: string;
  /**
   * Namespace of every object.
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * Catalog entries that extend or override the built-in catalog (the agent passes XrootdVersion resources here).
   * @default - the built-in catalog only
   */
  readonly catalog?: readonly XrootdRelease[];
  /**
   * StatefulSet rolling-update partitions, decided by the agent from what it observes.
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
}

export interface ClusterModel {
  readonly name: string;
  readonly namespace: string;
  readonly spec: ResolvedXrootdSpec;
  readonly release: XrootdRelease;
  /** The image the pods run: `spec.image`, else the catalog's. */
  readonly image: string;
  readonly names: ClusterNames;
  readonly topology: Topology;
  readonly space: SpaceThresholds;
  readonly partitions: Record<Role, number>;
  /** See XrootdClusterProps.tlsSecretRevision; only with spec.security.tls. */
  readonly tlsSecretRevision?: string;
  /** See XrootdClusterProps.externalAddresses: only those of this cluster's data servers and supervisors. */
  readonly externalAddresses: Readonly<Record<string, string>>;
  /** Every meta-manager cmsd the redirectors subscribe to: federation.upstream, then the resolved upstreamRefs. */
  readonly upstream: readonly string[];
  /** federation.upstreamRefs without endpoints in XrootdClusterProps.upstreamEndpoints: validation passes, synthesis refuses. */
  readonly unresolvedUpstreamRefs: readonly SpecIssue[];
  /** Not errors, but worth a condition: a deprecated version, for example. */
  readonly warnings: readonly string[];
}

const SPEC_KEYS = Object.keys(xrootdSpecSchema.fields);
/** Props of the construct that are not part of the spec. */
const CONSTRUCT_KEYS = ['name', 'namespace', 'catalog', 'partitions', 'tlsSecretRevision', 'externalAddresses', 'upstreamEndpoints'];

/** Splits construct props into the spec and the construct-only props. */
export function specOf(props: XrootdClusterProps): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => SPEC_KEYS.includes(k)));
}

export function resolveCluster(props: XrootdClusterProps): ClusterModel {
  const issues: SpecIssue[] = [];
  const unknown = Object.keys(props).filter((k) => !SPEC_KEYS.includes(k) && !CONSTRUCT_KEYS.includes(k));
  unknown.forEach((k) => issues.push(issue(k, `is not a known field (known: ${CONSTRUCT_KEYS.join(', ')}, ${SPEC_KEYS.join(', ')})`)));
  const spec = applySchema(xrootdSpecSchema, specOf(props), '', issues) as ResolvedXrootdSpec;
  const name = props.name;
  const namespace = props.namespace ?? 'default';
  if (issues.length) throw new SpecValidationError(issues, `XrootdCluster "${name}"`);

  const catalog = new VersionCatalog(props.catalog ?? []);
  const release = catalog.find(spec.version);
  if (!release) issues.push(issue('version', `must be a version in the catalog (${catalog.versions().join(', ')})`, spec.version));

  const t = topology(spec.redirector.replicas, spec.worker.replicas, spec.supervisor.replicas, spec.supervisor.redundancy);

  const capacityBytes = quantityBytes(spec.worker.storage.capacity);
  if (capacityBytes === undefined || capacityBytes < MIN_CAPACITY_BYTES) {
    issues.push(issue('worker.storage.capacity', 'must be a size of at least 16Mi', spec.worker.storage.capacity));
  }
  checkQuantities(spec, issues);

  const names = new ClusterNames(name, namespace, spec.clusterDomain);
  issues.push(...names.check({ redirector: t.redirectors - 1, supervisor: t.supervisors - 1, worker: t.workers - 1 }, exposesPerPodServices(spec.expose.type), spec.worker.scaleDown === 'Drain'));
  const partitions = { redirector: 0, supervisor: 0, worker: 0, ...props.partitions };
  for (const [role, p] of Object.entries(partitions)) {
    if (!Number.isInteger(p) || p < 0) issues.push(issue(`partitions.${role}`, 'must be a whole number >= 0', p));
  }
  const revision = props.tlsSecretRevision;
  if (revision !== undefined && !(typeof revision === 'string' && /^[0-9a-z]{1,63}$/.test(revision))) {
    issues.push(issue('tlsSecretRevision', 'must be at most 63 lower-case letters and digits', revision));
  }
  // What the selected version cannot do is refused, naming the field and the version.
  if (release && spec.security.tls && !release.features.includes('tls')) {
    issues.push(issue('security.tls', `needs TLS support, which version ${release.version} lacks in the catalog (feature "tls")`));
  }
  if (release && spec.security.tokens && !release.features.includes('tokens')) {
    issues.push(issue('security.tokens', `needs token support (SciTokens plugin, ztn), which version ${release.version} lacks in the catalog (feature "tokens")`));
  }
  const given = props.externalAddresses;
  const externalAddresses = given && typeof given === 'object' && !Array.isArray(given) ? given : {};
  if (given !== undefined && externalAddresses !== given) issues.push(issue('externalAddresses', 'must be an object of pod names and addresses'));
  checkExternalAddresses(externalAddresses, spec, names, t, issues);
  const { upstream, unresolvedUpstreamRefs } = federationUpstream(spec, namespace, props.upstreamEndpoints, issues);
  checkPathsInExports(spec, issues);
  checkMountOverlaps(spec, issues);
  if (issues.length || !release) throw new SpecValidationError(issues, `XrootdCluster "${name}"`);

  const warnings = release.deprecated ? [`version ${release.version} is deprecated: ${release.deprecated}`] : [];
  return {
    name, namespace, spec, release, names, topology: t, partitions, warnings, externalAddresses, upstream, unresolvedUpstreamRefs,
    ...(spec.security.tls && revision ? { tlsSecretRevision: revision } : {}),
    image: spec.image ?? release.image,
    space: spaceThresholds(capacityBytes!),
  };
}

/**
 * Addresses for expose.type LoadBalancer: IP addresses (XRootD reads an interface list of
 * addresses) of pods that have a Service of their own; they reach a shell script, so nothing else.
 */
function checkExternalAddresses(addresses: Readonly<Record<string, string>>, spec: ResolvedXrootdSpec, names: ClusterNames, t: Topology, issues: SpecIssue[]): void {
  const entries = Object.entries(addresses);
  if (entries.length && spec.expose.type !== 'LoadBalancer') issues.push(issue('externalAddresses', 'are only for expose.type LoadBalancer'));
  const pods = new Set(podsWithOwnService(names, t).map((p) => p.pod));
  for (const [pod, address] of entries) {
    if (!pods.has(pod)) issues.push(issue(`externalAddresses.${pod}`, 'must name a data server or supervisor pod of the cluster', pod));
    if (typeof address !== 'string' || isIP(address) === 0) issues.push(issue(`externalAddresses.${pod}`, 'must be an IPv4 or IPv6 address', address));
  }
}

/**
 * The meta-managers' cmsd addresses: the spec's own, then each reference's from `given` (they reach
 * the configuration, so they are checked as the spec's are). A reference without any is noted for
 * synthesis to refuse; validation alone (the CLI's validate, a Git source) cannot look it up.
 */
function federationUpstream(spec: ResolvedXrootdSpec, namespace: string, given: XrootdClusterProps['upstreamEndpoints'], issues: SpecIssue[]) {
  const endpoints = given && typeof given === 'object' && !Array.isArray(given) ? given : {};
  if (given !== undefined && endpoints !== given) issues.push(issue('upstreamEndpoints', 'must be an object of namespace/name and host:port lists'));
  const upstream = [...spec.federation.upstream];
  const unresolvedUpstreamRefs: SpecIssue[] = [];
  spec.federation.upstreamRefs.forEach((ref, i) => {
    const key = upstreamRefKey(ref, namespace);
    const list = endpoints[key];
    if (list === undefined) {
      unresolvedUpstreamRefs.push(issue(`federation.upstreamRefs[${i}]`, `must name a meta-manager whose addresses are known: ${key} is not resolved (the agent resolves it from the Xrootd resources; an app passes upstreamEndpoints["${key}"])`));
    } else if (!Array.isArray(list) || !list.length || !list.every((e) => typeof e === 'string' && e.length <= 259 && new RegExp(HOST_PORT).test(e))) {
      issues.push(issue(`upstreamEndpoints.${key}`, 'must be a non-empty list of host:port (a DNS name or an IPv4 address, and a port)', list));
    } else {
      upstream.push(...list);
    }
  });
  return { upstream: [...new Set(upstream)], unresolvedUpstreamRefs };
}

/** A path is under an export when it is the export or below it. */
const isUnder = (path: string, prefix: string): boolean => {
  const [p, e] = [path.replace(/\/+$/, ''), prefix.replace(/\/+$/, '')];
  return p === e || p.startsWith(`${e}/`);
};

/** Token base paths, restricted paths and authorization rules outside every export would grant nothing. */
function checkPathsInExports(spec: ResolvedXrootdSpec, issues: SpecIssue[]): void {
  const exports = spec.xrootd.exports.map((e) => e.path);
  spec.security.authorization?.rules.forEach((rule, i) => {
    if (!exports.some((e) => isUnder(rule.path, e))) {
      issues.push(issue(`security.authorization.rules[${i}].path`, `must be an exported path or below one (${exports.join(', ')})`, rule.path));
    }
  });
  spec.security.tokens?.issuers.forEach((issuer, i) => {
    for (const field of ['basePaths', 'restrictedPaths'] as const) {
      issuer[field].forEach((path, j) => {
        if (!exports.some((e) => isUnder(path, e))) {
          issues.push(issue(`security.tokens.issuers[${i}].${field}[${j}]`, `must be an exported path or below one (${exports.join(', ')})`, path));
        }
      });
    }
  });
}

/** Two mounts at the same place, or one inside another, would hide each other's files. */
function checkMountOverlaps(spec: ResolvedXrootdSpec, issues: SpecIssue[]): void {
  spec.mounts.forEach((m, i) => {
    const other = spec.mounts.findIndex((o, j) => j < i && (isUnder(m.mountPath, o.mountPath) || isUnder(o.mountPath, m.mountPath)));
    if (other >= 0) issues.push(issue(`mounts[${i}].mountPath`, `must not be, contain or lie under mounts[${other}].mountPath (${spec.mounts[other].mountPath})`, m.mountPath));
  });
}

function checkQuantities(spec: ResolvedXrootdSpec, issues: SpecIssue[]): void {
  for (const role of ['redirector', 'worker', 'supervisor'] as const) {
    const r = spec[role].resources;
    for (const kind of ['requests', 'limits'] as const) {
      for (const key of Object.keys(r[kind] ?? {})) {
        if (!['cpu', 'memory', 'ephemeral-storage'].includes(key)) {
          issues.push(issue(`${role}.resources.${kind}.${key}`, 'must be one of cpu, memory, ephemeral-storage'));
        }
      }
    }
  }
}

export function supports(model: ClusterModel, feature: XrootdFeature): boolean {
  return model.release.features.includes(feature);
}
