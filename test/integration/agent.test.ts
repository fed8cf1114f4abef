/**
 * The agent on a real control plane, as it is installed: the CRDs and RBAC of
 * dist/, the built CLI in its own process, acting as the install's
 * ServiceAccount (not admin). Create, scale, repair, reject, follow the
 * catalog, leave foreign fields alone, delete while keeping volumes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { certManagerCertificateCrd } from '../helpers/gitops-tools.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { freePorts, run, startDaemon, stopDaemon, waitFor, type Daemon } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'physics';
const AGENT_NS = 'xrootd-system';
let cp: ControlPlane;
let agent: AgentProcess;
let standby: AgentProcess | undefined;
let collector: Daemon | undefined;
let collectorUdp: number;
let collectorHttp: number;

function xrootd(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS }, spec });
}

const get = (args: string[]): any => cp.getJson(args);
const tryGet = (args: string[]): any => {
  const r = cp.kubectl(['get', ...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : undefined;
};
/** The configuration ConfigMap the cluster's data servers mount (one per configuration, named by its hash). */
const configName = (cluster: string): string =>
  get([`statefulset/${cluster}-worker`, '-n', NS]).spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);

async function waitCondition(name: string, type: string, status: string, timeoutMs = 120000): Promise<any> {
  return waitFor(`${name} ${type}=${status}`, () => {
    const x = tryGet(['xrootd', name, '-n', NS]);
    return condition(x, type)?.status === status && x.status.observedGeneration === x.metadata.generation ? x : undefined;
  }, timeoutMs, 250);
}

/** A pod's per-pod DNS name (its StatefulSet's headless Service is named as the StatefulSet). */
const fqdn = (pod: string, namespace = NS) => `${pod}.${pod.replace(/-\d+$/, '')}.${namespace}.svc.cluster.local`;

/** A manager's cmsd report to the test's collector, as XRootD 5.5.3 writes it, listing its members by their per-pod names. */
function sendManagerReport(
  socket: dgram.Socket, manager: string, members: string[], namespace = NS, runs: Record<string, string> = {},
): Promise<void> {
  const report = readFileSync(join(repoRoot(), 'test/fixtures/xrd-report/redirector-cmsd.xml'), 'utf8')
    .replace(/src="vm:/, `src="${fqdn(manager, namespace)}:`).replace(/tod="\d+"/, `tod="${Math.floor(Date.now() / 1000)}"`)
    .replace(/<node>.*<\/node>/, `<node>${members.length}${members.map((m, i) => `<stats id="${i}"><host>${m.includes('.') ? m : fqdn(m)}</host><role>S</role><run>${runs[m] ?? 'awn'}</run><ref><r>0</r><w>0</w></ref></stats>`).join('')}</node>`);
  return new Promise<void>((resolve) => socket.send(report, collectorUdp, '127.0.0.1', () => resolve()));
}

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(120)}\n\n${standby ? `standby log:\n${standby.logs(40)}\n\n` : ''}control plane:\n${cp.logs(20)}`);
    throw e;
  }
}

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
  // A real collector process, on loopback: pods here have no network, so the test sends it the reports (the agent asks it for every cluster).
  [collectorUdp, collectorHttp] = await freePorts(2);
  collector = startDaemon('collector', [process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'collector', '--cluster=watched', `--namespace=${NS}`,
    `--udp-port=${collectorUdp}`, `--http-port=${collectorHttp}`, '--address=127.0.0.1', '--stale-seconds=60'], process.env, join(cp.dir, 'collector.log'));
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'),
    [`--lease-namespace=${AGENT_NS}`, '--resync=3600', '--log-level=debug', '--extra-directives=xrootd.trace,ofs.trace',
      `--membership-url=http://127.0.0.1:${collectorHttp}/membership`, '--members-grace=3']);
}, 20 * 60 * 1000);
afterAll(async () => {
  await standby?.stop();
  await agent?.stop();
  if (collector) await stopDaemon(collector);
  await cp?.stop();
}, 60000);

test('the agent runs as the install\'s ServiceAccount, which is not allowed what it does not need', () => {
  const sa = cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent');
  const can = (...args: string[]) => cp.kubectl(['auth', 'can-i', ...args], { kubeconfig: sa }).out.trim().split('\n')[0];
  expect(can('patch', 'statefulsets', '-n', NS)).toBe('yes');
  expect(can('delete', 'persistentvolumeclaims', '-n', NS)).toBe('yes');
  // Claims for adopted volumes; the volume-adoption policy refuses any without the agent's labels.
  expect(can('create', 'persistentvolumeclaims', '-n', NS)).toBe('yes');
  expect(can('delete', 'persistentvolumes')).toBe('no');
  expect(can('create', 'persistentvolumes')).toBe('no');
  // A Git source's credentials are read only when granted by name; Secrets are never listed or watched.
  expect(can('get', 'secrets', '-n', NS)).toBe('no');
  expect(can('list', 'secrets', '-n', NS)).toBe('no');
  expect(can('watch', 'secrets', '-n', NS)).toBe('no');
  expect(can('update', 'xrootdgitsources', '-n', NS)).toBe('no');
  expect(can('create', 'pods', '-n', NS)).toBe('no');
  expect(can('update', 'leases', '-n', AGENT_NS)).toBe('yes');
  expect(can('update', 'leases', '-n', NS)).toBe('no');
  expect(can('create', 'xrootdversions')).toBe('no');
});

