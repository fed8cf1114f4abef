import { type Chart, Testing } from 'cdk8s';
import { xrootdCrd, xrootdVersionCrd } from '../../constructs/index.js';
import { xrootdSpecSchema } from '../../constructs/api/schema.js';
import { applySchema, type SpecIssue } from '../../constructs/api/validate.js';
import { Xrootd } from '../../imports/xrootd.org.js';

describe('CRDs', () => {
  const crd = xrootdCrd() as any;
  const version = crd.spec.versions[0];

  test('Xrootd: namespaced, status and scale subresources on the data servers', () => {
    expect(crd.metadata.name).toBe('xrootds.xrootd.org');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names.shortNames).toEqual(['xrd']);
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.worker.replicas', statusReplicasPath: '.status.workers.replicas', labelSelectorPath: '.status.workerSelector' },
    });
  });

  test('the spec schema is the library\'s, field for field', () => {
    const spec = version.schema.openAPIV3Schema.properties.spec;
    expect(Object.keys(spec.properties)).toEqual(Object.keys(xrootdSpecSchema.fields));
    // Field names of the 2020 Go operator are kept.
    expect(spec.properties.version.type).toBe('string');
    expect(spec.properties.redirector.properties.replicas.type).toBe('integer');
    expect(spec.properties.worker.properties.storage.properties.class.type).toBe('string');
    expect(spec.properties.worker.properties.storage.properties.capacity.type).toBe('string');
  });

  test('status.drain has no default: a drain the agent cleared stays absent, not `{}`', () => {
    const status = version.schema.openAPIV3Schema.properties.status;
    expect(status.properties.drain.type).toBe('object');
    expect(status.properties.drain.default).toBeUndefined();
  });

  test('XrootdVersion is cluster-scoped', () => {
    expect((xrootdVersionCrd() as any).spec.scope).toBe('Cluster');
  });
});

test('the imported Xrootd class writes a resource whose spec the library accepts', () => {
  const chart = Testing.chart();
  new Xrootd(chart, 'x', { metadata: { name: 'physics', namespace: 'xrootd' }, spec: { version: '5.9.1', worker: { replicas: 3 } } });
  const [obj] = Testing.synth(chart as Chart);
  expect(obj).toMatchObject({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', spec: { worker: { replicas: 3 } } });
  const issues: SpecIssue[] = [];
  applySchema(xrootdSpecSchema, obj.spec, 'spec', issues);
  expect(issues).toEqual([]);
});
