/**
 * End to end on a real node (test/helpers/real-node.ts): the install from dist/ runs the
 * agent image in real pods, the agent runs an XRootD cluster from the built image, the
 * probes are the real ones, clients read and write through the redirector from a pod,
 * a killed daemon is restarted by the kubelet, a scale-down with Drain copies a data server's
 * files in a real Job first, a data server without its redirector is not ready (ready means
 * subscribed), the collector names members by pod, and a version upgrade rolls pod by pod on
 * real readiness, a broken image rolled back. All of it with the NetworkPolicies enforced; then
 * the policies' own allowed and refused flows (./network-policies.ts), a client outside the
 * cluster through NodePorts (./node-port.ts) and, with a second node, HostNetwork
 * (./host-network.ts), and the 2020 operator's volume adopted with its files (./adoption.ts):
 * one node per machine, so they share this suite's.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.js';
import { derivedImage, projectImage, type ContainerImage } from '../helpers/containers.js';
import { createNamespace } from '../helpers/control-plane.js';
import { distYaml, installCrds } from '../helpers/install.js';
import { PodRecorder } from '../helpers/pod-recorder.js';
import { waitFor } from '../helpers/processes.js';
import { RealNode } from '../helpers/real-node.js';
import { adoptionScenario } from './adoption.js';
import { cacheScenario } from './cache.js';
import { hostNetworkScenario } from './host-network.js';
import { networkPolicyScenarios } from './network-policies.js';
import { nodePortScenario } from './node-port.js';

const NS = 'xrootd';
const CLUSTER = 'e2e';
const WORKERS = 2;
let node: RealNode;
let client: KubeClient;
let xrootdImage: string;
let built: ContainerImage;

const kubectl = (args: string[], timeoutMs?: number) => node.cp.kubectl(args, { timeoutMs });
const cr = (): any => node.cp.getJson(['xrootd', CLUSTER, '-n', NS]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const isReady = (p: any): boolean => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
/** A manager notices a hung cmsd after three pings without an answer: 15 s, not XRootD's default 180 (same on every role). */
const PING = ['cms.ping 5'];
const WORKER = { replicas: WORKERS, storage: { capacity: '1Gi' }, extraDirectives: PING };
const spec = (version: string, extra: Record<string, unknown> = {}) => ({
  version, redirector: { extraDirectives: PING }, worker: WORKER,
  upgrade: { minReadySeconds: 2, stepDeadlineSeconds: 60 }, monitoring: { enabled: true, reportIntervalSeconds: 5 },
  healing: { unsubscribedSeconds: 30 }, ...extra,
});
const apply = (s: Record<string, unknown>) => node.cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: CLUSTER, namespace: NS }, spec: s }));

/** A command in the client pod (kubectl exec: API server → kubelet → containerd). */
const inClient = (script: string) => kubectl(['exec', '-n', NS, 'client', '--', 'sh', '-c', script], 120000);
const REDIRECTOR = `root://${CLUSTER}-redirector-0.${CLUSTER}-redirector.${NS}.svc.cluster.local:1094`;

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const agentLogs = kubectl(['logs', '-n', 'xrootd-system', '-l', 'app.kubernetes.io/name=xrootd-k8s-agent', '--tail=40', '--prefix']).out;
    console.error(`agent logs:\n${agentLogs}\n\npods:\n${kubectl(['get', 'pods', '-A', '-o', 'wide']).out}\n\nevents:\n${kubectl(['get', 'events', '-A', '--sort-by=.lastTimestamp']).out.split('\n').slice(-30).join('\n')}\n\nstatus: ${JSON.stringify(node.cp.tryGetJson(['xrootd', CLUSTER, '-n', NS])?.status, null, 1)}\n\n${node.logs(20)}`);
    throw e;
  }
}

