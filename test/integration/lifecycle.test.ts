/**
 * The lifecycle of a cluster on the real control plane: data volumes (kwok pods and volumes; the default
 * StorageClass allows expansion, "standard" does not, a kwok stage grows claims
 * as a storage driver's resizer would): growing in place without restarting a
 * pod or losing a claim, a shrink and a first class refused by the agent, a class without
 * expansion reported with nothing changed, the volumes a scale-down keeps, and
 * the 2020 operator's claims taken over after `migrate`; and `kubectl drain`
 * against the disruption budgets (one pod at a time, unhealthy pods never block).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { BROKEN_IMAGE, ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'volumes';
const MAINTENANCE_NS = 'maintenance';
let cp: ControlPlane;
let agent: AgentProcess;

const apply = (name: string, spec: Record<string, unknown>) => cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS }, spec }));
const patch = (name: string, spec: Record<string, unknown>) => cp.kubectl(['patch', 'xrootd', name, '-n', NS, '--type=merge', '-p', JSON.stringify({ spec })]);
const get = (args: string[]): any => cp.getJson([...args, '-n', NS]);
const cr = (name: string): any => get(['xrootd', name]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const claims = (name: string): any[] => get(['pvc', '-l', `app.kubernetes.io/instance=${name}`]).items.sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name));
const uids = (items: any[]): Record<string, string> => Object.fromEntries(items.map((i) => [i.metadata.name, i.metadata.uid]));
const pods = (name: string): any[] => get(['pods', '-l', `app.kubernetes.io/instance=${name}`]).items;
const eventsOf = (name: string): any[] => get(['events', '--field-selector', `involvedObject.name=${name}`]).items;

/** `xrootd-k8s status NAME --watch` as a user runs it, until it exits. */
function statusWatch(name: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(repoRoot(), 'build/src/cli/main.js'), 'status', name, '-n', NS, '--watch', '--timeout=60', `--kubeconfig=${cp.kubeconfig}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

async function ready(name: string, workers: number): Promise<void> {
  await waitFor(`${name} Ready with ${workers} bound data volumes`, () => {
    const x = cr(name);
    const bound = claims(name).filter((c) => c.status?.phase === 'Bound').length;
    return condition(x, 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation && bound >= workers ? true : undefined;
  }, 120000, 500);
}

async function withLogs(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(40)}\n\nstatus: ${JSON.stringify(cr(name).status, null, 1)}`);
    throw e;
  }
}

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
  createNamespace(cp, MAINTENANCE_NS, 'restricted');
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'), ['--lease-namespace=xrootd-system', '--resync=3600']);
}, 20 * 60 * 1000);
afterAll(async () => {
  await agent?.stop();
  await cp?.stop();
}, 60000);

test('raising the capacity grows every data volume in place: the StatefulSet is re-created, no pod restarts, no claim is replaced', () => withLogs('grow', async () => {
  apply('grow', { worker: { replicas: 3, storage: { capacity: '1Gi' } } });
  await ready('grow', 3);
  const [podsBefore, claimsBefore] = [uids(pods('grow')), uids(claims('grow'))];
  const stsBefore = get(['statefulset', 'grow-worker']).metadata.uid;

  expect(patch('grow', { worker: { storage: { capacity: '2Gi' } } })).toMatchObject({ code: 0 });
  // `status --watch` follows the expansion to its end (a Ready cluster with a volume still growing is in progress).
  const watch = statusWatch('grow');
  const x = await waitFor('every data volume at 2Gi', () => {
    const now = cr('grow');
    return now.status?.volumes?.capacity === '2Gi' && now.status.volumes.atCapacity === 3 && condition(now, 'VolumesExpanding')?.status === 'False'
      && condition(now, 'Ready')?.status === 'True' && now.status.observedGeneration === now.metadata.generation ? now : undefined;
  }, 60000, 300);
  expect(x.status.volumes).toEqual({ capacity: '2Gi', claims: 3, atCapacity: 3 });

  const after = claims('grow');
  expect(after.map((c) => [c.spec.resources.requests.storage, c.status.capacity.storage])).toEqual([['2Gi', '2Gi'], ['2Gi', '2Gi'], ['2Gi', '2Gi']]);
  for (const c of after) expect(cp.getJson(['pv', c.spec.volumeName]).spec.capacity.storage).toBe('2Gi');
  // The same claims (never deleted and re-made) and the same pods (never restarted).
  expect(uids(after)).toEqual(claimsBefore);
  expect(uids(pods('grow'))).toEqual(podsBefore);
  const sts = get(['statefulset', 'grow-worker']);
  expect(sts.metadata.uid).not.toBe(stsBefore);
  expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
  // The re-created StatefulSet adopted the pods on their revision: nothing left to roll.
  expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
  expect(pods('grow').filter((p) => p.metadata.name.startsWith('grow-worker-')).map((p) => p.metadata.ownerReferences?.[0]?.uid)).toEqual([sts.metadata.uid, sts.metadata.uid, sts.metadata.uid]);
  const reasons = eventsOf('grow').map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['ExpandingVolumes', 'VolumesExpanded']));
  const watched = await watch;
  expect(watched.code).toBe(0);
  expect(watched.out).toMatch(/^ {2}volumes {6}[0-2]\/3 at 2Gi \[/m);
  expect(watched.out).toMatch(/^ {15}data-grow-worker-\d has 1Gi, waiting for the storage driver to grow the volume$/m);
  // The last redraw: every volume at its size, nothing left to show.
  expect(watched.out.trim().split('\n\n').at(-1)).not.toMatch(/^ {2}volumes /m);
}), 180000);

