/**
 * Agent benchmarks on the real control plane (binaries from test/controlplane):
 *   agent-latency: CR change -> all children applied, next to `kubectl apply
 *     --server-side -f` of the same synthesized objects (target agent <= 0.3x kubectl)
 *     and next to the floor: one SSA PATCH per object over a kept-alive
 *     connection, stages in order (target agent <= 1.5x the floor)
 *   agent-noop: write requests of a resync of settled clusters (target 0)
 *   rollout-20, git-50: see their functions
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Agent } from '../src/agent/agent.js';
import { Logger } from '../src/agent/log.js';
import type { ReconcileOutcome } from '../src/agent/xrootd/reconcile.js';
import { inStages } from '../src/apply/stages.js';
import { KubeClient } from '../src/kube/client.js';
import type { KubeObject } from '../src/kube/kinds.js';
import { Applier } from '../src/apply/applier.js';
import { synthesizeCluster } from '../src/synthesize.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace } from '../test/helpers/control-plane.js';
import { GitRepo, GitServer } from '../test/helpers/git-server.js';
import { installAgentWithoutDeployment, installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cr = (name: string, namespace: string, spec: Record<string, unknown>) => ({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace }, spec });

/** A fresh control plane with the CRDs, stopped after `body`. */
export async function withControlPlane(body: (cp: ControlPlane) => Promise<void>): Promise<void> {
  const cp = await ControlPlane.start();
  try {
    installCrds(cp);
    await body(cp);
  } finally {
    await cp.stop();
  }
}

/** Latency and no-op writes, with the agent in process (its reconcile hook marks "all children applied"). */
export async function latencyAndNoop(runs = 10): Promise<void> {
  await withControlPlane(async (cp) => {
    createNamespace(cp, 'bench');
    createNamespace(cp, 'manual');
    createNamespace(cp, 'floor');
    const floorClient = KubeClient.load(cp.kubeconfig);
    const client = KubeClient.load(cp.kubeconfig);
    const ours = KubeClient.load(cp.kubeconfig);
    let waiter: ((key: string, o: ReconcileOutcome | undefined) => void) | undefined;
    const agent = new Agent(client, { log: new Logger('warn'), resyncSeconds: 3600, onReconciled: (k, o) => waiter?.(k, o) });
    await agent.start();
    /** Resolves with the moment the agent had applied every child of `key` for a change. */
    const applied = (key: string) => new Promise<number>((resolve) => {
      waiter = (k, o) => { if (k === key && o?.appliedAt && o.results.some((r) => r.action !== 'unchanged')) resolve(o.appliedAt); };
    });
    const spec = (http: boolean) => ({ worker: { replicas: 2 }, xrootd: { http } });

    let done = applied('bench/lat');
    cp.applyYaml(stringify(cr('lat', 'bench', spec(false))));
    await done;
    const agentMs: number[] = [];
    /** From the resource's PATCH answered (the change stored) to all children applied: the agent's own part. */
    const agentAfterStoreMs: number[] = [];
    const kubectlMs: number[] = [];
    const floorMs: number[] = [];
    const floorChangedMs: number[] = [];
    let previous = new Map<string, string>();
    const file = join(cp.dir, 'manual.yaml');
    for (let i = 0; i < runs; i++) {
      const http = i % 2 === 0;
      done = applied('bench/lat');
      let t = performance.now();
      await ours.request('PATCH', '/apis/xrootd.org/v1alpha1/namespaces/bench/xrootds/lat', { body: { spec: spec(http) }, contentType: 'application/merge-patch+json' });
      const stored = performance.now();
      const appliedAt = await done;
      agentMs.push(appliedAt - t);
      agentAfterStoreMs.push(appliedAt - stored);

      writeFileSync(file, synthesizeCluster({ name: 'manual', namespace: 'manual', ...spec(http) }).objects.map((o) => stringify(o)).join('---\n'));
      t = performance.now();
      const r = cp.kubectl(['apply', '--server-side', '--field-manager=bench', '-f', file]);
      kubectlMs.push(performance.now() - t);
      if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.out}`);

      // The floor: one server-side apply PATCH per object over a kept-alive connection, stages in order,
      // a stage's objects in parallel. No client can apply these objects faster.
      // Also its variant that, like the agent, sends only the objects that changed since the last apply.
      const objects = synthesizeCluster({ name: 'floor', namespace: 'floor', ...spec(http) }).objects;
      if (i === 0) await applyFloor(floorClient, objects); // warm: first creation, and the connection
      t = performance.now();
      await applyFloor(floorClient, objects);
      floorMs.push(performance.now() - t);
      const changed = objects.filter((o) => previous.get(o.metadata.name + o.kind) !== JSON.stringify(o));
      previous = new Map(objects.map((o) => [o.metadata.name + o.kind, JSON.stringify(o)]));
      await applyFloor(floorClient, synthesizeCluster({ name: 'floor', namespace: 'floor', ...spec(!http) }).objects);
      if (i > 0) {
        t = performance.now();
        await applyFloor(floorClient, changed);
        floorChangedMs.push(performance.now() - t);
      }
    }
    const a = median(agentMs);
    const k = median(kubectlMs);
    const f = median(floorMs);
    console.log(`agent-latency: CR change to all children applied median ${a.toFixed(0)} ms; kubectl apply --server-side of the same objects median ${k.toFixed(0)} ms; ratio ${(a / k).toFixed(2)} (target <= 0.3) over ${runs} changes`);
    const fc = median(floorChangedMs);
    console.log(`agent-latency-floor: one SSA PATCH per object, kept-alive, stages in order, parallel within a stage: median ${f.toFixed(0)} ms; agent/floor ${(a / f).toFixed(2)} (target <= 1.5)`);
    console.log(`agent-latency-floor-changed: the same, sending only the objects that changed (what the agent sends): median ${fc.toFixed(0)} ms; agent/floor ${(a / fc).toFixed(2)} (target <= 1.2)`);
    const stored = median(agentAfterStoreMs);
    console.log(`agent-latency-after-store: from the resource's PATCH answered to all children applied (the watch's delivery, synthesis, the checks and the writes) median ${stored.toFixed(0)} ms; `
      + `the resource's own PATCH median ${(a - stored).toFixed(0)} ms of the ${a.toFixed(0)}; agent after the store / floor of the changed objects ${(stored / fc).toFixed(2)}`);
    floorClient.close();

    // Settle: every pod ready, status written; then a resync of everything must write nothing.
    await waitFor('lat Ready', async () => {
      const x = await ours.request<any>('GET', '/apis/xrootd.org/v1alpha1/namespaces/bench/xrootds/lat');
      return x.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    }, 120000, 250);
    await agent.clusters.queue.idle();
    await new Promise((r) => setTimeout(r, 2000));
    await agent.clusters.queue.idle();
    const writes = client.counts.writes;
    const reads = client.counts.reads;
    agent.resyncNow();
    await agent.clusters.queue.idle();
    console.log(`agent-noop: a resync of a settled cluster issued ${client.counts.writes - writes} writes and ${client.counts.reads - reads} reads (target 0 writes)`);
    await agent.stop();
    ours.close();
  });
}

