/**
 * Which `extraDirectives` an agent accepts. Whoever can create an Xrootd chooses
 * the XRootD directives its pods run; a platform team that lets tenants create
 * clusters can refuse extra directives altogether, or allow only some
 * (`--extra-directives none` or `--extra-directives xrootd.trace,ofs.trace`).
 * The library's own rules (one line, no managed directive) hold whatever the policy.
 */
import { DIRECTIVE_NAME, issue, type SpecIssue } from '../constructs/index.js';

export type DirectivePolicy = 'all' | 'none' | readonly string[];

const ROLES_WITH_DIRECTIVES = ['redirector', 'supervisor', 'worker'] as const;

/** `all`, `none`, or a comma-separated list of directive names; throws naming what is wrong. */
export function parseDirectivePolicy(text: string): DirectivePolicy {
  if (text === 'all' || text === 'none') return text;
  const names = text.split(',').map((n) => n.trim());
  const bad = names.filter((n) => !DIRECTIVE_NAME.test(n));
  if (bad.length) {
    throw new Error(`--extra-directives must be all, none, or a comma-separated list of directive names such as xrootd.trace,ofs.trace; not a directive name: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  }
  return names;
}

/** The extra directives of `spec` the policy refuses, each an issue naming its field. */
export function directivePolicyIssues(spec: unknown, policy: DirectivePolicy): SpecIssue[] {
  if (policy === 'all') return [];
  const issues: SpecIssue[] = [];
  const rule = policy === 'none'
    ? 'is not allowed: this agent accepts no extra directives (--extra-directives none)'
    : `is not allowed: this agent accepts only the extra directives ${policy.join(', ')}`;
  for (const role of ROLES_WITH_DIRECTIVES) {
    const directives = (spec as Record<string, { extraDirectives?: unknown } | undefined> | undefined)?.[role]?.extraDirectives;
    if (!Array.isArray(directives)) continue;
    directives.forEach((d, i) => {
      const name = typeof d === 'string' ? d.trim().split(/[ \t]/)[0] : undefined;
      if (policy === 'none' || !name || !policy.includes(name)) issues.push(issue(`${role}.extraDirectives[${i}]`, rule, d));
    });
  }
  return issues;
}
