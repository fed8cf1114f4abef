import { isUpToDate, withAppliedHash } from '../../src/apply/drift.js';
import { isSubset } from '../../src/json.js';
import { fieldChanges } from '../../src/apply/diff.js';
import { inStages } from '../../src/apply/stages.js';
import type { KubeObject } from '../../src/kube/kinds.js';
import { synth } from '../helpers/synth.js';

const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data });

describe('drift', () => {
  test('live objects may carry server defaults; zero values the server drops count as equal', () => {
    expect(isSubset({ a: 1, b: { c: [{ d: 'x' }] } }, { a: 1, z: 2, b: { c: [{ d: 'x', protocol: 'TCP' }] } })).toBe(true);
    expect(isSubset({ readOnly: false, list: [], obj: {} }, {})).toBe(true);
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ c: [1, 2] }, { c: [1, 2, 3] })).toBe(false);
  });

  test('up to date needs the same applied hash and every desired field in place', () => {
    const desired = withAppliedHash(cm({ k: 'v' }));
    expect(isUpToDate(desired, undefined)).toBe(false);
    expect(isUpToDate(desired, { ...desired, metadata: { ...desired.metadata, resourceVersion: '7' } })).toBe(true);
    // A hand edit of a field we own.
    expect(isUpToDate(desired, { ...desired, data: { k: 'hacked' } })).toBe(false);
    // A field we stopped setting is still live: only the hash tells.
    const smaller = withAppliedHash(cm({}));
    expect(isUpToDate(smaller, desired)).toBe(false);
    expect(isUpToDate(desired, { ...desired, metadata: { ...desired.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(false);
  });
});

test('stages put what others depend on first, the workloads alone, and what only has to exist around them last', () => {
  const objects = synth({ name: 'x', worker: { replicas: 2 } }).objects as KubeObject[];
  const kinds = inStages(objects).map((s) => [...new Set(s.map((o) => o.kind))].sort());
  expect(kinds).toEqual([['ConfigMap', 'NetworkPolicy'], ['StatefulSet'], ['PodDisruptionBudget', 'Service']]);
  expect(() => inStages([{ kind: 'Pod' }])).toThrow('no apply stage for kind Pod');
});

test('field changes name each changed path and ignore what the server owns', () => {
  const live = { metadata: { name: 'a', resourceVersion: '1', managedFields: [] }, spec: { replicas: 2, ports: [{ port: 1 }] }, status: { x: 1 } };
  const after = { metadata: { name: 'a', resourceVersion: '2' }, spec: { replicas: 3, ports: [{ port: 1 }], extra: true }, status: { x: 2 } };
  expect(fieldChanges(live, after)).toEqual([{ path: 'spec.extra', to: true }, { path: 'spec.replicas', from: 2, to: 3 }]);
});