test('creating an Xrootd resource creates every object, owned by it, and the status reports them ready', () => withLogs(async () => {
  cp.applyYaml(xrootd('alpha', { version: '5.8.1', worker: { replicas: 2, storage: { capacity: '1Gi' } } }));
  const x = await waitCondition('alpha', 'Ready', 'True', 180000);
  expect(x.metadata.finalizers).toContain('xrootd.org/finalizer');
  expect(x.status).toMatchObject({
    redirectors: { replicas: 1, ready: 1 }, workers: { replicas: 2, ready: 2 },
    currentVersion: '5.8.1', targetVersion: '5.8.1', image: 'ghcr.io/xrootd-k8s/xrootd:5.8.1',
  });
  expect(condition(x, 'Degraded').status).toBe('False');
  const kinds = [`configmap/${configName('alpha')}`, 'service/alpha-redirector', 'service/alpha-worker', 'statefulset/alpha-redirector',
    'statefulset/alpha-worker', 'poddisruptionbudget/alpha-worker', 'networkpolicy/alpha'];
  for (const k of kinds) {
    const o = get([k, '-n', NS, '--show-managed-fields']);
    expect(o.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Xrootd', name: 'alpha', uid: x.metadata.uid, controller: true })]);
    expect(o.metadata.managedFields.map((f: any) => f.manager)).toContain('xrootd-k8s');
  }
  // Two stages: the finalizer (it guards the volumes), config and network policy were all written before the first StatefulSet was sent.
  // Dry runs (every object is tried before anything is written) change nothing: not writes.
  const writes = cp.auditEvents().filter((e) => e.user.username === `system:serviceaccount:${AGENT_NS}:xrootd-k8s-agent` && e.objectRef?.namespace === NS
    && !e.requestURI?.includes('dryRun=All'));
  const doneAt = (resource: string, subresource?: string) => writes.filter((e) => e.objectRef?.resource === resource
    && e.objectRef.subresource === subresource && e.objectRef.name?.startsWith('alpha')).map((e) => e.stageTimestamp).sort()[0];
  const firstStatefulSet = writes.filter((e) => e.objectRef?.resource === 'statefulsets' && e.objectRef.name?.startsWith('alpha-')).map((e) => e.requestReceivedTimestamp).sort()[0];
  for (const before of [doneAt('xrootds'), doneAt('configmaps'), doneAt('networkpolicies')]) {
    expect(before).toBeDefined();
    expect(before <= firstStatefulSet).toBe(true);
  }
  // The printer columns read the status.
  expect(cp.kubectl(['get', 'xrootd', 'alpha', '-n', NS]).out).toMatch(/alpha\s+1\s+2\s+5\.8\.1/);
  const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=alpha']).items.map((e: any) => e.reason);
  expect(events).toEqual(expect.arrayContaining(['Applied', 'Ready', 'InsecureWritableExport']));
  // Allowed, never silent: /data is writable and no token authorization is configured.
  expect(condition(x, 'InsecureWritableExport')).toMatchObject({ status: 'True', reason: 'NoAuthorization' });
  expect(condition(x, 'InsecureWritableExport').message).toContain('may write to /data');
}), 240000);

test('a reconcile that changes nothing writes nothing', () => withLogs(async () => {
  const before = await agent.metrics();
  // An annotation changes the resource (so it is reconciled) but not its spec.
  expect(cp.kubectl(['annotate', 'xrootd', 'alpha', '-n', NS, 'example.org/touched=1']).code).toBe(0);
  await waitFor('a reconcile after the annotation', async () =>
    ((await agent.metrics()).xrootd_agent_reconciles_total > before.xrootd_agent_reconciles_total ? true : undefined), 30000, 100);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await agent.metrics();
  if (after.xrootd_agent_api_writes !== before.xrootd_agent_api_writes) console.error(agent.logs(30));
  expect(after.xrootd_agent_api_writes).toBe(before.xrootd_agent_api_writes);
  expect(after.xrootd_agent_reconcile_errors_total).toBe(before.xrootd_agent_reconcile_errors_total);
}), 60000);

test('kubectl scale changes the data servers: the StatefulSet follows, nothing else is rewritten', () => withLogs(async () => {
  const versions = (): Record<string, string> => Object.fromEntries([`configmap/${configName('alpha')}`, 'service/alpha-worker', 'statefulset/alpha-redirector', 'networkpolicy/alpha']
    .map((k) => [k, get([k, '-n', NS]).metadata.resourceVersion]));
  const before = versions();
  expect(cp.kubectl(['scale', 'xrootd/alpha', '-n', NS, '--replicas=3']).code).toBe(0);
  await waitFor('alpha-worker with 3 ready', () => (get(['statefulset/alpha-worker', '-n', NS]).status.readyReplicas === 3 ? true : undefined), 120000, 250);
  const x = await waitCondition('alpha', 'Ready', 'True');
  expect(x.status.workers).toMatchObject({ replicas: 3, ready: 3 });
  expect(versions()).toEqual(before);
}), 180000);

test('a deleted child comes back, and a hand-edited field the agent owns is restored', () => withLogs(async () => {
  const uid = get(['service/alpha-worker', '-n', NS]).metadata.uid;
  expect(cp.kubectl(['delete', 'service', 'alpha-worker', '-n', NS]).code).toBe(0);
  await waitFor('alpha-worker Service recreated', () => {
    const s = tryGet(['service/alpha-worker', '-n', NS]);
    return s && s.metadata.uid !== uid ? s : undefined;
  }, 30000, 200);

  // The configuration is immutable: an edit is refused by the API server; a deleted one comes back as it was.
  const config = configName('alpha');
  const before = get([`configmap/${config}`, '-n', NS]);
  const edit = cp.kubectl(['patch', 'configmap', config, '-n', NS, '--type=merge', '-p', '{"data":{"xrootd.cfg":"hacked"}}']);
  expect(edit.code).not.toBe(0);
  expect(edit.out).toMatch(/field is immutable/);
  expect(cp.kubectl(['delete', 'configmap', config, '-n', NS]).code).toBe(0);
  const after = await waitFor(`${config} recreated`, () => {
    const c = tryGet([`configmap/${config}`, '-n', NS]);
    return c && c.metadata.uid !== before.metadata.uid ? c : undefined;
  }, 30000, 200);
  expect(after.data).toEqual(before.data);
}), 90000);

test('a field the agent does not own, set with kubectl, survives its reconciles', () => withLogs(async () => {
  expect(cp.kubectl(['annotate', 'statefulset', 'alpha-worker', '-n', NS, 'backup.example.org/schedule=nightly']).code).toBe(0);
  expect(cp.kubectl(['label', 'service', 'alpha-redirector', '-n', NS, 'team=storage']).code).toBe(0);
  const before = await agent.metrics();
  // A spec change makes the agent apply the StatefulSet again.
  expect(cp.kubectl(['patch', 'xrootd', 'alpha', '-n', NS, '--type=merge', '-p', '{"spec":{"worker":{"resources":{"requests":{"cpu":"200m"}}}}}']).code).toBe(0);
  await waitFor('the new request applied', () =>
    (get(['statefulset/alpha-worker', '-n', NS]).spec.template.spec.containers[0].resources.requests?.cpu === '200m' ? true : undefined), 30000, 200);
  expect((await agent.metrics()).xrootd_agent_api_writes).toBeGreaterThan(before.xrootd_agent_api_writes);
  expect(get(['statefulset/alpha-worker', '-n', NS]).metadata.annotations['backup.example.org/schedule']).toBe('nightly');
  expect(get(['service/alpha-redirector', '-n', NS]).metadata.labels.team).toBe('storage');
}), 60000);

test('an invalid resource is rejected at admission with a clear message', () => {
  const r = cp.kubectl(['apply', '--server-side', '-f', '-'], { input: xrootd('bad', { worker: { replicas: 0 } }) });
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('spec.worker.replicas');
  expect(r.out).toContain('spec.worker.replicas: Invalid value: worker.replicas must be >= 1 (0 only in a meta-manager');
});

test('what admission cannot check makes the resource Degraded, naming the field, and nothing is applied', () => withLogs(async () => {
  cp.applyYaml(xrootd('beta', { version: '9.9.9', worker: { replicas: 1 } }));
  const x = await waitCondition('beta', 'Degraded', 'True', 60000);
  expect(condition(x, 'Degraded').reason).toBe('InvalidSpec');
  expect(condition(x, 'Degraded').message).toContain('spec.version');
  expect(condition(x, 'Ready').status).toBe('False');
  expect(get(['statefulsets,services,configmaps', '-n', NS, '-l', 'xrootd.org/cluster=beta']).items).toEqual([]);
  const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=beta']).items;
  expect(events.find((e: any) => e.reason === 'InvalidSpec')?.type).toBe('Warning');

  // Fixing the spec recovers.
  cp.applyYaml(xrootd('beta', { version: '5.8.1', worker: { replicas: 1 } }));
  await waitCondition('beta', 'Ready', 'True', 180000);
}), 300000);

test('an extra directive the agent does not allow (--extra-directives) makes the resource Degraded and applies nothing', () => withLogs(async () => {
  // Valid for the library and admission (cms.trace is not managed), refused by this agent's policy.
  cp.applyYaml(xrootd('tenant', { worker: { replicas: 1, extraDirectives: ['xrootd.trace emsg', 'cms.trace all'] } }));
  const x = await waitCondition('tenant', 'Degraded', 'True', 60000);
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'InvalidSpec', message: 'spec.worker.extraDirectives[1] is not allowed: this agent accepts only the extra directives xrootd.trace, ofs.trace, got "cms.trace all"' });
  expect(get(['statefulsets,services,configmaps', '-n', NS, '-l', 'xrootd.org/cluster=tenant']).items).toEqual([]);

  // Only allowed directives: applied, and the directive reaches the rendered configuration.
  cp.applyYaml(xrootd('tenant', { worker: { replicas: 1, extraDirectives: ['xrootd.trace emsg', 'ofs.trace open'] } }));
  await waitCondition('tenant', 'Ready', 'True', 180000);
  expect(get(['configmap', configName('tenant'), '-n', NS]).data['xrootd.cfg']).toContain('  ofs.trace open');
  expect(cp.kubectl(['delete', 'xrootd', 'tenant', '-n', NS, '--wait=true']).code).toBe(0);
}), 300000);

test('a federation reference: refused until the meta-manager exists, then resolved to its redirectors, following their number', () => withLogs(async () => {
  const FED = 'federation';
  const member = xrootd('fedsite', { worker: { replicas: 1 }, federation: { upstreamRefs: [{ name: 'fedmeta', namespace: FED }] } });
  cp.applyYaml(member);
  const x = await waitCondition('fedsite', 'Degraded', 'True', 60000);
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'InvalidSpec', message: `spec.federation.upstreamRefs[0] must name an existing Xrootd: ${FED}/fedmeta was not found` });
  expect(get(['statefulsets,services,configmaps', '-n', NS, '-l', 'xrootd.org/cluster=fedsite']).items).toEqual([]);

  // The meta-manager appearing (in another namespace) is what reconciles the member: nothing else changes.
  createNamespace(cp, FED, 'restricted');
  const meta = (redirectors: number) => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'fedmeta', namespace: FED }, spec: { redirector: { replicas: redirectors }, worker: { replicas: 0 }, federation: { metaManager: true }, monitoring: { enabled: true } } });
  cp.applyYaml(meta(1));
  const subscriptions = () => {
    const sts = tryGet(['statefulset/fedsite-redirector', '-n', NS]);
    if (!sts) return undefined;
    const config = sts.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
    return (get(['configmap', config, '-n', NS]).data['xrootd.cfg'] as string).split('\n').filter((l) => l.trim().startsWith('all.manager meta')).map((l) => l.trim());
  };
  const host = (i: number) => `all.manager meta fedmeta-redirector-${i}.fedmeta-redirector.${FED}.svc.cluster.local:1213`;
  await waitFor('fedsite subscribed to fedmeta-redirector-0', () => (subscriptions()?.join() === host(0) ? true : undefined), 60000, 250);
  await waitCondition('fedsite', 'Degraded', 'False', 60000);

  cp.applyYaml(meta(2));
  await waitFor('fedsite subscribed to both redirectors', () => (subscriptions()?.join() === [host(0), host(1)].join() ? true : undefined), 60000, 250);

  // The meta-manager's members: the redirectors of the clusters naming it, from what its cmsd reports (here sent to the test's collector).
  await waitCondition('fedsite', 'Ready', 'True', 120000);
  const socket = dgram.createSocket('udp4');
  const members = () => get(['xrootd', 'fedmeta', '-n', FED]).status?.members?.find((m: any) => m.manager === 'fedmeta-redirector-0');
  try {
    await sendManagerReport(socket, 'fedmeta-redirector-0', [fqdn('fedsite-redirector-0')], FED);
    await waitFor('fedmeta lists fedsite-redirector-0', () => (members()?.subscribed === 1 ? true : undefined), 60000, 500);
    expect(members()).toEqual({ manager: 'fedmeta-redirector-0', role: 'redirector', expected: 1, subscribed: 1, missing: [] });
    await sendManagerReport(socket, 'fedmeta-redirector-0', [], FED);
    const missing = await waitFor('fedmeta MembersMissing', () => {
      const m = get(['xrootd', 'fedmeta', '-n', FED]);
      return condition(m, 'MembersMissing')?.status === 'True' ? m : undefined;
    }, 60000, 500);
    expect(condition(missing, 'MembersMissing').message).toContain(`fedmeta-redirector-0 lacks ${NS}/fedsite-redirector-0`);
  } finally {
    socket.close();
  }

  // No longer a meta-manager: the member is Degraded again and keeps what it runs.
  cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'fedmeta', namespace: FED }, spec: { worker: { replicas: 1 } } }));
  const refused = await waitCondition('fedsite', 'Degraded', 'True', 60000);
  expect(condition(refused, 'Degraded').message).toBe(`spec.federation.upstreamRefs[0] must name a meta-manager: ${FED}/fedmeta has no spec.federation.metaManager`);
  expect(subscriptions()).toEqual([host(0), host(1)]);
  expect(cp.kubectl(['delete', 'xrootd', 'fedsite', '-n', NS, '--wait=true']).code).toBe(0);
  expect(cp.kubectl(['delete', 'xrootd', 'fedmeta', '-n', FED, '--wait=true']).code).toBe(0);
}), 300000);

