/**
 * Rolling upgrades driven by the agent on the real control plane (kwok pods):
 * order, at most maxUnavailable per role (from a watch on pods during the whole
 * rollout), gates, a broken release halting, rollback, pause, an agent killed
 * mid-rollout, and a config change rolling like a version change.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.js';
import { AgentProcess } from '../helpers/agent.js';
import { BROKEN_IMAGE, ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { PodRecorder } from '../helpers/pod-recorder.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'upgrades';
const REDIRECTORS = 2;
const WORKERS = 12;
let cp: ControlPlane;
let agent: AgentProcess;
let client: KubeClient;

const image = (v: string): string => `ghcr.io/xrootd-k8s/xrootd:${v}`;
const spec = (version: string, extra: Record<string, unknown> = {}) => ({
  version, redirector: { replicas: REDIRECTORS }, worker: { replicas: WORKERS, storage: { capacity: '1Gi' } },
  upgrade: { minReadySeconds: 1, stepDeadlineSeconds: 15 }, ...extra,
});
const apply = (s: Record<string, unknown>) => cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'up', namespace: NS }, spec: s }));
const cr = (): any => cp.getJson(['xrootd', 'up', '-n', NS]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);

let recorder: PodRecorder;

async function rolledOut(img: string, timeoutMs = 240000): Promise<any> {
  return waitFor(`every pod on ${img} and the cluster Ready`, () => {
    const pods = [...recorder.pods.values()];
    const x = cr();
    return pods.length === REDIRECTORS + WORKERS && pods.every((p) => p.image === img && p.ready && !p.deleting)
      && condition(x, 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation ? x : undefined;
  }, timeoutMs, 500);
}

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(60)}\n\nstatus: ${JSON.stringify(cr().status, null, 1)}`);
    throw e;
  }
}

const startAgent = async (log: string) => AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, log),
  ['--lease-namespace=xrootd-system', '--resync=3600']);

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
  client = KubeClient.load(cp.kubeconfig);
  agent = await startAgent('agent.log');
  recorder = new PodRecorder(client, NS, { redirector: REDIRECTORS, worker: WORKERS });
  await recorder.start();
  apply(spec('5.5.3'));
  await rolledOut(image('5.5.3'));
}, 20 * 60 * 1000);
afterAll(async () => {
  recorder?.stop();
  client?.close();
  await agent?.stop();
  await cp?.stop();
}, 60000);

test('a version upgrade replaces data servers first, then redirectors, one pod at a time, and ends Ready', () => withLogs(async () => {
  recorder.resetMax();
  apply(spec('5.8.1'));
  await waitFor('the rollout to show in status', () => (cr().status?.rollout?.phase === 'Rolling' ? true : undefined), 30000, 200);
  expect(cp.kubectl(['get', 'xrootd', 'up', '-n', NS]).out).toMatch(/Rolling/);
  const x = await rolledOut(image('5.8.1'));
  expect(x.status).toMatchObject({
    currentVersion: '5.8.1', targetVersion: '5.8.1',
    workers: { ready: WORKERS, updated: WORKERS, version: '5.8.1' }, redirectors: { ready: REDIRECTORS, updated: REDIRECTORS, version: '5.8.1' },
  });
  // The CRD defaults an absent rollout to {}.
  expect(x.status.rollout?.phase).toBeUndefined();
  // Never more than one pod of a role down at once, over the whole rollout.
  expect(recorder.maxUnavailable).toEqual({ redirector: 1, worker: 1 });
  // Policy order: every data server before any redirector; within a role from the highest ordinal down.
  const order = recorder.readyOn.get(image('5.8.1'))!;
  expect(order).toEqual([
    ...Array.from({ length: WORKERS }, (_, i) => `up-worker-${WORKERS - 1 - i}`),
    ...Array.from({ length: REDIRECTORS }, (_, i) => `up-redirector-${REDIRECTORS - 1 - i}`),
  ]);
  const events = cp.getJson(['events', '-n', NS, '--field-selector', 'involvedObject.name=up']).items.map((e: any) => e.reason);
  expect(events).toEqual(expect.arrayContaining(['RollingOut', 'RolloutDone']));
}), 300000);

test('a broken release halts after its first pod with Degraded naming it; rolling back restores every pod', () => withLogs(async () => {
  cp.applyYaml(stringify({ apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'broken' }, spec: { version: '9.0.0-broken', image: BROKEN_IMAGE, features: ['maxfd', 'identity-env'] } }));
  recorder.resetMax();
  apply(spec('9.0.0-broken'));
  const x = await waitFor('Degraded RolloutStuck', () => {
    const c = cr();
    return condition(c, 'Degraded')?.reason === 'RolloutStuck' ? c : undefined;
  }, 90000, 500);
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'RolloutStuck', message: 'up-worker-11 not Ready within 15 s of its replacement; rollout stopped' });
  expect(x.status.rollout).toMatchObject({ phase: 'Stuck', stuckPod: 'up-worker-11' });
  // Per role: the data servers are mid-way to the broken version, the redirectors have not started.
  expect(x.status.workers).toMatchObject({ version: '5.8.1', targetVersion: '9.0.0-broken', updated: 1 });
  expect(x.status.redirectors).toMatchObject({ version: '5.8.1', targetVersion: '9.0.0-broken', updated: 0 });
  // Nothing else was touched.
  await new Promise((r) => setTimeout(r, 3000));
  const onBroken = [...recorder.pods.values()].filter((p) => p.image === BROKEN_IMAGE).map((p) => p.name);
  expect(onBroken).toEqual(['up-worker-11']);
  expect(recorder.maxUnavailable.redirector).toBe(0);
  expect(recorder.maxUnavailable.worker).toBe(1);
  const events = cp.getJson(['events', '-n', NS, '--field-selector', 'involvedObject.name=up']).items;
  expect(events.some((e: any) => e.reason === 'RolloutStuck' && e.type === 'Warning')).toBe(true);

  // Reverting: the stuck pod is replaced on the good revision (by the agent's delete, or by the
  // StatefulSet controller itself, which replaces an unready outdated pod under the Parallel policy).
  apply(spec('5.8.1'));
  await rolledOut(image('5.8.1'));
  expect(condition(cr(), 'Degraded')).toMatchObject({ status: 'False' });
  expect(recorder.maxUnavailable.redirector).toBe(0);
}), 300000);

test('with autoRollback a stuck step sends the cluster back to the spec it was last Ready with, until the spec changes', () => withLogs(async () => {
  recorder.resetMax();
  apply(spec('9.0.0-broken', { upgrade: { minReadySeconds: 1, stepDeadlineSeconds: 15, autoRollback: true } }));
  const x = await waitFor('rolled back with every pod Ready on 5.8.1', () => {
    const c = cr();
    const pods = [...recorder.pods.values()];
    return c.status?.rolledBack?.generation === c.metadata.generation && condition(c, 'Degraded')?.message?.includes('rolled back to')
      && pods.length === REDIRECTORS + WORKERS && pods.every((p) => p.image === image('5.8.1') && p.ready && !p.deleting) ? c : undefined;
  }, 120000, 500);
  expect(x.status.rolledBack).toMatchObject({ fromVersion: '9.0.0-broken', toVersion: '5.8.1', stuckPod: 'up-worker-11' });
  expect(condition(x, 'Degraded')).toMatchObject({ status: 'True', reason: 'RolledBack' });
  expect(condition(x, 'Degraded').message).toBe(`rollout of 9.0.0-broken (generation ${x.metadata.generation}) stopped at up-worker-11; rolled back to 5.8.1 until the spec changes`);
  expect(condition(x, 'Ready')).toMatchObject({ status: 'False', reason: 'RolledBack' });
  // Only the first data server ever tried the broken release; the redirectors never moved.
  expect(recorder.maxUnavailable).toEqual({ redirector: 0, worker: 1 });
  const events = cp.getJson(['events', '-n', NS, '--field-selector', 'involvedObject.name=up']).items;
  expect(events.some((e: any) => e.reason === 'RolledBack' && e.type === 'Warning')).toBe(true);
  // It stays rolled back: no second attempt at the broken release.
  await new Promise((r) => setTimeout(r, 3000));
  expect([...recorder.pods.values()].every((p) => p.image === image('5.8.1'))).toBe(true);

  // The next spec change is tried on its own merits and clears the rollback.
  apply(spec('5.8.1'));
  const after = await rolledOut(image('5.8.1'));
  expect(after.status.rolledBack?.generation).toBeUndefined();
  expect(condition(after, 'Degraded')).toMatchObject({ status: 'False' });
}), 300000);

test('paused holds every pod where it is; resuming finishes the rollout', () => withLogs(async () => {
  recorder.resetMax();
  apply(spec('5.5.3'));
  await waitFor('two data servers replaced', () => ((recorder.readyOn.get(image('5.5.3')) ?? []).filter((n) => n === 'up-worker-11' || n === 'up-worker-10').length === 2 ? true : undefined), 120000, 200);
  // The first pass through 5.5.3 recorded every pod: count only what is on it now.
  apply(spec('5.5.3', { upgrade: { minReadySeconds: 1, stepDeadlineSeconds: 15, paused: true } }));
  await waitFor('Paused in status', () => (cr().status?.rollout?.phase === 'Paused' ? true : undefined), 30000, 200);
  // A replacement already in flight when the pause arrived completes; nothing starts after it.
  await new Promise((r) => setTimeout(r, 3000));
  const held = [...recorder.pods.values()].filter((p) => p.image === image('5.5.3')).length;
  await new Promise((r) => setTimeout(r, 6000));
  expect([...recorder.pods.values()].filter((p) => p.image === image('5.5.3')).length).toBe(held);
  expect(held).toBeLessThan(REDIRECTORS + WORKERS);
  expect(condition(cr(), 'Progressing')).toMatchObject({ status: 'False', reason: 'Paused' });

  // An old pod that restarts while the rollout is paused comes back on its old revision, with the configuration it ran with.
  const configOf = (podSpec: any): string => podSpec.volumes.find((v: any) => v.name === 'config').configMap.name;
  const newConfig = configOf(cp.getJson(['statefulset', 'up-worker', '-n', NS]).spec.template.spec);
  const old = cp.getJson(['pod', 'up-worker-0', '-n', NS]);
  const oldConfig = configOf(old.spec);
  expect(oldConfig).not.toBe(newConfig);
  // Not kubectl's own wait: under load kwok may take longer than kubectl allows for the grace period.
  expect(cp.kubectl(['delete', 'pod', 'up-worker-0', '-n', NS, '--wait=false'])).toMatchObject({ code: 0 });
  const back = await waitFor('up-worker-0 back and Ready', () => {
    const p = cp.tryGetJson(['pod', 'up-worker-0', '-n', NS]);
    return p && p.metadata.uid !== old.metadata.uid && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  }, 120000, 250);
  expect(configOf(back.spec)).toBe(oldConfig);
  expect(back.spec.containers[0].image).toBe(old.spec.containers[0].image);
  expect(cp.getJson(['configmap', oldConfig, '-n', NS]).immutable).toBe(true);

  apply(spec('5.5.3'));
  await rolledOut(image('5.5.3'));
  expect(recorder.maxUnavailable).toEqual({ redirector: 1, worker: 1 });
  // Once every pod runs the new revision, the old configuration goes.
  await waitFor('only the current configuration left', () => {
    // (The maintenance list, up-maintenance, is not a revision's configuration.)
    const names = cp.getJson(['configmap', '-n', NS, '-l', 'xrootd.org/cluster=up']).items.map((c: any) => c.metadata.name).filter((n: string) => n.startsWith('up-config-'));
    return names.length === 1 && names[0] === newConfig ? true : undefined;
  }, 30000, 250);
}), 300000);

test('the agent killed mid-rollout resumes from what it observes, and the gates still hold', () => withLogs(async () => {
  recorder.resetMax();
  apply(spec('5.8.1'));
  await waitFor('a few data servers replaced', () => ([...recorder.pods.values()].filter((p) => p.image === image('5.8.1') && p.ready).length >= 3 ? true : undefined), 120000, 200);
  // SIGKILL: no graceful shutdown, the Lease is not released.
  process.kill(agent.daemon.pid, 'SIGKILL');
  await waitFor('the agent gone', () => (agent.daemon.exited ? true : undefined), 10000, 100);
  const frozen = [...recorder.pods.values()].filter((p) => p.image === image('5.8.1')).length;
  await new Promise((r) => setTimeout(r, 3000));
  // Without the agent no further step is taken (at most the pod already in flight completes).
  expect([...recorder.pods.values()].filter((p) => p.image === image('5.8.1')).length).toBeLessThanOrEqual(frozen + 1);
  agent = await startAgent('agent-restarted.log');
  await rolledOut(image('5.8.1'));
  expect(recorder.maxUnavailable).toEqual({ redirector: 1, worker: 1 });
}), 300000);

/** `xrootd-k8s status --watch` as a user runs it, in the background: its output lines and exit code. */
function watchStatus(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, [join(repoRoot(), 'build/src/cli/main.js'), 'status', 'up', '-n', NS, `--kubeconfig=${cp.kubeconfig}`, '--watch', ...args]);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, lines: out.trim().split('\n') })));
}

