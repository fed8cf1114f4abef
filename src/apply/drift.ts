/**
 * Does a live object already carry what we would apply? Two checks, both needed:
 * the hash of the last applied object catches fields we stopped setting (the
 * live object still has them, a subset test cannot see that), and the subset
 * test catches hand edits of fields we set (the hash annotation survives those).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/kinds.js';
import { canonicalJson, isSubset } from '../json.js';

export const APPLIED_HASH = 'xrootd.org/applied-hash';

/** The object with its applied-hash annotation added (the hash covers everything else). */
export function withAppliedHash(obj: KubeObject): KubeObject {
  const hash = createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [APPLIED_HASH]: hash } } };
}

/** `desired` must already carry its applied hash (see withAppliedHash). */
export function isUpToDate(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live || live.metadata.deletionTimestamp) return false;
  if (live.metadata.annotations?.[APPLIED_HASH] !== desired.metadata.annotations?.[APPLIED_HASH]) return false;
  return isSubset(desired, live);
}
