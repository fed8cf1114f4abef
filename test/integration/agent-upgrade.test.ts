/**
 * The agent itself upgraded with clusters running, as docs/upgrades.md tells an administrator to:
 * the previous release's agent (built from its commit) runs two clusters; then the new CRDs and
 * RBAC are applied and the new agent takes over. A cluster whose rendering did not change keeps
 * every pod; one whose rendering changed (this release's redirector pings) rolls through the
 * gated rollout, one pod at a time, and ends Ready.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.js';
import { AgentProcess, withAgentLogs } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { PodRecorder } from '../helpers/pod-recorder.js';
import { printedDirectory, run, waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const SAME = 'agent-up-same';
const ROLLS = 'agent-up-rolls';
const WORKERS = 3;
let cp: ControlPlane;
let previous: string;
let agent: AgentProcess | undefined;
let client: KubeClient;
let recorder: PodRecorder;

const xrootd = (namespace: string, spec: Record<string, unknown>) => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'site', namespace }, spec });
const cluster = (namespace: string): any => cp.getJson(['xrootd', 'site', '-n', namespace]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const podUids = (namespace: string): Record<string, string> => Object.fromEntries((cp.getJson(['pods', '-n', namespace]).items as any[])
  .map((p) => [p.metadata.name, p.metadata.uid]));
const ready = (namespace: string) => waitFor(`${namespace}/site Ready`, () => {
  const x = cluster(namespace);
  return condition(x, 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation ? x : undefined;
}, 180000, 500);
const startAgent = (log: string, cli?: string) => AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, log),
  ['--lease-namespace=xrootd-system', '--resync=3600'], undefined, cli);

const withLogs = (body: () => Promise<void>) => withAgentLogs(() => agent, body);

beforeAll(async () => {
  // The previous release, built as a release is, with its own dependencies (cached by commit; npm test builds it beforehand).
  const built = run(['bash', join(repoRoot(), 'test/tools/previous-release.sh')], process.env, 900000);
  const dir = printedDirectory(built);
  if (built.code !== 0 || !dir) throw new Error(`the previous release could not be built (a clone with history is needed): ${built.out}`);
  previous = dir;
  cp = await ControlPlane.start();
  installCrds(cp, previous);
  installAgentWithoutDeployment(cp, previous);
  client = KubeClient.load(cp.kubeconfig);
  agent = await startAgent('agent-previous.log', join(previous, 'build/src/cli/main.js'));
  for (const ns of [SAME, ROLLS]) createNamespace(cp, ns, 'restricted');
  const base = { version: '5.8.1', worker: { replicas: WORKERS, storage: { capacity: '1Gi' } }, upgrade: { minReadySeconds: 1 } };
  // Below a meta-manager its redirector keeps XRootD's pings: this release renders it exactly as the previous one.
  cp.applyYaml(xrootd(SAME, { ...base, federation: { upstream: ['meta.example.org:1213'] } }));
  cp.applyYaml(xrootd(ROLLS, base));
  await ready(SAME);
  await ready(ROLLS);
  recorder = new PodRecorder(client, ROLLS, { redirector: 1, worker: WORKERS }, 'redirector');
  await recorder.start();
}, 20 * 60 * 1000);
afterAll(async () => {
  recorder?.stop();
  client?.close();
  await agent?.stop();
  await cp?.stop();
}, 60000);

test('upgraded with clusters running: the new agent restarts no pod of a cluster whose rendering is unchanged, and rolls the one whose rendering changed through the gates', () => withLogs(async () => {
  const same = podUids(SAME);
  const sameTemplates = (cp.getJson(['statefulsets', '-n', SAME]).items as any[]).map((s) => `${s.metadata.name}@${s.metadata.generation}`).sort();
  const rolls = podUids(ROLLS);
  expect(Object.keys(same)).toHaveLength(1 + WORKERS);
  // The upgrade as docs/upgrades.md gives it: CRDs and RBAC first, then the agent.
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  await agent!.stop();
  const startedAt = Date.now();
  agent = await startAgent('agent-new.log');
  await waitFor(`${ROLLS} to start rolling`, () => (cluster(ROLLS).status?.rollout?.phase === 'Rolling' ? true : undefined), 60000, 250);
  await waitFor(`every pod of ${ROLLS} replaced and the cluster Ready`, () => {
    const now = podUids(ROLLS);
    const x = cluster(ROLLS);
    return Object.keys(rolls).every((p) => now[p] && now[p] !== rolls[p]) && condition(x, 'Ready')?.status === 'True' && !x.status.rollout?.phase ? true : undefined;
  }, 240000, 500);
  console.log(`agent upgrade: ${ROLLS} rolled (${Object.keys(rolls).length} pods) and Ready ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the new agent started`);
  // One pod at a time, data servers before the redirector. The recorder samples the watch: a kwok
  // pod can be replaced and Ready again between two events, so a data server may never be seen down.
  expect(recorder.maxUnavailable.worker).toBeLessThanOrEqual(1);
  expect(recorder.maxReplacing.redirector).toBe(1);
  const made = Object.fromEntries((cp.getJson(['pods', '-n', ROLLS]).items as any[]).map((p) => [p.metadata.name, Date.parse(p.metadata.creationTimestamp)]));
  expect(made['site-redirector-0']).toBeGreaterThanOrEqual(Math.max(...Array.from({ length: WORKERS }, (_, i) => made[`site-worker-${i}`])));
  // The unchanged cluster: the new agent has reconciled it (its status is the new agent's), and not one pod or template changed.
  await waitFor(`${SAME} reconciled by the new agent`, () => (condition(cluster(SAME), 'Ready')?.status === 'True' ? true : undefined), 30000, 250);
  expect(podUids(SAME)).toEqual(same);
  expect((cp.getJson(['statefulsets', '-n', SAME]).items as any[]).map((s) => `${s.metadata.name}@${s.metadata.generation}`).sort()).toEqual(sameTemplates);
  const events = (cp.getJson(['events', '-n', ROLLS, '--field-selector', 'involvedObject.name=site']).items as any[]).map((e) => e.reason);
  expect(events).toEqual(expect.arrayContaining(['RollingOut', 'RolloutDone']));
}), 360000);
