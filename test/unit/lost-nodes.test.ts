import { resolveCluster, SpecValidationError } from '../../constructs/index.js';
import { decideLostNodes, untilMaybeLost, type LostNodesInput, type NodeView } from '../../src/agent/lost-nodes.js';
import { pinnedNode } from '../../src/agent/node-affinity.js';
import { formatStatus } from '../../src/cli/status.js';

const T0 = '2026-12-06T10:00:00.000Z';
const later = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const policy = { notReadySeconds: 300, fencing: 'OutOfServiceTaint' as const, replaceLocalVolumes: false };
const node = (name: string, o: Partial<NodeView> = {}): NodeView => ({ name, outOfService: false, ...o });
const nodes = (...list: NodeView[]) => new Map(list.map((n) => [n.name, n]));
const healthy = ['node-a', 'node-b', 'node-c'].map((n) => node(n));
const pods: LostNodesInput['pods'] = [
  { name: 'c-redirector-0', uid: 'r0', node: 'node-lost', role: 'redirector' },
  { name: 'c-worker-0', uid: 'w0', node: 'node-a', role: 'worker', volume: { claim: 'data-c-worker-0' } },
  { name: 'c-worker-1', uid: 'w1', node: 'node-lost', role: 'worker', volume: { claim: 'data-c-worker-1', claimUid: 'k1' } },
];
const input = (o: Partial<LostNodesInput>): LostNodesInput => ({
  policy, pods, nodes: nodes(...healthy, node('node-lost', { notReadySince: T0 })), now: later(300), ...o,
});

test('within the grace period nothing moves; past it the redirector moves at once and a data server on a network-attached volume waits for the fence', () => {
  expect(decideLostNodes(input({ now: later(299) }))).toEqual({ moves: [], replacements: [], status: [] });
  const past = decideLostNodes(input({}));
  expect(past.moves).toEqual([{ pod: 'c-redirector-0', uid: 'r0', node: 'node-lost', message: expect.stringContaining('it holds no data') }]);
  expect(past.replacements).toEqual([]);
  expect(past.status).toEqual([{
    pod: 'c-worker-1', node: 'node-lost', since: T0, volume: 'NetworkAttached', claim: 'data-c-worker-1', phase: 'AwaitingFence',
    message: expect.stringContaining('node.kubernetes.io/out-of-service'),
  }]);
});

test('a data server on a network-attached volume moves once its node is out of service, or at once with fencing NotReady', () => {
  const fenced = decideLostNodes(input({ nodes: nodes(...healthy, node('node-lost', { notReadySince: T0, outOfService: true })) }));
  expect(fenced.moves.map((m) => m.pod)).toEqual(['c-redirector-0', 'c-worker-1']);
  expect(fenced.moves[1]).toMatchObject({ uid: 'w1', message: expect.stringContaining('out of service') });
  expect(fenced.status).toEqual([]);
  const asserted = decideLostNodes(input({ policy: { ...policy, fencing: 'NotReady' } }));
  expect(asserted.moves.map((m) => m.pod)).toEqual(['c-redirector-0', 'c-worker-1']);
});

