/** The agent's decisions reach rendering by one route (constructs/decisions.ts), and a model resolved once renders as its props do. */
import { App, Chart, Testing } from 'cdk8s';
import { resolveCluster, withDecisions, XrootdCluster, type ClusterModel, type XrootdClusterProps } from '../../constructs/index.js';
import { siteCluster } from '../../examples/escape-hatch.js';
import { synth, type Manifest } from '../helpers/synth.js';

const render = (model: ClusterModel): Manifest[] => {
  const chart = new Chart(new App(), model.name);
  new XrootdCluster(chart, 'cluster', { model });
  return chart.toJson();
};
const props: XrootdClusterProps = { name: 'c', worker: { replicas: 4, scaleDown: 'Drain' }, security: { tls: { secretName: 't' } } };

describe('one route for the agent\'s decisions', () => {
  test('a model resolved once renders exactly what the same props and decisions render', () => {
    const decisions = { tlsSecretRevision: 'abc123', partitions: { worker: 2 } };
    expect(render(resolveCluster({ ...props, decisions }))).toEqual(synth({ ...props, decisions }).objects);
  });

  test('partitions decided on the model change only the StatefulSets\' partitions', () => {
    const model = resolveCluster(props);
    const before = render(model);
    const after = render(withDecisions(model, { partitions: { worker: 3, redirector: 1 } }));
    const partition = (objects: Manifest[], name: string) => objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name).spec.updateStrategy.rollingUpdate.partition;
    expect([partition(after, 'c-worker'), partition(after, 'c-redirector')]).toEqual([3, 1]);
    const withoutPartitions = (objects: Manifest[]) => objects.map((o) => (o.kind === 'StatefulSet'
      ? { ...o, spec: { ...o.spec, updateStrategy: { type: o.spec.updateStrategy.type } } } : o));
    expect(withoutPartitions(after)).toEqual(withoutPartitions(before));
  });

  test('a drain holds the data servers, puts the drained ones in maintenance and renders the copy Job with the cluster', () => {
    const s = synth({ ...props, worker: { replicas: 2, scaleDown: 'Drain' },
      decisions: { drain: { replicas: 4, maintenance: [2, 3], job: { ordinal: 3, targets: [0, 1], generation: 7 } } } });
    expect(s.get('StatefulSet', 'c-worker').spec.replicas).toBe(4);
    expect(s.get('ConfigMap', 'c-maintenance').data).toEqual({ ordinals: '2\n3\n' });
    const [job] = s.all('Job');
    expect(job.metadata.labels['xrootd.org/drain-of']).toBe('3');
    expect(job.metadata.annotations).toEqual({ 'xrootd.org/drain-targets': '0,1', 'xrootd.org/spec-generation': '7' });
    expect(s.objects.at(-1)).toBe(job);
    expect(synth({ ...props, worker: { replicas: 2, scaleDown: 'Drain' } }).all('Job')).toEqual([]);
  });

  test('decisions are checked like the spec: each broken rule names its field, and nothing renders', () => {
    expect(() => resolveCluster({ ...props, decisions: { replicas: 3 } as never })).toThrow('decisions.replicas is not a known field');
    expect(() => withDecisions(resolveCluster(props), { partitions: { worker: -1 } })).toThrow('decisions.partitions.worker must be a whole number >= 0');
    const drainingItself = { replicas: 4, maintenance: [], job: { ordinal: 3, targets: [3], generation: 1 } };
    expect(() => resolveCluster({ ...props, decisions: { drain: drainingItself } }))
      .toThrow('decisions.drain.job must drain one data server');
    expect(() => resolveCluster({ ...props, decisions: 'all' as never })).toThrow('decisions must be an object');
  });
});

describe('the escape hatch (examples/escape-hatch.ts)', () => {
  test('a library user patches what the props do not cover on the objects the cluster exposes', () => {
    const chart = new Chart(Testing.app(), 'site');
    const cluster = siteCluster(chart);
    const objects: Manifest[] = Testing.synth(chart);
    const workers = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'site-worker');
    expect(workers.spec.template.spec.priorityClassName).toBe('xrootd-data');
    expect(workers.metadata.labels['site.example.org/tier']).toBe('storage');
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === cluster.model.names.clientService()).metadata.annotations)
      .toMatchObject({ 'lb.example.org/pool': 'public' });
    expect(cluster.apiObjects.map((o) => `${o.kind}/${o.name}`)).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(cluster.statefulSet('supervisor')).toBeUndefined();
  });
});