async function clusterReady(image: string, timeoutMs = 300000): Promise<any> {
  return waitFor(`${CLUSTER} Ready with every pod on ${image}`, () => {
    const x = node.cp.tryGetJson(['xrootd', CLUSTER, '-n', NS]);
    const pods = node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${CLUSTER},app.kubernetes.io/component in (redirector,worker)`]).items as any[];
    return condition(x, 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation
      && pods.length === 1 + WORKERS
      && pods.every((p) => isReady(p) && !p.metadata.deletionTimestamp && p.spec.containers[0].image === image) ? x : undefined;
  }, timeoutMs, 1000);
}

/** clusterReady, and still so `seconds` later: a restarted daemon's pod may turn not ready once more while its cmsd logs in again. */
async function clusterSettled(image: string, seconds = 15): Promise<any> {
  for (;;) {
    const x = await clusterReady(image);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const again = await clusterReady(image, 1000).catch(() => undefined);
    if (again && again.metadata.resourceVersion === x.metadata.resourceVersion) return again;
  }
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Files named `name` on the node's local volumes (the data servers' disks). */
function onVolumes(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === name) found.push(p);
    }
  };
  for (const v of readdirSync(node.dir).filter((f) => f.startsWith('volume-'))) walk(join(node.dir, v));
  return found;
}

beforeAll(async () => {
  node = await RealNode.startCluster();
  client = KubeClient.load(node.cp.kubeconfig);
  built = projectImage('xrootd');
  xrootdImage = node.importImage(built.archive);
  node.importImage(projectImage('agent').archive);
  node.addLocalVolumes(WORKERS + 1);
}, 30 * 60 * 1000);
afterAll(async () => {
  client?.close();
  await node?.stop();
}, 180000);

test('the install from dist/ runs the agent image in two real pods under the restricted profile, one of them leading', () => withLogs(async () => {
  installCrds(node.cp);
  node.cp.applyYaml(distYaml('agent'));
  expect(kubectl(['rollout', 'status', 'deployment/xrootd-k8s-agent', '-n', 'xrootd-system', '--timeout=180s'], 200000)).toMatchObject({ code: 0 });
  const pods = node.cp.getJson(['pods', '-n', 'xrootd-system', '-l', 'app.kubernetes.io/name=xrootd-k8s-agent']).items as any[];
  expect(pods).toHaveLength(2);
  expect(pods.every((p) => p.spec.nodeName === 'realnode' && p.status.podIP?.startsWith('10.244.0.') && isReady(p))).toBe(true);
  // Leader election over the API, through the `kubernetes` Service (kube-proxy) from the pods' own network.
  const lease = await waitFor('an agent to hold the lease', () => {
    const l = node.cp.getJson(['leases', '-n', 'xrootd-system']).items.find((x: any) => x.metadata.name.includes('agent'));
    return l?.spec.holderIdentity ? l : undefined;
  }, 60000, 500);
  const leader = pods.find((p) => lease.spec.holderIdentity.startsWith(p.metadata.name));
  expect(leader).toBeDefined();
  // The leader's pod goes (a drain, a node upgrade): on SIGTERM it releases the lease, and a
  // pod still running takes it (the other one, or the Deployment's replacement if it is quicker).
  expect(kubectl(['delete', 'pod', '-n', 'xrootd-system', leader.metadata.name, '--wait=true'], 90000)).toMatchObject({ code: 0 });
  const next = await waitFor('another agent pod to lead', () => {
    const l = node.cp.getJson(['lease', lease.metadata.name, '-n', 'xrootd-system']);
    const running = (node.cp.getJson(['pods', '-n', 'xrootd-system', '-l', 'app.kubernetes.io/name=xrootd-k8s-agent']).items as any[])
      .filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
    return l.spec.holderIdentity && !l.spec.holderIdentity.startsWith(leader.metadata.name)
      && running.some((n) => l.spec.holderIdentity.startsWith(n)) ? l : undefined;
  }, 60000, 250);
  expect(next.spec.leaseTransitions).toBeGreaterThan(lease.spec.leaseTransitions ?? 0);
  expect(kubectl(['rollout', 'status', 'deployment/xrootd-k8s-agent', '-n', 'xrootd-system', '--timeout=120s'], 130000)).toMatchObject({ code: 0 });
}), 300000);

test('an Xrootd from the built image becomes Ready through real probes, and the 2020 operator\'s e2e passes from a client pod', () => withLogs(async () => {
  createNamespace(node.cp, NS, 'restricted');
  apply(spec('5.5.3'));
  const x = await clusterReady(xrootdImage);
  expect(x.status.workers).toMatchObject({ ready: WORKERS });
  // The collector, a real pod fed by the daemons' reports over the pod network, names the manager's members by pod,
  // and the agent (in its pods) reads them through the collector's Service.
  const members = await waitFor('status.members from the collector', () => {
    const m = cr().status?.members;
    return m?.length && m[0].subscribed === WORKERS ? m : undefined;
  }, 120000, 1000);
  expect(members).toEqual([{ manager: `${CLUSTER}-redirector-0`, role: 'redirector', expected: WORKERS, subscribed: WORKERS, missing: [] }]);
  node.cp.applyYaml(stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 10940, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client', image: xrootdImage, command: ['sleep', 'infinity'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    },
  }));
  expect(kubectl(['wait', '-n', NS, 'pod/client', '--for=condition=Ready', '--timeout=120s'], 130000)).toMatchObject({ code: 0 });

  expect(inClient(`xrdfs ${REDIRECTOR} ls /data`)).toMatchObject({ code: 0 });
  const write = inClient(`head -c 8388608 /dev/urandom > /tmp/in && xrdcp --nopbar /tmp/in ${REDIRECTOR}//data/e2e.bin && sha256sum /tmp/in`);
  expect(write.code).toBe(0);
  const written = write.out.trim().split(/\s+/)[0];
  expect(inClient(`xrdfs ${REDIRECTOR} ls /data`).out).toContain('/data/e2e.bin');
  const read = inClient(`xrdcp --nopbar ${REDIRECTOR}//data/e2e.bin /tmp/out && sha256sum /tmp/out`);
  expect(read.code).toBe(0);
  expect(read.out.trim().split(/\s+/)[0]).toBe(written);
  // The bytes are on one data server's local volume, a real PV on the node.
  const copies = onVolumes('e2e.bin');
  expect(copies).toHaveLength(1);
  expect(statSync(copies[0]).size).toBe(8388608);
  expect(sha256(copies[0])).toBe(written);
}), 600000);

