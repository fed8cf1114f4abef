/**
 * Least privilege on a real control plane: the agent installed in namespaced
 * mode (a Role in the one namespace it serves) runs a cluster there as the
 * install's own ServiceAccount; everything else is forbidden to it: other
 * namespaces, Secrets it was not granted by name, and (through the install's
 * admission policy) deleting any object it did not make. Also: the API
 * server's priority-and-fairness rejections (429) are waited out, not failures.
 */
import { Chart, Testing } from 'cdk8s';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { agentRules, XrootdAgent } from '../../constructs/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { AgentProcess, withAgentLogs } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installCrds } from '../helpers/install.js';
import { waitFor } from '../helpers/processes.js';

const AGENT_NS = 'xrootd-system';
const SERVED = 'tenant-a';
const OTHER = 'tenant-b';
let cp: ControlPlane;
let agent: AgentProcess;
let asAgent: string;

const xrootd = (name: string, namespace: string) => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace },
  spec: { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi' } } } });
const ready = (name: string, namespace: string) => waitFor(`${namespace}/${name} Ready`, () => {
  const x = cp.tryGetJson(['xrootd', name, '-n', namespace]);
  return x?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? x : undefined;
}, 180000, 250);

/** The install for one namespace, as the construct renders it, minus the Deployment (the agent runs as a local process). */
function namespacedInstall(): string {
  const app = Testing.app();
  new XrootdAgent(new Chart(app, 'agent'), 'agent', { watchNamespace: SERVED, gitCredentials: [{ namespace: SERVED, secretName: 'git-auth' }] });
  return app.synthYaml().split(/^---$/m).filter((d) => !/^kind: Deployment$/m.test(d)).join('---');
}

const withLogs = (body: () => Promise<void>) => withAgentLogs(() => agent, body);

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  createNamespace(cp, SERVED, 'restricted');
  createNamespace(cp, OTHER, 'restricted');
  cp.applyYaml(namespacedInstall());
  asAgent = cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent');
  agent = await AgentProcess.start(asAgent, join(cp.dir, 'agent.log'), [`--namespace=${SERVED}`, `--lease-namespace=${AGENT_NS}`, '--resync=3600']);
}, 20 * 60 * 1000);
afterAll(async () => {
  await agent?.stop();
  await cp?.stop();
}, 60000);

test('in namespaced mode the agent runs a cluster in its namespace as the install\'s ServiceAccount', () => withLogs(async () => {
  cp.applyYaml(xrootd('alpha', SERVED));
  const x = await ready('alpha', SERVED);
  expect(x.status.workers).toMatchObject({ replicas: 1, ready: 1 });
  const m = await agent.metrics();
  expect(m.xrootd_agent_reconcile_errors_total).toBe(0);
  expect(m.xrootd_agent_watch_errors_total ?? 0).toBe(0);
}), 240000);

test('outside its namespace the ServiceAccount may only read the catalog and StorageClasses, list Nodes (worker.nodeDrain: which are cordoned) and read and patch volumes (cluster-scoped; the adoption policy confines the patches)', () => {
  // The API server's own account of what RBAC grants the account in a namespace (what `kubectl auth can-i --list` shows).
  const resourceRules = (ns: string): { verbs: string[]; resources: string[]; resourceNames?: string[] }[] => {
    const review = stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } });
    const r = cp.kubectl(['create', '--validate=false', '-f', '-', '-o', 'json'], { kubeconfig: asAgent, input: review });
    if (r.code !== 0) throw new Error(`SelfSubjectRulesReview failed: ${r.out}`);
    return JSON.parse(r.out).status.resourceRules.filter((rule: any) => !rule.resources.some((x: string) => x.startsWith('selfsubject')));
  };
  const clusterScoped = [
    { verbs: ['get', 'list', 'watch'], apiGroups: ['catalog.xrootd.org'], resources: ['xrootdversions'] },
    { verbs: ['get', 'list'], apiGroups: ['storage.k8s.io'], resources: ['storageclasses'] },
    { verbs: ['list'], apiGroups: [''], resources: ['nodes'] },
    { verbs: ['get', 'patch'], apiGroups: [''], resources: ['persistentvolumes'] },
  ];
  expect(resourceRules(OTHER)).toEqual(clusterScoped);
  // In its namespace: exactly the agent's rules, the named Secret and the cluster-scoped reads.
  const served = resourceRules(SERVED);
  expect(served).toHaveLength(agentRules().length + 1 + clusterScoped.length);
  expect(served).toContainEqual({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['git-auth'] });
  const can = (...args: string[]) => cp.kubectl(['auth', 'can-i', ...args], { kubeconfig: asAgent }).out.trim().split('\n')[0];
  expect(can('get', 'secrets/other', '-n', SERVED)).toBe('no');
  expect(can('list', 'secrets', '-n', SERVED)).toBe('no');
  expect(can('create', 'pods', '-n', SERVED)).toBe('no');
  expect(can('list', 'xrootds', '--all-namespaces')).toBe('no');
  expect(can('create', 'clusterroles')).toBe('no');
});

