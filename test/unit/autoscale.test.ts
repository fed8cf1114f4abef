import { CONFIG_FILE, renderConfigFiles, resolveCluster, SpecValidationError } from '../../constructs/index.js';
import { decideAutoscale, type AutoscaleInput, type AutoscaleStep } from '../../src/agent/autoscale.js';
import type { PodView } from '../../src/agent/views.js';

const GiB = 2 ** 30;
const policy = {
  minReplicas: 2, maxReplicas: 4, freePercent: 20, scaleDownFreePercent: 60, scaleDownAfterSeconds: 3600, coolDownSeconds: 600,
};
const T0 = '2026-12-06T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const podName = (o: number) => `c-worker-${o}`;
const pods = (n: number, ready = true): PodView[] =>
  Array.from({ length: n }, (_, o) => ({ ordinal: o, name: podName(o), ready, deleting: false }));
/** Each server's size in GiB and free share. */
const spaces = (...servers: Array<[number, number]>) => servers.map(([gib, freePercent], o) => ({
  pod: podName(o), bytes: gib * GiB, freeBytes: Math.round((gib * GiB * freePercent) / 100), reportedAt: Date.parse(T0),
}));
/** A step that changes nothing. */
const unchanged = (step: AutoscaleStep): AutoscaleStep => { expect(step.change).toBeUndefined(); return step; };
const input = (o: Partial<AutoscaleInput>): AutoscaleInput => ({
  policy, specReplicas: 2, live: 2, pods: pods(2), maintenance: [], now: T0, podName, spaces: spaces([10, 50], [10, 50]), ...o,
});

test('below freePercent with no volume able to grow: one data server is added, then nothing until it is in service and the cool-down has passed', () => {
  const step = decideAutoscale(input({ spaces: spaces([10, 15], [10, 20]) }));
  expect(step.replicas).toBe(3);
  expect(step.change).toEqual({ from: 2, to: 3, message: '17% free, below worker.autoscale.freePercent (20%): c-worker-2 added' });
  expect(step.status).toMatchObject({ replicas: 3, lastScaledAt: T0, freePercent: 17 });
  // The StatefulSet not yet at 3, then the new server not Ready, then not reporting: the number stays.
  expect(decideAutoscale(input({ previous: step.status, spaces: spaces([10, 10], [10, 10]) }))).toMatchObject({ replicas: 3, status: { message: 'adding data servers: 2 running, 3 chosen' } });
  const starting = [...pods(2), { ordinal: 2, name: podName(2), ready: false, deleting: false }];
  expect(decideAutoscale(input({ previous: step.status, live: 3, pods: starting })).status?.message)
    .toBe('waiting for c-worker-2 to be Ready');
  expect(decideAutoscale(input({ previous: step.status, live: 3, pods: pods(3), spaces: spaces([10, 10], [10, 10]) })).status?.message)
    .toBe('waiting for the free space of c-worker-2 (its first report)');
  // In service and still below: the cool-down holds the next one.
  const full = spaces([10, 10], [10, 10], [10, 15]);
  expect(unchanged(decideAutoscale(input({ previous: step.status, live: 3, pods: pods(3), spaces: full, now: later(300) }))))
    .toMatchObject({ replicas: 3, status: { message: '11% free: adding a data server after the cool-down (worker.autoscale.coolDownSeconds)' } });
  expect(decideAutoscale(input({ previous: step.status, live: 3, pods: pods(3), spaces: full, now: later(601) })).change)
    .toMatchObject({ from: 3, to: 4 });
});

