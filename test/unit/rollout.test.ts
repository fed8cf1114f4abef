/** The rollout planner: partitions, gates, deadlines, pause and rollback, from observations alone. */
import { decideRollout, type RolloutPolicy } from '../../src/agent/rollout.js';
import type { PodView, RoleView } from '../../src/agent/views.js';
import { compareVersions, downgradeRefusal, VersionCatalog, type Role } from '../../constructs/index.js';

const policy: RolloutPolicy = {
  order: ['worker', 'supervisor', 'redirector'], maxUnavailable: { redirector: 1, supervisor: 1, worker: 1 },
  minReadySeconds: 10, stepDeadlineSeconds: 60, paused: false,
};
const T0 = '2026-11-23T12:00:00.000Z';
const at = (s: number): string => new Date(Date.parse(T0) + s * 1000).toISOString();

function pods(role: Role, n: number, revision: (i: number) => string, ready = (_i: number) => true, readySince = T0): PodView[] {
  return Array.from({ length: n }, (_, i) => ({ ordinal: i, name: `c-${role}-${i}`, revision: revision(i), ready: ready(i), readySince, deleting: false }));
}
function role(r: Role, n: number, o: Partial<RoleView> = {}): RoleView {
  return { role: r, statefulSet: `c-${r}`, replicas: n, exists: true, templateChanging: false, partition: 0, updateRevision: 'new', currentRevision: 'new', pods: pods(r, n, () => 'new'), ...o };
}

test('nothing to roll: every partition 0, Idle', () => {
  const d = decideRollout([role('redirector', 2), role('worker', 3)], policy, {}, T0);
  expect(d).toMatchObject({ phase: 'Idle', partitions: { redirector: 0, worker: 0 }, deletePods: [] });
});

test('a template change holds every pod first: the rolling role at replicas, the later roles too', () => {
  const d = decideRollout([role('redirector', 2, { templateChanging: true }), role('worker', 3, { templateChanging: true })], policy, {}, T0);
  expect(d.phase).toBe('Rolling');
  expect(d.partitions).toEqual({ redirector: 2, worker: 3 });
  expect(d.state).toMatchObject({ role: 'worker', partition: 3, startedAt: T0 });
});

test('data servers roll first, one pod per step from the top, each after the previous stayed Ready', () => {
  const old = { currentRevision: 'old', updateRevision: 'new' };
  const workers = (updatedFrom: number, readySince = T0) => role('worker', 3, { ...old, partition: updatedFrom, pods: pods('worker', 3, (i) => (i >= updatedFrom ? 'new' : 'old'), () => true, readySince) });
  const redirectors = role('redirector', 2, { ...old, pods: pods('redirector', 2, () => 'old') });
  const state = { role: 'worker' as Role, revision: 'new', partition: 3, stepStartedAt: T0, startedAt: T0 };

  let d = decideRollout([redirectors, workers(3)], policy, state, at(1));
  expect(d.partitions).toEqual({ worker: 2, redirector: 2 });
  expect(d.state.partition).toBe(2);

  // worker-2 replaced but Ready for only 5 s: wait.
  d = decideRollout([redirectors, workers(2, at(0))], policy, { ...state, partition: 2 }, at(5));
  expect(d.partitions.worker).toBe(2);
  expect(d.message).toContain('waiting for c-worker-2');
  // Ready long enough: next pod.
  d = decideRollout([redirectors, workers(2, at(0))], policy, { ...state, partition: 2 }, at(11));
  expect(d.partitions.worker).toBe(1);
  // All data servers done: redirectors are next.
  d = decideRollout([redirectors, workers(0, at(0))], policy, { ...state, partition: 0 }, at(40));
  expect(d.message).toBe('workers done');
  const next = decideRollout([redirectors, role('worker', 3)], policy, d.state, at(41));
  expect(next.state).toMatchObject({ role: 'redirector', partition: 2, startedAt: T0 });
  expect(next.partitions).toEqual({ worker: 0, redirector: 2 });
});