/** Server-side applies `objects` as the agent orders them (stages), every object sent. */
async function applyFloor(client: KubeClient, objects: KubeObject[]): Promise<void> {
  const applier = new Applier(client);
  for (const stage of inStages(objects)) await Promise.all(stage.map((o) => applier.serverSideApply(o, { fieldManager: 'floor' })));
}

/**
 * A 20-data-server rollout (minReadySeconds 0, so only readiness gates): its
 * wall time next to the sum of the pods' own replace-and-ready times (old pod
 * marked for deletion -> new pod Ready). The difference per step is the agent's overhead.
 */
export async function rollout20(workers = 20): Promise<void> {
  await withControlPlane(async (cp) => {
    createNamespace(cp, 'roll');
    installAgentWithoutDeployment(cp);
    const client = KubeClient.load(cp.kubeconfig);
    const agent = await AgentProcess.start(cp.kubeconfig, join(cp.dir, 'agent.log'), ['--no-leader-election', '--log-level=warn', '--resync=3600']);
    const spec = (version: string) => ({ version, worker: { replicas: workers, storage: { capacity: '1Gi' } }, upgrade: { minReadySeconds: 0 } });
    const image = (v: string) => `ghcr.io/xrootd-k8s/xrootd:${v}`;
    const gone = new Map<string, number>();
    const replaced: number[] = [];
    const onImage = new Map<string, string>();
    const ready = new Set<string>();
    let target = '';
    const list = await client.request<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/namespaces/roll/pods');
    const watch = await client.watch<any>('/api/v1/namespaces/roll/pods', { resourceVersion: list.metadata.resourceVersion }, (e) => {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
      const p = e.object;
      const name = p.metadata.name as string;
      const img = p.spec.containers[0].image as string;
      const isReady = p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && !p.metadata.deletionTimestamp;
      if (target && img !== target && p.metadata.deletionTimestamp && !gone.has(name)) gone.set(name, performance.now());
      if (e.type === 'DELETED') { ready.delete(name); onImage.delete(name); return; }
      onImage.set(name, img);
      if (isReady) {
        if (target && img === target && gone.has(name) && !ready.has(name)) replaced.push(performance.now() - gone.get(name)!);
        ready.add(name);
      } else ready.delete(name);
    });
    try {
      const apply = (v: string) => cp.applyYaml(stringify(cr('r', 'roll', spec(v))));
      const done = (v: string) => waitFor(`every pod on ${v}`, () => {
        const names = [...onImage.keys()];
        return names.length === workers + 1 && names.every((n) => onImage.get(n) === image(v) && ready.has(n)) ? true : undefined;
      }, 20 * 60 * 1000, 50);
      apply('5.5.3');
      await done('5.5.3');
      target = image('5.8.1');
      const started = performance.now();
      apply('5.8.1');
      await done('5.8.1');
      const total = (performance.now() - started) / 1000;
      const own = replaced.reduce((a, b) => a + b, 0) / 1000;
      const steps = replaced.length;
      console.log(`rollout-20: ${workers} data servers + 1 redirector rolled in ${total.toFixed(1)} s; the pods' own replace-and-ready times sum to ${own.toFixed(1)} s over ${steps} steps; agent overhead ${((total - own) / steps).toFixed(2)} s per step (target < 1 s)`);
    } finally {
      watch.stop();
      await agent.stop();
      client.close();
    }
  });
}