/** The data server whose volume holds a file, found through the PV its claim is bound to. */
function holderOf(copy: string): any {
  return node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${CLUSTER},app.kubernetes.io/component=worker`]).items
    .find((p: any) => node.cp.getJson(['pv']).items.some((pv: any) => copy.startsWith(pv.spec.local.path + '/')
      && pv.spec.claimRef?.name && p.spec.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === pv.spec.claimRef.name)));
}

test('a killed data server makes its pod not ready and the cluster Degraded until the kubelet restarts it; its file is still there', () => withLogs(async () => {
  const [copy] = onVolumes('e2e.bin');
  const before = sha256(copy);
  // The data server holding the file: its volume's PVC names the pod.
  const holder = holderOf(copy);
  expect(holder).toBeDefined();
  const name = holder.metadata.name;
  const restarts = holder.status.containerStatuses.find((c: any) => c.name === 'xrootd').restartCount;
  const pid = node.containerPid(name, 'xrootd');
  expect(pid).toBeGreaterThan(1);

  // Watched, not polled: the kubelet restarts a killed container within seconds.
  const seen: string[] = [];
  const podWatch = await client.watch<any>(`/api/v1/namespaces/${NS}/pods`, { fieldSelector: `metadata.name=${name}`, resourceVersion: holder.metadata.resourceVersion }, (e) => {
    if (e.type === 'MODIFIED') seen.push(`pod ${isReady(e.object) ? 'ready' : 'not ready'}`);
  });
  const crWatch = await client.watch<any>(`/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`, { fieldSelector: `metadata.name=${CLUSTER}`, resourceVersion: cr().metadata.resourceVersion }, (e) => {
    if (e.type === 'MODIFIED') seen.push(`cluster ${condition(e.object, 'Degraded')?.status === 'True' ? `Degraded ${condition(e.object, 'Degraded').reason}` : 'healthy'}`);
  });
  try {
    process.kill(pid!, 'SIGKILL');
    const back = await waitFor(`${name} restarted and Ready`, () => {
      const p = node.cp.getJson(['pod', name, '-n', NS]);
      return isReady(p) && p.status.containerStatuses.find((c: any) => c.name === 'xrootd').restartCount > restarts ? p : undefined;
    }, 180000, 500);
    await clusterSettled(xrootdImage);
    await waitFor('the watches to catch up', () => (seen.filter((x) => x.startsWith('cluster')).at(-1) === 'cluster healthy' && seen.filter((x) => x.startsWith('pod')).at(-1) === 'pod ready' ? true : undefined), 10000, 100);
    const collapse = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);
    const pod = collapse(seen.filter((x) => x.startsWith('pod')));
    const cluster = collapse(seen.filter((x) => x.startsWith('cluster')));
    expect(pod.slice(0, 1)).toEqual(['pod not ready']);
    expect(pod.at(-1)).toBe('pod ready');
    expect(cluster).toContain('cluster Degraded PodsNotReady');
    expect(cluster.at(-1)).toBe('cluster healthy');
    // Degraded came after the pod went down, and ended after it was back.
    expect(seen.indexOf('cluster Degraded PodsNotReady')).toBeGreaterThan(seen.indexOf('pod not ready'));
    expect(seen.lastIndexOf('cluster healthy')).toBeGreaterThan(seen.lastIndexOf('pod ready'));
    expect(back.status.containerStatuses.find((c: any) => c.name === 'xrootd').restartCount).toBe(restarts + 1);
  } finally {
    podWatch.stop();
    crWatch.stop();
  }
  expect(sha256(copy)).toBe(before);
  const read = inClient(`xrdcp --nopbar --force ${REDIRECTOR}//data/e2e.bin /tmp/again && sha256sum /tmp/again`);
  expect(read.out.trim().split(/\s+/)[0]).toBe(before);
}), 600000);

