/**
 * JSON helpers shared by the apply engine, the status writer and the rollout
 * observer: a canonical text of a value, and "is everything we set there",
 * read the way the API server stores objects.
 */

/** The object without its keys whose value is undefined (as JSON would drop them; in memory each takes a slot). */
export function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** JSON with sorted keys: the same object always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
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
