/**
 * The synth entry point (cdk8s.yaml): writes each example cluster into its own
 * folder of the output directory, for CI, Argo CD and Flux.
 */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { join } from 'node:path';
import { XrootdAgent, XrootdCluster, XrootdCrds } from '../constructs/index.js';
import { examples } from './clusters.js';

const outRoot = process.env.CDK8S_OUTDIR ?? 'dist';
for (const props of examples) {
  const app = new App({ outdir: join(outRoot, props.name), yamlOutputType: YamlOutputType.FILE_PER_CHART });
  new XrootdCluster(new Chart(app, props.name), 'cluster', props);
  app.synth();
}

// The CRDs of the Xrootd and XrootdVersion resources: cluster-scoped, so in a chart without a namespace.
const crds = new App({ outdir: join(outRoot, 'crds'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
new XrootdCrds(new Chart(crds, 'crds'), 'crds');
crds.synth();

// The agent: namespace, RBAC, Deployment and metrics Service (cluster-scoped parts included, so no chart namespace).
const agent = new App({ outdir: join(outRoot, 'agent'), yamlOutputType: YamlOutputType.FILE_PER_CHART });
new XrootdAgent(new Chart(agent, 'agent'), 'agent');
agent.synth();
