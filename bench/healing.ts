/**
 * Time from fault to healthy on a real node (bench `healing`): a 1+2 cluster from the built image,
 * the agent in its pods. Each trial stops one data server's daemon with SIGSTOP (its port stays
 * open, as a hang leaves it) and times until that data server is Ready again and its manager lists
 * it: xrootd hung (the kubelet restarts it when the liveness question goes unanswered) and cmsd
 * hung (its manager drops it after three pings, `cms.ping 5` here; the agent restarts the pod
 * after spec.healing.unsubscribedSeconds, 30 here).
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { projectImage } from '../test/helpers/containers.js';
import { createNamespace } from '../test/helpers/control-plane.js';
import { distYaml, installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';
import { RealNode } from '../test/helpers/real-node.js';

const NS = 'heal';
const NAME = 'h';
const TRIALS = 2;
const isReady = (p: any): boolean => p?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function healingBench(): Promise<void> {
  const node = await RealNode.startCluster();
  try {
    node.importImage(projectImage('xrootd').archive);
    node.importImage(projectImage('agent').archive);
    installCrds(node.cp);
    node.cp.applyYaml(distYaml('agent'));
    const agent = node.cp.kubectl(['rollout', 'status', 'deployment/xrootd-k8s-agent', '-n', 'xrootd-system', '--timeout=300s'], { timeoutMs: 310000 });
    if (agent.code !== 0) throw new Error(`the agent did not become available: ${agent.out}`);
    createNamespace(node.cp, NS, 'restricted');
    node.addLocalVolumes(2);
    const ping = ['cms.ping 5'];
    node.cp.applyYaml(stringify({
      apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS },
      spec: {
        version: '5.5.3', redirector: { extraDirectives: ping },
        worker: { replicas: 2, storage: { capacity: '1Gi' }, extraDirectives: ping, resources: { requests: { cpu: '100m', memory: '256Mi' } } },
        monitoring: { enabled: true, reportIntervalSeconds: 5 }, healing: { unsubscribedSeconds: 30 },
      },
    }));
    const healthy = () => waitFor('every data server Ready and listed', () => {
      const x = node.cp.tryGetJson(['xrootd', NAME, '-n', NS]);
      const pods = node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${NAME},app.kubernetes.io/component=worker`]).items as any[];
      return x?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && x.status.members?.[0]?.subscribed === 2
        && pods.length === 2 && pods.every((p) => isReady(p) && !p.metadata.deletionTimestamp) ? true : undefined;
    }, 600000, 250);
    await healthy();
    for (const daemon of ['xrootd', 'cmsd'] as const) {
      const seconds: number[] = [];
      for (let i = 0; i < TRIALS; i++) {
        const pod = `${NAME}-worker-${i % 2}`;
        const before = node.cp.getJson(['pod', pod, '-n', NS]);
        const pid = node.containerPid(pod, daemon);
        if (!pid) throw new Error(`no ${daemon} in ${pod}`);
        const t = performance.now();
        process.kill(pid, 'SIGSTOP');
        // Healthy again: a new container (kubelet) or a new pod (agent), Ready and listed by its manager.
        await waitFor(`${pod} healed`, () => {
          const now = node.cp.tryGetJson(['pod', pod, '-n', NS]);
          const restarts = (p: any): number => p.status.containerStatuses.find((c: any) => c.name === daemon).restartCount;
          const restarted = now && (now.metadata.uid !== before.metadata.uid || restarts(now) > restarts(before));
          return restarted && isReady(now) ? true : undefined;
        }, 600000, 250);
        await healthy();
        seconds.push((performance.now() - t) / 1000);
      }
      const sorted = [...seconds].sort((a, b) => a - b);
      console.log(`healing: ${daemon} hung (SIGSTOP) to Ready and listed again: ${sorted.map((s) => s.toFixed(1)).join(', ')} s over ${TRIALS} trials (${daemon === 'xrootd' ? 'kubelet, liveness 6 x 10 s' : 'agent, cms.ping 5, unsubscribedSeconds 30'})`);
    }
  } finally {
    await node.stop();
  }
}
