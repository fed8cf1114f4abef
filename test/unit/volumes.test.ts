import { claimsOf, volumeChange, volumesStatus } from '../../src/agent/volumes.js';
import { claimEssentials, type ClaimObject, type StatefulSetWithClaims } from '../../src/agent/views.js';

const sts = (size: string, opts: { class?: string; modes?: string[]; replicas?: number } = {}): StatefulSetWithClaims => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'c-worker', namespace: 'ns' },
  spec: {
    replicas: opts.replicas ?? 3,
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: opts.class, accessModes: opts.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: size } } } }],
  },
});

const claim = (name: string, asked: string, has: string, extra: Partial<NonNullable<ClaimObject['status']>> = {}): ClaimObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'ns' },
  spec: { resources: { requests: { storage: asked } } },
  status: { phase: 'Bound', capacity: { storage: has }, ...extra },
});

describe('volumeChange', () => {
  test('nothing to do without a live StatefulSet or with the same size in other units', () => {
    expect(volumeChange(sts('1Gi'), undefined)).toEqual({ kind: 'none' });
    expect(volumeChange(sts('1Gi'), sts('1024Mi'))).toEqual({ kind: 'none' });
  });

  test('a larger size is an expansion of that template', () => {
    expect(volumeChange(sts('2Gi', { class: 'fast' }), sts('1Gi', { class: 'fast' })))
      .toEqual({ kind: 'expand', statefulSet: 'c-worker', template: 'data', from: '1Gi', to: '2Gi', storageClass: 'fast' });
    expect(volumeChange(sts('1025Mi'), sts('1Gi'))).toMatchObject({ kind: 'expand', from: '1Gi', to: '1025Mi', storageClass: undefined });
  });

  test('a smaller size, another class or other access modes are refused, naming the field', () => {
    expect(volumeChange(sts('1Gi'), sts('2Gi'))).toEqual({ kind: 'refused', message: expect.stringMatching(/^spec\.worker\.storage\.capacity may grow but never shrink \(from 2Gi to 1Gi\)/) });
    expect(volumeChange(sts('1Gi', { class: 'slow' }), sts('1Gi', { class: 'fast' })).kind).toBe('refused');
    expect(volumeChange(sts('1Gi', { class: 'slow' }), sts('1Gi'))).toEqual({ kind: 'refused', message: expect.stringContaining('spec.worker.storage.class cannot change (from the cluster default to slow)') });
    expect(volumeChange(sts('2Gi', { modes: ['ReadWriteMany'] }), sts('1Gi'))).toEqual({ kind: 'refused', message: expect.stringContaining('spec.worker.storage.accessModes cannot change') });
  });
});

test('a cache server\'s data disks (cache-data-<n>) grow as the first volume does; their refusals name spec.cache.dataDisks', () => {
  const cache = (size: string): StatefulSetWithClaims => {
    const base = sts('1Gi');
    return { ...base, spec: { ...base.spec, volumeClaimTemplates: [...base.spec!.volumeClaimTemplates!,
      { metadata: { name: 'cache-data-0' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } }] } };
  };
  expect(volumeChange(cache('200Gi'), cache('100Gi'))).toEqual({ kind: 'expand', statefulSet: 'c-worker', template: 'cache-data-0', from: '100Gi', to: '200Gi', storageClass: undefined });
  expect(volumeChange(cache('50Gi'), cache('100Gi'))).toEqual({ kind: 'refused', message: expect.stringMatching(/^spec\.cache\.dataDisks\.capacity may grow but never shrink \(from 100Gi to 50Gi\)/) });
});

describe('claimsOf', () => {
  test('only the claims the StatefulSet made from the template, by ordinal, not those being deleted', () => {
    const found = claimsOf([
      claim('data-c-worker-0', '1Gi', '1Gi'), claim('data-c-worker-12', '1Gi', '1Gi'), claim('data-c-worker-x', '1Gi', '1Gi'),
      claim('data-c-worker-01', '1Gi', '1Gi'), claim('data-c-worker-extra-1', '1Gi', '1Gi'), claim('logs-c-worker-1', '1Gi', '1Gi'),
      { ...claim('data-c-worker-3', '1Gi', '1Gi'), metadata: { name: 'data-c-worker-3', namespace: 'ns', deletionTimestamp: '2026-01-01T00:00:00Z' } },
    ], 'data', 'c-worker');
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([0, 12]);
  });
});

