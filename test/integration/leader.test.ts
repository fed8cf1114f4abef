/**
 * Two agent replicas on the real control plane: the leader is frozen (SIGSTOP)
 * past its lease while changes arrive, the standby takes over, the old leader
 * is resumed. The API server's audit log must show no write from the old
 * leader after the new one acquired the Lease.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace, type AuditEvent } from '../helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { waitFor } from '../helpers/processes.js';

const NS = 'physics';
const AGENT_NS = 'xrootd-system';
// Short timings so the test takes seconds, in client-go's proportions.
const TIMINGS = ['--lease-duration=6', '--renew-deadline=4', '--retry-period=1'];
let cp: ControlPlane;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
}, 20 * 60 * 1000);
afterAll(async () => {
  for (const a of agents) {
    try { process.kill(a.daemon.pid, 'SIGCONT'); } catch { /* gone */ }
    await a.stop();
  }
  await cp?.stop();
}, 60000);

const holder = (): string | undefined => cp.getJson(['lease', 'xrootd-k8s-agent', '-n', AGENT_NS]).spec?.holderIdentity;
const identityOf = (a: AgentProcess): string => `${hostname()}-${a.daemon.pid}`;
const byAgent = (a: AgentProcess) => (e: AuditEvent): boolean => e.userAgent === `xrootd-k8s-agent/${identityOf(a)}`;
const workerReplicas = (): number | undefined => {
  const r = cp.kubectl(['get', 'statefulset', 'fenced-worker', '-n', NS, '-o', 'jsonpath={.spec.replicas}']);
  return r.code === 0 ? Number(r.out) : undefined;
};

async function startAgent(name: string): Promise<AgentProcess> {
  const a = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, `${name}.log`),
    [`--lease-namespace=${AGENT_NS}`, '--resync=3600', ...TIMINGS]);
  agents.push(a);
  return a;
}

test('a leader frozen past its lease sends no write after another replica acquired the Lease', async () => {
  const old = await startAgent('agent-a');
  await waitFor('agent a to lead', () => (holder() === identityOf(old) ? true : undefined), 30000, 200);
  const next = await startAgent('agent-b');
  cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'fenced', namespace: NS }, spec: { worker: { replicas: 2 } } }));
  await waitFor('the leader to create the cluster', () => (workerReplicas() === 2 ? true : undefined), 60000, 200);

  process.kill(old.daemon.pid, 'SIGSTOP');
  try {
    await waitFor('the standby to take the Lease', () => (holder() === identityOf(next) ? true : undefined), 30000, 200);
    // A change while the old leader is frozen: the new one applies it.
    expect(cp.kubectl(['scale', 'xrootd/fenced', '-n', NS, '--replicas=3']).code).toBe(0);
    await waitFor('the new leader to scale the cluster', () => (workerReplicas() === 3 ? true : undefined), 60000, 200);
  } finally {
    process.kill(old.daemon.pid, 'SIGCONT');
  }
  // Resumed with watch events and a reconcile backlog in hand, and one more change to react to.
  expect(cp.kubectl(['scale', 'xrootd/fenced', '-n', NS, '--replicas=4']).code).toBe(0);
  await waitFor('the new leader to scale the cluster again', () => (workerReplicas() === 4 ? true : undefined), 60000, 200);
  await new Promise((r) => setTimeout(r, 5000));

  const events = cp.auditEvents();
  const acquired = events.find((e) => byAgent(next)(e) && e.objectRef?.resource === 'leases' && (e.responseStatus?.code ?? 0) < 300);
  expect(acquired).toBeDefined();
  // The old leader did write while it led (so the filter below can see its writes)...
  expect(events.some((e) => byAgent(old)(e) && e.objectRef?.resource === 'statefulsets')).toBe(true);
  // ...and nothing at all, not even a refused attempt, once the new one held the Lease.
  const late = events.filter((e) => byAgent(old)(e) && e.requestReceivedTimestamp >= acquired!.requestReceivedTimestamp);
  expect(late.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name} ${e.responseStatus?.code}`)).toEqual([]);
  // The old leader is alive and standing by, and says so.
  expect((await old.metrics()).xrootd_agent_leader).toBe(0);
  expect((await next.metrics()).xrootd_agent_leader).toBe(1);
  expect(old.logs()).toContain('lost leadership');
}, 240000);