/**
 * Reads a file through the redirector again and again until `healed` says the fault is repaired
 * and a read has succeeded after that: the failed reads, the longest time without a successful
 * read (from the fault on) and the time from the fault to the first good read after the repair.
 */
interface FaultFigures { readonly failed: number; readonly reads: number; readonly longestStallS: number; readonly faultToServedS: number }

async function readThroughFault(sha: string, faultAt: number, healed: () => boolean, timeoutMs: number): Promise<FaultFigures> {
  let failed = 0;
  let reads = 0;
  let lastGood = faultAt;
  let longest = 0;
  for (;;) {
    const repaired = healed();
    const r = inClient(`export XRD_REQUESTTIMEOUT=10 XRD_STREAMTIMEOUT=10 XRD_CONNECTIONRETRY=1; timeout 20 xrdcp --nopbar --force ${REDIRECTOR}//data/e2e.bin /tmp/healing && sha256sum /tmp/healing`);
    reads++;
    const ok = r.code === 0 && r.out.trim().split(/\s+/)[0] === sha;
    const now = Date.now();
    if (ok) {
      longest = Math.max(longest, now - lastGood);
      lastGood = now;
      if (repaired) return { failed, reads, longestStallS: longest / 1000, faultToServedS: (now - faultAt) / 1000 };
    } else {
      failed++;
    }
    if (now - faultAt > timeoutMs) throw new Error(`reads not served again within ${timeoutMs} ms (${failed} of ${reads} failed)`);
    await new Promise((r2) => setTimeout(r2, 1000));
  }
}