const degraded = (name: string): Promise<any> => waitFor(`${name} Degraded`, () => {
  const now = cr(name);
  return condition(now, 'Degraded')?.status === 'True' && now.status.observedGeneration === now.metadata.generation ? now : undefined;
}, 60000, 300);

test('a shrink or a first StorageClass is refused by the agent, naming the field, with nothing changed (a class change is refused by admission: crds.test.ts)', () => withLogs('grow', async () => {
  const stsBefore = get(['statefulset', 'grow-worker']).metadata.uid;
  // Admission cannot see that no class was set before: the volumes have the cluster's default.
  expect(patch('grow', { worker: { storage: { class: 'standard' } } }).code).toBe(0);
  const x = await degraded('grow');
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'VolumeChangeRefused' });
  expect(condition(x, 'Degraded').message).toContain('spec.worker.storage.class cannot change (from the cluster default to standard)');
  expect(cp.kubectl(['patch', 'xrootd', 'grow', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/spec/worker/storage/class"}]']).code).toBe(0);
  await waitFor('healthy again', () => (condition(cr('grow'), 'Degraded')?.status === 'False' && cr('grow').status.observedGeneration === cr('grow').metadata.generation ? true : undefined), 60000, 300);

  expect(patch('grow', { worker: { storage: { capacity: '1Gi' } } }).code).toBe(0);
  const shrunk = await degraded('grow');
  expect(condition(shrunk, 'Degraded')).toMatchObject({ reason: 'VolumeChangeRefused' });
  expect(condition(shrunk, 'Degraded').message).toContain('spec.worker.storage.capacity may grow but never shrink (from 2Gi to 1Gi)');
  expect(claims('grow').map((c) => c.spec.resources.requests.storage)).toEqual(['2Gi', '2Gi', '2Gi']);
  expect(get(['statefulset', 'grow-worker']).metadata.uid).toBe(stsBefore);

  // Larger in other units is larger: grows again.
  expect(patch('grow', { worker: { storage: { capacity: '2049Mi' } } }).code).toBe(0);
  await waitFor('the 2049Mi growth to settle', () => {
    const now = cr('grow');
    return now.status?.volumes?.atCapacity === 3 && now.status.volumes.capacity === '2049Mi' && condition(now, 'Degraded')?.status === 'False' ? true : undefined;
  }, 60000, 300);
}), 180000);

test('a scale-down reports the volumes it keeps, with an Event; scaling back up serves them again', () => withLogs('grow', async () => {
  expect(patch('grow', { worker: { replicas: 2 } }).code).toBe(0);
  const x = await waitFor('the kept volume in status', () => {
    const now = cr('grow');
    return condition(now, 'VolumesRetained')?.status === 'True' ? now : undefined;
  }, 60000, 300);
  expect(x.status.volumes.retained).toEqual([{ claim: 'data-grow-worker-2', pod: 'grow-worker-2' }]);
  expect(condition(x, 'VolumesRetained').message).toContain('data-grow-worker-2 (was grow-worker-2) kept after a scale-down');
  expect(claims('grow').map((c) => c.metadata.name)).toContain('data-grow-worker-2');
  await waitFor('the VolumesRetained Event', () => (eventsOf('grow').find((e) => e.reason === 'VolumesRetained' && e.type === 'Warning') ? true : undefined), 30000, 300);

  expect(patch('grow', { worker: { replicas: 3 } }).code).toBe(0);
  const back = await waitFor('the volume served again', () => {
    const now = cr('grow');
    return condition(now, 'VolumesRetained')?.status === 'False' && condition(now, 'Ready')?.status === 'True' ? now : undefined;
  }, 60000, 300);
  expect(back.status.volumes.retained).toBeUndefined();
}), 180000);

test('scaleDown Drain: the data servers are held until each one\'s drain Job has succeeded, highest first; an agent stopped mid-drain carries on', () => withLogs('drained', async () => {
  apply('drained', { worker: { replicas: 4, scaleDown: 'Drain' } });
  await ready('drained', 4);
  const claimsBefore = uids(claims('drained'));
  const replicas = () => get(['statefulset', 'drained-worker']).spec.replicas;
  expect(patch('drained', { worker: { replicas: 2 } }).code).toBe(0);

  // First worker 3's Job, once 2 and 3 are in maintenance; nothing lowered yet.
  const job = await waitFor('the drain Job of drained-worker-3', () => get(['jobs', '-l', 'xrootd.org/drain-of=3']).items[0], 120000, 100);
  await agent.stop();
  expect(replicas()).toBe(4);
  const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
  expect(env).toMatchObject({
    XRD_DRAIN_SOURCE: `drained-worker-3.drained-worker.${NS}.svc.cluster.local:1094`,
    XRD_DRAIN_TARGETS: `drained-worker-0.drained-worker.${NS}.svc.cluster.local:1094 drained-worker-1.drained-worker.${NS}.svc.cluster.local:1094`,
  });
  expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'Xrootd', name: 'drained', controller: true });
  const inDrain = cr('drained');
  expect(inDrain.status.drain).toMatchObject({ pod: 'drained-worker-3', remaining: ['drained-worker-2'], targets: ['drained-worker-0', 'drained-worker-1'] });
  expect(inDrain.status.maintenance).toEqual([2, 3]);
  expect(condition(inDrain, 'Ready').status).toBe('False');
  // kwok completes the Job's pod while no agent runs; the agent started again finds it done and goes on.
  await waitFor('the Job to succeed', () => (get(['job', job.metadata.name]).status?.succeeded ? true : undefined), 60000, 250);
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, 'agent-2.log'), ['--lease-namespace=xrootd-system', '--resync=3600']);
  const done = await waitFor('the drain to finish', () => {
    const x = cr('drained');
    if (condition(x, 'Ready')?.status === 'True' && replicas() === 2 && !x.status.drain?.phase) return x;
    throw new Error(`Ready ${condition(x, 'Ready')?.status}, ${replicas()} replicas, drain ${JSON.stringify(x.status.drain)}`);
  }, 120000, 300);
  expect(done.status.maintenance).toEqual([]);
  // Cleared, not turned into {} by a default of the status schema.
  expect(done.status.drain).toBeUndefined();
  expect(get(['jobs', '-l', 'app.kubernetes.io/instance=drained']).items).toEqual([]);
  // Highest first, one Event each; every claim kept (the drained ones hold copies).
  const drained = eventsOf('drained').filter((e) => e.reason === 'DataServerDrained').sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp) || a.metadata.name.localeCompare(b.metadata.name));
  expect(drained.map((e) => e.message.split(' ')[0])).toEqual(['drained-worker-3', 'drained-worker-2']);
  expect(eventsOf('drained').filter((e) => e.reason === 'Draining')).toHaveLength(2);
  expect(uids(claims('drained'))).toEqual(claimsBefore);
  // Kept, marked as copies: no warning about files nobody serves.
  expect(done.status.volumes.retained.map((r: any) => [r.claim, typeof r.drainedAt])).toEqual([['data-drained-worker-2', 'string'], ['data-drained-worker-3', 'string']]);
  expect(condition(done, 'VolumesRetained')).toMatchObject({ status: 'False', reason: 'Drained' });
  expect(eventsOf('drained').filter((e) => e.reason === 'VolumesRetained')).toEqual([]);
}), 300000);

