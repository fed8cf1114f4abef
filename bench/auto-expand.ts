/**
 * worker.storage.autoExpand's reaction time (bench `auto-expand`), on the real control plane with a
 * real collector process and the agent as a process: a data server's summary report saying it has
 * 10% free (threshold 20%) is sent to the collector, and the bench times until the claim asks for
 * more (the agent's decision and patch) and until it has it (kwok's stage resizes as a driver's
 * resizer would). The agent reads the collector every 15 s, so the figures spread over that.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace } from '../test/helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../test/helpers/install.js';
import { freePorts, startDaemon, stopDaemon, waitFor } from '../test/helpers/processes.js';
import { repoRoot } from '../test/helpers/repo.js';

const NS = 'fill';
const TRIALS = 4;

export async function autoExpandBench(): Promise<void> {
  const cp = await ControlPlane.start();
  const [udp, http] = await freePorts(2);
  const collector = startDaemon('collector', [process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'collector', `--namespace=${NS}`, '--cluster=bench',
    `--udp-port=${udp}`, `--http-port=${http}`, '--address=127.0.0.1', '--stale-seconds=600'], process.env, join(cp.dir, 'collector.log'));
  const socket = dgram.createSocket('udp4');
  let agent: AgentProcess | undefined;
  try {
    installCrds(cp);
    installAgentWithoutDeployment(cp);
    createNamespace(cp, NS, 'restricted');
    agent = await AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'),
      ['--lease-namespace=xrootd-system', '--resync=3600', `--membership-url=http://127.0.0.1:${http}/membership`]);
    const asked: number[] = [];
    const grown: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `f${i}`;
      cp.applyYaml(stringify({
        apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS },
        spec: { worker: { replicas: 1, storage: { capacity: '1Gi', autoExpand: { maxCapacity: '8Gi' } } }, monitoring: { enabled: true } },
      }));
      const claim = `data-${name}-worker-0`;
      await waitFor(`${claim} bound`, () => (cp.tryGetJson(['pvc', claim, '-n', NS])?.status?.phase === 'Bound' ? true : undefined), 120000, 250);
      const kib = Math.floor(2 ** 20 * 0.98);
      const packet = readFileSync(join(repoRoot(), 'test/fixtures/xrd-report/worker-xrootd.xml'), 'utf8')
        .replace(/src="vm:/, `src="${name}-worker-0.${name}-worker.${NS}.svc.cluster.local:`).replace(/tod="\d+"/, `tod="${Math.floor(Date.now() / 1000)}"`)
        .replace(/<tot>\d+<\/tot><free>\d+<\/free>/, `<tot>${kib}</tot><free>${Math.ceil(kib / 10)}</free>`);
      const sent = Date.now();
      await new Promise<void>((resolve) => socket.send(packet, udp, '127.0.0.1', () => resolve()));
      await waitFor('the claim asked for more', () => (cp.getJson(['pvc', claim, '-n', NS]).spec.resources.requests.storage !== '1Gi' ? true : undefined), 120000, 50);
      asked.push((Date.now() - sent) / 1000);
      await waitFor('the claim grown', () => (cp.getJson(['pvc', claim, '-n', NS]).status?.capacity?.storage === '2Gi' ? true : undefined), 120000, 50);
      grown.push((Date.now() - sent) / 1000);
    }
    const show = (xs: number[]) => [...xs].sort((a, b) => a - b).map((x) => x.toFixed(1)).join(', ');
    console.log(`auto-expand: report below freePercent to claim asked for more: ${show(asked)} s; to claim grown (kwok's resizer): ${show(grown)} s over ${TRIALS} clusters (the agent reads the collector every 15 s)`);
  } finally {
    socket.close();
    await agent?.stop();
    await stopDaemon(collector);
    await cp.stop();
  }
}
