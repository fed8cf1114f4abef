/**
 * The delivery tools the install-path suites run for real (Helm, Flux's controllers), built from
 * the Go module proxy by test/tools/build-delivery.sh and cached by their versions.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printedDirectory, run } from './processes.js';
import { repoRoot } from './repo.js';

const built = new Map<string, string>();

/** The path of one tool (Helm, krew, Flux's and Argo CD's controllers, kustomize) or of a CRD folder, built if need be. */
export type DeliveryTool = 'helm' | 'krew' | 'source-controller' | 'kustomize-controller' | 'flux-crds' | 'argocd' | 'argocd-files' | 'kustomize';
const SCRIPT_TARGET: Record<DeliveryTool, string> = {
  helm: 'helm', krew: 'krew', 'source-controller': 'flux', 'kustomize-controller': 'flux', 'flux-crds': 'flux', argocd: 'argocd', 'argocd-files': 'argocd', kustomize: 'argocd',
};

export function deliveryTool(name: DeliveryTool): string {
  const cached = built.get(name);
  if (cached) return cached;
  const r = run(['bash', join(repoRoot(), 'test/tools/build-delivery.sh'), SCRIPT_TARGET[name]], process.env, 30 * 60_000);
  const dir = printedDirectory(r);
  if (r.code !== 0 || !dir) throw new Error(`test/tools/build-delivery.sh failed (${r.code}):\n${r.out.slice(-4000)}`);
  // Not another checkout's build in progress (<name>-<version>.partial.<pid>).
  const file = readdirSync(dir).find((f) => f.startsWith(`${name}-v`) && !f.includes('.partial.'));
  if (!file) throw new Error(`no ${name} in ${dir}`);
  built.set(name, join(dir, file));
  return join(dir, file);
}