test('a StorageClass without expansion: Degraded with the reason, nothing changed', () => withLogs('fixed', async () => {
  apply('fixed', { worker: { replicas: 2, storage: { class: 'standard', capacity: '1Gi' } } });
  await ready('fixed', 2);
  const [podsBefore, claimsBefore] = [uids(pods('fixed')), uids(claims('fixed'))];
  const stsBefore = get(['statefulset', 'fixed-worker']).metadata.uid;

  expect(patch('fixed', { worker: { storage: { capacity: '2Gi' } } }).code).toBe(0);
  const x = await degraded('fixed');
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'VolumeExpansionNotSupported' });
  expect(condition(x, 'Degraded').message).toContain('spec.worker.storage.capacity cannot grow from 1Gi to 2Gi: StorageClass standard does not allow volume expansion');
  expect(claims('fixed').map((c) => c.spec.resources.requests.storage)).toEqual(['1Gi', '1Gi']);
  expect(uids(claims('fixed'))).toEqual(claimsBefore);
  expect(uids(pods('fixed'))).toEqual(podsBefore);
  expect(get(['statefulset', 'fixed-worker']).metadata.uid).toBe(stsBefore);
  expect(eventsOf('fixed').find((e) => e.reason === 'VolumeExpansionNotSupported')?.type).toBe('Warning');

  // Back to the size the volumes have: healthy again.
  expect(patch('fixed', { worker: { storage: { capacity: '1Gi' } } }).code).toBe(0);
  await waitFor('healthy again', () => {
    const now = cr('fixed');
    return condition(now, 'Degraded')?.status === 'False' && condition(now, 'Ready')?.status === 'True' && now.status.observedGeneration === now.metadata.generation ? true : undefined;
  }, 60000, 300);
}), 180000);

