import { decideMaintenance } from '../../src/agent/maintenance.js';
import type { PodView } from '../../src/agent/views.js';

const pods = (n: number, notReady: number[] = []): PodView[] => Array.from({ length: n }, (_, i) => ({
  name: `c-worker-${i}`, ordinal: i, revision: 'r1', ready: !notReady.includes(i), deleting: false,
}));

test('one restart per step, for the lowest ordinal whose state changes', () => {
  expect(decideMaintenance([3, 1], [], 4, pods(4), 'c-worker')).toEqual({ restart: { pod: 'c-worker-1', ordinal: 1, entering: true }, applied: [1], pending: 1 });
  expect(decideMaintenance([3, 1], [1], 4, pods(4), 'c-worker')).toEqual({ restart: { pod: 'c-worker-3', ordinal: 3, entering: true }, applied: [1, 3], pending: 0 });
  expect(decideMaintenance([3], [1, 3], 4, pods(4), 'c-worker')).toEqual({ restart: { pod: 'c-worker-1', ordinal: 1, entering: false }, applied: [3], pending: 0 });
  expect(decideMaintenance([3], [3], 4, pods(4), 'c-worker')).toEqual({ applied: [3], pending: 0 });
});

test('a restart waits until every other data server is Ready; the one to restart may be unready', () => {
  expect(decideMaintenance([1], [], 4, pods(4, [2]), 'c-worker')).toEqual({ applied: [], pending: 1 });
  expect(decideMaintenance([1], [], 4, pods(4, [1]), 'c-worker').restart?.pod).toBe('c-worker-1');
  // A pod missing (being re-created) counts as not Ready.
  expect(decideMaintenance([1], [], 4, pods(4).filter((p) => p.ordinal !== 3), 'c-worker')).toEqual({ applied: [], pending: 1 });
});

test('ordinals without a pod start with the list: applied at once; ordinals beyond the replicas are ignored', () => {
  expect(decideMaintenance([1], [], 2, [], 'c-worker')).toEqual({ applied: [1], pending: 0 });
  expect(decideMaintenance([5], [], 4, pods(4), 'c-worker')).toEqual({ applied: [], pending: 0 });
});
