import { CONFIG_FILE, START_SCRIPT, RELEASED_TO_DRAIN_LABEL, renderConfigFiles, resolveCluster, SpecValidationError } from '../../constructs/index.js';
import { synth } from '../helpers/synth.js';
import { decideNodeDrain, type NodeDrainInput } from '../../src/agent/node-drain.js';
import type { MembershipReport } from '../../src/agent/membership.js';

const T0 = '2026-12-06T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const policy = { writesTimeoutSeconds: 600 };
const pods = [
  { name: 'c-worker-0', uid: 'u0', node: 'node-a', deleting: false, ready: true },
  { name: 'c-worker-1', uid: 'u1', node: 'node-b', deleting: false, ready: true },
];
/** The manager's view of the data servers (`s`: suspended), received at `managerAt`, and their writes, received at `at`. */
const membership = (
  runs: Record<string, string>, writes: Record<string, number>, at = Date.parse(T0), managerAt = Date.parse(T0),
): MembershipReport => ({
  managers: [{
    pod: 'c-redirector-0', role: 'redirector', reportedAt: managerAt,
    members: Object.entries(runs).map(([pod, status]) => ({ pod, status, active: status.startsWith('a') })),
  }],
  spaces: Object.entries(writes).map(([pod, openForWrite]) => ({ pod, bytes: 100, freeBytes: 50, openForWrite, reportedAt: at })),
});
const input = (o: Partial<NodeDrainInput>): NodeDrainInput => ({ policy, pods, cordoned: new Set(['node-b']), now: T0, ...o });

test('a data server on a cordoned node: listed for suspension, then released once suspended and a later report shows no write open', () => {
  const first = decideNodeDrain(input({ membership: membership({ 'c-worker-0': 'awn', 'c-worker-1': 'awn' }, { 'c-worker-1': 2 }) }));
  expect(first).toEqual({ cordonedNodes: ['node-b'], status: [{ pod: 'c-worker-1', node: 'node-b', since: T0, phase: 'Suspending' }] });
  // Suspended; the report predates the suspension: what it says about writes decides nothing.
  const suspended = decideNodeDrain(input({
    previous: first.status, now: later(31), membership: membership({ 'c-worker-1': 'swn' }, { 'c-worker-1': 0 }, Date.parse(T0), Date.parse(later(30))),
  }));
  expect(suspended.release).toBeUndefined();
  expect(suspended.status).toEqual([{ pod: 'c-worker-1', node: 'node-b', since: T0, suspendedAt: later(30), phase: 'FinishingWrites' }]);
  const writing = decideNodeDrain(input({ previous: suspended.status, now: later(40), membership: membership({ 'c-worker-1': 'swn' }, { 'c-worker-1': 1 }, Date.parse(later(35))) }));
  // Another data server not Ready: nothing released (one at a time).
  const closed = membership({ 'c-worker-1': 'swn' }, { 'c-worker-1': 0 }, Date.parse(later(45)));
  const starting = [{ ...pods[0], ready: false }, pods[1]];
  expect(decideNodeDrain(input({ previous: writing.status, now: later(50), membership: closed, pods: starting })).release).toBeUndefined();
  // Resumed meanwhile (a restarted cmsd): the suspension is forgotten, and with it the time writes count from.
  expect(decideNodeDrain(input({ previous: writing.status, now: later(50), membership: membership({ 'c-worker-1': 'awn' }, { 'c-worker-1': 0 }, Date.parse(later(45))) })).status)
    .toEqual([{ pod: 'c-worker-1', node: 'node-b', since: T0, phase: 'Suspending' }]);
  expect(writing.release).toBeUndefined();
  expect(writing.status?.[0]).toMatchObject({ phase: 'FinishingWrites', openForWrite: 1 });
  const done = decideNodeDrain(input({ previous: writing.status, now: later(50), membership: closed }));
  expect(done.release).toEqual({ pod: 'c-worker-1', uid: 'u1', node: 'node-b',
    message: 'c-worker-1 on cordoned node node-b: suspended at its managers, no file open for writing; the drain may evict it' });
  expect(done.status?.[0]).toMatchObject({ phase: 'Released', openForWrite: 0 });
});

test('suspended means suspended at every manager that lists it; after writesTimeoutSeconds it is released anyway, saying why', () => {
  const twoManagers = {
    managers: [
      { pod: 'c-redirector-0', role: 'redirector', members: [{ pod: 'c-worker-1', status: 'swn', active: false }] },
      { pod: 'c-redirector-1', role: 'redirector', members: [{ pod: 'c-worker-1', status: 'awn', active: true }] },
    ],
    spaces: [{ pod: 'c-worker-1', bytes: 100, freeBytes: 50, openForWrite: 0, reportedAt: Date.parse(later(5)) }],
  };
  const half = decideNodeDrain(input({ membership: twoManagers, now: later(10) }));
  expect(half.status?.[0].phase).toBe('Suspending');
  const overdue = decideNodeDrain(input({ membership: twoManagers, previous: half.status, now: later(610) }));
  expect(overdue.release?.message).toBe('c-worker-1 on cordoned node node-b: not ready after spec.worker.nodeDrain.writesTimeoutSeconds (600): not reported suspended; the drain may evict it');
});

