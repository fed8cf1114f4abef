/**
 * Does a live object already carry what we would apply? Two checks, both needed:
 * the hash of the last applied object catches fields we stopped setting (the
 * live object still has them, a subset test cannot see that), and the subset
 * test catches hand edits of fields we set (the hash annotation survives those).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/kinds.js';

export const APPLIED_HASH = 'xrootd.org/applied-hash';

/** JSON with sorted keys: the same object always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The object with its applied-hash annotation added (the hash covers everything else). */
export function withAppliedHash(obj: KubeObject): KubeObject {
  const hash = createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [APPLIED_HASH]: hash } } };
}

/** The API server drops zero values of non-pointer fields (`readOnly: false`, empty lists): absent equals empty. */
function isEmpty(v: unknown): boolean {
  return v === false || v === 0 || v === '' || v === null || v === undefined
    || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}

/** True when every field of `desired` is in `live` with the same value (live may have more: defaults). */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === undefined || desired === null) return isEmpty(live);
  if (live === undefined || live === null) return isEmpty(desired);
  if (Array.isArray(desired)) {
    return Array.isArray(live) && desired.length === live.length && desired.every((d, i) => isSubset(d, live[i]));
  }
  if (desired && typeof desired === 'object') {
    if (typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired).every(([k, v]) => isSubset(v, (live as Record<string, unknown>)[k]));
  }
  return desired === live;
}

/** `desired` must already carry its applied hash (see withAppliedHash). */
export function isUpToDate(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live || live.metadata.deletionTimestamp) return false;
  if (live.metadata.annotations?.[APPLIED_HASH] !== desired.metadata.annotations?.[APPLIED_HASH]) return false;
  return isSubset(desired, live);
}
