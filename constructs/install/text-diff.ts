/**
 * The edits that turn one sequence into another (a longest common subsequence): what the Helm
 * chart generator compares between the objects synthesized with and without a value set.
 */

type Edit = { readonly op: 'keep'; readonly a: number; readonly b: number }
  | { readonly op: 'delete'; readonly a: number }
  | { readonly op: 'insert'; readonly b: number };

/** Edits from `a` to `b`, in order: every item of `a` kept or deleted, every item of `b` kept or inserted. */
function sequenceEdits<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = (x, y) => x === y): Edit[] {
  // lengths[i][j]: the longest common subsequence of a[i:] and b[j:].
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i][j] = same(a[i], b[j]) ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same(a[i], b[j])) edits.push({ op: 'keep', a: i++, b: j++ });
    else if (j < b.length && (i === a.length || lengths[i][j + 1] >= lengths[i + 1][j])) edits.push({ op: 'insert', b: j++ });
    else edits.push({ op: 'delete', a: i++ });
  }
  return edits;
}

/** A run of changes: base items [from, to) replaced by `inserted`, in the variant's order. */
export interface Hunk<T> { readonly from: number; readonly to: number; readonly inserted: readonly T[] }

/** The edits grouped into hunks, each a contiguous replacement of the base. */
export function hunks<T>(a: readonly T[], b: readonly T[], same?: (x: T, y: T) => boolean): Hunk<T>[] {
  const out: Hunk<T>[] = [];
  let open: { from: number; to: number; inserted: T[] } | undefined;
  let position = 0;
  for (const e of sequenceEdits(a, b, same)) {
    if (e.op === 'keep') {
      if (open) out.push(open);
      open = undefined;
      position = e.a + 1;
      continue;
    }
    open ??= { from: position, to: position, inserted: [] };
    if (e.op === 'delete') open.to = e.a + 1;
    else open.inserted.push(b[e.b]);
  }
  if (open) out.push(open);
  return out;
}
