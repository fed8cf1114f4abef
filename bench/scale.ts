/**
 * The agent at scale on the real control plane, as its own process with the
 * Deployment's Node flags:
 *   agent-1000: N Xrootd resources created before the agent starts; time from
 *     start to every one reconciled, peak RSS (VmHWM), API requests per resource
 *     (and the writes by kind and verb, from the API server's audit log);
 *     then a burst of 100 simultaneous spec changes: time until every change is
 *     applied (its StatefulSet carries the new configuration), p50/p99 per resource.
 *   Beside it, on a control plane of its own just before (the same binaries, the same N
 *   resources created first): the floor, the same children applied by the fastest client
 *   possible: one server-side apply PATCH per object, owned by its resource, stages in order,
 *   every object of a stage (of all N clusters) at once. Target: the agent within 1.5x of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Applier } from '../src/apply/applier.js';
import { inStages } from '../src/apply/stages.js';
import { KubeClient, type WatchEvent } from '../src/kube/client.js';
import { synthesizeCluster } from '../src/synthesize.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace, type AuditEvent } from '../test/helpers/control-plane.js';
import { installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';
import { cpuSeconds } from './proc.js';

const NS = 'many';
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const cr = (name: string, http: boolean) => ({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS }, spec: { worker: { replicas: 1 }, xrootd: { http } } });
const configOf = (sts: any): string | undefined => sts.spec?.template?.spec?.volumes?.find((v: any) => v.name === 'config')?.configMap?.name;

/** Writes in an audit log by resource and verb (dry runs apart): where the requests go. */
function writesByKind(events: readonly AuditEvent[], count: number): string {
  const byKind = new Map<string, number>();
  for (const e of events) {
    const what = `${e.verb} ${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}${e.requestURI?.includes('dryRun=All') ? ' (dry run)' : ''}`;
    byKind.set(what, (byKind.get(what) ?? 0) + 1);
  }
  return [...byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${(n / count).toFixed(2)}`).join(', ');
}

const createResources = (cp: ControlPlane, count: number) => {
  for (let i = 0; i < count; i += 200) {
    cp.applyYaml(Array.from({ length: Math.min(200, count - i) }, (_, j) => stringify(cr(`c${i + j}`, false))).join('---\n'));
  }
};

/**
 * The floor: the children the agent makes for `count` resources, applied by the fastest client:
 * one server-side apply each, owned by its resource, stage by stage, a stage's objects of every
 * cluster at once. Seconds from the first request to the last answer.
 */
async function floor(count: number): Promise<{ seconds: number; requests: number; writes: string }> {
  const cp = await ControlPlane.start();
  const client = KubeClient.load(cp.kubeconfig);
  try {
    installCrds(cp);
    createNamespace(cp, NS);
    createResources(cp, count);
    const list = await client.request<{ items: any[] }>('GET', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`);
    const objects = list.items.flatMap((x) => {
      const owner = { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', name: x.metadata.name, uid: x.metadata.uid, controller: true, blockOwnerDeletion: true };
      return synthesizeCluster({ name: x.metadata.name, namespace: NS, ...x.spec }).objects
        .map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }));
    });
    const applier = new Applier(client);
    const auditFrom = cp.auditEvents().length;
    const started = performance.now();
    for (const stage of inStages(objects)) await Promise.all(stage.map((o) => applier.serverSideApply(o)));
    const seconds = (performance.now() - started) / 1000;
    const events = cp.auditEvents().slice(auditFrom).filter((e) => e.userAgent?.startsWith('xrootd-k8s'));
    return { seconds, requests: objects.length, writes: writesByKind(events, count) };
  } finally {
    client.close();
    await cp.stop();
  }
}