test('a volume that can still grow grows first; at maxReplicas the cluster is reported full, once', () => {
  expect(unchanged(decideAutoscale(input({ spaces: spaces([10, 5], [10, 5]), growing: 'data-c-worker-0 grows first (worker.storage.autoExpand)' }))))
    .toMatchObject({ replicas: 2, status: { message: '5% free, below worker.autoscale.freePercent (20%): data-c-worker-0 grows first (worker.storage.autoExpand)' } });
  const atMax = decideAutoscale(input({ live: 4, pods: pods(4), specReplicas: 4, spaces: spaces([10, 5], [10, 5], [10, 5], [10, 5]) }));
  expect(atMax.replicas).toBe(4);
  expect(atMax.atMaximum).toBe('5% free, below worker.autoscale.freePercent (20%), at worker.autoscale.maxReplicas (4)');
  expect(atMax.status).toMatchObject({ atMaximum: true, replicas: 4 });
  const stillFull = spaces([10, 5], [10, 5], [10, 5], [10, 5]);
  expect(decideAutoscale(input({ live: 4, pods: pods(4), previous: atMax.status, spaces: stillFull })).atMaximum).toBeUndefined();
});

test('nothing is decided without every server in service reporting, or while a server is not Ready', () => {
  expect(decideAutoscale(input({ spaces: undefined, previous: { replicas: 2, freePercent: 40 } })))
    .toEqual({ replicas: 2, status: { replicas: 2, freePercent: 40, message: 'waiting for the collector: the data servers\' free space is not known' } });
  expect(decideAutoscale(input({ spaces: spaces([10, 5]) })).change).toBeUndefined();
  expect(decideAutoscale(input({ pods: pods(2, false), spaces: spaces([10, 5], [10, 5]) })).change).toBeUndefined();
  expect(decideAutoscale(input({ live: undefined })).replicas).toBe(2);
  // A server in maintenance takes no new files: neither counted nor needed.
  expect(decideAutoscale(input({ maintenance: [1], spaces: spaces([10, 5]) })).change).toMatchObject({ from: 2, to: 3 });
});

test('one server is removed only after the others would have scaleDownFreePercent free without it for scaleDownAfterSeconds', () => {
  const roomy = { live: 3, pods: pods(3), previous: { replicas: 3 }, spaces: spaces([10, 90], [10, 90], [10, 90]) };
  const first = decideAutoscale(input(roomy));
  // Without c-worker-2: 20 GiB hold 3 GiB used, 85% free.
  expect(first).toMatchObject({ replicas: 3, status: { aboveSince: T0, message: `90% free; 85% without c-worker-2 since ${T0} (worker.autoscale.scaleDownFreePercent 60%)` } });
  const hour = decideAutoscale(input({ ...roomy, previous: first.status, now: later(3600) }));
  expect(hour.change).toEqual({ from: 3, to: 2, message: '90% free, 85% without c-worker-2 for 3600 s: c-worker-2 is drained and removed' });
  expect(hour.status).toMatchObject({ replicas: 2, lastScaledAt: later(3600) });
  // The window starts again whenever the share falls back under the mark.
  const dipped = decideAutoscale(input({
    ...roomy, previous: first.status, spaces: spaces([10, 40], [10, 40], [10, 90]), now: later(1800),
  }));
  expect(dipped.status?.aboveSince).toBeUndefined();
  // Never below minReplicas; never a removal that would leave less than the mark.
  const held = { replicas: 2, aboveSince: T0 };
  expect(decideAutoscale(input({ spaces: spaces([10, 95], [10, 95]), previous: held, now: later(9999) })).change).toBeUndefined();
  const short = spaces([10, 70], [10, 70], [10, 70]);
  expect(decideAutoscale(input({ ...roomy, spaces: short, previous: { ...held, replicas: 3 }, now: later(9999) })).change).toBeUndefined();
});

