import { synth } from '../helpers/synth.js';

describe('names at their length limits', () => {
  // The longest StatefulSet name is <name>-supervisor (11 more characters), at most 52.
  const at = (n: number) => 'a'.repeat(n);

  test('a 41-character name fits even with supervisors; 42 does not', () => {
    expect(() => synth({ name: at(41), worker: { replicas: 65 } })).not.toThrow();
    expect(() => synth({ name: at(42), worker: { replicas: 65 } })).toThrow(
      `name is too long: the StatefulSet name "${at(42)}-supervisor" has 53 characters, at most 52 allowed (its pods' controller-revision-hash label adds 11)`,
    );
  });

  test('without supervisors the redirector StatefulSet sets the same limit', () => {
    expect(() => synth({ name: at(41) })).not.toThrow();
    expect(() => synth({ name: at(42) })).toThrow('StatefulSet name "' + at(42) + '-redirector" has 53 characters');
  });

  test('per-pod DNS names stay within 253 characters', () => {
    expect(() => synth({ name: 'c', namespace: at(63), clusterDomain: `${at(60)}.${at(60)}.${at(50)}` })).toThrow(/per-pod DNS name "c-redirector-0\.c-redirector\..*" has 268 characters, at most 253 allowed/);
  });

  test('at the longest name every object and pod name of an exposed 1000-server cluster is a valid DNS label', () => {
    const c = synth({ name: at(41), worker: { replicas: 1000 }, expose: { type: 'NodePort' } });
    expect(c.all('Service').length).toBeGreaterThan(1000);
    for (const o of c.objects) expect(o.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(c.cluster.model.names.pod('worker', 999).length).toBeLessThanOrEqual(63);
  });
});