test('a cluster outside its namespace is left alone', () => withLogs(async () => {
  cp.applyYaml(xrootd('beta', OTHER));
  await new Promise((r) => setTimeout(r, 3000));
  expect(cp.getJson(['statefulsets,configmaps,services', '-n', OTHER, '-l', 'xrootd.org/cluster=beta']).items).toEqual([]);
  const beta = cp.getJson(['xrootd', 'beta', '-n', OTHER]);
  expect(beta.status?.conditions).toBeUndefined();
  expect(beta.metadata.finalizers).toBeUndefined();
  expect((await agent.metrics()).xrootd_agent_watch_errors_total ?? 0).toBe(0);
}), 30000);

test('the admission policy lets the agent delete only what it made', () => {
  cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace: SERVED }, data: { a: 'b' } }));
  cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'someone-elses', namespace: SERVED },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
  const del = (...args: string[]) => cp.kubectl(['delete', ...args, '-n', SERVED, '--wait=false'], { kubeconfig: asAgent });
  // RBAC allows these deletes; the policy refuses them, naming the rule.
  for (const target of [['configmap', 'someone-elses'], ['pvc', 'someone-elses'], ['xrootd', 'alpha']]) {
    const r = del(...target);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/the xrootd-k8s agent deletes only what it made/);
  }
  expect(cp.getJson(['configmap', 'someone-elses', '-n', SERVED]).data).toEqual({ a: 'b' });
  expect(cp.getJson(['xrootd', 'alpha', '-n', SERVED]).metadata.deletionTimestamp).toBeUndefined();
  // Its own objects it may delete (the agent puts this one back).
  expect(del('service', 'alpha-worker').code).toBe(0);
  // Anyone else is not subject to the policy.
  expect(cp.kubectl(['delete', 'configmap', 'someone-elses', '-n', SERVED]).code).toBe(0);
});

test('priority-and-fairness rejections (429) are waited out as the server asks, not reported as failures', async () => {
  // A priority level of one seat that rejects instead of queueing, for the agent's account only.
  cp.applyYaml([
    { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'one-seat' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, lendablePercent: 0, borrowingLimitPercent: 0, limitResponse: { type: 'Reject' } } } },
    { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'xrootd-agent-one-seat' },
      spec: { priorityLevelConfiguration: { name: 'one-seat' }, matchingPrecedence: 50,
        rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'xrootd-k8s-agent', namespace: AGENT_NS } }],
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }] }] } },
  ].map((o) => stringify(o)).join('---\n'));
  const client = KubeClient.load(asAgent);
  try {
    await waitFor('the flow schema in force', async () => {
      const burst = await Promise.all(Array.from({ length: 64 }, () => client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${SERVED}/configmaps`)));
      expect(burst.every((l) => Array.isArray(l.items))).toBe(true);
      return client.counts.throttled > 0 ? true : undefined;
    }, 60000, 500);
  } finally {
    client.close();
    cp.kubectl(['delete', 'flowschema', 'xrootd-agent-one-seat']);
    cp.kubectl(['delete', 'prioritylevelconfiguration', 'one-seat']);
  }
}, 120000);
