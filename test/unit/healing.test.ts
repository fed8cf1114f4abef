import { backoffSeconds, decideHealing, type HealingInput } from '../../src/agent/healing.js';
import type { PodView } from '../../src/agent/views.js';

const policy = { restartUnsubscribed: true, unsubscribedSeconds: 300, backoffSeconds: 600 };
const pod = (name: string, ready = true): PodView => ({ name, ordinal: Number(name.split('-').at(-1)), ready, deleting: false });
const workers = [pod('c-worker-0'), pod('c-worker-1'), pod('c-worker-2')];
const redirector = [pod('c-redirector-0')];
const T0 = '2026-12-06T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const lacking = (...missing: string[]) => [{ manager: 'c-redirector-0', role: 'redirector', expected: 3, subscribed: 3 - missing.length, missing }];
const input = (o: Partial<HealingInput>): HealingInput => ({
  policy, members: lacking(), pods: workers, otherPods: redirector, now: T0, ...o,
});

test('a Ready server missing from a manager\'s list is remembered from the first look, and restarted once unsubscribedSeconds have passed', () => {
  const first = decideHealing(input({ members: lacking('c-worker-1') }));
  expect(first).toEqual({ status: { unsubscribed: [{ pod: 'c-worker-1', since: T0 }] } });
  const early = decideHealing(input({ members: lacking('c-worker-1'), previous: first.status, now: at(299) }));
  expect(early.restart).toBeUndefined();
  expect(early.status.unsubscribed).toEqual([{ pod: 'c-worker-1', since: T0 }]);
  const due = decideHealing(input({ members: lacking('c-worker-1'), previous: early.status, now: at(300) }));
  expect(due.restart).toEqual({
    pod: 'c-worker-1', message: `c-worker-1 restarted: not listed by c-redirector-0 since ${T0} (spec.healing.unsubscribedSeconds 300); its volume is kept`,
    entry: { pod: 'c-worker-1', reason: 'Unsubscribed', at: at(300), count: 1 },
  });
  expect(due.status.restarts).toEqual([{ pod: 'c-worker-1', reason: 'Unsubscribed', at: at(300), count: 1 }]);
  expect(due.status.unsubscribed).toBeUndefined();
  // Listed again: nothing to heal; the restart is remembered for the backoff.
  expect(decideHealing(input({ previous: due.status, now: at(330) }))).toEqual({ status: { restarts: due.status.restarts } });
});

test('the same pod again: after backoffSeconds, doubled at each restart within a day; forgotten after a day', () => {
  expect([1, 2, 3, 10].map((n) => backoffSeconds(policy, n))).toEqual([600, 1200, 2400, 86400]);
  const previous = { unsubscribed: [{ pod: 'c-worker-1', since: T0 }], restarts: [{ pod: 'c-worker-1', reason: 'Unsubscribed', at: at(0), count: 2 }] };
  const held = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(1000) }));
  expect(held.restart).toBeUndefined();
  expect(held.held).toBe('unsubscribed, restarted again after a backoff: c-worker-1 in 200 s (restarted 2 times today)');
  expect(decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(1200) })).restart?.pod).toBe('c-worker-1');
  const third = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(1200) }));
  expect(third.status.restarts).toEqual([{ pod: 'c-worker-1', reason: 'Unsubscribed', at: at(1200), count: 3 }]);
  // A day later the count starts again.
  const dayLater = decideHealing(input({ members: lacking(), previous, now: at(86400) }));
  expect(dayLater.status).toEqual({});
});

test('one at a time, never while the cluster is busy or a pod is not Ready, and not when the manager lists none of its servers', () => {
  const previous = { unsubscribed: [{ pod: 'c-worker-1', since: T0 }, { pod: 'c-worker-2', since: at(10) }] };
  const both = decideHealing(input({ members: lacking('c-worker-1', 'c-worker-2'), previous, now: at(400) }));
  expect(both.restart?.pod).toBe('c-worker-1');
  expect(both.status.unsubscribed).toEqual([{ pod: 'c-worker-2', since: at(10) }]);

  const busy = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(400), busy: 'the rollout (Rolling)' }));
  expect(busy).toMatchObject({ held: 'c-worker-1 unsubscribed for over 300 s: restarted once the rollout (Rolling) is done' });
  expect(busy.restart).toBeUndefined();
  const unready = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(400), pods: [workers[0], workers[1], pod('c-worker-2', false)] }));
  expect(unready.held).toBe('c-worker-1 unsubscribed for over 300 s: restarted once c-worker-2 is Ready');
  // The one due may be unready itself: a server its manager dropped loses its connection, and its readiness with it.
  const selfUnready = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(400), pods: [workers[0], pod('c-worker-1', false), workers[2]] }));
  expect(selfUnready.restart?.pod).toBe('c-worker-1');
  const redirectorDown = decideHealing(input({ members: lacking('c-worker-1'), previous, now: at(400), otherPods: [pod('c-redirector-0', false)] }));
  expect(redirectorDown.held).toBe('c-worker-1 unsubscribed for over 300 s: restarted once c-redirector-0 is Ready');
  const blind = decideHealing(input({ members: lacking('c-worker-0', 'c-worker-1', 'c-worker-2'), previous: { unsubscribed: ['c-worker-0', 'c-worker-1', 'c-worker-2'].map((p) => ({ pod: p, since: T0 })) }, now: at(400) }));
  expect(blind.held).toBe('c-redirector-0 lists none of its servers: not restarting the servers');
  const off = decideHealing(input({ policy: { ...policy, restartUnsubscribed: false }, members: lacking('c-worker-1'), previous, now: at(400) }));
  expect(off.held).toBe('c-worker-1 unsubscribed for over 300 s: not restarted (spec.healing.restartUnsubscribed is false)');
});

