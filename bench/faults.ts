/**
 * Crash and fault trials on the real control plane (bench `faults`): a series
 * of rollouts (each a configuration change, so every pod is replaced), in each
 * the agent SIGKILLed at a random moment and started again; in some, the API
 * server or etcd restarted while the agent is down. A watch on the pods counts
 * unavailability per role for the whole run, a watch on the volumes counts
 * deletions. Prints: rollouts completed, the most pods of a role down at once
 * (target: never above maxUnavailable), volumes deleted (target 0), and the
 * time from the agent's restart to its caches synced, and to the rollout's next
 * pod Ready (after an API server or etcd restart this includes the StatefulSet
 * controller's own retry backoff in kube-controller-manager, which the agent
 * waits for like any client).
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../src/kube/client.js';
import { Informer } from '../src/kube/informer.js';
import { kindInfo, type KubeObject } from '../src/kube/kinds.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace } from '../test/helpers/control-plane.js';
import { installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';

const NS = 'faults';
const NAME = 'f';
const REPLICAS: Record<string, number> = { redirector: 2, worker: 6 };
const MAX_UNAVAILABLE = 1;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PodState { readonly role: string; readonly config?: string; readonly ready: boolean; readonly deleting: boolean }

const podState = (p: any): PodState => ({
  role: p.metadata.labels?.['app.kubernetes.io/component'],
  config: p.spec?.volumes?.find((v: any) => v.name === 'config')?.configMap?.name,
  ready: p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false,
  deleting: !!p.metadata.deletionTimestamp,
});

export async function faultTrials(rollouts = 20): Promise<void> {
  const cp = await ControlPlane.start();
  const client = KubeClient.load(cp.kubeconfig);
  let agent: AgentProcess | undefined;
  let pods: Informer | undefined;
  let pvcs: Informer | undefined;
  const startAgent = (i: number) => AgentProcess.start(cp.kubeconfig, join(cp.dir, `agent-${i}.log`), ['--no-leader-election', '--log-level=warn', '--resync=3600']);
  try {
    installCrds(cp);
    createNamespace(cp, NS);
    const apply = (http: boolean) => cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS },
      spec: { redirector: { replicas: REPLICAS.redirector }, worker: { replicas: REPLICAS.worker, storage: { capacity: '1Gi' } }, xrootd: { http },
        upgrade: { minReadySeconds: 0, stepDeadlineSeconds: 300,
          maxUnavailable: { redirector: MAX_UNAVAILABLE, worker: MAX_UNAVAILABLE } } } }));

    // The measuring instruments: pods (unavailability per role, progress) and volumes (deletions).
    const state = new Map<string, PodState>();
    const maxDown: Record<string, number> = { redirector: 0, worker: 0 };
    let measuring = false;
    let progressAt: number[] = [];
    let target = '';
    pods = new Informer(client, kindInfo('v1', 'Pod'), { namespace: NS, watchSeconds: 60 }).on((event, p: KubeObject) => {
      const before = state.get(p.metadata.name);
      const now = podState(p);
      if (event === 'deleted') state.delete(p.metadata.name);
      else state.set(p.metadata.name, now);
      if (event !== 'deleted' && now.ready && !now.deleting && now.config === target && !(before?.ready && before.config === target)) progressAt.push(performance.now());
      if (!measuring) return;
      for (const role of Object.keys(REPLICAS)) {
        const up = [...state.values()].filter((s) => s.role === role && s.ready && !s.deleting).length;
        maxDown[role] = Math.max(maxDown[role], REPLICAS[role] - up);
      }
    });
    let volumesDeleted = 0;
    pvcs = new Informer(client, kindInfo('v1', 'PersistentVolumeClaim'), { namespace: NS, watchSeconds: 60 }).on((event) => {
      if (event === 'deleted') volumesDeleted++;
    });
    await Promise.all([pods.start(), pvcs.start()]);

    agent = await startAgent(0);
    const desiredConfig = async () => (await client.request<any>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/${NAME}-worker`)).spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name as string;
    const rolledOut = async () => {
      const x = await client.request<any>('GET', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds/${NAME}`);
      const all = [...state.values()];
      return all.length === REPLICAS.redirector + REPLICAS.worker && all.every((s) => s.ready && !s.deleting && s.config === target)
        && x.status?.observedGeneration === x.metadata.generation && x.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';
    };
    apply(false);
    await waitFor('the first StatefulSet', async () => (await client.request<any>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets`)).items.length === 2 || undefined, 60000, 250);
    target = await desiredConfig();
    await waitFor('the cluster Ready', async () => (await rolledOut()) || undefined, 180000, 250);
    const volumes = (await client.request<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims`)).items.map((v) => v.metadata.uid).sort();

    measuring = true;
    const resumeMs: { kind: string; ms: number }[] = [];
    const readyMs: number[] = [];
    const rolloutSeconds: number[] = [];
    const faults = { agentKills: 0, apiServerRestarts: 0, etcdRestarts: 0, finishedBeforeKill: 0 };
    for (let i = 1; i <= rollouts; i++) {
      const started = performance.now();
      apply(i % 2 === 1);
      await waitFor('the new template', async () => {
        const config = await desiredConfig();
        return config !== target ? config : undefined;
      }, 60000, 100).then((c) => { target = c; });
      progressAt = [];
      // A random moment of the rollout (an undisturbed one takes a few seconds).
      await sleep(100 + Math.random() * 2000);
      process.kill(agent.daemon.pid, 'SIGKILL');
      faults.agentKills++;
      await waitFor('the agent gone', () => (agent!.daemon.exited ? true : undefined), 10000, 50);
      const doneBeforeKill = await rolledOut();
      const kind = i % 5 === 2 ? 'API server restart' : i % 5 === 4 ? 'etcd restart' : 'agent only';
      if (i % 5 === 2) {
        await cp.restart('kube-apiserver', 1000);
        faults.apiServerRestarts++;
      } else if (i % 5 === 4) {
        await cp.restart('etcd', 1000);
        faults.etcdRestarts++;
      } else {
        await sleep(Math.random() * 1000);
      }
      const restartedAt = performance.now();
      progressAt = [];
      agent = await startAgent(i);
      readyMs.push(performance.now() - restartedAt);
      let reported = false;
      await waitFor(`rollout ${i} done`, async () => {
        if (await rolledOut()) return true;
        if (!reported && performance.now() - restartedAt > 30000) {
          reported = true;
          const sts = (await client.request<{ items: any[] }>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets`)).items.map((x) => ({ name: x.metadata.name, partition: x.spec.updateStrategy.rollingUpdate.partition, status: x.status }));
          console.error(`faults: rollout ${i} (${kind}) slow after the restart:\n${agent!.logs(15)}\n${JSON.stringify(sts)}\n${JSON.stringify([...state.entries()])}`);
        }
        return undefined;
      }, 300000, 250);
      rolloutSeconds.push((performance.now() - started) / 1000);
      if (doneBeforeKill) faults.finishedBeforeKill++;
      else if (progressAt.length) resumeMs.push({ kind, ms: progressAt[0] - restartedAt });
    }
    measuring = false;
    const volumesAfter = (await client.request<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims`)).items.map((v) => v.metadata.uid).sort();
    console.log(`faults: ${rollouts}/${rollouts} rollouts completed (median ${median(rolloutSeconds).toFixed(1)} s, max ${Math.max(...rolloutSeconds).toFixed(1)} s); `
      + `agent SIGKILLed ${faults.agentKills} times, API server restarted ${faults.apiServerRestarts}, etcd ${faults.etcdRestarts} (${faults.finishedBeforeKill} rollouts had finished before the kill)`);
    console.log(`faults: most pods down at once: redirector ${maxDown.redirector}, worker ${maxDown.worker} (maxUnavailable ${MAX_UNAVAILABLE}); `
      + `volumes deleted ${volumesDeleted}, same volumes after: ${JSON.stringify(volumesAfter) === JSON.stringify(volumes)} (target 0, true)`);
    console.log(`faults: agent restart to caches synced and reconciling (/readyz): median ${median(readyMs).toFixed(0)} ms, max ${Math.max(...readyMs).toFixed(0)} ms over ${readyMs.length} restarts`);
    for (const kind of new Set(resumeMs.map((r) => r.kind))) {
      const ms = resumeMs.filter((r) => r.kind === kind).map((r) => r.ms);
      console.log(`faults: agent restart to the rollout's next pod Ready (${kind}): median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${ms.length} restarts (process start and cache sync included)`);
    }
  } finally {
    await agent?.stop();
    await pods?.stop();
    await pvcs?.stop();
    client.close();
    await cp.stop();
  }
}
