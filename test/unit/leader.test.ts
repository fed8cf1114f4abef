/**
 * The leader election's decisions against a scripted API (pure logic; the real
 * control plane and two real replicas are in test/integration/leader.test.ts).
 */
import { performance } from 'node:perf_hooks';
import { ApiError, type KubeClient } from '../../src/kube/client.js';
import { checkLeaderTimings, LeaderElector } from '../../src/kube/leader.js';

const TIMINGS = { leaseSeconds: 0.6, renewDeadlineSeconds: 0.4, retryPeriodSeconds: 0.05 };
const lease = (holder: string, renewTime: string) => ({
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'ns', resourceVersion: '1' },
  spec: { holderIdentity: holder, renewTime, leaseDurationSeconds: TIMINGS.leaseSeconds },
});

/** A client whose GET answers `get()` and whose writes are recorded (and succeed). */
function scripted(get: () => Promise<unknown>) {
  const writes: Array<{ method: string; at: number }> = [];
  const client = {
    request: async (method: string) => {
      if (method === 'GET') return get();
      writes.push({ method, at: performance.now() });
      return {};
    },
  } as unknown as KubeClient;
  return { client, writes };
}

/**
 * Runs an elector for `ms`, or, with `until`, until it holds (checked every 20 ms,
 * at most 10 s: a loaded CI machine fires timers late, so waits are for events).
 */
async function run(get: () => Promise<unknown>, ms: number, timings = TIMINGS, until?: (changes: Array<{ leading: boolean }>) => boolean) {
  const { client, writes } = scripted(get);
  const changes: Array<{ leading: boolean; at: number }> = [];
  const e = new LeaderElector(client, { namespace: 'ns', name: 'l', identity: 'me', ...timings }, (leading) => changes.push({ leading, at: performance.now() }));
  const started = performance.now();
  e.start();
  if (until === undefined) await new Promise((r) => setTimeout(r, ms));
  else for (const limit = started + 10_000; !until(changes) && performance.now() < limit;) await new Promise((r) => setTimeout(r, 20));
  return { e, writes, changes, started };
}

test('another holder\'s lease is judged by when we saw it change, not by its renewTime: skewed clocks either way', async () => {
  for (const renewTime of ['1970-01-01T00:00:00.000000Z', '2100-01-01T00:00:00.000000Z']) {
    const { e, writes, changes, started } = await run(async () => lease('other', renewTime), 0, TIMINGS, (c) => c.length >= 1);
    // Unchanged for a whole lease duration on our clock: taken, and not before.
    expect(writes.length).toBeGreaterThan(0);
    expect(writes[0].at - started).toBeGreaterThanOrEqual(TIMINGS.leaseSeconds * 1000);
    expect(changes[0].leading).toBe(true);
    await e.stop();
  }
}, 30000); // run() waits up to 10 s for the decision, twice

test('a lease that keeps changing hands is never taken', async () => {
  let n = 0;
  const { e, writes } = await run(async () => lease('other', `2026-01-01T00:00:${String(n++ % 60).padStart(2, '0')}.000000Z`), 1200);
  expect(writes).toEqual([]);
  expect(e.isLeader).toBe(false);
  expect(e.writeRefusal()).toBe('this replica is not the leader');
  await e.stop();
});

test('a leader whose renewals hang stops leading at the renew deadline, without waiting for the request', async () => {
  let calls = 0;
  // A lease much longer than the deadline leaves room for a loaded machine's late timers.
  const timings = { ...TIMINGS, leaseSeconds: 3 };
  const { e, changes } = await run(() => {
    calls++;
    if (calls === 1) return Promise.reject(new ApiError(404, 'NotFound', 'no lease'));
    return new Promise(() => {}); // never answers
  }, 0, timings, (c) => c.length >= 2);
  expect(changes.map((c) => c.leading)).toEqual([true, false]);
  const led = changes[1].at - changes[0].at;
  expect(led).toBeGreaterThanOrEqual(timings.renewDeadlineSeconds * 1000 - 5);
  expect(led).toBeLessThan(timings.leaseSeconds * 1000);
  expect(e.isLeader).toBe(false);
  expect(e.writeRefusal()).toBe('this replica is not the leader');
  await e.stop();
}, 20000); // run() waits up to 10 s for the decisions

test('a deadline timer that fires before the deadline (as libuv timers can) looks again instead of leaving a hung leader leading', async () => {
  let calls = 0;
  const { client } = scripted(() => (++calls === 1 ? Promise.reject(new ApiError(404, 'NotFound', 'no lease')) : new Promise(() => {})));
  // A clock at half speed: every timer fires when this clock says only half its time has passed.
  const origin = performance.now();
  const slow = () => origin + (performance.now() - origin) / 2;
  const changes: boolean[] = [];
  const e = new LeaderElector(client, { namespace: 'ns', name: 'l', identity: 'me', ...TIMINGS, leaseSeconds: 3 }, (leading) => changes.push(leading), slow);
  e.start();
  for (const limit = performance.now() + 10_000; changes.length < 2 && performance.now() < limit;) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(changes).toEqual([true, false]);
  await e.stop();
}, 20000);

test('timings follow client-go\'s rules: lease > renew deadline > retry period > 0', () => {
  expect(() => checkLeaderTimings({ leaseSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 })).not.toThrow();
  expect(() => checkLeaderTimings({ leaseSeconds: 10, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 })).toThrow('the lease duration (10 s) must be longer than the renew deadline (10 s)');
  expect(() => checkLeaderTimings({ leaseSeconds: 15, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 })).toThrow('the renew deadline (2 s) must be longer than the retry period (2 s)');
  expect(() => checkLeaderTimings({ leaseSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: Number.NaN })).toThrow('the retry period must be > 0 s, got NaN');
});

test('stop releases the lease in one compare-and-swap on the lease as last written; a renew in between (409) is read again first', async () => {
  for (const conflict of [false, true]) {
    const bodies: Array<{ method: string; body: any }> = [];
    let version = 1;
    const client = {
      request: async (method: string, _path: string, opts: { body?: any } = {}) => {
        if (method === 'GET') return { ...lease('me', '2026-01-01T00:00:00.000000Z'), metadata: { name: 'l', namespace: 'ns', resourceVersion: String(version) } };
        bodies.push({ method, body: opts.body });
        if (opts.body?.spec?.holderIdentity === '' && conflict && bodies.filter((b) => b.body?.spec?.holderIdentity === '').length === 1) throw new ApiError(409, 'Conflict', 'the object has been modified');
        version++;
        return { ...opts.body, metadata: { ...opts.body.metadata, resourceVersion: String(version) } };
      },
    } as unknown as KubeClient;
    const e = new LeaderElector(client, { namespace: 'ns', name: 'l', identity: 'me', ...TIMINGS }, () => undefined);
    e.start();
    for (const limit = performance.now() + 10_000; !e.isLeader && performance.now() < limit;) await new Promise((r) => setTimeout(r, 10));
    expect(e.isLeader).toBe(true);
    const writtenVersion = String(version);
    const before = bodies.length;
    await e.stop();
    const releases = bodies.slice(before);
    expect(releases.every((r) => r.method === 'PUT' && r.body.spec.holderIdentity === '')).toBe(true);
    expect(releases[0].body.metadata.resourceVersion).toBe(writtenVersion);
    // After a conflict: the lease read again, released at the version read.
    expect(releases.length).toBe(conflict ? 2 : 1);
  }
});
