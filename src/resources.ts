/**
 * Xrootd resources (the custom resource's YAML, as kept in Git or applied with
 * kubectl) to construct props, with errors named as the resource names them.
 */
import { directivePolicyIssues, type DirectivePolicy } from './directive-policy.js';
import { CATALOG_API_VERSION, XROOTD_API_VERSION } from './kinds.js';
import { applySchema, gitSourceSpecSchema, isPlainObject, xrootdSpecSchema, xrootdVersionSpecSchema, type ObjectField } from '../constructs/internal.js';
import { readYamlDocuments } from './yaml-documents.js';
import { clientEndpoint, issue, metaManagerEndpoints, resolveCluster, SpecValidationError, upstreamRefKey, type ClusterModel, type SpecIssue, type XrootdClusterProps, type XrootdRelease } from '../constructs/index.js';

export interface XrootdResource {
  readonly apiVersion: string;
  readonly kind: 'Xrootd';
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly spec?: Record<string, unknown>;
}

/** Where a resource came from, for messages: `file` and the document's index in it. */
export interface Source { readonly file: string; readonly document: number }

export interface ResourceIssue extends SpecIssue { readonly source: Source; readonly resource?: string }

/** A construct-props path as the resource spells it. */
function resourcePath(path: string): string {
  if (path === 'name' || path === 'namespace') return `metadata.${path}`;
  return `spec.${path}`;
}

export function toResourceIssue(i: SpecIssue, source: Source, resource?: string): ResourceIssue {
  const path = resourcePath(i.path);
  return { ...i, path, message: `${path}${i.message.slice(i.path.length)}`, source, resource };
}

export function propsOf(resource: XrootdResource, defaultNamespace = 'default'): XrootdClusterProps {
  return {
    ...(resource.spec ?? {}),
    name: resource.metadata.name,
    namespace: resource.metadata.namespace ?? defaultNamespace,
  } as XrootdClusterProps;
}

export interface LoadedResource {
  readonly resource: XrootdResource;
  readonly source: Source;
  readonly model?: ClusterModel;
  /** Its federation references resolved (XrootdClusterProps.decisions.upstreamEndpoints), where they were. */
  readonly upstreamEndpoints?: Record<string, string[]>;
  /** Its cache's origin reference resolved (XrootdClusterProps.decisions.originAddress), where it was. */
  readonly originAddress?: string;
}

/** Kinds of this project's API groups: anything else claiming one of the groups, or a near spelling, is a typo. */
const OUR_KINDS = ['Xrootd', 'XrootdGitSource', 'XrootdVersion'];
const OUR_GROUPS = ['xrootd.org', 'catalog.xrootd.org'];
const RESOURCE_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const SPEC_FIELDS = Object.keys(xrootdSpecSchema.fields);

/**
 * Parses every document of a YAML text; keeps Xrootd resources and reports
 * anything that claims to be one of ours but is not exactly right: a kind
 * spelled differently, fields the CRD does not have (a file may not choose its
 * own catalog or rollout partitions), a spec that is not a mapping.
 */
