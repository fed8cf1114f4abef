import { CONFIG_FILE, renderConfigFiles, resolveCluster } from '../../constructs/index.js';
import { decideAutoExpand, type AutoExpandInput } from '../../src/agent/auto-expand.js';
import type { ClaimObject } from '../../src/agent/views.js';

const GiB = 2 ** 30;
const policy = { freePercent: 20, stepPercent: 50, maxCapacity: '4Gi' };
const T0 = '2026-12-06T10:00:00.000Z';
const ms = Date.parse(T0);
const claim = (pod: string, asked: string, capacity = asked, phase = 'Bound'): ClaimObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `data-${pod}`, namespace: 'ns' },
  spec: { resources: { requests: { storage: asked } } }, status: { phase, capacity: { storage: capacity } },
} as ClaimObject);
const space = (pod: string, gib: number, freePercent: number, reportedAt = ms) => ({
  pod, bytes: Math.floor(gib * GiB * 0.98), freeBytes: Math.ceil((gib * GiB * 0.98 * freePercent) / 100), reportedAt,
});
const claims = (...cs: ClaimObject[]) => new Map(cs.map((c) => [c.metadata.name.replace(/^data-/, ''), c]));
const input = (o: Partial<AutoExpandInput>): AutoExpandInput => ({ policy, spaces: [], claims: claims(claim('c-worker-0', '1Gi')), now: T0, ...o });

test('a data server below freePercent: its claim alone grows by stepPercent, in whole Gi', () => {
  const step = decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi'), claim('c-worker-1', '2Gi')), spaces: [space('c-worker-0', 2, 50), space('c-worker-1', 2, 12)] }));
  expect(step.grow).toMatchObject({ pod: 'c-worker-1', from: '2Gi', to: '3Gi', freePercent: 12 });
  expect(step.grow!.claim.metadata.name).toBe('data-c-worker-1');
  expect(step.status).toEqual({ grown: [{ claim: 'data-c-worker-1', from: '2Gi', to: '3Gi', at: T0, freePercent: 12, fileSystemBytes: Math.floor(2 * GiB * 0.98) }] });
  // Enough room: nothing.
  expect(decideAutoExpand(input({ spaces: [space('c-worker-0', 1, 20)] }))).toEqual({ status: {} });
});

test('never past maxCapacity: the last step stops there, and a full server at the ceiling is reported', () => {
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '3Gi')), spaces: [space('c-worker-0', 3, 5)] })).grow?.to).toBe('4Gi');
  const atMax = decideAutoExpand(input({ claims: claims(claim('c-worker-0', '4Gi')), spaces: [space('c-worker-0', 4, 5)] }));
  expect(atMax.grow).toBeUndefined();
  expect(atMax.status).toEqual({ full: [{ pod: 'c-worker-0', claim: 'data-c-worker-0', freePercent: 5, reason: 'at spec.worker.storage.autoExpand.maxCapacity (4Gi)' }] });
  const refused = decideAutoExpand(input({ spaces: [space('c-worker-0', 1, 5)], refused: new Map([['data-c-worker-0', 'StorageClass standard does not allow volume expansion']]) }));
  expect(refused.status?.full?.[0].reason).toBe('StorageClass standard does not allow volume expansion');
  expect(refused.grow).toBeUndefined();
});

