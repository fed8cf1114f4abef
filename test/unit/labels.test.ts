import { synth } from '../helpers/synth.js';

test('data volume labels carry no version: volumeClaimTemplates are immutable, upgrades must not touch them', () => {
  const a = synth({ name: 'x', version: '5.5.3', worker: { replicas: 1 } }).get('StatefulSet', 'x-worker');
  const b = synth({ name: 'x', version: '5.8.1', worker: { replicas: 1 } }).get('StatefulSet', 'x-worker');
  expect(a.spec.volumeClaimTemplates).toEqual(b.spec.volumeClaimTemplates);
  expect(a.spec.volumeClaimTemplates[0].metadata.labels['xrootd.org/cluster']).toBe('x');
});