export function readResources(text: string | Uint8Array, file: string, bytes?: number):
{ resources: LoadedResource[]; issues: ResourceIssue[] } {
  const resources: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  readYamlDocuments(text, bytes).forEach((doc, document) => {
    const source = { file, document };
    const fail = (path: string, rule: string, value?: unknown) => {
      const i = issue(path, rule, value);
      issues.push({ ...i, message: path ? i.message : `${rule}${value === undefined ? '' : `, got ${JSON.stringify(value)}`}`, source });
    };
    if ('error' in doc) return fail('', `invalid YAML: ${doc.error}`);
    const obj = doc.value;
    if (obj === null || obj === undefined) return;
    if (!isPlainObject(obj)) return fail('', 'a document must be a mapping (a Kubernetes object)');
    const group = typeof obj.apiVersion === 'string' ? obj.apiVersion.split('/')[0] : '';
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const nearKind = OUR_KINDS.find((k) => k.toLowerCase() === kind.toLowerCase());
    if (nearKind !== undefined && nearKind !== kind) return fail('kind', `must be spelled ${nearKind}`, obj.kind);
    if (OUR_GROUPS.includes(group) && !OUR_KINDS.includes(kind)) return fail('kind', `must be one of ${OUR_KINDS.join(', ')} in ${obj.apiVersion}`, obj.kind);
    const other = OTHER_KINDS[kind];
    if (other) return checkOtherKind(obj, other, fail);
    if (kind !== 'Xrootd') return;
    if (obj.apiVersion !== XROOTD_API_VERSION) return fail('apiVersion', `must be ${XROOTD_API_VERSION}`, obj.apiVersion);
    const unknown = Object.keys(obj).filter((k) => !RESOURCE_FIELDS.includes(k));
    if (unknown.length) return unknown.forEach((k) => fail(k, `is not a known field (known here: ${RESOURCE_FIELDS.join(', ')})`));
    const meta = obj.metadata;
    if (!isPlainObject(meta) || typeof meta.name !== 'string' || !meta.name) return fail('metadata.name', 'is required');
    if (meta.namespace !== undefined && typeof meta.namespace !== 'string') return fail('metadata.namespace', 'must be a string', meta.namespace);
    if (obj.spec !== undefined && obj.spec !== null) {
      if (!isPlainObject(obj.spec)) return fail('spec', 'must be an object', obj.spec);
      const extra = Object.keys(obj.spec).filter((k) => !SPEC_FIELDS.includes(k));
      if (extra.length) return extra.forEach((k) => fail(`spec.${k}`, `is not a known field (known here: ${SPEC_FIELDS.join(', ')})`));
    }
    resources.push({ resource: obj as unknown as XrootdResource, source });
  });
  return { resources, issues };
}

/**
 * Our other kinds, checked by their CRDs' schemas though only Xrootd resources are rendered: a file
 * whose XrootdVersion the API server would refuse must not pass while its Xrootd goes through.
 */
const OTHER_KINDS: Record<string, { apiVersion: string; schema: ObjectField }> = {
  XrootdVersion: { apiVersion: CATALOG_API_VERSION, schema: xrootdVersionSpecSchema },
  XrootdGitSource: { apiVersion: XROOTD_API_VERSION, schema: gitSourceSpecSchema },
};

type Fail = (path: string, rule: string, value?: unknown) => void;

function checkOtherKind(obj: Record<string, unknown>, kind: { apiVersion: string; schema: ObjectField }, fail: Fail): void {
  if (obj.apiVersion !== kind.apiVersion) return fail('apiVersion', `must be ${kind.apiVersion}`, obj.apiVersion);
  const unknown = Object.keys(obj).filter((k) => !RESOURCE_FIELDS.includes(k));
  if (unknown.length) return unknown.forEach((k) => fail(k, `is not a known field (known here: ${RESOURCE_FIELDS.join(', ')})`));
  const meta = obj.metadata;
  if (!isPlainObject(meta) || typeof meta.name !== 'string' || !meta.name) return fail('metadata.name', 'is required');
  const issues: SpecIssue[] = [];
  applySchema(kind.schema, obj.spec, 'spec', issues);
  if (obj.spec === undefined || obj.spec === null) fail('spec', 'is required');
  for (const i of issues) fail(i.path, i.rule, undefined);
}

/** Normalizes and validates each resource with the library's one function; a name given twice is an issue too. */
export function validateResources(loaded: readonly LoadedResource[], catalog?: readonly XrootdRelease[], directives: DirectivePolicy = 'all'): { valid: LoadedResource[]; issues: ResourceIssue[] } {
  const valid: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  const seen = new Map<string, Source>();
  for (const l of loaded) {
    const name = `${l.resource.metadata.namespace ?? 'default'}/${l.resource.metadata.name}`;
    const first = seen.get(name);
    if (first) {
      const rule = `must be unique: ${name} is already declared in ${first.file}[${first.document}]`;
      issues.push({ path: 'metadata.name', rule, message: `metadata.name ${rule}`, source: l.source, resource: name });
      continue;
    }
    seen.set(name, l.source);
    const refused = directivePolicyIssues(l.resource.spec, directives);
    if (refused.length) {
      issues.push(...refused.map((i) => toResourceIssue(i, l.source, name)));
      continue;
    }
    try {
      valid.push({ ...l, model: resolveCluster({ ...propsOf(l.resource), ...(catalog ? { catalog: [...catalog] } : {}) }) });
    } catch (e) {
      if (!(e instanceof SpecValidationError)) throw e;
      issues.push(...e.issues.map((i) => toResourceIssue(i, l.source, name)));
    }
  }
  return { valid, issues };
}