test('the last data server replaced: the data servers are not done until it is back and Ready long enough, the redirectors wait', () => {
  // The StatefulSet controller counts only the pods that exist: with worker-0 gone, the two left are
  // updated and Ready, so it marks the update revision current, and it stays so.
  const workers = (worker0?: Partial<PodView>) => role('worker', 3, {
    pods: pods('worker', 3, () => 'new').flatMap((p) => (p.ordinal !== 0 ? [p] : worker0 ? [{ ...p, ...worker0 }] : [])),
  });
  const redirectors = role('redirector', 2, { currentRevision: 'old', pods: pods('redirector', 2, () => 'old') });
  const state = { role: 'worker' as Role, revision: 'new', partition: 0, stepStartedAt: T0, startedAt: T0 };
  const waiting = { phase: 'Rolling', partitions: { worker: 0, redirector: 2 }, state, deletePods: [] };
  let d = decideRollout([redirectors, workers()], policy, state, at(20));
  expect(d).toMatchObject(waiting);
  expect(d.message).toBe('workers 2/3 updated; waiting for c-worker-0 (not made again yet)');
  // Not made again past the deadline: waited for, not held against the template (no rollback).
  expect(decideRollout([redirectors, workers()], policy, state, at(600))).toMatchObject(waiting);
  // Made again, not Ready yet; then Ready for less than minReadySeconds.
  d = decideRollout([redirectors, workers({ ready: false })], policy, state, at(21));
  expect(d).toMatchObject(waiting);
  expect(d.message).toContain('waiting for c-worker-0');
  expect(decideRollout([redirectors, workers({ readySince: at(20) })], policy, state, at(25))).toMatchObject(waiting);
  // Made again and never Ready: the deadline applies as to any replaced pod.
  expect(decideRollout([redirectors, workers({ ready: false })], policy, state, at(61))).toMatchObject({ phase: 'Stuck', stuckPod: 'c-worker-0' });
  // Settled: done, and only then the redirectors.
  d = decideRollout([redirectors, workers({ readySince: at(20) })], policy, state, at(31));
  expect(d).toMatchObject({ message: 'workers done', state: { startedAt: T0 } });
  expect(decideRollout([redirectors, workers({ readySince: at(20) })], policy, d.state, at(32)).state).toMatchObject({ role: 'redirector', partition: 2 });
});

test('the last role too: the redirector replaced and not Ready yet keeps the rollout going (its deadline, its rollback)', () => {
  const redirector = (ready: boolean) => role('redirector', 1, { pods: pods('redirector', 1, () => 'new', () => ready, at(50)) });
  const state = { role: 'redirector' as Role, revision: 'new', partition: 0, stepStartedAt: T0, startedAt: T0 };
  const workers = role('worker', 3);
  expect(decideRollout([role('redirector', 1, { pods: [] }), workers], policy, state, at(20))).toMatchObject({ phase: 'Rolling', state });
  expect(decideRollout([redirector(false), workers], policy, state, at(30))).toMatchObject({ phase: 'Rolling', state });
  expect(decideRollout([redirector(false), workers], policy, state, at(61))).toMatchObject({ phase: 'Stuck', stuckPod: 'c-redirector-0' });
  expect(decideRollout([redirector(true), workers], policy, state, at(61))).toMatchObject({ phase: 'Rolling', message: 'redirectors done' });
  expect(decideRollout([redirector(true), workers], policy, { startedAt: T0 }, at(62))).toMatchObject({ phase: 'Idle', state: {} });
});

test('maxUnavailable replaces several pods per step', () => {
  const r = role('worker', 6, { currentRevision: 'old', partition: 6, pods: pods('worker', 6, () => 'old') });
  const d = decideRollout([r], { ...policy, maxUnavailable: { ...policy.maxUnavailable, worker: 3 } }, { role: 'worker', revision: 'new', partition: 6, stepStartedAt: T0 }, at(1));
  expect(d.partitions.worker).toBe(3);
});

test('a pod not Ready by the deadline stops the rollout and is named', () => {
  const r = role('worker', 3, { currentRevision: 'old', partition: 2, pods: pods('worker', 3, (i) => (i === 2 ? 'new' : 'old'), (i) => i !== 2) });
  const state = { role: 'worker' as Role, revision: 'new', partition: 2, stepStartedAt: T0 };
  expect(decideRollout([r], policy, state, at(30)).phase).toBe('Rolling');
  const d = decideRollout([r], policy, state, at(61));
  expect(d).toMatchObject({ phase: 'Stuck', stuckPod: 'c-worker-2', partitions: { worker: 2 } });
  expect(d.message).toBe('c-worker-2 not Ready within 60 s of its replacement; rollout stopped');
});