test('a data server on a node-local volume is reported lost, naming its claim; with replaceLocalVolumes it is replaced once fenced and dropped by its managers', () => {
  const local = pods.map((p) => (p.name === 'c-worker-1' ? { ...p, volume: { ...p.volume!, localTo: 'node-lost' } } : p));
  const fencedNodes = nodes(...healthy, node('node-lost', { notReadySince: T0, outOfService: true }));
  const lost = decideLostNodes(input({ pods: local, nodes: fencedNodes }));
  expect(lost.moves.map((m) => m.pod)).toEqual(['c-redirector-0']);
  expect(lost.replacements).toEqual([]);
  expect(lost.status).toEqual([expect.objectContaining({ pod: 'c-worker-1', volume: 'NodeLocal', claim: 'data-c-worker-1', phase: 'Lost' })]);
  const replace = { ...policy, replaceLocalVolumes: true };
  // Not fenced: reported, not replaced (the node may come back with its files).
  expect(decideLostNodes(input({ pods: local, policy: replace })).replacements).toEqual([]);
  // A manager still lists it: an empty server under its name would take over its entry.
  const listed = decideLostNodes(input({ pods: local, nodes: fencedNodes, policy: replace, listed: new Set(['c-worker-1']) }));
  expect(listed.replacements).toEqual([]);
  expect(listed.status![0]).toMatchObject({ phase: 'Lost', message: expect.stringContaining('dropped it') });
  // Monitored, but the collector does not answer (it may have been on the lost node): not replaced either.
  const unknown = decideLostNodes(input({ pods: local, nodes: fencedNodes, policy: replace, listed: 'unknown' }));
  expect(unknown.replacements).toEqual([]);
  expect(unknown.status![0]).toMatchObject({ phase: 'Lost', message: expect.stringContaining('the collector does not answer') });
  // Its node deleted from the API: gone, so fenced.
  const goneNodes = nodes(...healthy, node('node-lost', { notReadySince: T0, outOfService: false, gone: true }));
  expect(decideLostNodes(input({ pods: local, nodes: goneNodes, policy: replace })).replacements.map((r) => r.message)).toEqual([expect.stringContaining('its node is gone (deleted)')]);
  const replaced = decideLostNodes(input({ pods: local, nodes: fencedNodes, policy: replace, listed: new Set(['c-worker-0']) }));
  expect(replaced.replacements).toEqual([{
    pod: 'c-worker-1', uid: 'w1', node: 'node-lost', claim: 'data-c-worker-1', claimUid: 'k1', message: expect.stringContaining('starts empty'),
  }]);
  expect(replaced.status).toEqual([]);
});

test('a data server made again and waiting unscheduled for its node-local volume is where its volume is', () => {
  const pending = [{ name: 'c-worker-1', uid: 'w1b', role: 'worker' as const, volume: { claim: 'data-c-worker-1', localTo: 'node-lost' } }];
  expect(decideLostNodes(input({ pods: pending })).status).toEqual([expect.objectContaining({ pod: 'c-worker-1', node: 'node-lost', phase: 'Lost' })]);
  // Its volume on a healthy node: not lost, only waiting.
  expect(decideLostNodes(input({ pods: [{ ...pending[0], volume: { claim: 'data-c-worker-1', localTo: 'node-a' } }] })).status).toEqual([]);
});

test('nothing is decided without the nodes, for a data server whose volume was not read, or while most nodes are NotReady', () => {
  expect(decideLostNodes(input({ nodes: undefined }))).toEqual({ moves: [], replacements: [] });
  const unread = decideLostNodes(input({ pods: [{ name: 'c-worker-1', uid: 'w1', node: 'node-lost', role: 'worker' }] }));
  expect(unread.moves).toEqual([]);
  expect(unread.status).toEqual([expect.objectContaining({ phase: 'Held', message: expect.stringContaining('its data volume is not known') })]);
  const most = nodes(node('node-a'), node('node-lost', { notReadySince: T0, outOfService: true }), node('node-b', { notReadySince: T0 }));
  const held = decideLostNodes(input({ nodes: most }));
  expect(held.moves).toEqual([]);
  expect(held.status!.map((s) => s.phase)).toEqual(['Held', 'Held']);
  expect(held.status![0].message).toMatch(/2 of 3 nodes are NotReady/);
  // Every node not Ready counts, its grace past or not: in an outage nodes turn NotReady seconds apart.
  const turning = nodes(node('node-a'), node('node-lost', { notReadySince: T0 }), node('node-b', { notReadySince: later(290) }));
  expect(decideLostNodes(input({ nodes: turning })).moves).toEqual([]);
  // Off: nothing, and an empty status.
  expect(decideLostNodes(input({ policy: undefined }))).toEqual({ moves: [], replacements: [], status: [] });
});

