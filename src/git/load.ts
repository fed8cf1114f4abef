/**
 * The Xrootd resources of one commit: parsed, kept in the source's namespace
 * and validated with the library's one function against the live catalog.
 * Any issue refuses the whole commit, so a bad commit changes nothing.
 */
import type { XrootdRelease } from '../../constructs/index.js';
import type { DirectivePolicy } from '../directive-policy.js';
import { readResources, validateResources, type LoadedResource, type ResourceIssue } from '../resources.js';
import type { RepositoryFile } from './repository.js';

export function loadCommit(files: readonly RepositoryFile[], namespace: string, catalog: readonly XrootdRelease[], directives: DirectivePolicy = 'all'): { valid: LoadedResource[]; issues: ResourceIssue[] } {
  const issues: ResourceIssue[] = [];
  const placed: LoadedResource[] = [];
  for (const { file, text, bytes } of files) {
    const read = readResources(text, file, bytes);
    issues.push(...read.issues);
    for (const l of read.resources) {
      const ns = l.resource.metadata.namespace;
      if (ns !== undefined && ns !== namespace) {
        // A source deploys into its own namespace only: who may write to a namespace stays with Kubernetes RBAC.
        const rule = `must be the source's namespace (${namespace}) or omitted`;
        issues.push({ path: 'metadata.namespace', rule, message: `metadata.namespace ${rule}, got "${ns}"`, source: l.source, resource: `${ns}/${l.resource.metadata.name}` });
        continue;
      }
      placed.push({ ...l, resource: { ...l.resource, metadata: { ...l.resource.metadata, namespace } } });
    }
  }
  const checked = validateResources(placed, catalog, directives);
  return { valid: checked.valid, issues: [...issues, ...checked.issues] };
}