/**
 * git-50: a repository of 50 clusters served by git http-backend on loopback.
 * The first sync (fetch, validate 50 specs, create 50 Xrootd), a sync with
 * nothing new (its writes: target 0), and a commit that changes one cluster.
 */
export async function git50(count = 50): Promise<void> {
  const server = await GitServer.start();
  const repo = new GitRepo(server, 'bench-clusters');
  try {
    await withControlPlane(async (cp) => {
      createNamespace(cp, 'bench');
      const client = KubeClient.load(cp.kubeconfig);
      const agent = new Agent(client, { log: new Logger('warn'), resyncSeconds: 3600, gitCacheDir: join(cp.dir, 'git') });
      await agent.start();
      const spec = (version = '5.8.1') => ({ version, worker: { replicas: 1, storage: { capacity: '1Gi' } } });
      for (let i = 0; i < count; i++) repo.write(`clusters/c${i}.yaml`, stringify(cr(`c${i}`, 'bench', spec())));
      const first = repo.commit('50 clusters');
      const t0 = performance.now();
      cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'XrootdGitSource', metadata: { name: 'src', namespace: 'bench' },
        spec: { url: server.url('bench-clusters'), path: 'clusters', intervalSeconds: 3600 } }));
      await waitFor('the first sync', () => (agent.gitSync.states.get('bench/src')?.revision === first ? true : undefined), 120000, 20);
      const firstMs = performance.now() - t0;
      // Let the 50 clusters settle, so the writes counted below are the sync's own.
      await waitFor(`${count} clusters Ready`, () => {
        const items = cp.getJson(['xrootd', '-n', 'bench']).items;
        return items.length === count && items.every((x: any) => x.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
      }, 600000, 1000);
      await agent.clusters.queue.idle();

      const noopMs: number[] = [];
      const writes = client.counts.writes;
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const o = await agent.gitSync.sync('bench/src');
        noopMs.push(performance.now() - t);
        if (o?.result !== 'unchanged') throw new Error(`expected nothing to change, got ${o?.result}`);
      }
      const noopWrites = client.counts.writes - writes;

      repo.write('clusters/c7.yaml', stringify(cr('c7', 'bench', spec('5.5.3'))));
      const second = repo.commit('c7 to 5.5.3');
      const t1 = performance.now();
      const o = await agent.gitSync.sync('bench/src');
      const oneMs = performance.now() - t1;
      if (o?.revision !== second || o.results.filter((r) => r.action !== 'unchanged').length !== 1) throw new Error(`expected one change at ${second}, got ${JSON.stringify(o)}`);
      console.log(`git-${count}: first sync (fetch, validate and create ${count} Xrootd) ${firstMs.toFixed(0)} ms; sync with nothing new median ${median(noopMs).toFixed(0)} ms, ${noopWrites} writes (target 0); commit changing one cluster ${oneMs.toFixed(0)} ms`);
      await agent.stop();
    });
  } finally {
    repo.cleanup();
    await server.stop();
  }
}