test('the nodes are read only once a pod has been unready for notReadySeconds', () => {
  const since = (s: number) => ({ ready: false, readySince: later(s) });
  expect(untilMaybeLost(undefined, [since(0)], later(1000))).toBeUndefined();
  expect(untilMaybeLost(policy, [{ ready: true, readySince: T0 }], later(1000))).toBeUndefined();
  expect(untilMaybeLost(policy, [since(0), since(100)], later(200))).toBe(100_000);
  expect(untilMaybeLost(policy, [since(0)], later(301))).toBe(0);
  // Never Ready: unready since it was made.
  expect(untilMaybeLost(policy, [{ ready: false, createdAt: T0 }], later(300))).toBe(0);
});

test('spec.healing.lostNodes: defaults, and bad values named', () => {
  const model = resolveCluster({ name: 'c', namespace: 'ns', healing: { lostNodes: {} } });
  expect(model.spec.healing.lostNodes).toEqual({ notReadySeconds: 300, fencing: 'OutOfServiceTaint', replaceLocalVolumes: false });
  expect(resolveCluster({ name: 'c', namespace: 'ns' }).spec.healing.lostNodes).toBeUndefined();
  const refused = (spec: object) => {
    try {
      resolveCluster({ name: 'c', namespace: 'ns', ...spec });
    } catch (e) {
      return e instanceof SpecValidationError ? e.message : `unexpected: ${String(e)}`;
    }
    return 'accepted';
  };
  expect(refused({ healing: { lostNodes: { notReadySeconds: 10 } } })).toMatch(/healing\.lostNodes\.notReadySeconds must be >= 30/);
  expect(refused({ healing: { lostNodes: { fencing: 'Never' } } })).toMatch(/healing\.lostNodes\.fencing/);
});

test('a volume is node-local by what it says, never by how many nodes exist: a zone of one node does not pin it', () => {
  const list: { name: string; labels: Record<string, string> }[] = [
    { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'z1', 'openebs.io/nodename': 'node-a' } },
    { name: 'node-b', labels: { 'kubernetes.io/hostname': 'host-b', 'topology.kubernetes.io/zone': 'z2' } },
  ];
  const affinity = (...terms: object[]) => ({ nodeAffinity: { required: { nodeSelectorTerms: terms } } });
  const term = (key: string, value: string) => ({ matchExpressions: [{ key, operator: 'In', values: [value] }] });
  expect(pinnedNode(affinity(term('topology.kubernetes.io/zone', 'z1')), list)).toBeUndefined();
  expect(pinnedNode({}, list, 'node-a')).toBeUndefined();
  expect(pinnedNode(affinity(term('kubernetes.io/hostname', 'node-a')), list)).toBe('node-a');
  // The host name label may differ from the node's name.
  expect(pinnedNode(affinity(term('kubernetes.io/hostname', 'host-b')), list)).toBe('node-b');
  // A local driver's own key, set to the node's name (OpenEBS, TopoLVM).
  expect(pinnedNode(affinity(term('openebs.io/nodename', 'node-a')), list)).toBe('node-a');
  expect(pinnedNode(affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }), list)).toBe('node-b');
  // A node deleted from the API is still named.
  expect(pinnedNode(affinity(term('kubernetes.io/hostname', 'node-x')), list)).toBe('node-x');
  // Two nodes, or terms naming different nodes: it can move.
  expect(pinnedNode(affinity({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a', 'host-b'] }] }), list)).toBeUndefined();
  expect(pinnedNode(affinity(term('kubernetes.io/hostname', 'node-a'), term('kubernetes.io/hostname', 'host-b')), list)).toBeUndefined();
  // A local or hostPath volume with no affinity: where its pod runs.
  expect(pinnedNode({ hostPath: { path: '/d' } }, list, 'node-b')).toBe('node-b');
});

test('`xrootd-k8s status` shows each pod on a lost node and what it waits for', () => {
  const text = formatStatus({ metadata: { name: 'c', namespace: 'ns' }, status: { lostNodes: [{
    pod: 'c-worker-1', node: 'node-lost', since: T0, volume: 'NodeLocal', claim: 'data-c-worker-1', phase: 'Lost', message: 'its node-local volume (claim data-c-worker-1) is on the lost node',
  }] } });
  expect(text).toContain(`  lost node    c-worker-1 on node-lost (NotReady since ${T0}): Lost, its node-local volume (claim data-c-worker-1) is on the lost node`);
});