test('a removal under way holds the number; it is given up when its drain stops or the others run short', () => {
  const removing = { live: 3, pods: pods(3), previous: { replicas: 2, lastScaledAt: T0 }, spaces: spaces([10, 50], [10, 50], [10, 90]) };
  expect(unchanged(decideAutoscale(input(removing)))).toMatchObject({ replicas: 2, status: { message: 'removing c-worker-2 through a drain: 3 running, 2 chosen', freePercent: 50 } });
  expect(decideAutoscale(input({ ...removing, drainPhase: 'Refused' })).change).toEqual({ from: 2, to: 3, message: 'the drain of c-worker-2 stopped (Refused): it stays' });
  expect(decideAutoscale(input({ ...removing, spaces: spaces([10, 10], [10, 15], [10, 90]) })).change)
    .toEqual({ from: 2, to: 3, message: '12% free, below worker.autoscale.freePercent (20%): c-worker-2 stays' });
});

test('nothing is added with no server in service to measure, or onto a volume kept from before', () => {
  expect(unchanged(decideAutoscale(input({ maintenance: [0, 1], spaces: [] }))).status?.message)
    .toBe('no data server in service takes new files (all in maintenance): nothing to measure');
  expect(unchanged(decideAutoscale(input({ spaces: spaces([10, 5], [10, 5]), claimed: new Set([0, 1, 2]) }))).status?.message)
    .toBe('5% free: not adding c-worker-2, whose volume was kept from before and holds old files: delete its claim (or raise worker.autoscale.minReplicas)');
});

test('a maxReplicas lowered below the servers running (held by their drain) is not refused: the drain goes on', () => {
  const drained = {
    ...base, worker: { ...base.worker, replicas: 2, autoscale: { maxReplicas: 3 } },
    decisions: { drain: { replicas: 5, maintenance: [3, 4] } },
  };
  expect(resolveCluster(drained as never).topology.workers).toBe(5);
});

test('the number stays within minReplicas and maxReplicas whatever status or the StatefulSet say', () => {
  expect(decideAutoscale(input({ live: 6, pods: pods(6), previous: { replicas: 6 } })).replicas).toBe(4);
  expect(decideAutoscale(input({ live: 1, pods: pods(1), previous: undefined })).replicas).toBe(2);
  expect(decideAutoscale(input({ policy: undefined, specReplicas: 7 }))).toEqual({ replicas: 7 });
});

const base = {
  name: 'c', namespace: 'ns', monitoring: { enabled: true },
  worker: { replicas: 2, scaleDown: 'Drain', storage: { retention: { whenScaled: 'Delete' } }, autoscale: { maxReplicas: 4 } },
};

test('worker.autoscale: managers pick the server with the most free share for a new file, and ask for it every minute', () => {
  const files = renderConfigFiles(resolveCluster(base as never));
  expect(files[CONFIG_FILE]).toMatch(/if named .*redirector[\s\S]*cms\.sched cpu 1 space 100 fuzz 5\n\s*cms\.ping 10 usage 6/);
  const plain = renderConfigFiles(resolveCluster({ name: 'c', namespace: 'ns' }));
  expect(plain[CONFIG_FILE]).not.toMatch(/cms\.sched/);
});

test.each([
  [{ monitoring: { enabled: false } }, 'worker.autoscale needs monitoring.enabled'],
  [{ worker: { ...base.worker, scaleDown: 'Immediate' } }, 'worker.autoscale needs worker.scaleDown Drain'],
  [{ worker: { ...base.worker, storage: {} } }, 'worker.autoscale needs worker.storage.retention.whenScaled Delete'],
  [{ worker: { ...base.worker, replicas: 5 } }, 'worker.replicas must lie within worker.autoscale.minReplicas (1) and maxReplicas (4)'],
  [{ worker: { ...base.worker, autoscale: { maxReplicas: 4, minReplicas: 5 } } }, 'worker.autoscale.maxReplicas must be at least minReplicas'],
  [{ worker: { ...base.worker, autoscale: { maxReplicas: 4, freePercent: 55 } } }, 'worker.autoscale.scaleDownFreePercent must be at least freePercent + 10'],
])('worker.autoscale refused: %j', (change, message) => {
  expect(() => resolveCluster({ ...base, ...change } as never)).toThrow(SpecValidationError);
  expect(() => resolveCluster({ ...base, ...change } as never)).toThrow(message);
});
