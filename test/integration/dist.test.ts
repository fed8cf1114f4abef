/**
 * Every manifest in dist/ on a real control plane: applied with kubectl (a
 * client nobody here wrote), admitted under the restricted Pod Security
 * Standard, StatefulSets ready (kwok), volumes bound, per-pod DNS published.
 */
import { App, Chart } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XrootdCluster } from '../../constructs/index.js';
import { examples, minimal } from '../../examples/clusters.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NAMESPACE = 'xrootd';
let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start();
  createNamespace(cp, NAMESPACE, 'restricted');
}, 20 * 60 * 1000);
afterAll(async () => { await cp?.stop(); });

/** Runs a test body and prints the control plane's logs if it fails. */
async function withLogs(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`control-plane logs:\n${cp.logs()}\n\nevents:\n${cp.kubectl(['get', 'events', '-A', '--sort-by=.lastTimestamp']).out.split('\n').slice(-40).join('\n')}`);
    throw e;
  }
}

const distFile = (name: string): string => join(repoRoot(), 'dist', name, `${name}.k8s.yaml`);
const statefulSets = (cluster: string): any[] =>
  cp.getJson(['statefulsets', '-n', NAMESPACE, '-l', `xrootd.org/cluster=${cluster}`]).items;

async function waitReady(cluster: string, timeoutMs = 240000): Promise<any[]> {
  return waitFor(`every StatefulSet of ${cluster} ready`, () => {
    const sets = statefulSets(cluster);
    return sets.length > 0 && sets.every((s) => s.status.readyReplicas === s.spec.replicas && s.status.updatedReplicas === s.spec.replicas)
      ? sets : undefined;
  }, timeoutMs, 1000);
}

test('every example applies cleanly with kubectl apply --server-side', () => withLogs(() => {
  for (const { name } of examples) {
    const first = cp.kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', distFile(name)]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.out).toContain(`statefulset.apps/${name}-worker serverside-applied`);
  }
}), 120000);

test('in a namespace enforcing the restricted Pod Security Standard every pod is admitted and becomes ready', () => withLogs(async () => {
  for (const { name } of examples) await waitReady(name);
  // The metrics collectors (spec.monitoring) are admitted and ready too.
  const collectors = await waitFor('the collectors available', () => {
    const deployments = cp.getJson(['deployments', '-n', NAMESPACE]).items as any[];
    return deployments.length > 0 && deployments.every((d) => d.status.availableReplicas === d.spec.replicas) ? deployments : undefined;
  }, 120000, 1000);
  expect(collectors.map((d: any) => d.metadata.name)).toEqual(['large-collector']);
  const pods = cp.getJson(['pods', '-n', NAMESPACE]).items;
  const expected = examples.reduce((n, e) => n + statefulSets(e.name).reduce((m, s) => m + s.spec.replicas, 0), 0) + collectors.length;
  expect(pods).toHaveLength(expected);
  expect(expected).toBeGreaterThan(200);
  const refused = cp.kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector', 'reason=FailedCreate', '-o', 'name']).out.trim();
  expect(refused).toBe('');
  // Spread: a role's pods land on every node.
  const nodes = new Set(pods.filter((p: any) => p.metadata.labels['app.kubernetes.io/instance'] === 'ha' && p.metadata.labels['app.kubernetes.io/component'] === 'worker').map((p: any) => p.spec.nodeName));
  expect(nodes.size).toBe(3);
}), 600000);