test('without a fresh list nothing is decided or forgotten; other clusters\' members (a meta-manager\'s) and unknown names are not ours', () => {
  const previous = { unsubscribed: [{ pod: 'c-worker-1', since: T0 }] };
  expect(decideHealing(input({ members: undefined, previous, now: at(9999) }))).toEqual({ status: previous });
  const foreign = decideHealing(input({ members: [{ manager: 'c-redirector-0', role: 'redirector', expected: 3, subscribed: 2, missing: ['site/other-redirector-0', 'nobody-1'] }], now: at(9999) }));
  expect(foreign).toEqual({ status: {} });
});

test('only a pod seen missing while Ready is watched, and only that pod: one starting (never Ready) or made again starts afresh', () => {
  const starting = [workers[0], { ...pod('c-worker-1', false), uid: 'new' }, workers[2]];
  expect(decideHealing(input({ members: lacking('c-worker-1'), pods: starting, now: at(9999) }))).toEqual({ status: {} });
  // Watched while Ready, then unready (its manager dropped it): still watched, restarted when due.
  const watched = decideHealing(input({ members: lacking('c-worker-1'), pods: [workers[0], { ...pod('c-worker-1'), uid: 'a' }, workers[2]] }));
  expect(watched.status.unsubscribed).toEqual([{ pod: 'c-worker-1', uid: 'a', since: T0 }]);
  const fallen = decideHealing(input({ members: lacking('c-worker-1'), pods: [workers[0], { ...pod('c-worker-1', false), uid: 'a' }, workers[2]], previous: watched.status, now: at(300) }));
  expect(fallen.restart?.pod).toBe('c-worker-1');
  // Seen Ready earlier by the agent, unready by the time it is seen missing: watched.
  const seen = decideHealing(input({ members: lacking('c-worker-1'), pods: [workers[0], { ...pod('c-worker-1', false), uid: 'a' }, workers[2]], wasReady: new Set(['a']) }));
  expect(seen.status.unsubscribed).toEqual([{ pod: 'c-worker-1', uid: 'a', since: T0 }]);
  // The pod made again (another uid), not Ready: not watched, whatever its name's past.
  const again = decideHealing(input({ members: lacking('c-worker-1'), pods: [workers[0], { ...pod('c-worker-1', false), uid: 'b' }, workers[2]], previous: watched.status, now: at(600) }));
  expect(again).toEqual({ status: {} });
});

test('a restart status did not record is remembered by the agent: the backoff holds; and a second pod waits unsubscribedSeconds after any restart', () => {
  const previous = { unsubscribed: [{ pod: 'c-worker-1', since: T0 }, { pod: 'c-worker-2', since: T0 }] };
  const remembered = [{ pod: 'c-worker-1', reason: 'Unsubscribed', at: at(300), count: 1 }];
  const soon = decideHealing(input({ members: lacking('c-worker-1', 'c-worker-2'), previous, remembered, now: at(400) }));
  expect(soon.restart).toBeUndefined();
  expect(soon.held).toBe('c-worker-1, c-worker-2 unsubscribed for over 300 s: restarted once c-worker-1, restarted at most 300 s ago, has had time to come back');
  expect(soon.status.restarts).toEqual(remembered);
  const later = decideHealing(input({ members: lacking('c-worker-1', 'c-worker-2'), previous, remembered, now: at(601) }));
  expect(later.restart?.pod).toBe('c-worker-2');
  // The other pods must be Ready, the one restarted aside: a due pod in its backoff does not let another go while it is down.
  const down = decideHealing(input({ members: lacking('c-worker-1', 'c-worker-2'), previous, remembered, now: at(601), pods: [workers[0], pod('c-worker-1', false), workers[2]] }));
  expect(down.held).toBe('c-worker-1, c-worker-2 unsubscribed for over 300 s: restarted once c-worker-1 is Ready');
});
