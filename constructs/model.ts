/**
 * Normalize and validate, in one function: construct props (or an Xrootd
 * resource's spec) in, the fully resolved cluster model out, or a
 * SpecValidationError that lists every broken rule.
 */
import { VersionCatalog, type XrootdFeature, type XrootdRelease } from './catalog.js';
import { ClusterNames } from './names.js';
import { checkCacheMemory } from './cache-rules.js';
import { checkKubernetesValues } from './kube-values.js';
import { quantityBytes } from './quantity.js';
import { checkNodeDrain } from './node-drain.js';
import { checkAutoExpand, checkAutoscale, MIN_CAPACITY_BYTES, spaceThresholds, type SpaceThresholds } from './space.js';
import { checkExternalAddresses, checkPartitions, resolveDecisions, specWithDrain, type ClusterDecisions, type ResolvedDecisions } from './decisions.js';
import { xrootdSpecSchema } from './api/schema.js';
import type { ResolvedXrootdSpec, XrootdSpec } from './api/types.generated.js';
import { applySchema, issue, SpecValidationError, type SpecIssue } from './api/validate.js';
import { exposesPerPodServices, topology, type Topology } from './topology.js';

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
   * What the agent decides from what it observes (rollout partitions, a drain, outside addresses,
   * the TLS Secret's revision, federation endpoints): the one way its decisions reach rendering.
   * @default - none: the cluster exactly as its spec says
   */
  readonly decisions?: ClusterDecisions;
}

/** The validated, defaulted cluster everything is rendered from, with the decisions it was given. */
export interface ClusterModel extends ResolvedDecisions {
  readonly name: string;
  readonly namespace: string;
  readonly spec: ResolvedXrootdSpec;
  readonly release: XrootdRelease;
  /** The image the pods run: `spec.image`, else the catalog's. */
  readonly image: string;
  readonly names: ClusterNames;
  readonly topology: Topology;
  readonly space: SpaceThresholds;
  /** Not errors, but worth a condition: a deprecated version, for example. */
  readonly warnings: readonly string[];
}

const SPEC_KEYS = Object.keys(xrootdSpecSchema.fields);
/** Props of the construct that are not part of the spec. */
const CONSTRUCT_KEYS = ['name', 'namespace', 'catalog', 'decisions'];

/** Splits construct props into the spec and the construct-only props. */
export function specOf(props: XrootdClusterProps): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => SPEC_KEYS.includes(k)));
}

/**
 * Validates and defaults the props into the model everything is rendered from. `kubernetesRules:
 * false` skips Kubernetes' own rules for values of child objects (kube-values.ts): only for a test
 * that asks the API server what it makes of the objects such a spec gives.
 */
export function resolveCluster(props: XrootdClusterProps, options: { kubernetesRules?: boolean } = {}): ClusterModel {
  const issues: SpecIssue[] = [];
  const unknown = Object.keys(props).filter((k) => !SPEC_KEYS.includes(k) && !CONSTRUCT_KEYS.includes(k));
  unknown.forEach((k) => issues.push(issue(k, `is not a known field (known: ${CONSTRUCT_KEYS.join(', ')}, ${SPEC_KEYS.join(', ')})`)));
  const spec = applySchema(xrootdSpecSchema, specWithDrain(specOf(props), props.decisions?.drain), '', issues) as ResolvedXrootdSpec;
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
  issues.push(...names.check({ redirector: t.redirectors - 1, supervisor: t.supervisors - 1, worker: Math.max(t.workers, spec.worker.autoscale?.maxReplicas ?? 0) - 1 }, exposesPerPodServices(spec.expose.type), spec.worker.scaleDown === 'Drain'));
  // What the selected version cannot do is refused, naming the field and the version.
  if (release && spec.security.tls && !release.features.includes('tls')) {
    issues.push(issue('security.tls', `needs TLS support, which version ${release.version} lacks in the catalog (feature "tls")`));
  }
  if (release && spec.security.tokens && !release.features.includes('tokens')) {
    issues.push(issue('security.tokens', `needs token support (SciTokens plugin, ztn), which version ${release.version} lacks in the catalog (feature "tokens")`));
  }
  const decisions = resolveDecisions(props.decisions, spec, names, t, issues);
  checkPathsInExports(spec, issues);
  checkCacheMemory(spec, issues);
  checkAutoExpand(spec, issues);
  // The user's own number: a drain in progress (the agent's decision) holds more, which may lie outside the bounds.
  const givenReplicas = props.decisions?.drain
    ? (specOf(props).worker as { replicas?: unknown } | undefined)?.replicas : spec.worker.replicas;
  checkAutoscale(spec, issues, typeof givenReplicas === 'number' ? givenReplicas : undefined);
  checkNodeDrain(spec, issues);
  checkMountOverlaps(spec, issues);
  if (options.kubernetesRules !== false) checkKubernetesValues(spec, issues);
  if (issues.length || !release) throw new SpecValidationError(issues, `XrootdCluster "${name}"`);

  const warnings = release.deprecated ? [`version ${release.version} is deprecated: ${release.deprecated}`] : [];
  return {
    name, namespace, spec, release, names, topology: t, warnings, ...decisions,
    image: spec.image ?? release.image,
    space: spaceThresholds(capacityBytes!),
  };
}

/**
 * The decisions that depend on the resolved model (the rollout's partitions, the outside addresses
 * of its pods), added to it without resolving the spec again: the agent resolves once per plan,
 * decides these from the model, then renders it (XrootdCluster takes a model).
 */
export function withDecisions(model: ClusterModel, decisions: Pick<ClusterDecisions, 'partitions' | 'externalAddresses'>): ClusterModel {
  const issues: SpecIssue[] = [];
  const partitions = checkPartitions(decisions.partitions, issues);
  const externalAddresses = checkExternalAddresses(decisions.externalAddresses, model.spec, model.names, model.topology, issues);
  if (issues.length) throw new SpecValidationError(issues, `XrootdCluster "${model.name}"`);
  return { ...model, partitions, externalAddresses };
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