// After the pods are ready: while 200 pods start, kubectl diff sees status (a PDB's currentHealthy) move between its two reads.
test('a re-apply of every example changes nothing', () => withLogs(() => {
  for (const { name } of examples) {
    const configMap = cp.getJson(['configmap', '-l', `xrootd.org/cluster=${name}`, '-n', NAMESPACE]).items[0];
    const generations = statefulSets(name).map((s) => s.metadata.generation);
    // kubectl diff exits 0 only when applying would change nothing.
    expect(cp.kubectl(['diff', '--server-side', '--field-manager=gitops', '-f', distFile(name)])).toEqual({ code: 0, out: '' });
    expect(cp.kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', distFile(name)]).code).toBe(0);
    expect(cp.getJson(['configmap', configMap.metadata.name, '-n', NAMESPACE]).metadata.resourceVersion).toBe(configMap.metadata.resourceVersion);
    expect(statefulSets(name).map((s) => s.metadata.generation)).toEqual(generations);
  }
}), 120000);

test('the restricted profile really is enforced: a privileged pod is refused in that namespace', () => withLogs(() => {
  const r = cp.kubectl(['run', 'probe-privileged', '-n', NAMESPACE, '--image=busybox', '--privileged', '--restart=Never']);
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('violates PodSecurity "restricted:latest"');
}), 60000);

test('RBAC is enforced: a non-admin identity is refused until a Role grants it', () => withLogs(() => {
  const nobody = cp.writeKubeconfig('nobody');
  const denied = cp.kubectl(['get', 'statefulsets', '-n', NAMESPACE], { kubeconfig: nobody });
  expect(denied.code).not.toBe(0);
  expect(denied.out).toContain('User "nobody" cannot list resource "statefulsets"');
  cp.kubectl(['create', 'role', 'read-sts', '-n', NAMESPACE, '--verb=get,list', '--resource=statefulsets.apps']);
  cp.kubectl(['create', 'rolebinding', 'nobody-reads', '-n', NAMESPACE, '--role=read-sts', '--user=nobody']);
  expect(cp.kubectl(['get', 'statefulsets', '-n', NAMESPACE, '-o', 'name'], { kubeconfig: nobody }).out).toContain('statefulset.apps/minimal-worker');
  expect(cp.kubectl(['delete', 'statefulset', 'minimal-worker', '-n', NAMESPACE, '--dry-run=server'], { kubeconfig: nobody }).code).not.toBe(0);
}), 60000);

test('data volumes bind, one per data server', () => withLogs(async () => {
  for (const { name } of examples) {
    const workers = statefulSets(name).find((s) => s.metadata.name === `${name}-worker`).spec.replicas;
    await waitFor(`${workers} bound volumes of ${name}`, () => {
      const pvcs = cp.getJson(['pvc', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${name}`]).items;
      return pvcs.length === workers && pvcs.every((p: any) => p.status.phase === 'Bound') ? pvcs : undefined;
    }, 240000, 1000);
  }
}), 600000);

test('the per-pod DNS names the configuration lists are published by the headless Services', () => withLogs(() => {
  for (const { name } of examples) {
    for (const sts of statefulSets(name)) {
      const service = sts.spec.serviceName;
      const slices = cp.getJson(['endpointslices', '-n', NAMESPACE, '-l', `kubernetes.io/service-name=${service}`]).items;
      const hostnames = new Set(slices.flatMap((s: any) => (s.endpoints ?? []).map((e: any) => e.hostname)));
      for (let i = 0; i < sts.spec.replicas; i++) expect(hostnames).toContain(`${sts.metadata.name}-${i}`);
    }
    // Every manager a pod is told about is one of those names, once the kubelet puts the pod's namespace in.
    const pod = cp.getJson(['pod', `${name}-worker-0`, '-n', NAMESPACE]);
    const env = pod.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
    expect(env.find((e) => e.name === 'XRD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
    const managers = env.filter((e) => e.name.startsWith('XRD_MANAGER_')).map((e) => e.value!.replaceAll('$(XRD_NAMESPACE)', pod.metadata.namespace));
    const redirectors = statefulSets(name).find((s) => s.metadata.name === `${name}-redirector`).spec.replicas;
    expect(managers).toEqual(Array.from({ length: redirectors }, (_, i) => `${name}-redirector-${i}.${name}-redirector.${NAMESPACE}.svc.cluster.local:1213`));
  }
}), 120000);

test('a scale change of an example, re-applied, reaches the new replica count', () => withLogs(async () => {
  const app = new App();
  new XrootdCluster(new Chart(app, 'scaled'), 'cluster', { ...minimal, worker: { ...minimal.worker, replicas: 4 } });
  const yaml = app.synthYaml();
  expect(yaml).not.toBe(readFileSync(distFile('minimal'), 'utf8'));
  cp.kubectl(['apply', '--server-side', '--field-manager=gitops', '-f', '-'], { input: yaml });
  const sets = await waitReady('minimal');
  expect(sets.find((s) => s.metadata.name === 'minimal-worker').status.readyReplicas).toBe(4);
  expect(cp.getJson(['pvc', '-n', NAMESPACE, '-l', 'app.kubernetes.io/instance=minimal']).items).toHaveLength(4);
}), 300000);
