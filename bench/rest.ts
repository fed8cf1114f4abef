/**
 * agent-rest: the agent's memory at rest, as its own process with the Deployment's Node flags, on
 * the real control plane: 2 s after it is ready with nothing to do, and again once 10 clusters
 * (1+2) it created are settled (every pod Running, no request for 5 s). Resident memory is split
 * into what the process has alone (anonymous: its heap and code) and the pages of the node binary
 * and libraries it maps (file-backed: shared by every Node process of the image on a node).
 * Target: 60 MiB resident at rest.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AGENT_NODE_OPTIONS } from '../constructs/index.js';
import { KubeClient } from '../src/kube/client.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { createNamespace, type ControlPlane } from '../test/helpers/control-plane.js';
import { waitFor } from '../test/helpers/processes.js';
import { withControlPlane } from './agent.js';
import { residentMiB } from './proc.js';

const NS = 'rest';

const show = (m: { rss: number; anon: number; file: number }): string =>
  `${m.rss.toFixed(1)} MiB resident (${m.anon.toFixed(1)} its own, ${m.file.toFixed(1)} mapped files)`;

export async function agentAtRest(clusters = 10): Promise<void> {
  await withControlPlane(async (cp) => {
    createNamespace(cp, NS);
    await atRest(cp, clusters);
  });
}

async function atRest(cp: ControlPlane, clusters: number): Promise<void> {
  const client = KubeClient.load(cp.kubeconfig);
  let agent: AgentProcess | undefined;
  try {
    // REST_HEAP_SNAPSHOT=1: V8 heap snapshots at start and settled, in the control plane's directory (what holds the memory).
    const snapshots = process.env.REST_HEAP_SNAPSHOT === '1';
    agent = await AgentProcess.start(cp.kubeconfig, join(cp.dir, 'agent.log'), ['--no-leader-election', '--log-level=warn'],
      snapshots ? `${AGENT_NODE_OPTIONS} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${cp.dir}` : AGENT_NODE_OPTIONS);
    const snapshot = async () => {
      if (!snapshots) return;
      process.kill(agent!.daemon.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 5000));
      console.log(`agent-rest: heap snapshot in ${cp.dir}`);
    };
    await new Promise((r) => setTimeout(r, 2000));
    const atStart = residentMiB(agent.daemon.pid);
    const heapAtStart = (await agent.metrics()).nodejs_heap_size_used_bytes / 2 ** 20;
    await snapshot();
    cp.applyYaml(Array.from({ length: clusters }, (_, i) => stringify({
      apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: `r${i}`, namespace: NS },
      spec: { redirector: { replicas: 1 }, worker: { replicas: 2, storage: { capacity: '1Gi' } } },
    })).join('---\n'));
    await waitFor(`${clusters} clusters Ready`, async () => {
      const list = await client.request<{ items: any[] }>('GET', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`);
      return list.items.filter((x) => x.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length === clusters ? true : undefined;
    }, 300_000, 500);
    let last = -1;
    await waitFor('no request for 5 s', async () => {
      const m = await agent!.metrics();
      const now = m.xrootd_agent_api_reads + m.xrootd_agent_api_writes;
      const quiet = now === last;
      last = now;
      return quiet ? true : undefined;
    }, 120_000, 5000);
    const settled = residentMiB(agent.daemon.pid);
    const heapSettled = (await agent.metrics()).nodejs_heap_size_used_bytes / 2 ** 20;
    await snapshot();
    if (snapshots) await new Promise((r) => setTimeout(r, 600_000));
    console.log(`agent-rest: 2 s after start ${show(atStart)}, V8 heap in use ${heapAtStart.toFixed(1)} MiB; `
      + `with ${clusters} clusters (1+2) settled ${show(settled)}, heap ${heapSettled.toFixed(1)} MiB (target 60 MiB resident at rest)`);
  } finally {
    await agent?.stop();
    client.close();
  }
}