test('a cache\'s origin by reference: refused until the origin exists, then its client Service, following the origin\'s port', () => withLogs(async () => {
  cp.applyYaml(xrootd('edge', { worker: { replicas: 1 }, cache: { origin: { ref: { name: 'store' } } } }));
  const x = await waitCondition('edge', 'Degraded', 'True', 60000);
  expect(condition(x, 'Degraded')).toMatchObject({ reason: 'InvalidSpec', message: `spec.cache.origin.ref must name an existing Xrootd: ${NS}/store was not found` });
  expect(get(['statefulsets,services,configmaps', '-n', NS, '-l', 'xrootd.org/cluster=edge']).items).toEqual([]);
  // The origin appearing is what reconciles the cache; its port changing follows.
  const store = (port: number) => xrootd('store', { worker: { replicas: 1 }, xrootd: { port } });
  const origin = () => {
    const sts = tryGet(['statefulset/edge-worker', '-n', NS]);
    if (!sts) return undefined;
    const config = sts.spec.template.spec.volumes.find((v: any) => v.name === 'config').configMap.name;
    return (get(['configmap', config, '-n', NS]).data['xrootd.cfg'] as string).split('\n').map((l) => l.trim()).find((l) => l.startsWith('pss.origin'));
  };
  cp.applyYaml(store(1094));
  await waitFor('edge in front of store:1094', () => (origin() === `pss.origin store.${NS}.svc.cluster.local:1094` ? true : undefined), 60000, 250);
  cp.applyYaml(store(2094));
  await waitFor('edge following store to 2094', () => (origin() === `pss.origin store.${NS}.svc.cluster.local:2094` ? true : undefined), 60000, 250);
  // The cache's claims: its first volume and a data disk of its own.
  expect(get(['statefulset/edge-worker', '-n', NS]).spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data', 'cache-data-0']);
  expect(cp.kubectl(['delete', 'xrootd', 'edge', 'store', '-n', NS, '--wait=true']).code).toBe(0);
}), 180000);

test('an XrootdVersion changing the image of a version makes the pods follow', () => withLogs(async () => {
  const image = 'registry.example.org/xrootd:5.8.1-site';
  cp.applyYaml(stringify({ apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'v5.8.1' }, spec: { version: '5.8.1', image, features: ['maxfd', 'identity-env'] } }));
  await waitFor('alpha-worker pods on the new image', () => {
    const pods = get(['pods', '-n', NS, '-l', 'app.kubernetes.io/instance=alpha,app.kubernetes.io/component=worker']).items;
    return pods.length === 3 && pods.every((p: any) => p.spec.containers.every((c: any) => c.image === image)) ? true : undefined;
  }, 180000, 500);
  const x = await waitCondition('alpha', 'Ready', 'True', 120000);
  expect(x.status.image).toBe(image);
}), 300000);

test('a renewed TLS Secret rolls the pods through the gates; a Secret the agent may not read rolls nothing', () => withLogs(async () => {
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  const secret = (name: string, crt: string): string => stringify({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace: NS },
    data: { 'tls.crt': b64(crt), 'tls.key': b64('key'), 'ca.crt': b64('ca') } });
  const revision = (cluster: string): string | undefined =>
    get([`statefulset/${cluster}-worker`, '-n', NS]).spec.template.metadata.annotations['xrootd.org/tls-secret-revision'];
  // 5.5.3: an earlier test replaces 5.8.1's catalog entry with one that lists no tls feature.
  const tls = (cluster: string) => ({ version: '5.5.3', worker: { replicas: 2, storage: { capacity: '1Gi' } }, security: { tls: { secretName: `${cluster}-tls` } }, upgrade: { minReadySeconds: 0 } });
  // Granted by name, as the install's tlsSecrets prop would.
  for (const args of [['create', 'role', 'tls-renew', '--verb=get', '--resource=secrets', '--resource-name=renew-tls', '-n', NS],
    ['create', 'rolebinding', 'tls-renew', '--role=tls-renew', `--serviceaccount=${AGENT_NS}:xrootd-k8s-agent`, '-n', NS]]) expect(cp.kubectl(args).code).toBe(0);
  cp.applyYaml(secret('renew-tls', 'first certificate'));
  cp.applyYaml(xrootd('renew', tls('renew')));
  await waitCondition('renew', 'Ready', 'True', 120000);
  const first = revision('renew');
  expect(first).toMatch(/^[0-9a-f]{16}$/);

  cp.applyYaml(secret('renew-tls', 'renewed certificate'));
  // The agent reads the Secret at every reconcile; --resync would bring one, an annotation brings it now.
  expect(cp.kubectl(['annotate', 'xrootd', 'renew', '-n', NS, 'example.org/poke=1']).code).toBe(0);
  await waitFor('the renewed revision on the template', () => (revision('renew') !== first ? true : undefined), 60000, 250);
  const x = await waitFor('renew rolled and Ready', () => {
    const c = get(['xrootd', 'renew', '-n', NS]);
    const sts = get(['statefulset/renew-worker', '-n', NS]);
    return condition(c, 'Ready')?.status === 'True' && sts.status.updatedReplicas === 2 && sts.status.currentRevision === sts.status.updateRevision ? c : undefined;
  }, 120000, 250);
  expect(x.status.workers).toMatchObject({ replicas: 2, ready: 2, updated: 2 });

  // Not granted: the pods carry no revision and nothing rolls; the cluster still runs.
  cp.applyYaml(secret('locked-tls', 'a certificate'));
  cp.applyYaml(xrootd('locked', tls('locked')));
  await waitCondition('locked', 'Ready', 'True', 120000);
  expect(revision('locked')).toBeUndefined();
  expect(agent.logs(200)).toContain('the agent may not read Secret physics/locked-tls');
}), 300000);