/** The cluster settled, and the data server holding e2e.bin: its copy on the node, its sha256, its pod. */
async function settledHolder(): Promise<{ copy: string; sha: string; holder: any; name: string }> {
  await clusterSettled(xrootdImage);
  const [copy] = onVolumes('e2e.bin');
  const holder = holderOf(copy);
  return { copy, sha: sha256(copy), holder, name: holder.metadata.name };
}

/** Stops (SIGSTOP) a daemon of a pod, as a hang would leave it; when. */
function stop(pod: string, daemon: 'xrootd' | 'cmsd'): number {
  const pid = node.containerPid(pod, daemon);
  expect(pid).toBeGreaterThan(1);
  process.kill(pid!, 'SIGSTOP');
  return Date.now();
}

test('a hung xrootd (SIGSTOP, its port still open) fails its liveness question and is restarted by the kubelet; reads through the redirector resume', () => withLogs(async () => {
  const { sha, name } = await settledHolder();
  const restarts = () => node.cp.getJson(['pod', name, '-n', NS]).status.containerStatuses.find((c: any) => c.name === 'xrootd').restartCount as number;
  const before = restarts();
  const faultAt = stop(name, 'xrootd');
  const figures = await readThroughFault(sha, faultAt, () => restarts() > before, 240000);
  console.log(`hung xrootd: reads served again ${figures.faultToServedS.toFixed(1)} s after SIGSTOP; ${figures.failed} of ${figures.reads} reads failed, longest stall ${figures.longestStallS.toFixed(1)} s`);
  expect(restarts()).toBe(before + 1);
  const unhealthy = (node.cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${name},reason=Unhealthy`]).items as any[]).map((e) => e.message).join('\n');
  expect(unhealthy).toContain('Liveness probe failed: xrootd did not answer within 6 s');
  // Six failed questions 10 s apart, the 10 s grace, the restart and readiness: well within three minutes.
  expect(figures.faultToServedS).toBeLessThan(180);
  await clusterSettled(xrootdImage);
}), 600000);

test('a data server whose cmsd hangs (SIGSTOP) passes its liveness probes but its manager drops it: the agent restarts it after spec.healing.unsubscribedSeconds, once, on its volume', () => withLogs(async () => {
  const { copy, sha, holder, name } = await settledHolder();
  const uid = holder.metadata.uid;
  const claims = node.cp.getJson(['pvc', '-n', NS]).items.map((c: any) => c.metadata.uid).sort();
  const faultAt = stop(name, 'cmsd');
  const replaced = () => node.cp.tryGetJson(['pod', name, '-n', NS])?.metadata.uid !== uid;
  const figures = await readThroughFault(sha, faultAt, () => replaced() && isReady(node.cp.getJson(['pod', name, '-n', NS])), 300000);
  console.log(`hung cmsd: reads served again ${figures.faultToServedS.toFixed(1)} s after SIGSTOP (manager's ping 5 s, unsubscribedSeconds 30); ${figures.failed} of ${figures.reads} reads failed, longest stall ${figures.longestStallS.toFixed(1)} s`);
  const x = cr();
  expect(x.status.healing.restarts).toEqual([{ pod: name, reason: 'Unsubscribed', at: expect.any(String), count: 1 }]);
  const events = (node.cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${CLUSTER},reason=RestartedUnsubscribed`]).items as any[]);
  expect(events.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`^${name} restarted: not listed by ${CLUSTER}-redirector-0 since `))]);
  expect(node.cp.getJson(['pvc', '-n', NS]).items.map((c: any) => c.metadata.uid).sort()).toEqual(claims);
  expect(sha256(copy)).toBe(sha);
  await clusterSettled(xrootdImage);
  expect(condition(cr(), 'Healing')).toMatchObject({ status: 'False', reason: 'NothingToHeal' });
}), 600000);

test('without their only redirector the data servers turn not ready within a bounded time, and ready again once it is back: ready means subscribed', () => withLogs(async () => {
  await clusterSettled(xrootdImage);
  const workers = () => node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${CLUSTER},app.kubernetes.io/component=worker`]).items as any[];
  // The redirector goes and cannot come back (the only node cordoned): the data servers' cmsd lose their manager.
  expect(kubectl(['cordon', 'realnode'])).toMatchObject({ code: 0 });
  try {
    const gone = Date.now();
    expect(kubectl(['delete', 'pod', `${CLUSTER}-redirector-0`, '-n', NS, '--wait=true'], 90000)).toMatchObject({ code: 0 });
    // Bound: the probe fails from the first look after the connection closed; three failures, 10 s apart.
    await waitFor('every data server not ready', () => (workers().every((p) => !isReady(p)) ? true : undefined), 60000, 500);
    const seconds = (Date.now() - gone) / 1000;
    console.log(`data servers not ready ${seconds.toFixed(1)} s after their redirector was deleted`);
    expect(seconds).toBeLessThan(60);
    const message = (node.cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${CLUSTER}-worker-0,reason=Unhealthy`]).items as any[]).map((e) => e.message).join('\n');
    expect(message).toContain(`not subscribed: no connection to any of its managers (${CLUSTER}-redirector-0.${CLUSTER}-redirector.${NS}.svc.cluster.local:1213)`);
    expect(condition(await waitFor('the cluster Degraded', () => (condition(cr(), 'Degraded')?.status === 'True' ? cr() : undefined), 60000, 1000), 'Degraded').reason).toBe('PodsNotReady');
  } finally {
    kubectl(['uncordon', 'realnode']);
  }
  await clusterSettled(xrootdImage);
  const read = inClient(`xrdcp --nopbar --force ${REDIRECTOR}//data/e2e.bin /tmp/after-redirector && sha256sum /tmp/after-redirector`);
  expect(read.out.trim().split(/\s+/)[0]).toBe(sha256(onVolumes('e2e.bin')[0]));
}), 600000);

test('scaleDown Drain on real pods: the drain Job runs in the XRootD image, the data server goes only once its files are on the other, every file still read through the redirector', () => withLogs(async () => {
  const image = cr().status.image;
  // Files through the redirector, and one straight at the data server to remove, so that it surely holds some.
  const direct = `root://${CLUSTER}-worker-1.${CLUSTER}-worker.${NS}.svc.cluster.local:1094`;
  const write = inClient([
    'set -e; mkdir -p /tmp/drain; cd /tmp/drain; export XRD_CONNECTIONRETRY=2 XRD_REQUESTTIMEOUT=30',
    `for i in 1 2 3 4 5 6; do head -c $((i * 300000)) /dev/urandom > d$i.bin; xrdcp --nopbar --path d$i.bin ${REDIRECTOR}//data/drain/d$i.bin; done`,
    `head -c 700000 /dev/urandom > direct.bin; xrdcp --nopbar --path direct.bin ${direct}//data/drain/direct.bin`,
    'sha256sum *.bin',
  ].join('\n'));
  expect([write.code, write.code === 0 || write.out]).toEqual([0, true]);
  const sums = Object.fromEntries(write.out.trim().split('\n').map((l) => l.trim().split(/\s+/).reverse()));
  expect(Object.keys(sums)).toHaveLength(7);

  apply(spec('5.5.3', { worker: { ...WORKER, replicas: 1, scaleDown: 'Drain' } }));
  const done = await waitFor(`${CLUSTER} drained to one data server`, () => {
    const x = cr();
    const sts = node.cp.getJson(['statefulset', `${CLUSTER}-worker`, '-n', NS]);
    return sts.spec.replicas === 1 && sts.status.replicas === 1 && condition(x, 'Ready')?.status === 'True'
      && x.status.observedGeneration === x.metadata.generation && !x.status.drain?.phase ? x : undefined;
  }, 300000, 1000);
  expect(done.status.image).toBe(image);
  // The Job ran for real: its summary (the pod's termination message) is in the Event.
  const drained = (node.cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${CLUSTER}`]).items as any[]).find((e) => e.reason === 'DataServerDrained');
  expect(drained?.message).toMatch(new RegExp(`^${CLUSTER}-worker-1 drained: \\d+ files, \\d+ bytes: \\d+ copied`));
  expect(node.cp.getJson(['pvc', `data-${CLUSTER}-worker-1`, '-n', NS]).metadata.annotations['xrootd.org/drained-at']).toBeDefined();
  const read = inClient(`cd /tmp/drain && for f in *.bin; do xrdcp --nopbar --force ${REDIRECTOR}//data/drain/$f /tmp/back-$f || exit 1; done; cd /tmp && sha256sum back-*.bin`);
  expect(read.code).toBe(0);
  const back = Object.fromEntries(read.out.trim().split('\n').map((l) => { const [sum, file] = l.trim().split(/\s+/); return [file.replace(/^back-/, ''), sum]; }));
  expect(back).toEqual(sums);

  // Back to two: worker 1 returns on its volume (its old copies beside the new ones: same bytes).
  apply(spec('5.5.3'));
  await clusterSettled(xrootdImage);
}), 600000);

test('a version upgrade between two images built here rolls pod by pod on real readiness; a broken image halts and is rolled back; a data server that has not subscribed holds the next step', () => withLogs(async () => {
  const catalog = (version: string, image: string) => node.cp.applyYaml(stringify({
    apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: `v${version}` }, spec: { version, image, features: ['tls', 'tokens'] },
  }));
  const r2 = node.importImage(derivedImage(built, 'ghcr.io/xrootd-k8s/xrootd:5.5.3-r2', { labels: { 'org.opencontainers.image.revision': 'r2' } }));
  // A release whose daemon exits at start.
  const broken = node.importImage(derivedImage(built, 'ghcr.io/xrootd-k8s/xrootd:5.5.3-broken', { files: { '/usr/bin/xrootd': '#!/bin/sh\necho "broken release" >&2\nexit 3\n' } }));
  // A release whose data servers' cmsd asks a manager that is not there (a closed port) for 40 s before the real one.
  const late = node.importImage(derivedImage(built, 'ghcr.io/xrootd-k8s/xrootd:5.5.3-late', { files: { '/usr/local/bin/cmsd': [
    '#!/bin/sh',
    'case " $* " in *" -n worker "*) XRD_MANAGER_0=127.0.0.1:1 timeout 40 /usr/bin/cmsd "$@" ;; esac',
    'exec /usr/bin/cmsd "$@"',
    '',
  ].join('\n') } }));
  catalog('5.5.3-r2', r2);
  catalog('5.5.3-broken', broken);
  await clusterSettled(xrootdImage);
  // Data servers counted until the redirector is replaced: without their only manager they are out of service (not ready).
  const recorder = new PodRecorder(client, NS, { redirector: 1, worker: WORKERS }, 'redirector');
  await recorder.start();
  try {
    apply(spec('5.5.3-r2'));
    const x = await clusterReady(r2);
    expect(x.status).toMatchObject({ currentVersion: '5.5.3-r2', workers: { ready: WORKERS, updated: WORKERS } });
    // The recorder's watch may trail kubectl by an event (CI saw the redirector's last one arrive after).
    await waitFor('the recorder to see every pod Ready on r2', () => ((recorder.readyOn.get(r2)?.length ?? 0) >= 1 + WORKERS ? true : undefined), 15000, 100).catch(() => undefined);
    // Data servers first, from the highest ordinal, then the redirector; one pod of a role replaced at a time.
    expect(recorder.readyOn.get(r2)).toEqual([`${CLUSTER}-worker-1`, `${CLUSTER}-worker-0`, `${CLUSTER}-redirector-0`]);
    expect(recorder.maxReplacing).toEqual({ redirector: 1, worker: 1 });
    // Real readiness, not kwok's: one pod of a role down at a time, over the whole rollout.
    expect(recorder.maxUnavailable).toEqual({ redirector: 1, worker: 1 });
    // The daemons stop on SIGTERM (the pause container is pid 1): no replaced pod waits out its 30 s grace period for SIGKILL.
    expect(recorder.terminationMs.size).toBeGreaterThanOrEqual(1 + WORKERS);
    expect(Math.max(...recorder.terminationMs.values())).toBeLessThan(20000);
    const read = inClient(`xrdcp --nopbar --force ${REDIRECTOR}//data/e2e.bin /tmp/after-upgrade && sha256sum /tmp/after-upgrade`);
    expect(read.out.trim().split(/\s+/)[0]).toBe(sha256(onVolumes('e2e.bin')[0]));

    recorder.resetMax();
    apply(spec('5.5.3-broken', { upgrade: { minReadySeconds: 2, stepDeadlineSeconds: 20, autoRollback: true } }));
    const back = await waitFor('rolled back with every pod Ready on 5.5.3-r2', () => {
      const c = cr();
      const pods = [...recorder.pods.values()];
      return c.status?.rolledBack?.generation === c.metadata.generation && c.status.rolledBack.toVersion === '5.5.3-r2'
        && pods.length === 1 + WORKERS && pods.every((p) => p.image === r2 && p.ready && !p.deleting) ? c : undefined;
    }, 300000, 500);
    expect(back.status.rolledBack).toMatchObject({ fromVersion: '5.5.3-broken', toVersion: '5.5.3-r2', stuckPod: `${CLUSTER}-worker-1` });
    expect(condition(back, 'Degraded')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    // Only the first data server ever ran the broken image, and its container really failed at start.
    expect([...recorder.everOn.get(broken)!]).toEqual([`${CLUSTER}-worker-1`]);
    expect(recorder.maxReplacing).toEqual({ redirector: 0, worker: 1 });
    expect(recorder.maxUnavailable).toEqual({ redirector: 0, worker: 1 });
    const events = node.cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${CLUSTER}-worker-1`]).items as any[];
    expect(events.some((e) => e.reason === 'BackOff' && /restarting failed container/.test(e.message))).toBe(true);
    const again = inClient(`xrdcp --nopbar --force ${REDIRECTOR}//data/e2e.bin /tmp/after-rollback && sha256sum /tmp/after-rollback`);
    expect(again.out.trim().split(/\s+/)[0]).toBe(sha256(onVolumes('e2e.bin')[0]));

    // A release whose data servers subscribe only after 40 s (their cmsd first asks a manager that is not there):
    // each replaced data server runs, its cmsd active, but is not ready until it has subscribed, and the next
    // data server is replaced only after that.
    catalog('5.5.3-late', late);
    recorder.resetMax();
    apply(spec('5.5.3-late', { upgrade: { minReadySeconds: 2, stepDeadlineSeconds: 240 } }));
    await clusterReady(late, 600000);
    const [first, second] = [`${CLUSTER}-worker-1@${late}`, `${CLUSTER}-worker-0@${late}`];
    const unsubscribedSeconds = (recorder.readyAt.get(first)! - recorder.seenAt.get(first)!) / 1000;
    console.log(`a replaced data server of the late release became ready ${unsubscribedSeconds.toFixed(1)} s after its pod was made`);
    expect(unsubscribedSeconds).toBeGreaterThanOrEqual(40);
    // The second data server went only once the first had subscribed (and been ready minReadySeconds).
    expect(recorder.deletingAt.get(`${CLUSTER}-worker-0@${r2}`)!).toBeGreaterThan(recorder.readyAt.get(first)!);
    expect(recorder.readyAt.get(second)! - recorder.seenAt.get(second)!).toBeGreaterThanOrEqual(40_000);
    expect(recorder.maxReplacing).toEqual({ redirector: 1, worker: 1 });
  } finally {
    recorder.stop();
  }
}), 1500000);

networkPolicyScenarios(() => node, () => xrootdImage);
nodePortScenario(() => node);
hostNetworkScenario(() => node, () => built.archive);
const adopted = adoptionScenario(() => node, () => xrootdImage);
cacheScenario(() => node, () => xrootdImage, adopted);