export async function atScale(count = 1000, burst = 100): Promise<void> {
  const fastest = await floor(count);
  console.log(`agent-${count}-floor: the same children applied by the fastest client (one SSA PATCH each, stages in order, a stage of all ${count} clusters at once): `
    + `${fastest.seconds.toFixed(1)} s, ${(fastest.requests / count).toFixed(1)} requests per resource`);
  const cp = await ControlPlane.start();
  const client = KubeClient.load(cp.kubeconfig);
  let agent: AgentProcess | undefined;
  try {
    installCrds(cp);
    createNamespace(cp, NS);
    createResources(cp, count);
    const auditFrom = cp.auditEvents().length;
    const started = performance.now();
    // SCALE_AGENT_ARGS: more arguments for the agent (--concurrency=32, to try).
    const extra = process.env.SCALE_AGENT_ARGS?.split(' ').filter(Boolean) ?? [];
    agent = await AgentProcess.start(cp.kubeconfig, join(cp.dir, 'agent.log'), ['--no-leader-election', '--log-level=warn', '--resync=3600', ...extra]);
    let peakKb = 0;
    const sample = () => {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent!.daemon.pid}/status`, 'utf8'));
      peakKb = Math.max(peakKb, Number(m?.[1] ?? 0));
    };
    const reconciled = async () => {
      const list = await client.request<{ items: any[] }>('GET', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`);
      return list.items.filter((x) => x.status?.observedGeneration === x.metadata.generation && x.status?.targetVersion).length;
    };
    await waitFor(`${count} clusters reconciled`, async () => {
      sample();
      return (await reconciled()) === count ? true : undefined;
    }, 30 * 60 * 1000, 500);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(agent.daemon.pid);
    const m = await agent.metrics();
    const requests = m.xrootd_agent_api_reads + m.xrootd_agent_api_writes;
    console.log(`agent-${count}: ${count} Xrootd resources reconciled ${seconds.toFixed(1)} s after the agent started (${(seconds * 1000 / count).toFixed(0)} ms each); `
      + `${(requests / count).toFixed(1)} API requests per resource (${(m.xrootd_agent_api_writes / count).toFixed(1)} writes), peak RSS so far ${(peakKb / 1024).toFixed(0)} MB; `
      + `${(seconds / fastest.seconds).toFixed(2)}x the floor (target <= 1.5); the agent's CPU time ${cpu.toFixed(1)} s`);
    const agentWrites = cp.auditEvents().slice(auditFrom).filter((e) => e.userAgent?.startsWith('xrootd-k8s'));
    console.log(`agent-${count}-writes: per resource, by the API server's audit log: ${writesByKind(agentWrites, count)}; the floor's: ${fastest.writes}`);

    // Let the pods' status traffic pass, then a burst of spec changes at once.
    const settleUntil = Date.now() + 30000;
    while (Date.now() < settleUntil) {
      sample();
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = new Map<string, string | undefined>();
    const list = await client.request<{ items: any[]; metadata: { resourceVersion: string } }>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets`);
    for (const s of list.items) before.set(s.metadata.name, configOf(s));
    const sentAt = new Map<string, number>();
    const appliedAfter = new Map<string, number>();
    const watch = await client.watch<any>(`/apis/apps/v1/namespaces/${NS}/statefulsets`, { resourceVersion: list.metadata.resourceVersion }, (e: WatchEvent<any>) => {
      if (e.type !== 'MODIFIED') return;
      const name = e.object.metadata.name as string;
      const cluster = name.replace(/-worker$/, '');
      if (!name.endsWith('-worker') || !sentAt.has(cluster) || appliedAfter.has(cluster)) return;
      if (configOf(e.object) !== before.get(name)) appliedAfter.set(cluster, performance.now() - sentAt.get(cluster)!);
    });
    const targets = Array.from({ length: burst }, (_, i) => `c${Math.floor(i * count / burst)}`);
    const burstStarted = performance.now();
    const patcher = KubeClient.load(cp.kubeconfig);
    await Promise.all(targets.map(async (name) => {
      sentAt.set(name, performance.now());
      await patcher.request('PATCH', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds/${name}`, { body: { spec: { xrootd: { http: true } } }, contentType: 'application/merge-patch+json' });
    }));
    patcher.close();
    await waitFor(`${burst} changes applied`, () => {
      sample();
      return appliedAfter.size === burst ? true : undefined;
    }, 10 * 60 * 1000, 100);
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    watch.stop();
    const per = [...appliedAfter.values()];
    const after = await agent.metrics();
    const watchErrors = Object.entries(after).filter(([k]) => k.startsWith('xrootd_agent_watch_errors_total')).reduce((n, [, v]) => n + v, 0);
    console.log(`agent-${count}-burst: ${burst} simultaneous spec changes all applied in ${burstSeconds.toFixed(1)} s; per resource p50 ${percentile(per, 0.5).toFixed(0)} ms, p99 ${percentile(per, 0.99).toFixed(0)} ms; `
      + `peak RSS over the whole run ${(peakKb / 1024).toFixed(0)} MB (heap capped by the Deployment's NODE_OPTIONS); watches broken during the run: ${watchErrors} (target 0)`);
  } finally {
    await agent?.stop();
    client.close();
    await cp.stop();
  }
}