test('a spec whose objects the API server refuses: nothing written, each refusal named in status', () => withLogs(async () => {
  // A toleration Kubernetes refuses (a value with operator Exists): the library passes Kubernetes' own structures through.
  const spec = { version: '5.5.3', worker: { replicas: 1, storage: { capacity: '1Gi' } }, scheduling: { tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'xrootd' }] } };
  cp.applyYaml(xrootd('refused', spec));
  const stalled = await waitCondition('refused', 'Stalled', 'True', 60000);
  expect(condition(stalled, 'Stalled')).toMatchObject({ reason: 'ApplyRejected' });
  const message: string = condition(stalled, 'Stalled').message;
  expect(message).toMatch(/^nothing was applied: the API server refuses StatefulSet\/physics\/refused-redirector \(.*tolerations\[0\]\.operator/);
  expect(message).toContain('StatefulSet/physics/refused-worker (');
  expect(get(['statefulsets,services,configmaps,networkpolicies,poddisruptionbudgets', '-n', NS, '-l', 'xrootd.org/cluster=refused']).items).toEqual([]);

  // Without the toleration it runs; a change that needs a new revision's ConfigMap, with the toleration back, is refused the same way:
  // the new ConfigMap goes again, the StatefulSets keep the old one.
  const { scheduling, ...runnable } = spec;
  cp.applyYaml(xrootd('refused', runnable));
  await waitCondition('refused', 'Ready', 'True', 120000);
  const configBefore = configName('refused');
  const objectsBefore = get(['statefulsets,configmaps,networkpolicies', '-n', NS, '-l', 'xrootd.org/cluster=refused']).items
    .map((o: any) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
  cp.applyYaml(xrootd('refused', { ...runnable, scheduling, xrootd: { http: true } }));
  const again = await waitCondition('refused', 'Stalled', 'True', 60000);
  expect(condition(again, 'Stalled').message).toMatch(/^nothing was applied: the API server refuses StatefulSet\/physics\/refused-redirector/);
  expect(configName('refused')).toBe(configBefore);
  // The new revision's ConfigMap was created while the StatefulSets were dry-run, and deleted again; tried again, the spec is only dry-run.
  expect(agent.logs(400)).toMatch(/created alongside the checks, deleted again.*ConfigMap\/physics\/refused-config-/);
  expect(get(['statefulsets,configmaps,networkpolicies', '-n', NS, '-l', 'xrootd.org/cluster=refused']).items
    .map((o: any) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`).sort()).toEqual(objectsBefore);
  cp.kubectl(['delete', 'xrootd', 'refused', '-n', NS, '--wait=true', '--timeout=60s']);
}), 240000);

test('a certificate from cert-manager: refused, writing nothing, until its CRD is there; then applied, owned, and admitted by cert-manager\'s schema', () => withLogs(async () => {
  const spec = {
    version: '5.5.3', worker: { replicas: 1, storage: { capacity: '1Gi' } },
    security: { tls: { secretName: 'certified-tls', certificate: { issuerRef: { name: 'site-ca', kind: 'ClusterIssuer' }, dnsNames: ['xrootd.site.example.org'], duration: '2160h', renewBefore: '360h' } } },
  };
  cp.applyYaml(xrootd('certified', spec));
  const stalled = await waitCondition('certified', 'Stalled', 'True', 60000);
  expect(condition(stalled, 'Stalled')).toMatchObject({ reason: 'MissingCustomResourceDefinition' });
  expect(condition(stalled, 'Stalled').message).toBe('Certificate (cert-manager.io/v1) is not served by this Kubernetes cluster: install cert-manager (CRD certificates.cert-manager.io) first');
  expect(get(['statefulsets,services,configmaps,networkpolicies', '-n', NS, '-l', 'xrootd.org/cluster=certified']).items).toEqual([]);

  // cert-manager's own CRD, from its Go module: its schema admits the Certificate the agent applies.
  cp.applyYaml(certManagerCertificateCrd());
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/certificates.cert-manager.io', '--timeout=60s']).code).toBe(0);
  const cert = await waitFor('the Certificate applied', () => tryGet(['certificate', 'certified-tls', '-n', NS]), 120000, 500);
  const x = get(['xrootd', 'certified', '-n', NS]);
  expect(cert.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Xrootd', name: 'certified', uid: x.metadata.uid, controller: true })]);
  expect(cert.spec).toMatchObject({
    secretName: 'certified-tls', issuerRef: { name: 'site-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, duration: '2160h', renewBefore: '360h',
    dnsNames: ['*.certified-redirector.physics.svc.cluster.local', '*.certified-worker.physics.svc.cluster.local', 'certified.physics.svc.cluster.local', 'certified.physics.svc', 'xrootd.site.example.org'],
  });
  await waitFor('the StatefulSets applied after it', () => tryGet(['statefulset', 'certified-worker', '-n', NS]), 60000, 500);
  expect(condition(await waitCondition('certified', 'Stalled', 'False', 60000), 'Stalled')?.status).toBe('False');

  // Without the certificate field the Certificate is pruned; the Secret it named is cert-manager's, not touched.
  cp.applyYaml(xrootd('certified', { ...spec, security: { tls: { secretName: 'certified-tls' } } }));
  await waitFor('the Certificate pruned', () => (tryGet(['certificate', 'certified-tls', '-n', NS]) ? undefined : true), 60000, 500);
  expect(cp.kubectl(['delete', 'xrootd', 'certified', '-n', NS, '--wait=true', '--timeout=60s']).code).toBe(0);
}), 300000);

test('a cache cluster with monitoring: status.cache and `xrootd-k8s status` show its fill level and hit ratio, from what its servers send the collector', () => withLogs(async () => {
  cp.applyYaml(xrootd('edge', { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi' } }, monitoring: { enabled: true },
    cache: { origin: { address: 'origin.physics.svc.cluster.local:1094' }, dataDisks: { count: 2, capacity: '1Gi' } } }));
  const fixture = (n: string) => readFileSync(join(repoRoot(), 'test/fixtures/xrd-report', n), 'utf8');
  const summary = (out: number, tod: number) => fixture('cache-worker-xrootd.xml').replace(/src="vm:/, `src="${fqdn('edge-worker-0')}:`)
    .replace(/<out>\d+<\/out>/, `<out>${out}</out>`).replace(/tod="\d+"/, `tod="${tod}"`);
  const socket = dgram.createSocket('udp4');
  const send = (packet: string) => new Promise<void>((resolve) => socket.send(packet, collectorUdp, '127.0.0.1', () => resolve()));
  try {
    // Its cache server's summary, twice (10 MB sent in between), the file cache's records (3 MB fetched), its disks (30% and 10% used).
    await send(summary(1_000_000, 1796548430));
    await send(fixture('cache-gstream-5.8.1.json').replace('"host":"vm"', `"host":"${fqdn('edge-worker-0')}"`));
    await send(summary(11_000_000, 1796548440));
    await send(JSON.stringify({ code: 'xrootd-k8s.cache-disks', host: 'edge-worker-0', ins: 'worker', tod: 1796548440, disks: [{ disk: 0, kib: 1000, usedKib: 300 }, { disk: 1, kib: 1000, usedKib: 100 }] }));
    const x = await waitFor('status.cache', () => {
      const got = get(['xrootd', 'edge', '-n', NS]);
      return got.status?.cache?.fillPercent !== undefined && got.status.cache.hitPercent !== undefined ? got : undefined;
    }, 90000, 500);
    expect(x.status.cache).toEqual({
      servers: 1, fillPercent: 20, fullestPercent: 20, sentBytes: 10_000_000, fetchedBytes: 3_000_000, hitPercent: 70,
      disposable: 'cache servers hold copies only: a scale-down removes them without a drain, and their disks need no backup' });
    const text = run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'status', 'edge', '-n', NS, `--kubeconfig=${cp.kubeconfig}`]);
    expect(text.out).toContain('cache        1 server: disks 20% used (fullest server 20%), 70% of bytes sent served from copies; cache servers hold copies only');
  } finally {
    socket.close();
    cp.kubectl(['delete', 'xrootd', 'edge', '-n', NS, '--wait=true', '--timeout=60s']);
  }
}), 180000);

