/** status.members and MembersMissing from the collector's membership report (pure logic; the real collector and agent: test/integration/agent.test.ts). */
import { expectedMembers, resolveCluster } from '../../constructs/index.js';
import { membersMissing, membersStatus, withUnsubscribedUnready, type MembershipReport } from '../../src/agent/membership.js';
import { computeStatus } from '../../src/agent/status.js';
import { formatStatus } from '../../src/cli/status.js';

const model = resolveCluster({ name: 'big', namespace: 'ns', version: '5.8.1', redirector: { replicas: 2 }, worker: { replicas: 70 }, monitoring: { enabled: true } });
const pod = (role: string, i: number) => `big-${role}-${i}`;
const ready = (names: string[], ip = (n: string) => `10.0.0.${names.indexOf(n) + 1}`) => new Map(names.map((n) => [n, ip(n)]));

test('each redirector expects the data servers below the supervisor tier and the supervisors; each supervisor its share of the rest, every one of them twice', () => {
  const t = model.topology;
  const expected = expectedMembers(model);
  expect(expected.get(pod('redirector', 0))?.expected).toEqual([...Array.from({ length: t.directWorkers }, (_, i) => pod('worker', i)), ...Array.from({ length: t.supervisors }, (_, i) => pod('supervisor', i))]);
  const shares = Array.from({ length: t.supervisors }, (_, s) => expected.get(pod('supervisor', s))!.expected);
  const below = Array.from({ length: t.workers - t.directWorkers }, (_, i) => pod('worker', t.directWorkers + i));
  expect(shares.flat().sort()).toEqual([...below, ...below].sort());
  for (const share of shares) expect(new Set(share).size).toBe(share.length);
  expect(expectedMembers(resolveCluster({ name: 'small', version: '5.8.1', worker: { replicas: 3 } })).get('small-redirector-0')?.expected).toEqual(['small-worker-0', 'small-worker-1', 'small-worker-2']);
});

test('a meta-manager\'s redirectors expect the redirectors of the clusters that name it, matched by address or by per-pod DNS name, other namespaces named namespace/pod', () => {
  const meta = resolveCluster({ name: 'global', namespace: 'fed', version: '5.8.1', worker: { replicas: 0 }, federation: { metaManager: true }, monitoring: { enabled: true } });
  const federated = {
    expected: ['site-a-redirector-0', 'physics/site-b-redirector-0', 'physics/site-b-redirector-1'],
    readyPods: new Map([['site-a-redirector-0', '10.1.0.1'], ['physics/site-b-redirector-0', '10.2.0.1'], ['physics/site-b-redirector-1', '10.2.0.2']]),
  };
  const report: MembershipReport = { managers: [{ pod: 'global-redirector-0', role: 'redirector', members: [
    { pod: '10.1.0.1', address: '10.1.0.1', active: true },
    { pod: 'site-b-redirector-0', host: 'site-b-redirector-0.site-b-redirector.physics.svc.cluster.local', active: true },
    // The same pod name in another namespace is not the one expected.
    { pod: 'site-b-redirector-1', host: 'site-b-redirector-1.site-b-redirector.other.svc.cluster.local', active: true },
  ] }] };
  const status = membersStatus({ model: meta, report, readyPods: ready(['global-redirector-0']), federated, now: '2026-12-01T10:00:00Z' });
  expect(status).toEqual([{ manager: 'global-redirector-0', role: 'redirector', expected: 3, subscribed: 2, missing: ['physics/site-b-redirector-1'], missingSince: '2026-12-01T10:00:00Z' }]);
  expect(membersMissing(status, '2026-12-01T10:05:00Z', 60)).toEqual(['global-redirector-0 lacks physics/site-b-redirector-1']);
});

test('subscribed and missing per manager, members listed by address named by the pods\' addresses; missing since the first report that lacked them', () => {
  const small = resolveCluster({ name: 'small', namespace: 'ns', version: '5.8.1', worker: { replicas: 3 }, monitoring: { enabled: true } });
  const pods = ready(['small-redirector-0', 'small-worker-0', 'small-worker-1', 'small-worker-2']);
  const report: MembershipReport = { managers: [{ pod: 'small-redirector-0', role: 'redirector', members: [
    { pod: '10.0.0.2', address: '10.0.0.2', active: true }, { pod: 'small-worker-1', active: true }, { pod: '10.0.0.4', address: '10.0.0.4', active: false },
  ] }] };
  const first = membersStatus({ model: small, report, readyPods: pods, now: '2026-12-01T10:00:00Z' });
  expect(first).toEqual([{ manager: 'small-redirector-0', role: 'redirector', expected: 3, subscribed: 2, missing: ['small-worker-2'], missingSince: '2026-12-01T10:00:00Z' }]);
  const later = membersStatus({ model: small, report, readyPods: pods, previous: first, now: '2026-12-01T10:05:00Z' });
  expect(later[0].missingSince).toBe('2026-12-01T10:00:00Z');
  expect(membersMissing(first, '2026-12-01T10:00:30Z', 60)).toEqual([]);
  expect(membersMissing(first, '2026-12-01T10:01:00Z', 60)).toEqual(['small-redirector-0 lacks small-worker-2']);
  // A pod that is not Ready is not missing (its own readiness says so); a manager not reporting is left out.
  expect(membersStatus({ model: small, report, readyPods: ready(['small-redirector-0', 'small-worker-0', 'small-worker-1']), now: '2026-12-01T10:00:00Z' })[0].missing).toEqual([]);
  expect(membersStatus({ model: small, report: { managers: [] }, readyPods: pods, now: '2026-12-01T10:00:00Z' })).toEqual([]);

  // In status: the condition after the grace period, and the text of `xrootd-k8s status`.
  const status = computeStatus({ generation: 1, model: small, statefulSets: new Map(), members: first, membersGraceSeconds: 60, now: '2026-12-01T10:02:00Z' });
  expect(status.members).toEqual(first);
  expect(status.conditions?.find((c) => c.type === 'MembersMissing')).toMatchObject({ status: 'True', reason: 'NotSubscribed', message: 'Ready servers not subscribed where they should be: small-redirector-0 lacks small-worker-2' });
  expect(formatStatus({ metadata: { name: 'small', namespace: 'ns' }, status })).toContain('  members      small-redirector-0: 2/3 subscribed  missing small-worker-2 since 2026-12-01T10:00:00Z');
  const without = computeStatus({ generation: 1, model: resolveCluster({ name: 'small', version: '5.8.1', worker: { replicas: 3 } }), statefulSets: new Map(), now: '2026-12-01T10:02:00Z' });
  expect(without.conditions?.some((c) => c.type === 'MembersMissing')).toBe(false);
  expect(without.members).toBeUndefined();
});

test('for the rollout, a Ready pod a manager lacks is not ready; everyone else is as the kubelet says', () => {
  const pod = (name: string, ready: boolean) => ({ name, ordinal: Number(name.slice(-1)), ready, deleting: false });
  const roles = [{ role: 'worker', pods: [pod('small-worker-0', true), pod('small-worker-1', true), pod('small-worker-2', false)] }] as never;
  const members = [{ manager: 'small-redirector-0', role: 'redirector', expected: 3, subscribed: 2, missing: ['small-worker-1'] }];
  expect(withUnsubscribedUnready(roles, members)[0].pods.map((p) => [p.name, p.ready]))
    .toEqual([['small-worker-0', true], ['small-worker-1', false], ['small-worker-2', false]]);
  expect(withUnsubscribedUnready(roles, undefined)).toBe(roles);
});
