/** Installs what dist/ holds onto a test control plane: the CRDs, and the agent's manifests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlane } from './control-plane.js';
import { repoRoot } from './repo.js';

/** The committed synth output of one dist/ folder. */
export function distYaml(name: string, root = repoRoot()): string {
  return readFileSync(join(root, 'dist', name, `${name}.k8s.yaml`), 'utf8');
}

/** Applies the CRDs and waits until the API serves them. */
export function installCrds(cp: ControlPlane, root = repoRoot()): void {
  cp.applyYaml(distYaml('crds', root));
  const r = cp.kubectl(['wait', '--for=condition=Established', 'crd/xrootds.xrootd.org', 'crd/xrootdversions.catalog.xrootd.org', 'crd/xrootdgitsources.xrootd.org', '--timeout=60s']);
  if (r.code !== 0) throw new Error(`CRDs not established: ${r.out}`);
}

/** The agent's install manifests minus its Deployment: the image cannot run here, tests run the agent as a local process. */
export function installAgentWithoutDeployment(cp: ControlPlane, root = repoRoot()): void {
  cp.applyYaml(distYaml('agent', root).split(/^---$/m).filter((d) => !/^kind: Deployment$/m.test(d)).join('---'));
}