describe('volumesStatus', () => {
  test('the volumes below the size asked, each with what it waits for', () => {
    const v = volumesStatus({
      desired: sts('2Gi'),
      claims: [
        claim('data-c-worker-0', '2Gi', '2Gi'),
        claim('data-c-worker-1', '2Gi', '1Gi', { conditions: [{ type: 'FileSystemResizePending', status: 'True' }] }),
        claim('data-c-worker-2', '2Gi', '1Gi'),
      ],
    });
    expect(v).toEqual({
      capacity: '2Gi', claims: 3, atCapacity: 1,
      expanding: [
        { claim: 'data-c-worker-1', capacity: '1Gi', waitingFor: 'the kubelet to grow the file system (it does while the pod runs)' },
        { claim: 'data-c-worker-2', capacity: '1Gi', waitingFor: 'the storage driver to grow the volume' },
      ],
    });
  });

  test('claims above the replicas are kept volumes of removed data servers', () => {
    const v = volumesStatus({ desired: sts('1Gi', { replicas: 1 }), claims: [claim('data-c-worker-0', '1Gi', '1Gi'), claim('data-c-worker-2', '1Gi', '1Gi')] });
    expect(v).toEqual({ capacity: '1Gi', claims: 1, atCapacity: 1, retained: [{ claim: 'data-c-worker-2', pod: 'c-worker-2' }] });
  });

  test('a kept volume a drain copied away says when', () => {
    const drained = { ...claim('data-c-worker-2', '1Gi', '1Gi'), metadata: { name: 'data-c-worker-2', annotations: { 'xrootd.org/drained-at': '2026-12-02T07:00:00Z', other: 'x' } } };
    expect(claimEssentials(drained).metadata.annotations).toEqual({ 'xrootd.org/drained-at': '2026-12-02T07:00:00Z' });
    const v = volumesStatus({ desired: sts('1Gi', { replicas: 1 }), claims: [claim('data-c-worker-0', '1Gi', '1Gi'), claimEssentials(drained)] });
    expect(v?.retained).toEqual([{ claim: 'data-c-worker-2', pod: 'c-worker-2', drainedAt: '2026-12-02T07:00:00Z' }]);
  });

  test('nothing for a StatefulSet without claim templates', () => {
    expect(volumesStatus({ desired: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'r' }, spec: {} }, claims: [] })).toBeUndefined();
  });
});

test('claimEssentials keeps the sizes and the true conditions, not the rest', () => {
  const kept = claimEssentials({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-c-worker-0', namespace: 'ns', uid: 'u', labels: { a: 'b' }, managedFields: [{}] } as never,
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, volumeName: 'pv-1', storageClassName: 'fast' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, conditions: [{ type: 'Resizing', status: 'False' }, { type: 'FileSystemResizePending', status: 'True', message: 'm' }] },
  } as never);
  expect(kept).toEqual({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-c-worker-0', namespace: 'ns', uid: 'u', labels: { a: 'b' } },
    spec: { storageClassName: 'fast', volumeName: 'pv-1', resources: { requests: { storage: '2Gi' } } },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True', message: 'm' }] },
  });
});

test('status text shows the volumes still growing and the ones kept after a scale-down', async () => {
  const { formatStatus } = await import('../../src/cli/status.js');
  const text = formatStatus({
    metadata: { name: 'grow', namespace: 'physics', generation: 3 },
    status: {
      observedGeneration: 3, currentVersion: '5.9.1', targetVersion: '5.9.1',
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'Degraded', status: 'False' }, { type: 'VolumesExpanding', status: 'True' }],
      workers: { replicas: 2, ready: 2, updated: 2, version: '5.9.1', targetVersion: '5.9.1' },
      volumes: {
        capacity: '2Gi', claims: 2, atCapacity: 1,
        expanding: [{ claim: 'data-grow-worker-1', capacity: '1Gi', waitingFor: 'the kubelet to grow the file system (it does while the pod runs)' }],
        retained: [{ claim: 'data-grow-worker-2', pod: 'grow-worker-2' }],
      },
    },
  });
  expect(text.split('\n')).toEqual([
    'physics/grow  version 5.9.1  Ready',
    '  data servers    2/2 ready     2/2 updated [####################]  5.9.1',
    '  volumes      1/2 at 2Gi [##########..........]',
    '               data-grow-worker-1 has 1Gi, waiting for the kubelet to grow the file system (it does while the pod runs)',
    '  kept         data-grow-worker-2 (was grow-worker-2): its files are not served',
  ]);
});
