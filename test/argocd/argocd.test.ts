/**
 * Argo CD for real: its application-controller and repo-server (built from its module), with a
 * Redis from Debian and kustomize, run against the control plane and sync a site's repository,
 * served by git's http-backend and laid out as this repository is, with the Applications of
 * examples/argocd/applications.yaml and the health checks of examples/argocd/argocd-cm.yaml:
 * - the platform (CRDs in wave -1, then the agent) turns Synced and Healthy;
 * - a cluster straight from dist/ follows its sync waves on a version change: the data servers'
 *   StatefulSet is changed and healthy before the redirectors' is touched;
 * - the Xrootd resources' Application is Progressing while no agent runs and Healthy once the agent
 *   reports the cluster Ready (our health.lua, run by Argo CD itself);
 * - a commit the API server refuses fails the sync and leaves the last good state;
 * - a version the agent refuses turns the Application Degraded while the cluster runs on.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { deliveryTool } from '../helpers/delivery-tools.js';
import { freePorts, logOf, startDaemon, stopDaemon, waitFor, type Daemon } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { SiteRepository } from '../helpers/site-repository.js';

const ARGO_NS = 'argocd';
const AGENT_NS = 'xrootd-system';
const SITE_NS = 'xrootd';
const DIST_NS = 'argo-dist';
const at = (path: string): string => join(repoRoot(), path);
let cp: ControlPlane;
let site: SiteRepository;
let home: string;
let agent: AgentProcess | undefined;
const daemons: Daemon[] = [];

const application = (name: string): any => cp.tryGetJson(['applications.argoproj.io', name, '-n', ARGO_NS]);
const xrootd = (): any => cp.tryGetJson(['xrootd', 'minimal', '-n', SITE_NS]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
/** Each daemon's first errors and last lines. */
const logs = () => [...daemons.map((d) => {
  const errors = readFileSync(d.logFile, 'utf8').split('\n').filter((l) => /"level":"error"|level=error|Error:/.test(l) && !l.includes('(cached)')).slice(0, 5);
  return `${logOf(d, 15)}\nfirst errors:\n${errors.join('\n')}`;
}), agent?.logs(25) ?? ''].join('\n');
const summary = (a: any) => {
  const op = a?.status?.operationState;
  const operationState = op && { phase: op.phase, message: op.message, revision: op.syncResult?.revision };
  return stringify({ sync: a?.status?.sync, health: a?.status?.health, operationState });
};