test('without the collector nothing is released before writesTimeoutSeconds, and then it is; without the nodes nothing; a released pod waits for the drain, and is restored when its node is uncordoned', () => {
  const seen = [{ pod: 'c-worker-1', node: 'node-b', since: T0, phase: 'Suspending' }];
  expect(decideNodeDrain(input({ membership: undefined, previous: seen, now: later(10) })).release).toBeUndefined();
  expect(decideNodeDrain(input({ membership: undefined, previous: seen, now: later(600) })).release?.pod).toBe('c-worker-1');
  const previous = [{ pod: 'c-worker-1', node: 'node-b', since: T0, phase: 'FinishingWrites' }];
  // The nodes unreadable: what was rendered stays (a suspended server stays suspended).
  expect(decideNodeDrain(input({ cordoned: undefined, previous, now: later(9999) }))).toEqual({ cordonedNodes: ['node-b'], status: previous });
  const released = pods.map((p) => ({ ...p, released: p.name === 'c-worker-1' }));
  expect(decideNodeDrain(input({ pods: released, previous, membership: membership({}, {}) }))).toMatchObject({ release: undefined, status: [{ phase: 'Released' }] });
  expect(decideNodeDrain(input({ pods: released, cordoned: new Set(), membership: membership({}, {}) }))).toEqual({ cordonedNodes: [], restore: ['c-worker-1'], status: [] });
  expect(decideNodeDrain(input({ policy: undefined }))).toEqual({ cordonedNodes: [] });
});

const props = { name: 'c', namespace: 'ns', monitoring: { enabled: true }, worker: { nodeDrain: {} } };

test('worker.nodeDrain renders: no eviction through the data servers\' budget but for a released pod, the node name, the cordoned list, the suspending loop', () => {
  const s = synth({ ...props, decisions: { cordonedNodes: ['node-b', 'node-a'] } } as never);
  const pdb = s.get('PodDisruptionBudget', 'c-worker');
  expect(pdb.spec).toMatchObject({ maxUnavailable: 0, selector: { matchExpressions: [{ key: RELEASED_TO_DRAIN_LABEL, operator: 'DoesNotExist' }] } });
  expect(s.get('PodDisruptionBudget', 'c-redirector').spec.maxUnavailable).toBe(1);
  expect(s.get('ConfigMap', 'c-maintenance').data).toEqual({ ordinals: '', 'cordoned-nodes': 'node-a\nnode-b\n' });
  const env = s.get('StatefulSet', 'c-worker').spec.template.spec.containers[0].env;
  expect(env).toContainEqual({ name: 'XRD_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  const files = renderConfigFiles(resolveCluster(props as never));
  expect(files[START_SCRIPT]).toContain('grep -qxF -- "$XRD_NODE_NAME" "$cordoned"');
  expect(files[START_SCRIPT]).toContain('print $s "login u xrootd-k8s\\n$ARGV[1] t\\n"');
  expect(files[CONFIG_FILE]).toBe(renderConfigFiles(resolveCluster({ name: 'c', namespace: 'ns', monitoring: { enabled: true } }))[CONFIG_FILE]);
  // Without it: as before.
  expect(synth({ name: 'c', namespace: 'ns' }).get('PodDisruptionBudget', 'c-worker').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: expect.any(Object) } });
});

test.each([
  [{ monitoring: { enabled: false } }, 'worker.nodeDrain needs monitoring.enabled'],
  [{ decisions: { cordonedNodes: ['node-b; rm -rf /'] } }, 'decisions.cordonedNodes must be node names'],
  [{ decisions: { cordonedNodes: ['node-b\nnode-c'] } }, 'decisions.cordonedNodes must be node names'],
  [{ decisions: { cordonedNodes: ['node-b\0'] } }, 'decisions.cordonedNodes must be node names'],
  [{ decisions: { cordonedNodes: ['a'.repeat(254)] } }, 'decisions.cordonedNodes must be node names'],
  [{ decisions: { cordonedNodes: 'node-b' } }, 'decisions.cordonedNodes must be a list of node names'],
  [{ worker: {}, decisions: { cordonedNodes: ['node-b'] } }, 'decisions.cordonedNodes are only for spec.worker.nodeDrain'],
])('refused: %j', (change, message) => {
  expect(() => resolveCluster({ ...props, ...change } as never)).toThrow(SpecValidationError);
  expect(() => resolveCluster({ ...props, ...change } as never)).toThrow(message);
});
