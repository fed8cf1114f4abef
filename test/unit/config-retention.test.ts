import { retainedConfigMaps } from '../../src/agent/config-retention.js';
import { podEssentials, readyPodsOf, type PodObject, type RoleView } from '../../src/agent/views.js';

describe('configuration kept for earlier revisions', () => {
  const role = (o: Partial<RoleView> = {}): RoleView => ({ role: 'worker', statefulSet: 'c-worker', replicas: 2, exists: true, templateChanging: false, partition: 0,
    updateRevision: 'r2', currentRevision: 'r2', pods: [], ...o });
  const pod = (config: string): PodObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: config } }] } }) as PodObject;

  test('every configuration stays while a role is between revisions, or about to be', () => {
    expect(retainedConfigMaps([role({ currentRevision: 'r1' })], [])).toBe('all');
    expect(retainedConfigMaps([role({ templateChanging: true })], [])).toBe('all');
    expect(retainedConfigMaps([role({ statusBehind: true })], [])).toBe('all');
    expect(retainedConfigMaps([role({ currentRevision: undefined, updateRevision: undefined })], [])).toBe('all');
  });

  test('once every role is settled, only what pods still mount stays', () => {
    expect(retainedConfigMaps([role(), role({ role: 'redirector', exists: false })], [pod('c-config-a'), pod('c-config-b')])).toEqual(new Set(['c-config-a', 'c-config-b']));
    expect(retainedConfigMaps([role()], [])).toEqual(new Set());
  });

  test('the pod cache keeps what the agent reads of a pod, and nothing else', () => {
    const full = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'c-worker-0', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { 'controller-revision-hash': 'r2' }, annotations: { big: 'x'.repeat(1000) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'c-worker', uid: 's', controller: true }], deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: { containers: [{ name: 'xrootd', image: 'i', env: [{ name: 'A', value: 'b' }] }], volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'c-config-r2' } }] },
      status: { phase: 'Running', podIP: '10.0.0.5', containerStatuses: [{ name: 'xrootd', ready: true }],
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    };
    const kept = podEssentials(full);
    expect(kept).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'c-worker-0', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { 'controller-revision-hash': 'r2' }, ownerReferences: full.metadata.ownerReferences, deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: { volumes: [{ configMap: { name: 'c-config-r2' } }] },
      status: { podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    });
    // What readers compute from it is what they computed from the whole pod.
    expect(retainedConfigMaps([role()], [kept])).toEqual(retainedConfigMaps([role()], [full as PodObject]));
    expect(readyPodsOf([kept])).toEqual(readyPodsOf([full as PodObject]));
    // A pending pod: no Ready condition and no address.
    expect(podEssentials({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Pending' } })).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, status: {} });
  });
});