test('after migrate, the 2020 operator\'s claims are adopted: our claims bind their volumes, Retain, nothing deleted or copied', () => withLogs('legacy', async () => {
  // What the old operator left: its data servers' claims, bound to provisioned volumes (reclaim policy Delete).
  const oldClaims = [0, 1].map((n) => `legacy-data-legacy-xrootd-worker-${n}`);
  cp.applyYaml(oldClaims.map((name) => stringify({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } },
  })).join('---\n'));
  const bound = await waitFor('the old claims bound', () => {
    const items = oldClaims.map((n) => get(['pvc', n]));
    return items.every((c) => c.status?.phase === 'Bound') ? items : undefined;
  }, 60000, 300);
  const volumes = bound.map((c: any) => c.spec.volumeName);
  const volumeUids = volumes.map((v: string) => cp.getJson(['pv', v]).metadata.uid);
  expect(volumes.map((v: string) => cp.getJson(['pv', v]).spec.persistentVolumeReclaimPolicy)).toEqual(['Delete', 'Delete']);

  // The old operator's data server still runs on one of them: nothing is taken until it is stopped.
  cp.applyYaml(stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'legacy-xrootd-worker-1', namespace: NS },
    spec: {
      containers: [{ name: 'xrootd', image: 'qserv/xrootd:latest', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: oldClaims[1] } }],
    },
  }));

  // The old resource, converted by the CLI, applied as an administrator would.
  const old = join(cp.dir, 'old.yaml');
  writeFileSync(old, [
    { apiVersion: 'xrootd.xrootd.org/v1alpha1', kind: 'XrootdCluster', metadata: { name: 'legacy', namespace: NS }, spec: { version: 'v5', worker: { replicas: 2, storage: { capacity: '1Gi' } } } },
    { apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'v5', namespace: NS }, spec: { version: '5.8.1', image: 'qserv/xrootd:5.8.1' } },
  ].map((d) => stringify(d)).join('---\n'));
  const migrated = spawnSync(process.execPath, [join(repoRoot(), 'build/src/cli/main.js'), 'migrate', old], { encoding: 'utf8' });
  expect(migrated.status).toBe(0);
  expect(migrated.stdout).toContain('adoptClaims: legacy-data-legacy-xrootd-worker-{ordinal}');
  cp.applyYaml(migrated.stdout);
  const refused = await degraded('legacy');
  expect(condition(refused, 'Degraded')).toMatchObject({ reason: 'VolumeAdoptionFailed' });
  expect(condition(refused, 'Degraded').message).toContain(`spec.worker.storage.adoptClaims: claim ${oldClaims[1]} is in use by pod legacy-xrootd-worker-1; stop the old cluster first`);
  // Nothing of the cluster's data servers exists until every volume is taken over.
  expect(cp.tryGetJson(['statefulset', 'legacy-worker', '-n', NS])).toBeUndefined();
  expect(cp.kubectl(['delete', 'pod', 'legacy-xrootd-worker-1', '-n', NS])).toMatchObject({ code: 0 });
  await ready('legacy', 2);

  const ours = claims('legacy');
  expect(ours.map((c) => [c.metadata.name, c.status.phase, c.spec.volumeName])).toEqual([['data-legacy-worker-0', 'Bound', volumes[0]], ['data-legacy-worker-1', 'Bound', volumes[1]]]);
  for (const [i, v] of volumes.entries()) {
    const pv = cp.getJson(['pv', v]);
    expect(pv.metadata.uid).toBe(volumeUids[i]);
    expect(pv.spec.claimRef).toMatchObject({ namespace: NS, name: `data-legacy-worker-${i}`, uid: ours[i].metadata.uid });
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.metadata.annotations).toMatchObject({ 'xrootd.org/adopted-from-claim': `${NS}/${oldClaims[i]}`, 'xrootd.org/reclaim-policy-before-adoption': 'Delete' });
  }
  // The old claims are kept, unbound: deleting them later cannot touch the volumes.
  expect(oldClaims.map((n) => get(['pvc', n]).status.phase)).toEqual(['Lost', 'Lost']);
  const pod = get(['pod', 'legacy-worker-0']);
  expect(pod.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe('data-legacy-worker-0');
  expect(eventsOf('legacy').filter((e) => e.reason === 'AdoptedVolume').map((e) => e.message).sort()[0])
    .toContain(`data-legacy-worker-0 binds PersistentVolume ${volumes[0]}, the volume of legacy-data-legacy-xrootd-worker-0`);

  // The admission policy: the agent cannot move a volume to another namespace, nor set Delete.
  const asAgent = (patch: unknown) => cp.kubectl(['patch', 'pv', volumes[0], '--type=merge', '-p', JSON.stringify(patch), '--as=system:serviceaccount:xrootd-system:xrootd-k8s-agent']);
  const moved = asAgent({ spec: { claimRef: { namespace: 'default', name: 'stolen', uid: null, resourceVersion: null } } });
  expect(moved.code).not.toBe(0);
  expect(moved.out).toContain('re-points a volume only to a claim in the namespace it was bound in');
  const deleting = asAgent({ spec: { persistentVolumeReclaimPolicy: 'Delete' } });
  expect(deleting.code).not.toBe(0);
  expect(deleting.out).toContain('sets no reclaim policy but Retain');
}), 180000);

