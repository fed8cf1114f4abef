/**
 * Xrootd resources (the custom resource's YAML, as kept in Git or applied with
 * kubectl) to construct props, with errors named as the resource names them.
 */
import { parseAllDocuments } from 'yaml';
import { directivePolicyIssues, type DirectivePolicy } from './directive-policy.js';
import { resolveCluster, SpecValidationError, type ClusterModel, type SpecIssue, type XrootdClusterProps, type XrootdRelease } from '../constructs/index.js';

export const XROOTD_API_VERSION = 'xrootd.org/v1alpha1';

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
  return { ...(resource.spec ?? {}), name: resource.metadata.name, namespace: resource.metadata.namespace ?? defaultNamespace } as XrootdClusterProps;
}

export interface LoadedResource { readonly resource: XrootdResource; readonly source: Source; readonly model?: ClusterModel }

/** Parses every document of a YAML text; keeps Xrootd resources, reports anything else that claims to be one. */
export function readResources(text: string, file: string): { resources: LoadedResource[]; issues: ResourceIssue[] } {
  const resources: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  parseAllDocuments(text).forEach((doc, document) => {
    const source = { file, document };
    if (doc.errors.length) {
      issues.push({ path: '', rule: 'must be valid YAML', message: `invalid YAML: ${doc.errors[0].message}`, source });
      return;
    }
    const obj = doc.toJS() as Record<string, unknown> | null;
    if (obj === null || obj === undefined) return;
    if (obj.kind !== 'Xrootd') return;
    const meta = obj.metadata as Record<string, unknown> | undefined;
    if (obj.apiVersion !== XROOTD_API_VERSION) {
      issues.push({ path: 'apiVersion', rule: `must be ${XROOTD_API_VERSION}`, message: `apiVersion must be ${XROOTD_API_VERSION}, got ${JSON.stringify(obj.apiVersion)}`, source });
      return;
    }
    if (typeof meta?.name !== 'string' || !meta.name) {
      issues.push({ path: 'metadata.name', rule: 'is required', message: 'metadata.name is required', source });
      return;
    }
    resources.push({ resource: obj as unknown as XrootdResource, source });
  });
  return { resources, issues };
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
