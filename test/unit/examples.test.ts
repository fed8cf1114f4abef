import { Chart, Testing } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { XrootdCluster } from '../../constructs/index.js';
import { examples, highlyAvailable } from '../../examples/clusters.js';
import { synth } from '../helpers/synth.js';

describe('example clusters', () => {
  test.each(examples.map((e) => [e.name, e] as const))('%s matches its snapshot', (_name, props) => {
    expect(synth(props).objects).toMatchSnapshot();
  });

  test('synthesis is deterministic: the same props give the same bytes', () => {
    const once = JSON.stringify(synth(highlyAvailable).objects);
    expect(JSON.stringify(synth(highlyAvailable).objects)).toBe(once);
  });

  test('dist/ holds exactly what the examples synthesize (npx cdk8s synth)', () => {
    for (const props of examples) {
      const app = Testing.app();
      new XrootdCluster(new Chart(app, props.name), 'cluster', props);
      const committed = readFileSync(new URL(`../../dist/${props.name}/${props.name}.k8s.yaml`, import.meta.url), 'utf8');
      expect(app.synthYaml()).toBe(committed);
    }
  });
});