describe('kubectl drain and the disruption budgets', () => {
  const WORKERS = 4;
  const inMaintenance = (args: string[]): any => cp.getJson([...args, '-n', MAINTENANCE_NS]);
  const workers = (): any[] => inMaintenance(['pods', '-l', 'app.kubernetes.io/instance=maint,app.kubernetes.io/component=worker']).items;
  const allReady = () => waitFor('every data server Ready', () => {
    const pods = workers();
    return pods.length === WORKERS && pods.every((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? pods : undefined;
  }, 120000, 500);
  const drain = (node: string, selector: string, timeout: string) => cp.kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data',
    `--pod-selector=${selector}`, `--timeout=${timeout}`]);

  beforeAll(async () => {
    cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'maint', namespace: MAINTENANCE_NS }, spec: { worker: { replicas: WORKERS, storage: { capacity: '1Gi' } } } }));
    await allReady();
  }, 180000);

  test('draining a node evicts its data servers and finishes; they come back Ready elsewhere', async () => {
    // 4 data servers on 3 nodes: some node holds two.
    const byNode = new Map<string, string[]>();
    for (const p of workers()) byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p.metadata.name]);
    const [node, onNode] = [...byNode].sort(([, a], [, b]) => b.length - a.length)[0];
    expect(onNode.length).toBeGreaterThanOrEqual(2);
    const since = new Date().toISOString();
    // The data servers only: the redirector may share their node (CI saw it evicted too).
    const r = drain(node, 'app.kubernetes.io/instance=maint,app.kubernetes.io/component=worker', '120s');
    expect(r).toMatchObject({ code: 0 });
    expect(cp.kubectl(['uncordon', node]).code).toBe(0);
    await allReady();
    // The API server's account: each pod of the node evicted (the budget may have turned one away first,
    // 429, while the other was down: the next test shows it holding a healthy pod).
    const evictions = cp.auditEvents().filter((e) => e.objectRef?.subresource === 'eviction' && e.objectRef.namespace === MAINTENANCE_NS && e.requestReceivedTimestamp >= since);
    expect(evictions.filter((e) => e.responseStatus?.code === 201).map((e) => e.objectRef!.name).sort()).toEqual([...onNode].sort());
    expect(workers().filter((p) => onNode.includes(p.metadata.name)).every((p) => p.spec.nodeName !== node)).toBe(true);
  }, 240000);

  test('with the budget used up by unhealthy data servers, an unhealthy one is still evicted; a healthy one waits', async () => {
    // Two data servers stop being Ready (an image that never starts, as kwok plays it): more than the budget's one.
    const [sick, alsoSick, healthy] = workers().map((p) => p.metadata.name).sort();
    for (const pod of [sick, alsoSick]) {
      expect(cp.kubectl(['patch', 'pod', pod, '-n', MAINTENANCE_NS, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: BROKEN_IMAGE }])]).code).toBe(0);
      expect(cp.kubectl(['patch', 'pod', pod, '-n', MAINTENANCE_NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })]).code).toBe(0);
    }
    await waitFor('the budget used up', () => (inMaintenance(['pdb', 'maint-worker']).status?.disruptionsAllowed === 0 && inMaintenance(['pdb', 'maint-worker']).status?.currentHealthy === WORKERS - 2 ? true : undefined), 60000, 300);
    const nodeOf = (pod: string) => workers().find((p) => p.metadata.name === pod).spec.nodeName;

    // A healthy data server is not evicted while the budget is used up.
    const blocked = drain(nodeOf(healthy), `statefulset.kubernetes.io/pod-name=${healthy}`, '5s');
    expect(blocked.code).not.toBe(0);
    expect(blocked.out).toMatch(/disruption budget/);
    expect(cp.kubectl(['uncordon', nodeOf(healthy)]).code).toBe(0);

    // An unhealthy one is (unhealthyPodEvictionPolicy AlwaysAllow): a drain never waits on a pod that serves nobody.
    const node = nodeOf(sick);
    const r = drain(node, `statefulset.kubernetes.io/pod-name=${sick}`, '60s');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain(`pod/${sick} evicted`);
    expect(cp.kubectl(['uncordon', node]).code).toBe(0);
    // The other comes back on the template's image once deleted (the StatefulSet re-creates it).
    // (--wait=false: the StatefulSet re-creates a pod of the same name at once.)
    expect(cp.kubectl(['delete', 'pod', alsoSick, '-n', MAINTENANCE_NS, '--wait=false'])).toMatchObject({ code: 0 });
    await allReady();
  }, 240000);

  test('a data server enters and leaves maintenance by one restart each, the others untouched', async () => {
    const before = Object.fromEntries(workers().map((p) => [p.metadata.name, p.metadata.uid]));
    const patchMaintenance = (ordinals: number[]) => cp.kubectl(['patch', 'xrootd', 'maint', '-n', MAINTENANCE_NS, '--type=merge', '-p', JSON.stringify({ spec: { worker: { maintenance: ordinals } } })]);
    expect(patchMaintenance([2])).toMatchObject({ code: 0 });
    const x = await waitFor('maint-worker-2 in maintenance', () => {
      const now = inMaintenance(['xrootd', 'maint']);
      return JSON.stringify(now.status?.maintenance) === '[2]' && now.status.observedGeneration === now.metadata.generation ? now : undefined;
    }, 60000, 300);
    expect(x.status.maintenance).toEqual([2]);
    // The list the data servers read when they start: outside the hashed configuration, so nothing else rolls.
    expect(inMaintenance(['configmap', 'maint-maintenance']).data).toEqual({ ordinals: '2\n' });
    const during = await allReady();
    const uids = Object.fromEntries(during.map((p) => [p.metadata.name, p.metadata.uid]));
    expect(Object.keys(uids).filter((n) => uids[n] !== before[n])).toEqual(['maint-worker-2']);
    const pod = during.find((p) => p.metadata.name === 'maint-worker-2');
    expect(pod.spec.volumes.find((v: any) => v.name === 'maintenance').configMap).toMatchObject({ name: 'maint-maintenance', optional: true });
    expect(pod.spec.containers[0].env).toContainEqual({ name: 'XRD_MAINTENANCE_FILE', value: '/etc/xrootd/maintenance/ordinals' });
    await waitFor('the MaintenanceStarted Event', () => (inMaintenance(['events', '--field-selector', 'involvedObject.name=maint']).items
      .some((e: any) => e.reason === 'MaintenanceStarted' && e.message.startsWith('maint-worker-2 restarted into maintenance')) ? true : undefined), 30000, 300);

    expect(patchMaintenance([])).toMatchObject({ code: 0 });
    await waitFor('out of maintenance', () => (JSON.stringify(inMaintenance(['xrootd', 'maint']).status?.maintenance) === '[]' ? true : undefined), 60000, 300);
    const after = Object.fromEntries((await allReady()).map((p) => [p.metadata.name, p.metadata.uid]));
    expect(Object.keys(after).filter((n) => after[n] !== uids[n])).toEqual(['maint-worker-2']);
  }, 240000);
});

