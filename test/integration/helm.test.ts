/**
 * The Helm charts of dist/charts, run by Helm itself (v4, built from its module): both pass
 * `helm lint --strict`; with default values they render dist/crds, dist/agent and the minimal
 * example, object for object, and with any other values what the XrootdAgent construct makes of
 * the same props (the charts are generated from it, never written twice); values the schema
 * refuses are refused naming the field. On the control plane: both charts installed bring a
 * cluster to Ready (the agent acting as the chart's ServiceAccount), an upgrade with a new agent
 * image changes the agent's Deployment and nothing else, an invalid install creates nothing, and
 * uninstalling keeps the CRDs and the data volumes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import { AGENT_CHART, CLUSTER_CHART, XrootdAgent, type XrootdAgentProps } from '../../constructs/index.js';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, xrootdReady } from '../helpers/control-plane.js';
import { deliveryTool } from '../helpers/delivery-tools.js';
import { run, waitFor, type RunResult } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const at = (path: string): string => join(repoRoot(), path);
const agentChart = at(`dist/charts/${AGENT_CHART}`);
const clusterChart = at(`dist/charts/${CLUSTER_CHART}`);
const AGENT_NS = 'xrootd-system';
let cp: ControlPlane | undefined;
let agent: AgentProcess | undefined;
let helmHome: string;

type KubeObject = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;
const objectsOf = (yaml: string): Map<string, KubeObject> => new Map(parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject | null)
  .filter((o): o is KubeObject => !!o).map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
const objectsOfFiles = (...files: string[]) => objectsOf(files.map((f) => readFileSync(at(f), 'utf8')).join('\n---\n'));

function helm(args: string[], timeoutMs = 120_000): RunResult {
  // Helm's own cache, config and data stay in the test's directory.
  const env = { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') };
  return run([deliveryTool('helm'), ...args, ...(cp ? [`--kubeconfig=${cp.kubeconfig}`] : [])], env, timeoutMs);
}
function template(chart: string, args: string[] = []): Map<string, KubeObject> {
  const r = helm(['template', 'release', chart, ...args]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.out}`);
  return objectsOf(r.out);
}
function valuesFile(values: unknown): string {
  const file = join(helmHome, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}
function synthesizedAgent(props: XrootdAgentProps): Map<string, KubeObject> {
  const app = new App();
  new XrootdAgent(new Chart(app, 'agent'), 'agent', props);
  return objectsOf(app.charts[0].toJson().map((o: unknown) => stringify(o)).join('---\n'));
}
const withoutCrds = (objects: Map<string, KubeObject>) => new Map([...objects].filter(([, o]) => o.kind !== 'CustomResourceDefinition'));

beforeAll(() => {
  helmHome = mkdtempSync(join(tmpdir(), 'helm-test-'));
  deliveryTool('helm');
}, 30 * 60_000);
afterAll(async () => {
  await agent?.stop();
  await cp?.stop();
  rmSync(helmHome, { recursive: true, force: true });
}, 60_000);

test('helm lint --strict passes both charts', () => {
  const r = helm(['lint', '--strict', agentChart, clusterChart]);
  expect(r).toMatchObject({ code: 0, out: expect.stringContaining('2 chart(s) linted, 0 chart(s) failed') });
});

test('with default values, the charts render dist/crds and dist/agent, and the minimal example, object for object', () => {
  expect(template(agentChart)).toEqual(objectsOfFiles('dist/crds/crds.k8s.yaml', 'dist/agent/agent.k8s.yaml'));
  // The cluster chart's resource is named after the release, in the release's namespace.
  const r = helm(['template', 'minimal', clusterChart, '--namespace', 'xrootd']);
  expect(r.code).toBe(0);
  expect(objectsOf(r.out)).toEqual(objectsOfFiles('examples/resources/minimal.yaml'));
  // As subcharts: a parent chart's global values pass the schemas and reach no object.
  expect(template(agentChart, ['--set', 'global.registry=registry.example.org'])).toEqual(template(agentChart));
  const sub = helm(['template', 'minimal', clusterChart, '--namespace', 'xrootd', '--set', 'global.registry=registry.example.org']);
  expect(objectsOf(sub.out)).toEqual(objectsOfFiles('examples/resources/minimal.yaml'));
});

test('any other agent values render what the XrootdAgent construct makes of the same props', () => {
  const cases: Array<{ values: Record<string, unknown>; props: XrootdAgentProps }> = [
    {
      values: {
        namespace: 'agents', createNamespace: false, image: 'registry.example.org/xrootd-k8s/agent@sha256:0123', replicas: 3,
        resources: { requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '300Mi', 'ephemeral-storage': '1Gi' } },
        watchNamespace: 'team-a', extraDirectives: 'xrootd.trace,ofs.trace', serviceMonitor: true, ownedDeletesPolicy: false,
        gitCredentials: [{ namespace: 'b', secretName: 's2' }, { namespace: 'a', secretName: 's1' }, { namespace: 'b', secretName: 's1' }, { namespace: 'b', secretName: 's2' }],
        tlsSecrets: [{ namespace: 'c', secretName: 'site-tls' }],
      },
      props: {
        namespace: 'agents', createNamespace: false, image: 'registry.example.org/xrootd-k8s/agent@sha256:0123', replicas: 3,
        resources: { requests: { cpu: '100m', memory: '96Mi' }, limits: { memory: '300Mi', 'ephemeral-storage': '1Gi' } },
        watchNamespace: 'team-a', extraDirectives: ['xrootd.trace', 'ofs.trace'], serviceMonitor: true, ownedDeletesPolicy: false,
        gitCredentials: [{ namespace: 'b', secretName: 's2' }, { namespace: 'a', secretName: 's1' }, { namespace: 'b', secretName: 's1' }],
        tlsSecrets: [{ namespace: 'c', secretName: 'site-tls' }],
      },
    },
    { values: { extraDirectives: 'none', watchNamespace: 'only-here' }, props: { extraDirectives: 'none', watchNamespace: 'only-here' } },
    { values: { tlsSecrets: [{ namespace: 'xrootd', secretName: 'a' }] }, props: { tlsSecrets: [{ namespace: 'xrootd', secretName: 'a' }] } },
  ];
  for (const { values, props } of cases) {
    expect(withoutCrds(template(agentChart, ['--values', valuesFile(values)]))).toEqual(synthesizedAgent(props));
  }
});

test('values the schema refuses are refused naming the field, and nothing is rendered', () => {
  const refused: Array<[string, string[], RegExp]> = [
    [agentChart, ['--set', 'replicas=0'], /\/replicas.*minimum/s],
    [agentChart, ['--set', 'replicas=3000000000'], /\/replicas.*maximum/s],
    [agentChart, ['--set', 'namespace=Kube_System'], /\/namespace/],
    // A value written into a config line must not carry YAML of its own.
    [agentChart, ['--set-string', 'watchNamespace=a\n  evil: true'], /\/watchNamespace/],
    [agentChart, ['--set', 'extraDirectives=all\\,xrootd.trace'], /\/extraDirectives/],
    [agentChart, ['--set', 'image=ghcr.io/a b'], /\/image/],
    [agentChart, ['--set', 'resources.limits.memory=lots'], /\/resources\/limits\/memory/],
    [agentChart, ['--set', 'replicsa=2'], /additional properties 'replicsa' not allowed/],
    [clusterChart, ['--set', 'worker.replicas=-1'], /\/worker\/replicas.*minimum/s],
    [clusterChart, ['--set', 'worker.replicsa=3'], /\/worker.*additional properties 'replicsa' not allowed/s],
    [clusterChart, ['--set', 'worker.storage.capacity=ten'], /\/worker\/storage\/capacity/],
    [clusterChart, ['--set', 'upgrade.order=sideways'], /\/upgrade\/order/],
  ];
  for (const [chart, args, message] of refused) {
    const r = helm(['template', 'release', chart, ...args]);
    expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 1, out: expect.stringMatching(message) });
    expect(r.out).not.toContain('kind:');
  }
  const long = helm(['template', 'a-cluster-name-longer-than-forty-one-letters', clusterChart]);
  expect(long).toMatchObject({ code: 1, out: expect.stringContaining('at most 41 characters') });
});

test('on the control plane: both charts bring a cluster Ready; an agent image upgrade changes only the agent; a refused install creates nothing; uninstall keeps CRDs and volumes', async () => {
  cp = await ControlPlane.start();
  const install = helm(['install', 'xrootd-k8s', agentChart, '--namespace', AGENT_NS, '--create-namespace', '--set', 'createNamespace=false']);
  expect(install).toMatchObject({ code: 0, out: expect.stringContaining('STATUS: deployed') });
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/xrootds.xrootd.org', '--timeout=60s']).code).toBe(0);
  // The agent as the chart's ServiceAccount, with exactly the chart's permissions (kwok runs no containers).
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'), [`--lease-namespace=${AGENT_NS}`]);

  const site = helm(['install', 'site', clusterChart, '--namespace', 'helm-site', '--create-namespace', '--set', 'worker.replicas=3']);
  expect(site).toMatchObject({ code: 0, out: expect.stringContaining('STATUS: deployed') });
  await xrootdReady(cp, 'helm-site', 'site', 3, 180_000).catch((e) => { throw new Error(`${(e as Error).message}\n${agent?.logs(60)}`); });

  // Upgrade the agent: only its Deployment changes, and no pod or StatefulSet of the cluster.
  const clusterState = () => ({
    pods: cp!.getJson(['pods', '-n', 'helm-site']).items.map((p: any) => `${p.metadata.name}/${p.metadata.uid}`).sort(),
    statefulSets: cp!.getJson(['statefulsets', '-n', 'helm-site']).items.map((s: any) => `${s.metadata.name}/${s.metadata.generation}`).sort(),
  });
  const releaseVersions = () => {
    const manifest = helm(['get', 'manifest', 'xrootd-k8s', '--namespace', AGENT_NS]);
    return Object.fromEntries([...objectsOf(manifest.out).values()].map((o) => {
      const live = cp!.getJson([`${o.kind}/${o.metadata.name}`, ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : [])]);
      // The generation where there is one: the API server writes some objects' status itself (an admission policy's type check).
      return [`${o.kind}/${o.metadata.name}`, live.metadata.generation ?? live.metadata.resourceVersion];
    }));
  };
  const before = { cluster: clusterState(), release: releaseVersions() };
  const upgrade = helm(['upgrade', 'xrootd-k8s', agentChart, '--namespace', AGENT_NS, '--reuse-values', '--set', 'image=ghcr.io/xrootd-k8s/agent:0.1.1']);
  expect(upgrade).toMatchObject({ code: 0, out: expect.stringContaining('REVISION: 2') });
  const after = releaseVersions();
  const changed = Object.keys(after).filter((k) => after[k] !== before.release[k]);
  expect(changed).toEqual(['Deployment/xrootd-k8s-agent']);
  expect(cp.getJson(['deployment', 'xrootd-k8s-agent', '-n', AGENT_NS]).spec.template.spec.containers[0].image).toBe('ghcr.io/xrootd-k8s/agent:0.1.1');
  await new Promise((resolve) => setTimeout(resolve, 5000)); // an agent reconcile or two after the upgrade
  expect(clusterState()).toEqual(before.cluster);

  // Refused at install: Helm names the field; no release, no namespace, no Xrootd.
  const bad = helm(['install', 'bad', clusterChart, '--namespace', 'helm-bad', '--create-namespace', '--set', 'worker.replicas=-1']);
  expect(bad).toMatchObject({ code: 1, out: expect.stringMatching(/\/worker\/replicas/) });
  expect(cp.kubectl(['get', 'namespace', 'helm-bad']).code).not.toBe(0);
  expect(helm(['list', '--all-namespaces', '--short']).out.trim().split('\n').sort()).toEqual(['site', 'xrootd-k8s']);

  // Uninstall: the cluster goes (the agent's finalizer), its volumes stay; the CRDs stay.
  const claims = cp.getJson(['pvc', '-n', 'helm-site']).items.map((c: any) => `${c.metadata.name}/${c.metadata.uid}`).sort();
  expect(claims).toHaveLength(3);
  expect(helm(['uninstall', 'site', '--namespace', 'helm-site', '--wait'], 180_000)).toMatchObject({ code: 0 });
  await waitFor('the cluster\'s StatefulSets gone', () => (cp!.getJson(['statefulsets', '-n', 'helm-site']).items.length === 0 ? true : undefined), 60_000, 500);
  expect(cp.getJson(['pvc', '-n', 'helm-site']).items.map((c: any) => `${c.metadata.name}/${c.metadata.uid}`).sort()).toEqual(claims);
  const agentUninstall = helm(['uninstall', 'xrootd-k8s', '--namespace', AGENT_NS]);
  expect(agentUninstall).toMatchObject({ code: 0, out: expect.stringMatching(/These resources were kept due to the resource policy:[\s\S]*xrootds\.xrootd\.org/) });
  expect(cp.kubectl(['get', 'deployment', 'xrootd-k8s-agent', '-n', AGENT_NS]).code).not.toBe(0);
  expect(cp.kubectl(['get', 'crd', 'xrootds.xrootd.org', 'xrootdversions.catalog.xrootd.org', 'xrootdgitsources.xrootd.org']).code).toBe(0);
}, 25 * 60_000);