/** Waits until the Application is at `revision`, Synced, with health `health`. */
function applicationAt(name: string, revision: string, health: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(`Application ${name} Synced and ${health} at ${revision.slice(0, 8)}`, () => {
    const a = application(name);
    return a?.status?.sync?.status === 'Synced' && a.status.sync.revision === revision && a.status.health?.status === health ? a : undefined;
  }, timeoutMs, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${summary(application(name))}\n${logs()}`); });
}

beforeAll(async () => {
  const [argocd, kustomize, files] = [deliveryTool('argocd'), deliveryTool('kustomize'), deliveryTool('argocd-files')];
  const crds = join(files, 'crds');
  cp = await ControlPlane.start();
  for (const f of readdirSync(crds)) cp.applyYaml(readFileSync(join(crds, f), 'utf8'), ['--server-side']);
  // kubectl wait fails outright on a CRD that has no status yet: ask again.
  await waitFor('Argo CD\'s CRDs established', () => (cp.kubectl(['wait', '--for=condition=Established', 'crd/applications.argoproj.io',
    'crd/appprojects.argoproj.io', '--timeout=10s']).code === 0 ? true : undefined), 60_000, 500);
  createNamespace(cp, ARGO_NS);
  // What Argo CD's install holds besides its Deployments: its settings (with our health checks), its
  // secret, the default project.
  const part = { 'app.kubernetes.io/part-of': 'argocd' };
  const settings = parse(readFileSync(at('examples/argocd/argocd-cm.yaml'), 'utf8'));
  cp.applyYaml([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: ARGO_NS, labels: part }, data: { ...settings.data, 'timeout.reconciliation': '10s' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'argocd-secret', namespace: ARGO_NS, labels: part }, stringData: { 'server.secretkey': randomBytes(24).toString('hex') } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'default', namespace: ARGO_NS },
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] } },
  ].map((o) => stringify(o)).join('---\n'));

  site = await SiteRepository.start();
  home = mkdtempSync(join(tmpdir(), 'argocd-'));
  const [redisPort, repoPort, ...metrics] = await freePorts(4);
  daemons.push(startDaemon('redis', ['redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { PATH: process.env.PATH }, join(cp.dir, 'redis.log')));
  const env = {
    PATH: `${join(files, 'bin')}:${process.env.PATH}`, HOME: home, KUBECONFIG: cp.kubeconfig, ARGOCD_FAKE_IN_CLUSTER: 'true',
    ARGOCD_GPG_ENABLED: 'false', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  };
  // kustomize under the name the repo-server runs.
  const bin = join(home, 'bin');
  mkdirSync(bin);
  cpSync(kustomize, join(bin, 'kustomize'));
  env.PATH = `${bin}:${env.PATH}`;
  daemons.push(startDaemon('argocd-repo-server', [argocd, '--port', String(repoPort), '--metrics-port', String(metrics[0]), '--disable-tls', '--client-ca-path=', '--revision-cache-expiration=5s',
    '--redis', `127.0.0.1:${redisPort}`, '--loglevel', 'info'], { ...env, ARGOCD_BINARY_NAME: 'argocd-repo-server' }, join(cp.dir, 'repo-server.log')));
  daemons.push(startDaemon('argocd-application-controller', [argocd, '--namespace', ARGO_NS, '--repo-server', `127.0.0.1:${repoPort}`,
    '--repo-server-plaintext', '--redis', `127.0.0.1:${redisPort}`, '--metrics-port', String(metrics[1]), '--app-resync', '10',
    '--loglevel', 'info'], { ...env, ARGOCD_BINARY_NAME: 'argocd-application-controller' }, join(cp.dir, 'application-controller.log')));
}, 30 * 60_000);
afterAll(async () => {
  await agent?.stop();
  for (const d of daemons.reverse()) await stopDaemon(d, 10_000);
  await site?.stop();
  await cp?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}, 60_000);

test('Argo CD syncs dist/ and an Xrootd resource from Git with sync waves and our health checks', async () => {
  const minimal = parse(readFileSync(at('examples/resources/minimal.yaml'), 'utf8'));
  const first = site.commit('platform, a cluster from dist/ and one Xrootd resource', minimal);

  // examples/argocd/applications.yaml, pointed at the site's repository; the cluster from dist/ in a namespace of its own.
  const apps = parseAllDocuments(readFileSync(at('examples/argocd/applications.yaml'), 'utf8')).map((d) => d.toJS());
  for (const a of apps) {
    Object.assign(a.spec.source, { repoURL: site.url, targetRevision: 'main' });
    // dist/ names its namespace in every object: kustomize moves them (Argo CD's destination namespace is only a default).
    if (a.metadata.name === 'xrootd-minimal') Object.assign(a.spec, { destination: { ...a.spec.destination, namespace: DIST_NS }, source: { ...a.spec.source, kustomize: { namespace: DIST_NS } } });
  }
  expect(apps.map((a) => a.metadata.name)).toEqual(['xrootd-platform', 'xrootd-minimal', 'xrootd-resources']);
  createNamespace(cp, SITE_NS, 'restricted');
  const timings: string[] = [];
  const started = Date.now();
  const seconds = (from: number) => ((Date.now() - from) / 1000).toFixed(1);
  cp.applyYaml(apps.map((a) => stringify(a)).join('---\n'));

  await applicationAt('xrootd-platform', first, 'Healthy', 90_000);
  timings.push(`platform Synced and Healthy ${seconds(started)} s after the Applications`);
  expect(cp.kubectl(['get', 'deployment', 'xrootd-k8s-agent', '-n', AGENT_NS]).code).toBe(0);
  await applicationAt('xrootd-minimal', first, 'Healthy');
  timings.push(`cluster from dist/ Healthy ${seconds(started)} s after them`);

  // No agent yet: our health check says Progressing.
  const waiting = await waitFor('the Xrootd applied and Progressing', () => {
    const a = application('xrootd-resources');
    return a?.status?.sync?.status === 'Synced' && a.status.health?.status === 'Progressing' ? a : undefined;
  }, 120_000, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${summary(application('xrootd-resources'))}\n${logs()}`); });
  // Argo CD 3 keeps each resource's health out of the Application's status: the Application's is the Xrootd's (its only resource).
  expect(waiting.status.resources.map((r: any) => r.kind)).toEqual(['Xrootd']);
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'), [`--lease-namespace=${AGENT_NS}`]);
  const agentStarted = Date.now();
  await applicationAt('xrootd-resources', first, 'Healthy');
  timings.push(`Xrootd Application Healthy ${seconds(agentStarted)} s after the agent started`);
  expect(condition(xrootd(), 'Ready').status).toBe('True');

  // Sync waves on dist/: a new version changes the data servers (wave 1) and waits for them
  // before the redirectors (wave 3).
  const statefulSet = (role: string) => cp.tryGetJson(['statefulset', `minimal-${role}`, '-n', DIST_NS]);
  const generations = { worker: statefulSet('worker').metadata.generation, redirector: statefulSet('redirector').metadata.generation };
  const wave = site.commit('dist/minimal: XRootD 6.2.0', minimal, '6.2.0');
  const seen: { workerChanged?: number; workerHealthy?: number; redirectorChanged?: number } = {};
  await waitFor('both StatefulSets changed', () => {
    const now = Date.now();
    const worker = statefulSet('worker');
    const redirector = statefulSet('redirector');
    if (!seen.workerChanged && worker.metadata.generation !== generations.worker) seen.workerChanged = now;
    const rolled = worker.status.observedGeneration === worker.metadata.generation
      && worker.status.updatedReplicas === worker.spec.replicas && worker.status.readyReplicas === worker.spec.replicas;
    if (seen.workerChanged && !seen.workerHealthy && rolled) seen.workerHealthy = now;
    if (!seen.redirectorChanged && redirector.metadata.generation !== generations.redirector) seen.redirectorChanged = now;
    return seen.redirectorChanged ? true : undefined;
  }, 180_000, 100).catch((e) => {
    const sts = (role: string) => { const x = statefulSet(role); return { generation: x.metadata.generation, status: x.status }; };
    throw new Error(`${(e as Error).message} (${JSON.stringify(seen)})\n${summary(application('xrootd-minimal'))}\n${stringify({ worker: sts('worker'), redirector: sts('redirector') })}\n${logs()}`);
  });
  expect(seen.workerChanged).toBeLessThan(seen.redirectorChanged!);
  expect(seen.workerHealthy).toBeLessThanOrEqual(seen.redirectorChanged!);
  const gap = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
  timings.push(`sync waves: data servers changed, healthy after ${gap(seen.workerChanged!, seen.workerHealthy!)} s, `
    + `redirectors changed ${gap(seen.workerHealthy!, seen.redirectorChanged!)} s later`);
  await applicationAt('xrootd-minimal', wave, 'Healthy');

  // A version committed for the agent: Argo CD applies it, the agent rolls, the health check waits.
  const podsBefore = cp.getJson(['pods', '-n', SITE_NS]).items.map((p: any) => p.metadata.uid);
  const upgrade = site.commit('minimal: XRootD 6.2.0', { ...minimal, spec: { ...minimal.spec, version: '6.2.0' } }, '6.2.0');
  const upgradeCommitted = Date.now();
  await applicationAt('xrootd-resources', upgrade, 'Healthy', 300_000);
  timings.push(`version commit to Application Healthy (cluster rolled) ${seconds(upgradeCommitted)} s`);
  const upgraded = xrootd();
  expect({ version: upgraded.status.currentVersion, ready: condition(upgraded, 'Ready').status }).toEqual({ version: '6.2.0', ready: 'True' });
  expect(cp.getJson(['pods', '-n', SITE_NS]).items.filter((p: any) => podsBefore.includes(p.metadata.uid))).toEqual([]);

  // A commit the API server refuses: Argo CD's dry run finds it before any sync (a comparison
  // error naming the field, sync Unknown); nothing is applied and the last good state stays.
  const negative = { ...minimal, spec: { ...minimal.spec, version: '6.2.0', worker: { ...minimal.spec.worker, replicas: -1 } } };
  const bad = site.commit('minimal: a negative number of data servers', negative, '6.2.0');
  const refused = await waitFor('the refused commit reported', () => {
    const a = application('xrootd-resources');
    const problem = [...(a?.status?.conditions ?? []).map((c: any) => c.message), a?.status?.operationState?.phase === 'Failed' ? a.status.operationState.message : '']
      .find((m: string) => /spec\.worker\.replicas/.test(m ?? ''));
    return a?.status?.sync?.revision === bad && problem ? { a, problem } : undefined;
  }, 120_000, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${summary(application('xrootd-resources'))}\n${stringify(application('xrootd-resources')?.status?.conditions)}`); });
  timings.push(`refused commit: ${refused.a.status.sync.status}, "${refused.problem.slice(0, 160)}"`);
  expect(refused.a.status.operationState.syncResult.revision).toBe(upgrade);
  const kept = xrootd();
  expect({ generation: kept.metadata.generation, replicas: kept.spec.worker.replicas, ready: condition(kept, 'Ready').status })
    .toEqual({ generation: upgraded.metadata.generation, replicas: minimal.spec.worker.replicas, ready: 'True' });

  // A version the catalog lacks: the agent refuses it, our health check says Degraded at once.
  const unknown = site.commit('minimal: a version the catalog lacks', { ...minimal, spec: { ...minimal.spec, version: '9.9.9' } }, '6.2.0');
  const unknownCommitted = Date.now();
  const degraded = await waitFor('the Application Degraded', () => {
    const a = application('xrootd-resources');
    return a?.status?.sync?.revision === unknown && a.status.health?.status === 'Degraded' ? a : undefined;
  }, 120_000, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${summary(application('xrootd-resources'))}`); });
  timings.push(`unknown version: Application Degraded ${seconds(unknownCommitted)} s after the commit`);
  expect(degraded.status.resources.map((r: any) => r.kind)).toEqual(['Xrootd']);
  expect(condition(xrootd(), 'Stalled').message).toContain('9.9.9');
  expect(xrootd().status.currentVersion).toBe('6.2.0');
  console.log(`argocd: ${timings.join('; ')}`);
}, 25 * 60_000);