/**
 * A resource's references to other clusters, as XrootdClusterProps.decisions take them:
 * spec.federation.upstreamRefs to upstreamEndpoints (each referenced Xrootd, found by `lookup` as
 * `namespace/name`, must be a valid meta-manager) and spec.cache.origin.ref to originAddress (a
 * valid cluster's client Service). What cannot be resolved is an issue on the reference, naming why.
 */
export interface ResolvedReferences {
  readonly endpoints: Record<string, string[]>;
  readonly originAddress?: string;
  readonly issues: SpecIssue[];
}

type Lookup = (key: string) => XrootdResource | undefined;

export function resolveReferences(
  resource: XrootdResource,
  lookup: (key: string) => XrootdResource | undefined,
  catalog?: readonly XrootdRelease[],
): ResolvedReferences {
  const upstream = resolveUpstreamRefs(resource, lookup, catalog);
  const origin = resolveOriginRef(resource, lookup, catalog);
  const issues = [...upstream.issues, ...origin.issues];
  return { endpoints: upstream.endpoints, ...(origin.address ? { originAddress: origin.address } : {}), issues };
}

/** The valid cluster `key` names, or the issue at `path` saying why there is none. */
function referencedModel(key: string, path: string, lookup: Lookup, catalog?: readonly XrootdRelease[]): ClusterModel | SpecIssue {
  const target = lookup(key);
  if (!target) return issue(path, `must name an existing Xrootd: ${key} was not found`);
  try {
    return resolveCluster({ ...propsOf(target), ...(catalog ? { catalog: [...catalog] } : {}) });
  } catch (e) {
    if (!(e instanceof SpecValidationError)) throw e;
    return issue(path, `must name a valid Xrootd: ${key} is invalid (${e.issues[0]?.message})`);
  }
}

const isIssue = (m: ClusterModel | SpecIssue): m is SpecIssue => 'rule' in m;

interface OriginResolution { readonly address?: string; readonly issues: SpecIssue[] }

function resolveOriginRef(resource: XrootdResource, lookup: Lookup, catalog?: readonly XrootdRelease[]): OriginResolution {
  const cache = resource.spec?.cache;
  const origin = isPlainObject(cache) && isPlainObject(cache.origin) ? cache.origin : undefined;
  const ref = origin?.ref;
  // A malformed reference is the schema's to report.
  if (!isPlainObject(ref) || typeof ref.name !== 'string' || (ref.namespace !== undefined && typeof ref.namespace !== 'string')) return { issues: [] };
  const key = upstreamRefKey(ref as { name: string; namespace?: string }, resource.metadata.namespace ?? 'default');
  if (key === `${resource.metadata.namespace ?? 'default'}/${resource.metadata.name}`) {
    return { issues: [issue('cache.origin.ref', `must name another cluster: ${key} is this one`)] };
  }
  const model = referencedModel(key, 'cache.origin.ref', lookup, catalog);
  return isIssue(model) ? { issues: [model] } : { address: clientEndpoint(model), issues: [] };
}

function resolveUpstreamRefs(
  resource: XrootdResource,
  lookup: (key: string) => XrootdResource | undefined,
  catalog?: readonly XrootdRelease[],
): { endpoints: Record<string, string[]>; issues: SpecIssue[] } {
  const federation = resource.spec?.federation;
  const refs = isPlainObject(federation) && Array.isArray(federation.upstreamRefs) ? federation.upstreamRefs : [];
  const endpoints: Record<string, string[]> = {};
  const issues: SpecIssue[] = [];
  const namespace = resource.metadata.namespace ?? 'default';
  refs.forEach((ref, i) => {
    // A malformed reference is the schema's to report.
    if (!isPlainObject(ref) || typeof ref.name !== 'string' || (ref.namespace !== undefined && typeof ref.namespace !== 'string')) return;
    const key = upstreamRefKey(ref as { name: string; namespace?: string }, namespace);
    const path = `federation.upstreamRefs[${i}]`;
    const model = referencedModel(key, path, lookup, catalog);
    if (isIssue(model)) return void issues.push(model);
    const list = metaManagerEndpoints(model);
    if (!list) return void issues.push(issue(path, `must name a meta-manager: ${key} has no spec.federation.metaManager`));
    endpoints[key] = list;
  });
  return { endpoints, issues };
}
