/**
 * What an apply would change: each object server-side applied as a dry run
 * (so defaults and admission are the server's), compared with the live object
 * field by field.
 */
import type { KubeObject } from '../kube/kinds.js';
import { refKey, refOf } from '../kube/kinds.js';
import { canonicalJson } from '../json.js';
import { isUpToDate, withAppliedHash } from './drift.js';
import type { Applier, LiveLookup } from './applier.js';

export interface FieldChange { readonly path: string; readonly from?: unknown; readonly to?: unknown }
export interface ObjectDiff { readonly key: string; readonly action: 'create' | 'update' | 'prune'; readonly changes: FieldChange[] }

/** Fields the server owns: never a difference worth showing. */
const VOLATILE = new Set(['metadata.managedFields', 'metadata.resourceVersion', 'metadata.generation', 'metadata.uid',
  'metadata.creationTimestamp', 'status']);

export function fieldChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (VOLATILE.has(path)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => fieldChanges(b, after[i], `${path}[${i}]`));
  }
  if (canonicalJson(before) === canonicalJson(after)) return [];
  return [{ path, ...(before === undefined ? {} : { from: before }), ...(after === undefined ? {} : { to: after }) }];
}

export async function diffObjects(
  applier: Applier,
  desired: readonly KubeObject[],
  live: LiveLookup,
  pruned: readonly KubeObject[],
): Promise<ObjectDiff[]> {
  const out: ObjectDiff[] = [];
  for (const d of desired.map(withAppliedHash)) {
    const l = await live(d);
    const key = refKey(refOf(d));
    if (!l) {
      out.push({ key, action: 'create', changes: [] });
      continue;
    }
    if (isUpToDate(d, l)) continue;
    const after = await applier.serverSideApply(d, { dryRun: true });
    const changes = fieldChanges(l, after);
    if (changes.length) out.push({ key, action: 'update', changes });
  }
  for (const p of pruned) out.push({ key: refKey(refOf(p)), action: 'prune', changes: [] });
  return out;
}

export function formatDiff(diffs: readonly ObjectDiff[]): string {
  const short = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 200));
  return diffs.map((d) => {
    const head = `${d.action === 'create' ? '+' : d.action === 'prune' ? '-' : '~'} ${d.key}`;
    return [head, ...d.changes.map((c) => `    ${c.path}: ${short(c.from)} -> ${short(c.to)}`)].join('\n');
  }).join('\n');
}
