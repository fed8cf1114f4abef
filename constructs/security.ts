/**
 * What the security settings leave open, for the agent to report: exports anyone who reaches
 * the port may write to (no token authorization configured).
 */
import type { ResolvedXrootdSpec } from './spec/types.generated.js';

/** The writable exports of a cluster that authorizes no one: without tokens every client may write there. */
export function insecureWritableExports(spec: ResolvedXrootdSpec): string[] {
  if (spec.security.tokens) return [];
  return spec.xrootd.exports.filter((e) => !e.readOnly).map((e) => e.path);
}
