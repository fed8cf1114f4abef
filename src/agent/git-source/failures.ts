/** How a sync refuses a commit (or a fetch): a reason and the issues, each naming its file and field where known. */
import type { ResourceIssue } from '../../resources.js';

export interface Refusal {
  readonly reason: string;
  readonly revision?: string;
  readonly issues: readonly { file?: string; field?: string; message: string }[];
}

export class RefusedCommit extends Error {
  constructor(readonly refusal: Refusal) { super(refusal.issues.map((i) => i.message).join('; ')); }
}

/** A commit as status and messages show it. */
export const short = (sha: string | undefined): string => sha?.slice(0, 12) ?? '(none)';

export function describe(i: ResourceIssue): { file: string; field?: string; message: string } {
  return { file: i.source.file, ...(i.path ? { field: i.path } : {}), message: `${i.source.document > 0 ? `document ${i.source.document}: ` : ''}${i.message}` };
}
