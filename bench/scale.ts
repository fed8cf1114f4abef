/**
 * The agent at scale on the real control plane, as its own process with the
 * Deployment's Node flags:
 *   agent-1000: N Xrootd resources created before the agent starts; time from
 *     start to every one reconciled, peak RSS (VmHWM), API requests per resource;
 *     then a burst of 100 simultaneous spec changes: time until every change is
 *     applied (its StatefulSet carries the new configuration), p50/p99 per resource.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient, type WatchEvent } from '../src/kube/client.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace } from '../test/helpers/control-plane.js';
import { installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';

const NS = 'many';
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const cr = (name: string, http: boolean) => ({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS }, spec: { worker: { replicas: 1 }, xrootd: { http } } });
const configOf = (sts: any): string | undefined => sts.spec?.template?.spec?.volumes?.find((v: any) => v.name === 'config')?.configMap?.name;

export async function atScale(count = 1000, burst = 100): Promise<void> {
  const cp = await ControlPlane.start();
  const client = KubeClient.load(cp.kubeconfig);
  let agent: AgentProcess | undefined;
  try {
    installCrds(cp);
    createNamespace(cp, NS);
    for (let i = 0; i < count; i += 200) {
      cp.applyYaml(Array.from({ length: Math.min(200, count - i) }, (_, j) => stringify(cr(`c${i + j}`, false))).join('---\n'));
    }
    const started = performance.now();
    agent = await AgentProcess.start(cp.kubeconfig, join(cp.dir, 'agent.log'), ['--no-leader-election', '--log-level=warn', '--resync=3600']);
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
    const m = await agent.metrics();
    const requests = m.xrootd_agent_api_reads + m.xrootd_agent_api_writes;
    console.log(`agent-${count}: ${count} Xrootd resources reconciled ${seconds.toFixed(1)} s after the agent started (${(seconds * 1000 / count).toFixed(0)} ms each); `
      + `${(requests / count).toFixed(1)} API requests per resource (${(m.xrootd_agent_api_writes / count).toFixed(1)} writes), peak RSS so far ${(peakKb / 1024).toFixed(0)} MB`);

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
