import { resolveCluster } from '../../constructs/index.js';
import { computeStatus } from '../../src/agent/status.js';
import type { StatefulSetView } from '../../src/agent/views.js';
import { sameStatus } from '../../src/agent/conditions.js';
import { mergePatch } from '../../src/kube/merge-patch.js';

describe('status', () => {
  const model = resolveCluster({ name: 'x', namespace: 'n', worker: { replicas: 2 } });
  const sts = (replicas: number, ready: number, revision = 'r1'): StatefulSetView => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', generation: 1 },
    status: { observedGeneration: 1, replicas, readyReplicas: ready, updatedReplicas: replicas, currentRevision: 'r1', updateRevision: revision },
  });
  const now = '2026-11-23T00:00:00Z';

  test('Ready when every role is ready on its current revision; Progressing otherwise', () => {
    const ready = computeStatus({ generation: 3, model, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 2)]]), now });
    expect(ready.conditions!.map((c) => [c.type, c.status])).toEqual([['Ready', 'True'], ['Progressing', 'False'], ['Degraded', 'False'], ['Stalled', 'False'], ['Deprecated', 'False'], ['InsecureWritableExport', 'True']]);
    expect(ready).toMatchObject({
      observedGeneration: 3, workers: { replicas: 2, ready: 2 }, currentVersion: model.spec.version, image: model.image,
    });
    expect(ready.workerSelector).toBe('app.kubernetes.io/name=xrootd,app.kubernetes.io/instance=x,app.kubernetes.io/component=worker');

    const rolling = computeStatus({ generation: 3, model, previous: ready, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 1, 'r2')]]), now: '2026-11-23T01:00:00Z' });
    expect(rolling.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', message: 'waiting for workers 1/2 ready', lastTransitionTime: '2026-11-23T01:00:00Z' });
    // Degraded did not change: its transition time stays.
    expect(rolling.conditions!.find((c) => c.type === 'Degraded')!.lastTransitionTime).toBe(now);
  });

  test('pods that were ready on the current spec and stop being ready are Degraded (not Progressing, not Stalled) until they are back', () => {
    const conds = (x: ReturnType<typeof computeStatus>) => x.conditions!.slice(0, 4).map((c) => [c.type, c.status, c.reason]);
    const map = (workersReady: number) => new Map([['redirector', sts(1, 1)], ['worker', sts(2, workersReady)]] as const);
    // Never all ready yet (a new cluster): still coming up, not degraded.
    const starting = computeStatus({ generation: 3, model, statefulSets: map(1), now });
    expect(conds(starting)).toEqual([['Ready', 'False', 'Progressing'], ['Progressing', 'True', 'RollingOut'], ['Degraded', 'False', 'Healthy'], ['Stalled', 'False', 'Healthy']]);
    const ready = computeStatus({ generation: 3, model, previous: starting, statefulSets: map(2), now });
    const lost = computeStatus({ generation: 3, model, previous: ready, statefulSets: map(1), now });
    expect(conds(lost)).toEqual([['Ready', 'False', 'PodsNotReady'], ['Progressing', 'False', 'PodsNotReady'], ['Degraded', 'True', 'PodsNotReady'], ['Stalled', 'False', 'Recovering']]);
    expect(lost.conditions![2].message).toBe('pods that were ready on the current spec are not: workers 1/2 ready; the kubelet restarts failed containers (see the pods\' events)');
    // It stays Degraded while the pod is down, then recovers.
    const still = computeStatus({ generation: 3, model, previous: lost, statefulSets: map(0), now });
    expect(still.conditions![2]).toMatchObject({ status: 'True', reason: 'PodsNotReady' });
    const back = computeStatus({ generation: 3, model, previous: still, statefulSets: map(2), now });
    expect(conds(back)).toEqual([['Ready', 'True', 'Ready'], ['Progressing', 'False', 'Ready'], ['Degraded', 'False', 'Healthy'], ['Stalled', 'False', 'Healthy']]);
    // A new generation (scaled up) is progress, not loss.
    const scaled = computeStatus({ generation: 4, model, previous: back, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 1, 'r2')]] as const), now });
    expect(scaled.conditions![2]).toMatchObject({ status: 'False' });
  });

  test('a failure is Degraded with its reason, and claims nothing else', () => {
    const s = computeStatus({ generation: 2, failure: { reason: 'InvalidSpec', message: 'spec.version must be in the catalog' }, statefulSets: new Map(), now });
    expect(s.conditions!.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'spec.version must be in the catalog' });
    expect(s.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
  });

  test('Ready remembers the spec it was reached with; a rollback is Degraded until the spec changes', () => {
    const spec = { version: '5.9.1', worker: { replicas: 2 } };
    const steady = new Map([['redirector', sts(1, 1)], ['worker', sts(2, 2)]] as const);
    const ready = computeStatus({ generation: 3, model, statefulSets: steady, spec, now });
    expect(ready.lastReadySpec).toEqual(spec);
    const rolledBack = { generation: 4, fromVersion: '6.0.0', toVersion: '5.9.1', stuckPod: 'x-worker-1', at: now };
    const back = computeStatus({ generation: 4, model, previous: ready, statefulSets: steady, spec: { ...spec, version: '6.0.0' }, rolledBack, now });
    expect(back.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'RolledBack'], ['Progressing', 'False', 'RolledBack'], ['Degraded', 'True', 'RolledBack'], ['Stalled', 'True', 'RolledBack'], ['Deprecated', 'False', 'Supported'], ['InsecureWritableExport', 'True', 'NoAuthorization']]);
    expect(back.conditions![2].message).toBe('rollout of 6.0.0 (generation 4) stopped at x-worker-1; rolled back to 5.9.1 until the spec changes');
    // The spec that failed never becomes the one to return to.
    expect(back.lastReadySpec).toEqual(spec);
    expect(back.rolledBack).toEqual(rolledBack);
  });

  test('a deprecated version is its own condition', () => {
    const old = resolveCluster({ name: 'x', namespace: 'n', version: '5.5.3' });
    const s = computeStatus({ generation: 1, model: old, statefulSets: new Map(), now });
    expect(s.conditions!.find((c) => c.type === 'Deprecated')).toMatchObject({ status: 'True', reason: 'DeprecatedVersion' });
    expect(s.conditions!.find((c) => c.type === 'Deprecated')!.message).toMatch(/^version 5\.5\.3 is deprecated: /);
    expect(s.conditions!.find((c) => c.type === 'Degraded')!.status).toBe('False');
  });

  test('a merge patch sends null for every key that went away, at any depth', () => {
    const before = { rollout: { phase: 'Stuck', stuckPod: 'p' }, rolledBack: { generation: 1 }, spec: { a: [1, 2] }, keep: 1 };
    const after = { rollout: { phase: 'Rolling' }, spec: { a: [1] }, keep: 1 };
    expect(mergePatch(before, after)).toEqual({ rollout: { phase: 'Rolling', stuckPod: null }, rolledBack: null, spec: { a: [1] }, keep: 1 });
    expect(mergePatch(undefined, after)).toEqual(after);
  });

  test('statuses differing only in timestamps or empty objects are the same', () => {
    const a = computeStatus({ generation: 1, model, statefulSets: new Map(), now });
    const b = computeStatus({ generation: 1, model, statefulSets: new Map(), now: '2027-01-01T00:00:00Z' });
    expect(sameStatus({ ...a, supervisors: {} }, b)).toBe(true);
    expect(sameStatus(a, { ...b, observedGeneration: 2 })).toBe(false);
  });
});