test('expose LoadBalancer: the addresses the load balancers give the pods\' Services reach the ConfigMap the pods read and status; each pod made before its address is restarted once to announce it', () => withLogs('outside', async () => {
  apply('outside', { worker: { replicas: 2, storage: { capacity: '1Gi' } }, expose: { type: 'LoadBalancer' } });
  await ready('outside', 2);
  expect(get(['configmap', 'outside-external-addresses']).data).toEqual({ addresses: '' });
  expect(get(['service', 'outside-worker-1']).spec).toMatchObject({ type: 'LoadBalancer', selector: { 'statefulset.kubernetes.io/pod-name': 'outside-worker-1' } });
  const before = uids(pods('outside'));
  // What a load balancer controller writes once it has an address for a Service.
  const assign = (service: string, ip: string) => expect(cp.kubectl(['patch', 'service', service, '-n', NS, '--subresource=status', '--type=merge',
    '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } })])).toMatchObject({ code: 0 });
  assign('outside-worker-0', '198.51.100.20');
  assign('outside-worker-1', '2001:db8::21');
  const x = await waitFor('both addresses in status', () => {
    const now = cr('outside');
    return now.status?.external?.length === 2 ? now : undefined;
  }, 60000, 300);
  expect(x.status.external.map((e: any) => [e.pod, e.address])).toEqual([['outside-worker-0', '198.51.100.20'], ['outside-worker-1', '2001:db8::21']]);
  expect(get(['configmap', 'outside-external-addresses']).data.addresses).toBe('outside-worker-0 198.51.100.20\noutside-worker-1 2001:db8::21\n');
  // Both data servers restarted, one at a time, and nothing else.
  await waitFor('two ExternalAddressAnnounced Events', () => (eventsOf('outside').filter((e) => e.reason === 'ExternalAddressAnnounced').length === 2 ? true : undefined), 90000, 500);
  await ready('outside', 2);
  const after = uids(pods('outside'));
  expect(Object.keys(after).filter((n) => after[n] !== before[n]).sort()).toEqual(['outside-worker-0', 'outside-worker-1']);
  const worker = pods('outside').find((p) => p.metadata.name === 'outside-worker-0');
  expect(worker.spec.containers.find((c: any) => c.name === 'cmsd').env).toContainEqual({ name: 'XRD_EXTERNAL_FILE', value: '/etc/xrootd/external/addresses' });
  // Announced: later reconciles restart nothing.
  await new Promise((r) => setTimeout(r, 3000));
  expect(uids(pods('outside'))).toEqual(after);
  expect(eventsOf('outside').filter((e) => e.reason === 'ExternalAddressAnnounced').map((e) => e.message).sort()).toEqual([
    'outside-worker-0 restarted to announce its load balancer\'s address 198.51.100.20 to the managers: clients outside are redirected there',
    'outside-worker-1 restarted to announce its load balancer\'s address 2001:db8::21 to the managers: clients outside are redirected there',
  ]);
}), 240000);
