/** Synthesizes a cluster in memory for tests and finds objects in the result. */
import { Chart, Testing } from 'cdk8s';
import { XrootdCluster, type XrootdClusterProps } from '../../constructs/index.js';

/** Manifests are plain JSON: tests index into them freely. */
export type Manifest = any;

export interface Synthesized {
  readonly cluster: XrootdCluster;
  readonly objects: Manifest[];
  /** The object of this kind and name; fails the test when absent. */
  get(kind: string, name: string): Manifest;
  all(kind: string): Manifest[];
}

export function synth(props: XrootdClusterProps): Synthesized {
  const chart = new Chart(Testing.app(), 'test');
  const cluster = new XrootdCluster(chart, 'cluster', props);
  const objects: Manifest[] = Testing.synth(chart);
  return {
    cluster,
    objects,
    get(kind, name) {
      const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
      if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
      return found;
    },
    all: (kind) => objects.filter((o) => o.kind === kind),
  };
}

/** The `set`/`all.manager` lines of a rendered configuration, for assertions. */
export const linesOf = (text: string): string[] => text.split('\n').map((l) => l.trim());