test('nothing is decided on figures that may predate the last growth, or without figures', () => {
  // Growing: the claim asks more than it has.
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi', '1Gi')), spaces: [space('c-worker-0', 1, 5)] })).grow).toBeUndefined();
  // Grown, but the file system reported is still the old size (the kubelet has not grown it, or the report is older).
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi')), spaces: [space('c-worker-0', 1, 5)] })).grow).toBeUndefined();
  // A report from before the last growth.
  const previous = { grown: [{ claim: 'data-c-worker-0', from: '1Gi', to: '2Gi', at: new Date(ms + 1000).toISOString(), freePercent: 5 }] };
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi')), spaces: [space('c-worker-0', 2, 5, ms)], previous })).grow).toBeUndefined();
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi')), spaces: [space('c-worker-0', 2, 5, ms + 2000)], previous })).grow?.to).toBe('3Gi');
  // A report after the growth whose file system is no larger than at the growth (not resized, or not this claim's): nothing,
  // and once the growth is overdue it is reported; a file system far larger than the claim is not its own.
  const sized = { grown: [{ ...previous.grown[0], fileSystemBytes: Math.floor(2 * GiB * 0.98) }] };
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi')), spaces: [space('c-worker-0', 2, 5, ms + 2000)], previous: sized })).grow).toBeUndefined();
  const overdue = decideAutoExpand(input({ claims: claims(claim('c-worker-0', '2Gi')), spaces: [space('c-worker-0', 2, 5, ms + 2000)], previous: sized, now: new Date(ms + 700_000).toISOString() }));
  expect(overdue.status?.full?.[0].reason).toMatch(/^its file system has not grown since the claim was asked for 2Gi at /);
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '1Gi')), spaces: [space('c-worker-0', 100, 5)] })).grow).toBeUndefined();
  // A growth the API server refused: reported, not asked again meanwhile.
  const refused = decideAutoExpand(input({ spaces: [space('c-worker-0', 1, 5)], refused: new Map([['data-c-worker-0', 'exceeded quota']]) }));
  expect([refused.grow, refused.status?.full?.[0].reason]).toEqual([undefined, 'exceeded quota']);
  // An unbound claim, no report for the pod, the collector not answering: nothing, and status kept.
  expect(decideAutoExpand(input({ claims: claims(claim('c-worker-0', '1Gi', '1Gi', 'Pending')), spaces: [space('c-worker-0', 1, 5)] })).grow).toBeUndefined();
  expect(decideAutoExpand(input({ spaces: [space('c-worker-9', 1, 5)] })).grow).toBeUndefined();
  expect(decideAutoExpand(input({ spaces: undefined, previous }))).toEqual({ status: previous });
  // No policy: no status at all.
  expect(decideAutoExpand(input({ policy: undefined, spaces: [space('c-worker-0', 1, 5)] }))).toEqual({});
});

test('one claim per reconcile', () => {
  const step = decideAutoExpand(input({ claims: claims(claim('c-worker-0', '1Gi'), claim('c-worker-1', '1Gi')), spaces: [space('c-worker-0', 1, 5), space('c-worker-1', 1, 5)] }));
  expect(step.grow?.pod).toBe('c-worker-0');
  expect(step.status?.grown).toHaveLength(1);
});

test('the spec: a ceiling below the size asked, no collector to read free space from, or a cache cluster are refused, naming the field', () => {
  const resolve = (props: Record<string, unknown>) => resolveCluster(props as unknown as Parameters<typeof resolveCluster>[0]);
  const base = { name: 'c', namespace: 'ns', version: '5.8.1', monitoring: { enabled: true } };
  const storage = (autoExpand: Record<string, unknown>) => ({ worker: { replicas: 2, storage: { capacity: '2Gi', autoExpand } } });
  expect(resolve({ ...base, ...storage({ maxCapacity: '4Gi' }) }).spec.worker.storage.autoExpand).toEqual({ freePercent: 20, stepPercent: 50, maxCapacity: '4Gi' });
  // The managers ask the data servers for their free space every minute instead of every 10 (ping x usage):
  // redirectors always do (10 s pings, every 6th asks), supervisors and redirectors below a meta-manager with it.
  const config = (s: Record<string, unknown>) => renderConfigFiles(resolve(s))[CONFIG_FILE];
  const managed = config({ ...base, ...storage({ maxCapacity: '4Gi' }), federation: { upstream: ['meta.example.org:1213'] } });
  expect(managed).toMatch(/^if named redirector\n(?: {2}.*\n)* {2}cms\.ping 60 usage 1\n/m);
  expect(config({ ...base, worker: { replicas: 2 }, federation: { upstream: ['meta.example.org:1213'] } })).not.toContain('cms.ping');
  expect(config({ ...base, ...storage({ maxCapacity: '4Gi' }) })).toMatch(/^if named redirector\n(?: {2}.*\n)* {2}cms\.ping 10 usage 6\n/m);
  expect(() => resolve({ ...base, ...storage({ maxCapacity: '1Gi' }) })).toThrow('worker.storage.autoExpand.maxCapacity must be a size of at least worker.storage.capacity (2Gi)');
  expect(() => resolve({ ...base, ...storage({}) })).toThrow(/worker\.storage\.autoExpand\.maxCapacity.*required/);
  expect(() => resolve({ ...base, ...storage({ maxCapacity: '4Gi', freePercent: 2 }) })).toThrow(/worker\.storage\.autoExpand\.freePercent/);
  expect(() => resolve({ ...base, monitoring: { enabled: false }, ...storage({ maxCapacity: '4Gi' }) }))
    .toThrow('worker.storage.autoExpand needs monitoring.enabled: the agent reads each data server\'s free space from the cluster\'s collector');
  expect(() => resolve({ ...base, cache: { origin: { address: 'o:1094' } }, ...storage({ maxCapacity: '4Gi' }) }))
    .toThrow('worker.storage.autoExpand is for data clusters');
});