test('paused holds the partition where it is', () => {
  const r = role('worker', 3, { currentRevision: 'old', partition: 2, pods: pods('worker', 3, (i) => (i === 2 ? 'new' : 'old')) });
  const d = decideRollout([r], { ...policy, paused: true }, { role: 'worker', revision: 'new', partition: 2, stepStartedAt: T0 }, at(100));
  expect(d).toMatchObject({ phase: 'Paused', partitions: { worker: 2 } });
});

test('rolling back: the pod stuck on the broken revision is deleted, pods already on the target are skipped', () => {
  // Reverted: the update revision is the old one again; worker-2 runs the broken one and is not Ready.
  const r = role('worker', 3, {
    currentRevision: 'good', updateRevision: 'good', partition: 2,
    pods: pods('worker', 3, (i) => (i === 2 ? 'broken' : 'good'), (i) => i !== 2),
  });
  let d = decideRollout([r], policy, { role: 'worker', revision: 'broken', partition: 2, stepStartedAt: T0 }, at(5));
  // A new revision to roll: start over from the top.
  expect(d.state).toMatchObject({ revision: 'good', partition: 3 });
  d = decideRollout([r], policy, d.state, at(6));
  expect(d.partitions.worker).toBe(2);
  d = decideRollout([r], policy, d.state, at(7));
  expect(d.deletePods).toEqual(['c-worker-2']);
  // Back on the good revision and Ready for long enough: the other pods already run it, so the role is done at once.
  const healed = role('worker', 3, { currentRevision: 'good', updateRevision: 'good', partition: 2, pods: pods('worker', 3, () => 'good', () => true, at(8)) });
  d = decideRollout([healed], policy, d.state, at(20));
  expect(d.partitions.worker).toBe(0);
});

test('a spec change mid-rollout restarts the role from the top: nothing skips the gates', () => {
  const r = role('worker', 3, { currentRevision: 'v1', updateRevision: 'v3', partition: 1, pods: pods('worker', 3, (i) => (i >= 1 ? 'v2' : 'v1')) });
  const d = decideRollout([r], policy, { role: 'worker', revision: 'v2', partition: 1, stepStartedAt: T0 }, at(5));
  expect(d.partitions.worker).toBe(3);
});

test('while a StatefulSet controller lags behind a change that is not a template change (a scale), nothing moves', () => {
  const workers = role('worker', 3, { statusBehind: true, pods: pods('worker', 2, () => 'new') });
  const d = decideRollout([role('redirector', 2), workers], policy, {}, T0);
  expect(d).toMatchObject({ phase: 'Idle', partitions: { redirector: 0, worker: 0 } });
  // A template change at the same time is still held entirely.
  const both = decideRollout([role('redirector', 2, { templateChanging: true }), workers], policy, {}, T0);
  expect(both.partitions).toEqual({ redirector: 2, worker: 0 });
});

describe('catalog policy', () => {
  test('versions order by their numeric parts', () => {
    expect(compareVersions('5.10.0', '5.9.1')).toBe(1);
    expect(compareVersions('5.9.1', '5.9.1')).toBe(0);
    expect(compareVersions('5.8.4', '6.0.0')).toBe(-1);
  });

  test('a downgrade below what the current version marks incompatible is refused, anything else is allowed', () => {
    const catalog = new VersionCatalog([{ version: '6.0.0', image: 'x:6', features: [], incompatibleBelow: '6.0.0' }]);
    expect(downgradeRefusal(catalog, '6.0.0', '5.9.1')).toBe('5.9.1 is a downgrade from 6.0.0, which the catalog marks incompatible with versions below 6.0.0; set spec.upgrade.force to do it anyway');
    expect(downgradeRefusal(catalog, '5.9.1', '5.8.4')).toBeUndefined();
    expect(downgradeRefusal(catalog, '5.9.1', '6.0.0')).toBeUndefined();
    expect(downgradeRefusal(catalog, undefined, '5.8.4')).toBeUndefined();
  });
});
