/**
 * The synth entry point (cdk8s.yaml): writes each example cluster, the CRDs and the agent's
 * install into a folder of their own in the output directory, each folder a kustomize base
 * for CI, Argo CD, Flux and kustomize. The base's file is named `Kustomization` (one of the three
 * names kustomize, Argo CD and Flux look for) so that `kubectl apply -f <folder>`, which reads
 * only .yaml/.yml/.json files, keeps working on the same folder.
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XrootdAgent, XrootdCluster, XrootdCrds, helmCharts, olmBundle } from '../../constructs/index.js';
import { examples, minimal } from '../../examples/clusters.js';
import { version } from './version.js';

const outRoot = process.env.CDK8S_OUTDIR ?? 'dist';

/** Synthesizes one folder: `build` adds the constructs to a chart named after the folder. */
function synthFolder(name: string, build: (chart: Chart) => void): void {
  const app = new App({ outdir: join(outRoot, name), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  build(new Chart(app, name));
  app.synth();
  writeFileSync(join(outRoot, name, 'Kustomization'), [
    '# Written by `npx cdk8s synth` (src/dist/main.ts): this folder as a kustomize base.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${name}.k8s.yaml`,
    '',
  ].join('\n'));
}

for (const props of examples) synthFolder(props.name, (chart) => new XrootdCluster(chart, 'cluster', props));
// The CRDs of the Xrootd, XrootdVersion and XrootdGitSource resources: cluster-scoped, so in a chart without a namespace.
synthFolder('crds', (chart) => new XrootdCrds(chart, 'crds'));
// The agent: namespace, RBAC, Deployment and metrics Service (cluster-scoped parts included, so no chart namespace).
synthFolder('agent', (chart) => new XrootdAgent(chart, 'agent'));

// The agent as an OLM bundle (registry+v1), from the same constructs as dist/agent and dist/crds.
const olm = join(outRoot, 'olm');
rmSync(olm, { recursive: true, force: true });
const { name: _name, namespace: _namespace, ...minimalSpec } = minimal;
const bundle = olmBundle({
  version,
  examples: [
    { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'minimal' }, spec: minimalSpec },
    { apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: '5.9.1-site' },
      spec: { version: '5.9.1-site', image: 'registry.example.org/xrootd:5.9.1', features: ['maxfd', 'identity-env'] } },
    { apiVersion: 'xrootd.org/v1alpha1', kind: 'XrootdGitSource', metadata: { name: 'site-clusters' },
      spec: { url: 'https://git.example.org/site/xrootd-clusters.git', ref: { branch: 'main' }, path: 'clusters', intervalSeconds: 60 } },
  ],
});
for (const [path, text] of Object.entries(bundle)) {
  mkdirSync(dirname(join(olm, path)), { recursive: true });
  writeFileSync(join(olm, path), text);
}

// The Helm charts: the agent's (CRDs and agent, rendering dist/crds and dist/agent by default) and a
// cluster's (one Xrootd resource, the minimal example's spec by default).
const charts = join(outRoot, 'charts');
rmSync(charts, { recursive: true, force: true });
for (const [path, text] of Object.entries(helmCharts({ version, clusterSpec: minimalSpec }))) {
  mkdirSync(dirname(join(charts, path)), { recursive: true });
  writeFileSync(join(charts, path), text);
}
