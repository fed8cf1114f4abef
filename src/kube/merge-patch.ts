/**
 * A JSON merge patch (RFC 7386) that turns `before` into `after`: a merge
 * patch merges objects key by key, so a key `after` no longer has must be
 * sent as null or the server keeps it. Arrays and scalars replace.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(before: unknown, after: unknown): unknown {
  if (!isObject(before) || !isObject(after)) return after === undefined ? null : after;
  const patch: Json = {};
  for (const [k, v] of Object.entries(after)) {
    if (v === undefined) continue;
    patch[k] = isObject(v) && isObject(before[k]) ? mergePatch(before[k], v) : v;
  }
  for (const k of Object.keys(before)) if (after[k] === undefined || after[k] === null) patch[k] = null;
  return patch;
}
