/**
 * What the security settings leave open, for the agent to report: paths anyone who reaches the
 * port may change.
 */
import type { ResolvedXrootdSpec } from './spec/types.generated.js';

const CHANGES = new Set(['create', 'write', 'delete', 'rename']);

/**
 * Where anybody may change files: with authorization (tokens or rules), the paths whose rules let
 * anybody create, write, delete or rename; with none, every writable export.
 */
export function insecureWritableExports(spec: ResolvedXrootdSpec): string[] {
  const rules = spec.security.authorization?.rules;
  if (rules) return rules.filter((r) => r.who === 'anybody' && r.privileges.some((p) => CHANGES.has(p))).map((r) => r.path);
  if (spec.security.tokens) return [];
  return spec.xrootd.exports.filter((e) => !e.readOnly).map((e) => e.path);
}