test('worker.storage.autoExpand: a data server reporting little free space gets its claim grown, step by step up to maxCapacity, never on a figure from before the last growth; then StorageFull', () => withLogs(async () => {
  cp.applyYaml(xrootd('fill', { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi', autoExpand: { freePercent: 20, stepPercent: 100, maxCapacity: '3Gi' } } }, monitoring: { enabled: true } }));
  await waitCondition('fill', 'Ready', 'True', 120000);
  const socket = dgram.createSocket('udp4');
  let tod = Math.floor(Date.now() / 1000);
  // The data server's summary as XRootD 5.5.3 writes it, its file system `gib` large with `freePercent` free.
  const report = (gib: number, freePercent: number) => {
    const kib = Math.floor(gib * 2 ** 20 * 0.98);
    const packet = readFileSync(join(repoRoot(), 'test/fixtures/xrd-report/worker-xrootd.xml'), 'utf8')
      .replace(/src="vm:/, `src="${fqdn('fill-worker-0')}:`).replace(/tod="\d+"/, `tod="${++tod}"`)
      .replace(/<tot>\d+<\/tot><free>\d+<\/free>/, `<tot>${kib}</tot><free>${Math.ceil((kib * freePercent) / 100)}</free>`);
    return new Promise<void>((resolve) => socket.send(packet, collectorUdp, '127.0.0.1', () => resolve()));
  };
  const claim = () => get(['pvc', 'data-fill-worker-0', '-n', NS]);
  const grownTo = (size: string) => waitFor(`data-fill-worker-0 at ${size}`, () => {
    const c = claim();
    return c.spec.resources.requests.storage === size && c.status?.capacity?.storage === size ? c : undefined;
  }, 90000, 250);
  try {
    const uid = claim().metadata.uid;
    let sent = Date.now();
    await report(1, 10);
    await grownTo('2Gi');
    console.log(`autoExpand: 10% free reported to data-fill-worker-0 asked for 2Gi and grown (kwok's resizer) in ${((Date.now() - sent) / 1000).toFixed(1)} s`);
    const x = get(['xrootd', 'fill', '-n', NS]);
    expect(x.status.autoExpand).toEqual({ grown: [{ claim: 'data-fill-worker-0', from: '1Gi', to: '2Gi', at: expect.any(String), freePercent: 10, fileSystemBytes: Math.floor(2 ** 20 * 0.98) * 1024 }] });
    // The same file system, still 1 GiB (not grown yet as far as the report says): nothing more, over several reconciles.
    await report(1, 5);
    await new Promise((r) => setTimeout(r, 20000));
    expect(claim().spec.resources.requests.storage).toBe('2Gi');
    // Grown and filling again: the next step stops at maxCapacity.
    sent = Date.now();
    await report(2, 5);
    await grownTo('3Gi');
    console.log(`autoExpand: the second step, to maxCapacity, in ${((Date.now() - sent) / 1000).toFixed(1)} s`);
    await report(3, 5);
    const full = await waitCondition('fill', 'StorageFull', 'True', 60000);
    expect(condition(full, 'StorageFull').message).toBe('fill-worker-0 has 5% free and cannot grow: at spec.worker.storage.autoExpand.maxCapacity (3Gi)');
    expect(full.status.autoExpand.full).toEqual([{ pod: 'fill-worker-0', claim: 'data-fill-worker-0', freePercent: 5, reason: 'at spec.worker.storage.autoExpand.maxCapacity (3Gi)' }]);
    const text = run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'status', 'fill', '-n', NS, `--kubeconfig=${cp.kubeconfig}`]);
    expect(text.out).toContain('  full         fill-worker-0 (data-fill-worker-0): 5% free, cannot grow: at spec.worker.storage.autoExpand.maxCapacity (3Gi)');
    expect(claim().metadata.uid).toBe(uid);
    const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=fill']).items as any[];
    expect(events.filter((e) => e.reason === 'VolumeAutoExpanded').map((e) => e.message).sort()).toEqual([
      'data-fill-worker-0 (fill-worker-0) grows from 1Gi to 2Gi: 10% free, below spec.worker.storage.autoExpand.freePercent (20%)',
      'data-fill-worker-0 (fill-worker-0) grows from 2Gi to 3Gi: 5% free, below spec.worker.storage.autoExpand.freePercent (20%)',
    ]);
    expect(events.find((e) => e.reason === 'StorageFull')?.type).toBe('Warning');
    expect((await agent.metrics()).xrootd_agent_volume_auto_expansions_total).toBe(2);
  } finally {
    socket.close();
    cp.kubectl(['delete', 'xrootd', 'fill', '-n', NS, '--wait=true', '--timeout=60s']);
  }
}), 300000);

test('worker.autoscale: data servers reporting little free space get a new one, up to maxReplicas (then StorageFull); with room to spare again the last one is lowered only through a drain', () => withLogs(async () => {
  const autoscale = { maxReplicas: 3, freePercent: 20, scaleDownFreePercent: 60, scaleDownAfterSeconds: 0, coolDownSeconds: 0 };
  cp.applyYaml(xrootd('busy', { version: '5.8.1', monitoring: { enabled: true },
    worker: { replicas: 2, scaleDown: 'Drain', storage: { capacity: '1Gi', retention: { whenScaled: 'Delete' } }, autoscale } }));
  await waitCondition('busy', 'Ready', 'True', 120000);
  const socket = dgram.createSocket('udp4');
  let tod = Math.floor(Date.now() / 1000);
  // Each data server's summary as XRootD 5.5.3 writes it: a 1 GiB file system with `freePercent` free.
  const report = (ordinals: number[], freePercent: number) => Promise.all(ordinals.map((o) => {
    const kib = 2 ** 20;
    const packet = readFileSync(join(repoRoot(), 'test/fixtures/xrd-report/worker-xrootd.xml'), 'utf8')
      .replace(/src="vm:/, `src="${fqdn(`busy-worker-${o}`)}:`).replace(/tod="\d+"/, `tod="${++tod}"`)
      .replace(/<tot>\d+<\/tot><free>\d+<\/free>/, `<tot>${kib}</tot><free>${Math.ceil((kib * freePercent) / 100)}</free>`);
    return new Promise<void>((resolve) => socket.send(packet, collectorUdp, '127.0.0.1', () => resolve()));
  }));
  const replicas = () => get(['statefulset', 'busy-worker', '-n', NS]).spec.replicas;
  let resend: NodeJS.Timeout | undefined;
  const keepReporting = (ordinals: number[], freePercent: number) => {
    clearInterval(resend);
    void report(ordinals, freePercent);
    resend = setInterval(() => void report(ordinals, freePercent), 3000);
  };
  try {
    const sent = Date.now();
    keepReporting([0, 1], 10);
    await waitFor('a third data server', () => (replicas() === 3 ? true : undefined), 90000, 250);
    console.log(`autoscale: 10% free reported by both data servers, a third added in ${((Date.now() - sent) / 1000).toFixed(1)} s`);
    const added = get(['xrootd', 'busy', '-n', NS]);
    // Its message has moved on by now (waiting for the new server); the Event below says what was done.
    expect(added.status.autoscale).toMatchObject({ replicas: 3, freePercent: 10, lastScaledAt: expect.any(String) });
    await waitCondition('busy', 'Ready', 'True', 120000);
    // The new server filling too: at maxReplicas, reported, nothing added.
    keepReporting([0, 1, 2], 10);
    const full = await waitCondition('busy', 'StorageFull', 'True', 60000);
    expect(condition(full, 'StorageFull')).toMatchObject({ reason: 'AtMaxReplicas', message: '10% free, below worker.autoscale.freePercent (20%), at worker.autoscale.maxReplicas (3)' });
    expect(replicas()).toBe(3);
    // Room to spare: the last one goes, through a drain (in maintenance first, its Job; the StatefulSet held at 3).
    keepReporting([0, 1, 2], 90);
    const draining = await waitFor('the drain of busy-worker-2', () => {
      const x = get(['xrootd', 'busy', '-n', NS]);
      return x.status?.drain?.pod === 'busy-worker-2' && x.status.autoscale?.message?.startsWith('removing') ? x : undefined;
    }, 90000, 500);
    expect(draining.status.autoscale).toMatchObject({ replicas: 2, message: 'removing busy-worker-2 through a drain: 3 running, 2 chosen' });
    expect(condition(draining, 'Autoscaling')).toMatchObject({ status: 'True', reason: 'Removing' });
    expect(condition(draining, 'StorageFull')?.status).toBe('False');
    expect(replicas()).toBe(3);
    const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=busy']).items as any[];
    expect(events.filter((e) => e.reason === 'DataServersAdded' || e.reason === 'DataServersLowered').map((e) => e.message).sort()).toEqual([
      'data servers 2 -> 3: 10% free, below worker.autoscale.freePercent (20%): busy-worker-2 added (spec.worker.autoscale)',
      'data servers 3 -> 2: 90% free, 85% without busy-worker-2 for 0 s: busy-worker-2 is drained and removed (spec.worker.autoscale)',
    ]);
    expect(events.find((e) => e.reason === 'AutoscaleAtMaximum')?.type).toBe('Warning');
    const metrics = await agent.metrics();
    expect([metrics['xrootd_agent_autoscale_changes_total{direction="up"}'], metrics['xrootd_agent_autoscale_changes_total{direction="down"}']]).toEqual([1, 1]);
    const text = run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'status', 'busy', '-n', NS, `--kubeconfig=${cp.kubeconfig}`]);
    expect(text.out).toContain('  autoscale    2 data servers chosen (1-3): removing busy-worker-2 through a drain: 3 running, 2 chosen');
  } finally {
    clearInterval(resend);
    socket.close();
    cp.kubectl(['delete', 'xrootd', 'busy', '-n', NS, '--wait=true', '--timeout=60s']);
  }
}), 300000);

test('worker.nodeDrain: `kubectl drain` of a data server\'s node waits (its disruption budget); the agent suspends it, waits for its writes, and releases the pod out of the budget, and the drain evicts it', () => withLogs(async () => {
  cp.applyYaml(xrootd('hold', { version: '5.8.1', monitoring: { enabled: true }, worker: { replicas: 2, storage: { capacity: '1Gi' }, nodeDrain: {} } }));
  await waitCondition('hold', 'Ready', 'True', 120000);
  expect(get(['pdb', 'hold-worker', '-n', NS]).spec.maxUnavailable).toBe(0);
  const before = get(['pod', 'hold-worker-1', '-n', NS]);
  const node = before.spec.nodeName as string;
  const workers = (get(['pods', '-n', NS, '-l', 'xrootd.org/cluster=hold']).items as any[])
    .filter((p) => p.spec.nodeName === node && /-worker-\d+$/.test(p.metadata.name)).map((p) => p.metadata.name as string);
  const socket = dgram.createSocket('udp4');
  let tod = Math.floor(Date.now() / 1000);
  const writing = (pod: string, open: number) => new Promise<void>((resolve) => socket.send(readFileSync(join(repoRoot(), 'test/fixtures/xrd-report/worker-xrootd.xml'), 'utf8')
    .replace(/src="vm:/, `src="${fqdn(pod)}:`).replace(/tod="\d+"/, `tod="${++tod}"`).replace(/<opw>\d+<\/opw>/, `<opw>${open}</opw>`), collectorUdp, '127.0.0.1', () => resolve()));
  let resend: NodeJS.Timeout | undefined;
  const drain = cp.kubectlAsync(['drain', node, '--pod-selector=xrootd.org/cluster=hold', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'], 170000);
  try {
    const cordoned = await waitFor('the node in the cordoned nodes\' list', () => {
      const data = get(['configmap', 'hold-maintenance', '-n', NS]).data ?? {};
      return data['cordoned-nodes']?.includes(node) ? data['cordoned-nodes'] : undefined;
    }, 60000, 500);
    expect(cordoned).toBe(`${node}\n`);
    const suspending = await waitCondition('hold', 'NodeDrain', 'True', 60000);
    expect(condition(suspending, 'NodeDrain').reason).toBe('Suspending');
    // The drain is held back while the agent waits for the manager to report the server suspended.
    await new Promise((r) => setTimeout(r, 5000));
    expect(get(['pod', 'hold-worker-1', '-n', NS]).metadata.uid).toBe(before.metadata.uid);
    const members = ['hold-worker-0', 'hold-worker-1'];
    // The manager reports them suspended, again and again (the collector forgets a daemon that goes quiet).
    const suspended = () => void sendManagerReport(socket, 'hold-redirector-0', members, NS, Object.fromEntries(workers.map((w) => [w, 'swn'])));
    suspended();
    resend = setInterval(suspended, 3000);
    await waitFor('FinishingWrites', () => (condition(get(['xrootd', 'hold', '-n', NS]), 'NodeDrain')?.reason === 'FinishingWrites' ? true : undefined), 60000, 500);
    // A write still open: still held.
    for (const w of workers) await writing(w, 1);
    const finishing = await waitFor('the open write seen', () => {
      const x = get(['xrootd', 'hold', '-n', NS]);
      return x.status?.nodeDrain?.some((p: any) => p.pod === 'hold-worker-1' && p.openForWrite === 1) ? x : undefined;
    }, 60000, 500);
    expect(condition(finishing, 'NodeDrain').message).toContain(`hold-worker-1 on ${node}: suspended, 1 files open for writing`);
    expect(get(['pod', 'hold-worker-1', '-n', NS]).metadata.uid).toBe(before.metadata.uid);
    // Closed: released; the drain completes.
    const released = Date.now();
    for (const w of workers) await writing(w, 0);
    const done = await drain;
    console.log(`nodeDrain: the drain completed ${((Date.now() - released) / 1000).toFixed(1)} s after the last write closed`);
    expect(done).toMatchObject({ code: 0 });
    expect(tryGet(['pod', 'hold-worker-1', '-n', NS])?.metadata.uid).not.toBe(before.metadata.uid);
    const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=hold']).items as any[];
    expect(events.filter((e) => e.reason === 'DataServerReleasedForNodeDrain').map((e) => e.message)).toContain(
      `hold-worker-1 on cordoned node ${node}: suspended at its managers, no file open for writing; the drain may evict it`);
    expect((await agent.metrics()).xrootd_agent_node_drain_releases_total).toBe(workers.length);
  } finally {
    clearInterval(resend);
    socket.close();
    await drain;
    cp.kubectl(['uncordon', node]);
    cp.kubectl(['delete', 'xrootd', 'hold', '-n', NS, '--wait=true', '--timeout=60s']);
  }
}), 300000);

test('healing.lostNodes: a node turns NotReady; the redirectors move at once, a data server on a network-attached volume moves (fencing NotReady) with its claim, one on a node-local volume is reported lost, then replaced by an empty one once fenced and asked', () => withLogs(async () => {
  const [lostNode, ...others] = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'];
  const local = 'local-test';
  const network = 'nfs-test';
  // Node-local volumes, two on each node, reachable only there (no provisioner: bound when a pod is placed),
  // and network ones (NFS), which any node mounts. (kwok's own are hostPath volumes: node-local.)
  cp.applyYaml([
    stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: local }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }),
    stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: network }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' }),
    ...['a', 'b', 'c'].map((d) => stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${network}-${d}` },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: network, nfs: { server: 'nfs.example.org', path: `/exports/${d}` } },
    })),
    ...[lostNode, ...others].flatMap((n) => ['a', 'b'].map((d) => stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${local}-${n}-${d}` },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: local,
        local: { path: `/mnt/disks/${d}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } },
      },
    }))),
  ].join('---\n'));
  const lostNodes = { notReadySeconds: 30, fencing: 'NotReady' };
  // Other clusters' pods may be on the node too: they wait for it (no lostNodes), and run again when it is back.
  const podsOn = (node: string) => (get(['pods', '-n', NS, '--field-selector', `spec.nodeName=${node}`]).items as any[])
    .map((p) => p.metadata.name as string).filter((p) => /^(roam|pinned)-/.test(p)).sort();
  const uid = (kind: string, name: string) => tryGet([kind, name, '-n', NS])?.metadata.uid as string | undefined;
  const events = (cluster: string, reason: string) => (get(['events', '-n', NS, '--field-selector', `involvedObject.name=${cluster}`]).items as any[])
    .filter((e) => e.reason === reason).map((e) => e.message as string);
  // Every pod of both clusters on the node to be lost: the others cordoned meanwhile.
  for (const n of others) expect(cp.kubectl(['cordon', n]).code).toBe(0);
  try {
    cp.applyYaml(xrootd('roam', { version: '5.8.1', worker: { replicas: 2, storage: { capacity: '1Gi', class: network } }, healing: { lostNodes } }));
    cp.applyYaml(xrootd('pinned', { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi', class: local } }, healing: { lostNodes: { notReadySeconds: 30 } } }));
    await waitCondition('roam', 'Ready', 'True', 120000);
    await waitCondition('pinned', 'Ready', 'True', 120000);
  } finally {
    for (const n of others) cp.kubectl(['uncordon', n]);
  }
  expect(podsOn(lostNode)).toEqual(['pinned-redirector-0', 'pinned-worker-0', 'roam-redirector-0', 'roam-worker-0', 'roam-worker-1']);
  const before = Object.fromEntries(['roam-redirector-0', 'roam-worker-0', 'roam-worker-1', 'pinned-redirector-0', 'pinned-worker-0'].map((p) => [p, uid('pod', p)]));
  const claims = Object.fromEntries(['data-roam-worker-0', 'data-roam-worker-1', 'data-pinned-worker-0'].map((c) => [c, uid('pvc', c)]));
  expect(get(['pvc', 'data-pinned-worker-0', '-n', NS]).spec.volumeName).toMatch(new RegExp(`^${local}-${lostNode}-`));
  const lostAt = Date.now();
  try {
    await cp.loseNode(lostNode);
    // Within the grace period nothing moves.
    await new Promise((r) => setTimeout(r, 15000));
    expect(uid('pod', 'roam-redirector-0')).toBe(before['roam-redirector-0']);
    // Past it: roam's pods all move (fencing NotReady), its claims kept; pinned's redirector moves and its data server is lost.
    const moved = await waitFor('roam\'s pods made again elsewhere and Ready', () => {
      const x = tryGet(['xrootd', 'roam', '-n', NS]);
      const again = ['roam-redirector-0', 'roam-worker-0', 'roam-worker-1'].every((p) => { const u = uid('pod', p); return u && u !== before[p]; });
      return again && condition(x, 'Ready')?.status === 'True' ? x : undefined;
    }, 150000, 1000);
    console.log(`lostNodes: roam Ready again ${((Date.now() - lostAt) / 1000).toFixed(1)} s after its node was lost (notReadySeconds 30)`);
    expect(condition(moved, 'NodesLost')).toMatchObject({ status: 'False', reason: 'NoneLost' });
    expect(podsOn(lostNode).filter((p) => p.startsWith('roam-'))).toEqual([]);
    for (const c of ['data-roam-worker-0', 'data-roam-worker-1']) expect(uid('pvc', c)).toBe(claims[c]);
    expect(events('roam', 'MovedFromLostNode').sort()).toEqual([
      expect.stringMatching(new RegExp(`^roam-redirector-0 on node ${lostNode}, NotReady since .*: deleted so that its StatefulSet makes it again on another node \\(it holds no data\\)$`)),
      expect.stringContaining('roam-worker-0 on node kwok-node-0, NotReady since'),
      expect.stringContaining('roam-worker-1 on node kwok-node-0, NotReady since'),
    ]);
    expect(events('roam', 'MovedFromLostNode').sort()[1] ?? '').toContain('spec.healing.lostNodes.fencing is NotReady; deleted so that it starts on another node with its volume (claim data-roam-worker');

    const lost = await waitFor('pinned-worker-0 reported lost', () => {
      const x = tryGet(['xrootd', 'pinned', '-n', NS]);
      return condition(x, 'NodesLost')?.reason === 'DataServerLost' && uid('pod', 'pinned-redirector-0') !== before['pinned-redirector-0'] ? x : undefined;
    }, 60000, 1000);
    expect(lost.status.lostNodes).toEqual([expect.objectContaining({
      pod: 'pinned-worker-0', node: lostNode, volume: 'NodeLocal', claim: 'data-pinned-worker-0', phase: 'Lost',
    })]);
    expect(events('pinned', 'DataServerLost')).toEqual([expect.stringContaining('its node-local volume (claim data-pinned-worker-0) is on the lost node')]);
    // Not replaced without being asked, nor before the node is fenced: the pod and its claim stay.
    cp.applyYaml(xrootd('pinned', { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi', class: local } }, healing: { lostNodes: { notReadySeconds: 30, replaceLocalVolumes: true } } }));
    await waitFor('the message to say it waits for the fence', () => (condition(tryGet(['xrootd', 'pinned', '-n', NS]), 'NodesLost')?.message?.includes('once the node is fenced') ? true : undefined), 60000, 1000);
    expect(uid('pod', 'pinned-worker-0')).toBe(before['pinned-worker-0']);
    expect(uid('pvc', 'data-pinned-worker-0')).toBe(claims['data-pinned-worker-0']);
    // Fenced: Kubernetes' own controllers take the pod (taint eviction, then pod GC); its StatefulSet makes it
    // again, unschedulable with its volume; the agent deletes the claim and it starts empty on another node.
    expect(cp.kubectl(['taint', 'node', lostNode, 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute']).code).toBe(0);
    const replaced = await waitFor('pinned-worker-0 replaced, Ready on another node with a new claim', () => {
      const x = tryGet(['xrootd', 'pinned', '-n', NS]);
      const pvc = tryGet(['pvc', 'data-pinned-worker-0', '-n', NS]);
      return pvc && pvc.metadata.uid !== claims['data-pinned-worker-0'] && condition(x, 'Ready')?.status === 'True' ? pvc : undefined;
    }, 180000, 1000);
    expect(replaced.spec.volumeName).not.toMatch(new RegExp(`-${lostNode}-`));
    expect(get(['pod', 'pinned-worker-0', '-n', NS]).spec.nodeName).not.toBe(lostNode);
    expect(events('pinned', 'DataServerReplaced')).toEqual([expect.stringContaining('its node-local volume (claim data-pinned-worker-0) is lost with the node')]);
    // The only claim the agent deleted is the one it was asked to replace; the old volume is kept (Retain).
    const deletedClaims = cp.auditEvents().filter((e) => e.verb === 'delete' && e.objectRef?.resource === 'persistentvolumeclaims' && e.user.username.includes('xrootd-k8s-agent'))
      .map((e) => e.objectRef?.name).filter((n) => /^data-(roam|pinned)-/.test(n ?? ''));
    expect(deletedClaims).toEqual(['data-pinned-worker-0']);
    expect(get(['pv', `${local}-${lostNode}-a`]).metadata.name).toBeTruthy();
    const metrics = await agent.metrics();
    expect(metrics['xrootd_agent_lost_node_actions_total{action="moved"}']).toBeGreaterThanOrEqual(4);
    expect(metrics['xrootd_agent_lost_node_actions_total{action="replaced"}']).toBe(1);
  } finally {
    await cp.restoreNode(lostNode);
    cp.kubectl(['delete', 'xrootd', 'roam', 'pinned', '-n', NS, '--wait=true', '--timeout=60s']);
    cp.kubectl(['delete', 'pvc', '-n', NS, '-l', 'xrootd.org/cluster in (roam,pinned)', '--wait=false']);
  }
}), 420000);

test('with monitoring, status.members follows what the collector hears from the manager; a Ready data server missing past the grace period raises MembersMissing; a rollout step waits for the replaced pod\'s subscription', () => withLogs(async () => {
  cp.applyYaml(xrootd('watched', { version: '5.5.3', worker: { replicas: 2, storage: { capacity: '1Gi' } }, monitoring: { enabled: true }, upgrade: { minReadySeconds: 0 } }));
  await waitCondition('watched', 'Ready', 'True', 120000);
  expect(get(['deployment', 'watched-collector', '-n', NS]).metadata.ownerReferences[0]).toMatchObject({ kind: 'Xrootd', name: 'watched' });
  const socket = dgram.createSocket('udp4');
  const send = (members: string[]) => sendManagerReport(socket, 'watched-redirector-0', members);
  let resend: NodeJS.Timeout | undefined;
  try {
    await send(['watched-worker-0', 'watched-worker-1']);
    const both = await waitFor('status.members with both data servers', () => {
      const x = get(['xrootd', 'watched', '-n', NS]);
      return x.status?.members?.[0]?.subscribed === 2 ? x : undefined;
    }, 60000, 500);
    expect(both.status.members).toEqual([{ manager: 'watched-redirector-0', role: 'redirector', expected: 2, subscribed: 2, missing: [] }]);
    expect(condition(both, 'MembersMissing')).toMatchObject({ status: 'False', reason: 'AllSubscribed' });

    await send(['watched-worker-0']);
    const missing = await waitFor('MembersMissing after the grace period', () => {
      const x = get(['xrootd', 'watched', '-n', NS]);
      return condition(x, 'MembersMissing')?.status === 'True' ? x : undefined;
    }, 90000, 500);
    expect(missing.status.members[0]).toMatchObject({ manager: 'watched-redirector-0', expected: 2, subscribed: 1, missing: ['watched-worker-1'] });
    expect(condition(missing, 'MembersMissing').message).toBe('Ready servers not subscribed where they should be: watched-redirector-0 lacks watched-worker-1');
    const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=watched']).items.map((e: any) => e.reason);
    expect(events).toContain('MembersMissing');
    const text = run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'status', 'watched', '-n', NS, `--kubeconfig=${cp.kubeconfig}`]);
    expect(text.out).toContain('members      watched-redirector-0: 1/2 subscribed  missing watched-worker-1 since ');

    // spec.healing: Ready but unlisted for unsubscribedSeconds, watched-worker-1 is restarted (on its volume), once;
    // still unlisted after that, it waits out the backoff.
    // The manager's report again every 5 s, as a manager sends it: the collector forgets one older than its stale period.
    resend = setInterval(() => void send(['watched-worker-0']).catch(() => undefined), 5000);
    const worker1 = get(['pod', 'watched-worker-1', '-n', NS]).metadata.uid;
    const claim = get(['pvc', 'data-watched-worker-1', '-n', NS]).metadata.uid;
    cp.applyYaml(xrootd('watched', { version: '5.5.3', worker: { replicas: 2, storage: { capacity: '1Gi' } }, monitoring: { enabled: true }, upgrade: { minReadySeconds: 0 }, healing: { unsubscribedSeconds: 30 } }));
    const healed = await waitFor('watched-worker-1 restarted by the agent', () => {
      const x = get(['xrootd', 'watched', '-n', NS]);
      return x.status?.healing?.restarts?.length ? x : undefined;
    }, 90000, 500);
    expect(healed.status.healing.restarts).toEqual([{ pod: 'watched-worker-1', reason: 'Unsubscribed', at: expect.any(String), count: 1 }]);
    await waitFor('a new watched-worker-1, Ready', () => {
      const p = tryGet(['pod', 'watched-worker-1', '-n', NS]);
      return p && p.metadata.uid !== worker1 && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    }, 60000, 500);
    expect(get(['pvc', 'data-watched-worker-1', '-n', NS]).metadata.uid).toBe(claim);
    const restartEvent = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=watched,reason=RestartedUnsubscribed']).items;
    expect(restartEvent.map((e: any) => [e.type, e.message])).toEqual([['Warning', expect.stringMatching(/^watched-worker-1 restarted: not listed by watched-redirector-0 since .* \(spec\.healing\.unsubscribedSeconds 30\); its volume is kept$/)]]);
    expect((await agent.metrics())['xrootd_agent_healing_restarts_total{reason="Unsubscribed"}']).toBe(1);
    const backingOff = await waitFor('the next restart held by the backoff', () => {
      const c = condition(get(['xrootd', 'watched', '-n', NS]), 'Healing');
      return c?.reason === 'Held' ? c : undefined;
    }, 90000, 500);
    expect(backingOff.message).toMatch(/^unsubscribed, restarted again after a backoff: watched-worker-1 in \d+ s \(restarted 1 time today\)$/);
    const shown = run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'status', 'watched', '-n', NS, `--kubeconfig=${cp.kubeconfig}`]);
    expect(shown.out).toMatch(/^ {2}healing {6}unsubscribed, restarted again after a backoff: watched-worker-1 in \d+ s/m);
    clearInterval(resend);

    await send(['watched-worker-0', 'watched-worker-1']);
    await waitCondition('watched', 'MembersMissing', 'False', 60000);
    expect(condition(await waitCondition('watched', 'Healing', 'False', 60000), 'Healing').reason).toBe('NothingToHeal');

    // A rollout step waits for the replaced pod to be subscribed, not just Ready.
    await send(['watched-worker-0']);
    const partition = () => get(['statefulset', 'watched-worker', '-n', NS]).spec.updateStrategy.rollingUpdate?.partition ?? 0;
    cp.applyYaml(xrootd('watched', { version: '5.5.3', worker: { replicas: 2, storage: { capacity: '1Gi' } }, monitoring: { enabled: true }, upgrade: { minReadySeconds: 0 }, xrootd: { startupDelaySeconds: 5 } }));
    const held = await waitFor('the rollout holding at watched-worker-1', () => {
      const x = get(['xrootd', 'watched', '-n', NS]);
      return x.status?.rollout?.phase === 'Rolling' && partition() === 1 ? x : undefined;
    }, 60000, 250);
    expect(held.status.rollout.role).toBe('worker');
    // Long enough for several reconciles: Ready but not subscribed, watched-worker-1 holds the next step.
    await new Promise((r) => setTimeout(r, 8000));
    expect(partition()).toBe(1);
    expect(get(['xrootd', 'watched', '-n', NS]).status.rollout.phase).toBe('Rolling');
    await send(['watched-worker-0', 'watched-worker-1']);
    await waitFor('the rollout done once watched-worker-1 is subscribed', () => {
      const x = get(['xrootd', 'watched', '-n', NS]);
      return condition(x, 'Ready')?.status === 'True' && !x.status.rollout?.phase && x.status.observedGeneration === x.metadata.generation ? x : undefined;
    }, 90000, 500);
    expect(partition()).toBe(0);
    // The agent's own memory and CPU, for the operators of the agent.
    const metrics = await agent.metrics();
    expect(metrics.process_resident_memory_bytes).toBeGreaterThan(10 << 20);
    expect(metrics.process_cpu_seconds_total).toBeGreaterThan(0);
  } finally {
    clearInterval(resend);
    socket.close();
  }
}), 420000);

test('deleting the resource removes its objects and keeps its data volumes', () => withLogs(async () => {
  const pvcs = get(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=alpha']).items.map((p: any) => p.metadata.name).sort();
  expect(pvcs).toEqual(['data-alpha-worker-0', 'data-alpha-worker-1', 'data-alpha-worker-2']);
  expect(cp.kubectl(['delete', 'xrootd', 'alpha', '-n', NS, '--wait=true', '--timeout=60s']).code).toBe(0);
  await waitFor('alpha\'s objects garbage-collected', () =>
    (get(['statefulsets,services,configmaps,poddisruptionbudgets,networkpolicies', '-n', NS, '-l', 'xrootd.org/cluster=alpha']).items.length === 0 ? true : undefined), 120000, 500);
  expect(get(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=alpha']).items.map((p: any) => p.metadata.name).sort()).toEqual(pvcs);
  const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=alpha']).items;
  expect(events.find((e: any) => e.reason === 'Deleting')?.message).toBe('kept 3 data volumes (whenDeleted: Retain)');
}), 180000);

test('after an API server restart the agent picks up where it was: watches resume, no change is lost', () => withLogs(async () => {
  const before = await agent.metrics();
  await cp.restartApiServer();
  // Changes made at once, possibly before the agent's watches are back: the relist must catch them.
  cp.applyYaml(xrootd('epsilon', { version: '5.8.1', worker: { replicas: 1 } }));
  const betaConfig = configName('beta');
  expect(cp.kubectl(['delete', 'configmap', betaConfig, '-n', NS]).code).toBe(0);
  await waitFor('beta\'s configuration restored', () => tryGet([`configmap/${betaConfig}`, '-n', NS]), 60000, 250);
  await waitCondition('epsilon', 'Ready', 'True', 120000);
  // The watches did break (and were retried), so this proves recovery, not luck.
  const watchErrors = (m: Record<string, number>) => Object.entries(m).filter(([k]) => k.startsWith('xrootd_agent_watch_errors_total')).reduce((n, [, v]) => n + v, 0);
  expect(watchErrors(await agent.metrics())).toBeGreaterThan(watchErrors(before));
  expect(agent.daemon.exited).toBe(false);
}), 240000);

test('with whenDeleted: Delete, deleting the resource deletes its data volumes too', () => withLogs(async () => {
  cp.applyYaml(xrootd('zeta', { version: '5.8.1', worker: { replicas: 1, storage: { capacity: '1Gi', retention: { whenDeleted: 'Delete' } } } }));
  await waitCondition('zeta', 'Ready', 'True', 120000);
  expect(get(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=zeta']).items).toHaveLength(1);
  expect(get(['xrootd', 'zeta', '-n', NS]).metadata.finalizers).toEqual(['xrootd.org/finalizer']);
  expect(cp.kubectl(['delete', 'xrootd', 'zeta', '-n', NS, '--wait=true', '--timeout=60s']).code).toBe(0);
  await waitFor('zeta\'s volumes deleted', () => (get(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=zeta']).items.length === 0 ? true : undefined), 120000, 500);
  const events = get(['events', '-n', NS, '--field-selector', 'involvedObject.name=zeta']).items;
  expect(events.find((e: any) => e.reason === 'Deleting')?.message).toBe('deleted 1 data volumes (whenDeleted: Delete)');
}), 240000);

test('a second replica stands by while the first holds the Lease', () => withLogs(async () => {
  standby = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'standby.log'),
    [`--lease-namespace=${AGENT_NS}`, '--resync=3600']);
  const betaConfig = configName('beta');
  expect(cp.kubectl(['delete', 'configmap', betaConfig, '-n', NS]).code).toBe(0);
  await waitFor('beta\'s configuration restored by the leader', () => tryGet([`configmap/${betaConfig}`, '-n', NS]), 30000, 250);
  const m = await standby.metrics();
  expect(m.xrootd_agent_leader).toBe(0);
  expect(m.xrootd_agent_reconciles_total).toBe(0);
}), 90000);

test('the agent holds the leader Lease and serves health and metrics', () => withLogs(async () => {
  const lease = get(['lease', 'xrootd-k8s-agent', '-n', AGENT_NS]);
  expect(lease.spec.holderIdentity).toBeTruthy();
  expect((await agent.get('/healthz')).status).toBe(200);
  const m = await agent.metrics();
  expect(m.xrootd_agent_leader).toBe(1);
  expect(m.xrootd_agent_reconciles_total).toBeGreaterThan(0);
  expect(m.xrootd_agent_reconcile_duration_seconds_count).toBeGreaterThan(0);
}));

describe('CLI diff and apply against the cluster, with the agent\'s engine', () => {
  const OPS = 'ops';
  const file = (name: string, text: string): string => {
    const path = join(cp.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const gamma = (replicas: number): string => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'gamma', namespace: OPS }, spec: { worker: { replicas } } });
  const cli = (...args: string[]) => run([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), ...args, `--kubeconfig=${cp.kubeconfig}`], process.env, 60000);

  beforeAll(() => createNamespace(cp, OPS, 'restricted'));

  test('diff shows what apply will create; apply creates it; then both find nothing to do', () => {
    const f = file('gamma.yaml', gamma(2));
    const d = cli('diff', f);
    expect(d.code).toBe(1);
    expect(d.out).toContain(`+ StatefulSet/${OPS}/gamma-worker`);
    const a = cli('apply', f);
    expect(a.code).toBe(0);
    expect(a.out).toContain(`StatefulSet/${OPS}/gamma-worker created`);
    expect(cli('diff', f)).toEqual({ code: 0, out: '' });
    const again = cli('apply', f, '-o', 'json');
    expect(again.code).toBe(0);
    const result = JSON.parse(again.out);
    expect(result.writes).toBe(0);
    expect(new Set(result.results.map((r: { action: string }) => r.action))).toEqual(new Set(['unchanged']));
  });

  test('a replica change shows as that field only, and apply configures just the StatefulSet', () => {
    const f = file('gamma3.yaml', gamma(3));
    const d = cli('diff', f);
    expect(d.code).toBe(1);
    expect(d.out).toContain(`~ StatefulSet/${OPS}/gamma-worker`);
    expect(d.out).toContain('spec.replicas: 2 -> 3');
    expect(d.out).not.toContain('ConfigMap');
    const a = cli('apply', f);
    expect(a.out.split('\n').filter((l) => l.endsWith(' configured'))).toEqual([`StatefulSet/${OPS}/gamma-worker configured`]);
  });

  test('invalid input applies nothing and names the field', () => {
    const f = file('broken.yaml', `${gamma(3)}---\n${stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'delta', namespace: OPS }, spec: { worker: { replicas: 0 } } })}`);
    const a = cli('apply', f);
    expect(a.code).toBe(1);
    expect(a.out).toContain('spec.worker.replicas must be >= 1 (0 only in a meta-manager: federation.metaManager)');
    expect(tryGet(['statefulset', 'delta-worker', '-n', OPS])).toBeUndefined();
  });

  test('objects the agent controls are refused: one applier per object', () => {
    const f = file('beta.yaml', xrootd('beta', { version: '5.8.1', worker: { replicas: 1 } }));
    const a = cli('apply', f);
    expect(a.code).toBe(3);
    expect(a.out).toMatch(/is controlled by Xrootd beta/);
  });
});

test('SIGTERM stops the agent promptly and releases the Lease to the standby', () => withLogs(async () => {
  const holder = get(['lease', 'xrootd-k8s-agent', '-n', AGENT_NS]).spec.holderIdentity;
  const started = Date.now();
  await agent.stop();
  expect(Date.now() - started).toBeLessThan(5000);
  expect(agent.daemon.exited).toBe(true);
  // Released, not expired: right after the stop the Lease names nobody (or already the standby), though it was renewed
  // less than 2 s before and would be held 15 s more; the standby takes over at its next try (every 2 s).
  expect(get(['lease', 'xrootd-k8s-agent', '-n', AGENT_NS]).spec.holderIdentity ?? '').not.toBe(holder);
  await waitFor('the standby to lead', async () => ((await standby!.metrics()).xrootd_agent_leader === 1 ? true : undefined), 15000, 250);
  expect(cp.kubectl(['delete', 'service', 'beta-worker', '-n', NS]).code).toBe(0);
  await waitFor('beta-worker restored by the new leader', () => tryGet(['service/beta-worker', '-n', NS]), 30000, 250);
  expect((await standby!.metrics()).xrootd_agent_reconciles_total).toBeGreaterThan(0);
}), 90000);
