/** The XrootdGitSource resource as the agent reads it, and the names it puts on what it applies. */
import type { XrootdGitSourceStatus } from '../../../constructs/index.js';
import type { KubeObject } from '../../kube/kinds.js';

/** The file in the repository an Xrootd resource comes from. */
export const FILE_ANNOTATION = 'xrootd.org/git-file';
/** Changing this annotation on a source (any value, such as a timestamp) asks for a sync now. */
export const SYNC_REQUEST_ANNOTATION = 'xrootd.org/sync-requested-at';
export const GIT_FIELD_MANAGER = 'xrootd-k8s-git';

export interface GitSourceObject extends KubeObject {
  spec: Record<string, unknown>;
  status?: XrootdGitSourceStatus;
}
