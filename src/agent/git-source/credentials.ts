/**
 * A Git source's credentials, from the Secret spec.secretRef names: username with password or
 * token (HTTPS), or an SSH identity and known_hosts. A Secret missing, unreadable or empty refuses
 * the sync with the field and the way out.
 */
import type { ResolvedXrootdGitSourceSpec } from '../../../constructs/index.js';
import { ApiError, type KubeClient } from '../../kube/client.js';
import { objectPath } from '../../kube/kinds.js';
import type { GitCredentials } from '../../git/repository.js';
import { RefusedCommit } from './failures.js';
import type { GitSourceObject } from './resource.js';

export async function readCredentials(
  client: KubeClient,
  source: GitSourceObject,
  spec: ResolvedXrootdGitSourceSpec,
): Promise<GitCredentials | undefined> {
  const secretName = spec.secretRef?.name;
  if (!secretName) return undefined;
  let secret: { data?: Record<string, string> };
  try {
    secret = await client.request('GET', objectPath({ apiVersion: 'v1', kind: 'Secret', namespace: source.metadata.namespace, name: secretName }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new RefusedCommit({ reason: 'SecretNotFound', issues: [{ field: 'spec.secretRef.name', message: `Secret ${source.metadata.namespace}/${secretName} does not exist` }] });
    if (e instanceof ApiError && e.status === 403) {
      throw new RefusedCommit({ reason: 'SecretForbidden', issues: [{ field: 'spec.secretRef.name',
        message: `the agent may not read Secret ${source.metadata.namespace}/${secretName}: grant it get on that Secret by name (the install's gitCredentials, or a Role as docs/agent.md shows)` }] });
    }
    throw e;
  }
  const get = (k: string) => (secret.data?.[k] !== undefined ? Buffer.from(secret.data[k], 'base64').toString('utf8') : undefined);
  const creds = { username: get('username'), password: get('password') ?? get('token'), identity: get('identity'), knownHosts: get('known_hosts') };
  if (creds.password === undefined && creds.identity === undefined) {
    throw new RefusedCommit({ reason: 'InvalidSecret', issues: [{ field: 'spec.secretRef.name', message: `Secret ${source.metadata.namespace}/${secretName} has none of password, token or identity` }] });
  }
  return creds;
}
