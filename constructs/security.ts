/**
 * What the security settings leave open, for the agent to report (paths anyone who reaches the
 * port may change), and the token audiences a cluster accepts.
 */
import type { ClusterModel } from './model.js';
import { externalHostname } from './services.js';
import type { ResolvedXrootdSpec } from './api/types.generated.js';

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

/**
 * security.tokens.audiences, or by default the names the cluster is known by outside: each outside
 * name of the redirectors as the WLCG profile writes an endpoint's audience (https:// and roots://
 * with the port), then the site name.
 */
export function tokenAudiences(model: ClusterModel): string[] {
  const tokens = model.spec.security.tokens;
  if (!tokens) return [];
  if (tokens.audiences) return [...tokens.audiences];
  const { spec } = model;
  const hosts = [
    ...(spec.expose.hostnameTemplate ? [externalHostname(model, model.name)] : []),
    ...(spec.security.tls?.certificate?.dnsNames ?? []).filter((n) => !n.startsWith('*')),
  ];
  const endpoints = [...new Set(hosts)].flatMap((h) => [`https://${h}:${spec.xrootd.port}`, `roots://${h}:${spec.xrootd.port}`]);
  return [...endpoints, ...(spec.site ? [spec.site] : [])];
}
