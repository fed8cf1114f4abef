/**
 * XrootdGitSource (xrootd.org/v1alpha1): a Git repository path of Xrootd
 * resources the agent keeps applied. Same schema language as the Xrootd spec:
 * one source for the CRD, the types, the defaults, validation and the docs.
 */
import { arr, bool, int, obj, SPACE_OR_CONTROL, str } from './dsl.js';
import { conditionSchema } from './resources.js';
import type { ResolvedXrootdGitSourceSpec } from './types.generated.js';
import { applySchema, SpecValidationError, type SpecIssue } from './validate.js';

/** A ref name as git accepts it, conservatively: no spaces, "..", "~^:?*[\" or leading "-". */
const REF_NAME = { regex: '^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$', rule: 'must be a git ref name (letters, digits, ".", "_", "/" and "-")' };

export const gitSourceSpecSchema = obj('XrootdGitSourceSpec', 'A path in a Git repository whose Xrootd resources the agent applies and keeps applied.', {
  url: str('Repository URL: https://, http://, ssh://user@host[:port]/path or user@host:path.', {
    pattern: { regex: `^(https?://[^${SPACE_OR_CONTROL}@/]+[^${SPACE_OR_CONTROL}]*|ssh://[^${SPACE_OR_CONTROL}]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^${SPACE_OR_CONTROL}]+)$`, rule: 'must be an http(s)://, ssh:// or user@host:path URL without credentials, spaces or control characters in it' },
    maxLength: 2048,
  }),
  ref: obj('GitRef', 'What to follow: one of branch, tag or commit. The branch main when none is given.', {
    branch: str('A branch; its newest commit is applied.', { pattern: REF_NAME }),
    tag: str('A tag.', { pattern: REF_NAME }),
    commit: str('A full commit id.', { pattern: { regex: '^[0-9a-f]{40}$', rule: 'must be a full commit id (40 lower-case hex digits)' } }),
  }, {
    rules: [{
      path: 'branch', rule: 'must be the only one of branch, tag and commit',
      cel: '(has(self.branch) ? 1 : 0) + (has(self.tag) ? 1 : 0) + (has(self.commit) ? 1 : 0) <= 1',
      check: (r) => [r.branch, r.tag, r.commit].filter((x) => x !== undefined).length <= 1,
    }],
  }),
  path: str('Directory (searched recursively for *.yaml and *.yml) or single file in the repository holding the Xrootd resources.', {
    default: '.',
    pattern: { regex: '^(\\.|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)/?$', rule: 'must be a relative path inside the repository (no "..", no leading "/")' },
  }),
  intervalSeconds: int('Seconds between two fetches.', { default: 60, minimum: 5, maximum: 86400 }),
  timeoutSeconds: int('How long one fetch may take.', { default: 60, minimum: 5, maximum: 3600 }),
  secretRef: obj('LocalSecretReference', 'Credentials: a Secret in the source\'s namespace. HTTPS: `username` and `password` (or `token`, with `username` defaulting to git). SSH: `identity` (a private key) and `known_hosts`.', {
    name: str('The Secret\'s name.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' } }),
  }, { required: ['name'] }),
  suspend: bool('Stop fetching and applying; the clusters stay as they are.', { default: false }),
  prune: bool('Delete the clusters removed from the path. Their data volumes follow each cluster\'s worker.storage.retention.whenDeleted (Retain by default).', { default: true }),
}, { required: ['url'] });

export const gitSourceStatusSchema = obj('XrootdGitSourceStatus', 'What the agent last fetched and applied, written by the agent.', {
  observedGeneration: int('The spec generation this status describes.'),
  conditions: arr('Ready: the newest commit is applied. Stalled: the newest commit is refused or cannot be fetched (the last good one stays applied).', conditionSchema),
  revision: str('The commit whose Xrootd resources are applied.'),
  lastAttemptedRevision: str('The newest commit fetched.'),
  clusters: arr('The clusters this source applies (namespace/name).', str('A cluster.')),
  lastHandledSyncRequest: str('The value of the xrootd.org/sync-requested-at annotation the last sync handled (`xrootd-k8s sync --wait` waits for it).'),
  lastError: obj('GitSourceError', 'Why the newest commit was not applied (absent once a commit applies).', {
    revision: str('The commit refused (empty when the fetch failed).'),
    file: str('The file in the repository, when one is to blame.'),
    field: str('The field, when one is to blame.'),
    message: str('What is wrong.'),
  }),
});

/** Defaults applied and every rule checked; throws SpecValidationError listing each broken rule. */
export function resolveGitSourceSpec(spec: unknown): ResolvedXrootdGitSourceSpec {
  const issues: SpecIssue[] = [];
  const resolved = applySchema(gitSourceSpecSchema, spec ?? {}, '', issues) as ResolvedXrootdGitSourceSpec;
  if (issues.length) throw new SpecValidationError(issues, 'XrootdGitSource');
  return resolved;
}
