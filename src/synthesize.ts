/** In-process synthesis for the agent and the CLI: props (or a resolved model) in, plain objects out, in dependency order. */
import { App, Chart } from 'cdk8s';
import { XrootdCluster, type ResolvedClusterProps, type XrootdClusterProps } from '../constructs/index.js';
import type { KubeObject } from './kube/kinds.js';

export function synthesizeCluster(props: XrootdClusterProps | ResolvedClusterProps): { cluster: XrootdCluster; objects: KubeObject[] } {
  const app = new App();
  const chart = new Chart(app, 'model' in props ? props.model.name : props.name);
  const cluster = new XrootdCluster(chart, 'cluster', props);
  return { cluster, objects: chart.toJson() as KubeObject[] };
}
