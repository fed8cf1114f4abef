/**
 * Kubernetes' own rules for spec values that reach a field of a child object, as the API server
 * applies them (k8s.io/apimachinery/pkg/util/validation, and ValidateResourceRequirements,
 * ValidateAnnotations and ValidateLabels of k8s.io/kubernetes/pkg/apis/core/validation): a spec
 * breaking one is refused before any object is written, not by the API server part-way through
 * an apply. The CRD cannot say these (map keys, comparisons of quantities), so the library does.
 */
import type { ResolvedXrootdSpec } from './api/types.generated.js';
import { SUBDOMAIN } from './api/schema.js';
import { issue, re2, type SpecIssue } from './api/validate.js';
import { compareQuantities } from './quantity.js';

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** ValidateAnnotations: keys and values together, in bytes. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;
const utf8 = new TextEncoder();

/** IsQualifiedName: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters. */
export function qualifiedNameRule(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'must be a qualified name ([prefix/]name): at most one "/"';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined) {
    if (!prefix) return 'must be a qualified name ([prefix/]name): the prefix before "/" must not be empty';
    if (prefix.length > SUBDOMAIN.maxLength || !re2(SUBDOMAIN.regex).test(prefix)) return 'must be a qualified name ([prefix/]name): the prefix must be a DNS subdomain of at most 253 characters (lower-case letters, digits, "-" and ".")';
  }
  if (!name) return 'must be a qualified name ([prefix/]name): the name must not be empty';
  if (name.length > 63) return 'must be a qualified name ([prefix/]name): the name must be at most 63 characters';
  if (!QUALIFIED_NAME.test(name)) return 'must be a qualified name ([prefix/]name): the name of letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

/** IsValidLabelValue: empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending alphanumeric. */
export function labelValueRule(value: string): string | undefined {
  if (value.length > 63) return 'must be a label value: at most 63 characters';
  if (!LABEL_VALUE.test(value)) return 'must be a label value: empty, or letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}

function checkLabels(labels: Readonly<Record<string, string>>, path: string, issues: SpecIssue[]): void {
  for (const [key, value] of Object.entries(labels)) {
    const keyRule = qualifiedNameRule(key);
    if (keyRule) issues.push(issue(path, `keys ${keyRule}`, key));
    const valueRule = labelValueRule(value);
    if (valueRule) issues.push(issue(`${path}.${key}`, valueRule, value));
  }
}

function checkAnnotations(annotations: Readonly<Record<string, string>>, path: string, issues: SpecIssue[]): void {
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // The API server checks the key in lower case (ValidateAnnotations).
    const keyRule = qualifiedNameRule(key.toLowerCase());
    if (keyRule) issues.push(issue(path, `keys ${keyRule}`, key));
    bytes += utf8.encode(key).length + utf8.encode(value).length;
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) issues.push(issue(path, `must have at most ${ANNOTATIONS_MAX_BYTES} bytes of keys and values together`, bytes));
}

/** ValidateResourceRequirements: a request above its limit is refused. */
function checkRequestsWithinLimits(spec: ResolvedXrootdSpec, issues: SpecIssue[]): void {
  for (const role of ['redirector', 'supervisor', 'worker'] as const) {
    const { requests = {}, limits = {} } = spec[role].resources;
    for (const [resource, limit] of Object.entries(limits)) {
      const request = requests[resource];
      if (request === undefined) continue;
      if ((compareQuantities(request, limit) ?? 0) > 0) {
        issues.push(issue(`${role}.resources.requests.${resource}`, `must be at most the limit (${role}.resources.limits.${resource}: ${limit})`, request));
      }
    }
  }
}

/** Every rule of Kubernetes' the spec's values would meet in the child objects. */
export function checkKubernetesValues(spec: ResolvedXrootdSpec, issues: SpecIssue[]): void {
  checkRequestsWithinLimits(spec, issues);
  checkLabels(spec.scheduling.nodeSelector ?? {}, 'scheduling.nodeSelector', issues);
  checkAnnotations(spec.expose.annotations ?? {}, 'expose.annotations', issues);
}