test('a config change rolls like a version change, and status --watch follows it to the end', () => withLogs(async () => {
  recorder.resetMax();
  // Before the change the cluster is Ready: status --watch says so and exits at once.
  expect(await watchStatus(['-o', 'json', '--timeout=30'])).toMatchObject({ code: 0 });
  const before = cp.getJson(['pods', '-n', NS, '-l', 'app.kubernetes.io/instance=up']).items.map((p: any) => `${p.metadata.name}/${p.metadata.uid}`);
  apply(spec('5.8.1', { xrootd: { http: true } }));
  // After it the agent has not caught up (observedGeneration behind): it follows the rollout to the end.
  const watched = watchStatus(['-o', 'json', '--timeout=240']);
  await waitFor('every pod replaced', () => {
    const now = cp.getJson(['pods', '-n', NS, '-l', 'app.kubernetes.io/instance=up']).items;
    return now.length === REDIRECTORS + WORKERS && now.every((p: any) => !before.includes(`${p.metadata.name}/${p.metadata.uid}`)
      && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  }, 240000, 500);
  await rolledOut(image('5.8.1'));
  expect(recorder.maxUnavailable).toEqual({ redirector: 1, worker: 1 });

  const { code, lines } = await watched;
  expect(code).toBe(0);
  const seen = lines.map((l) => JSON.parse(l));
  const updated = seen.map((x) => x.status.workers?.updated ?? 0);
  expect(seen.some((x) => x.status.rollout?.phase === 'Rolling')).toBe(true);
  expect(Math.min(...updated)).toBeLessThan(WORKERS);
  expect(updated.at(-1)).toBe(WORKERS);
  expect(seen.at(-1).status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
}), 300000);

test('a downgrade the catalog marks incompatible is refused with nothing touched, and goes through when forced', () => withLogs(async () => {
  cp.applyYaml(stringify({ apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'v5.8.1' },
    spec: { version: '5.8.1', image: image('5.8.1'), features: ['maxfd', 'identity-env'], incompatibleBelow: '5.8.0' } }));
  const generations = cp.getJson(['statefulsets', '-n', NS]).items.map((s: any) => s.metadata.generation);
  apply(spec('5.5.3'));
  const x = await waitFor('DowngradeRefused', () => {
    const c = cr();
    return condition(c, 'Degraded')?.reason === 'DowngradeRefused' ? c : undefined;
  }, 60000, 250);
  expect(condition(x, 'Degraded').message).toBe('spec.version 5.5.3 is a downgrade from 5.8.1, which the catalog marks incompatible with versions below 5.8.0; set spec.upgrade.force to do it anyway');
  expect(cp.getJson(['statefulsets', '-n', NS]).items.map((s: any) => s.metadata.generation)).toEqual(generations);

  apply(spec('5.5.3', { upgrade: { minReadySeconds: 1, stepDeadlineSeconds: 15, force: true } }));
  await rolledOut(image('5.5.3'));
}), 300000);
