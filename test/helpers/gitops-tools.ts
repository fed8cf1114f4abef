/**
 * The GitOps tools' own health logic, built from the Go module proxy by test/tools/build.sh:
 * Argo CD's health.lua run in gopher-lua, Flux's kstatus, operator-framework's bundle validator.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { printedDirectory, run, type RunResult } from './processes.js';
import { repoRoot } from './repo.js';

export interface Health { readonly status: string; readonly message: string }

let built: string | undefined;

/** The directory of the built checkers (cached by their pinned versions). */
export function gitopsTools(): string {
  if (built) return built;
  const r = run(['bash', join(repoRoot(), 'test/tools/build.sh')], process.env, 15 * 60_000);
  const dir = printedDirectory(r);
  if (r.code !== 0 || !dir) throw new Error(`test/tools/build.sh failed (${r.code}):\n${r.out}`);
  built = dir;
  return dir;
}

/** Where Argo CD's resource customizations of our kinds live (Argo CD's own layout). */
export const argocdCustomization = (kind: 'Xrootd' | 'XrootdGitSource'): string =>
  join(repoRoot(), 'examples/argocd/resource_customizations/xrootd.org', kind);

function healthOf(args: string[], obj: unknown): Health {
  const dir = mkdtempSync(join(tmpdir(), 'health-'));
  try {
    const file = join(dir, 'object.yaml');
    writeFileSync(file, stringify(obj));
    const r = run([join(gitopsTools(), 'health'), ...args, file]);
    if (r.code !== 0) throw new Error(`health ${args.join(' ')} failed: ${r.out}`);
    return JSON.parse(r.out) as Health;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What Argo CD shows for `obj` with our health.lua. */
export const argocdHealth = (kind: 'Xrootd' | 'XrootdGitSource', obj: unknown): Health =>
  healthOf(['argocd', join(argocdCustomization(kind), 'health.lua')], obj);

/** kstatus' verdict on `obj` (what Flux's `wait`/`healthChecks` wait for): Current, InProgress, Failed, ... */
export const kstatus = (obj: unknown): Health => healthOf(['kstatus'], obj);

/** Argo CD's own test of a customization directory: health_test.yaml against testdata/. */
export const argocdCustomizationTest = (kind: 'Xrootd' | 'XrootdGitSource'): RunResult =>
  run([join(gitopsTools(), 'health'), 'argocd-test', argocdCustomization(kind)]);

export const operatorVerify = (bundleDir: string): RunResult =>
  run([join(gitopsTools(), 'operator-verify'), 'manifests', '--operatorhub_validate', bundleDir], process.env, 120_000);

/**
 * cert-manager's Certificate CRD as its module ships it, for a control plane: the file is the
 * Helm chart's template, valid YAML whose only template parts are comments and the labels, which
 * are dropped here (their values are Helm expressions, not label values). The schema is untouched.
 */
export function certManagerCertificateCrd(): string {
  // From its module alone (test/tools/build.sh --crd): not waiting for the checkers' build.
  const r = run(['bash', join(repoRoot(), 'test/tools/build.sh'), '--crd', 'crd-certificates.yaml'], process.env, 10 * 60_000);
  const file = r.out.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !file.startsWith('/')) throw new Error(`test/tools/build.sh --crd crd-certificates.yaml failed (${r.code}): ${r.out}`);
  const crd = parse(readFileSync(file, 'utf8'));
  delete crd.metadata.labels;
  delete crd.metadata.annotations;
  return stringify(crd);
}
