/**
 * The revision of a cluster's TLS Secret: a digest of its content, which the library stamps on
 * the pod templates so that a renewed certificate rolls the pods (XRootD reads its key only at
 * start). The agent may read only the Secrets it was granted by name; when it cannot read one,
 * the pods keep the revision they have, so nothing rolls for want of a permission.
 */
import { createHash } from 'node:crypto';
import { ApiError, type KubeClient } from '../kube/client.js';
import { objectPath } from '../kube/kinds.js';

/** The keys XRootD uses; other keys of the Secret changing rolls nothing. */
const TLS_KEYS = ['tls.crt', 'tls.key', 'ca.crt'];

export type SecretRead = { readonly revision: string } | { readonly unreadable: string };

/** Digest of the TLS keys of a Secret's data (base64 as the API returns it). */
export function secretRevision(data: Readonly<Record<string, string>> | undefined): string {
  const h = createHash('sha256');
  for (const key of TLS_KEYS) h.update(`${key}\0${data?.[key] ?? ''}\0`);
  return h.digest('hex').slice(0, 16);
}

/** Reads the Secret and returns its revision, or why it could not be read. */
export async function readTlsSecret(client: KubeClient, namespace: string, name: string): Promise<SecretRead> {
  try {
    const secret = await client.request<{ data?: Record<string, string> }>('GET', objectPath({ apiVersion: 'v1', kind: 'Secret', namespace, name }));
    return { revision: secretRevision(secret.data) };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) {
      return { unreadable: e.status === 404 ? `Secret ${namespace}/${name} does not exist`
        : `the agent may not read Secret ${namespace}/${name}: grant it get on that Secret by name (the install's tlsSecrets, or a Role as docs/security.md shows)` };
    }
    throw e;
  }
}
