/**
 * Flux for real: its source-controller and kustomize-controller (built from their modules) run
 * against the control plane and sync a site's repository, served by git's http-backend, laid
 * out as this repository is, with the GitRepository and Kustomizations of examples/flux/sync.yaml
 * (the URL and intervals changed, and the cluster from dist/ put in a namespace of its own):
 * the platform (dist/crds, dist/agent) and a cluster straight from dist/ turn Ready by Flux's
 * own wait; the Xrootd resources' Kustomization turns Ready only once the agent reports the
 * cluster Ready; a version committed in Git rolls the cluster; a commit the API server refuses
 * leaves the last good state applied; a version the agent refuses (Stalled) fails the
 * Kustomization at once, the cluster running on.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { deliveryTool } from '../helpers/delivery-tools.js';
import { freePorts, logOf, startDaemon, stopDaemon, waitFor, type Daemon } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { SiteRepository } from '../helpers/site-repository.js';

const FLUX_NS = 'flux-system';
const AGENT_NS = 'xrootd-system';
const SITE_NS = 'xrootd';
const DIST_NS = 'flux-dist';
const at = (path: string): string => join(repoRoot(), path);
let cp: ControlPlane;
let site: SiteRepository;
let storage: string;
let agent: AgentProcess | undefined;
const controllers: Daemon[] = [];

const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const kustomization = (name: string): any => cp.tryGetJson(['kustomizations.kustomize.toolkit.fluxcd.io', name, '-n', FLUX_NS]);
const xrootd = (): any => cp.tryGetJson(['xrootd', 'minimal', '-n', SITE_NS]);
const logs = () => [...controllers.map((d) => logOf(d, 30)), agent?.logs(30) ?? ''].join('\n');

/** Waits until the Kustomization has applied `revision` (a commit id) and is Ready. */
function kustomizationReady(name: string, revision: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(`Kustomization ${name} Ready at ${revision.slice(0, 8)}`, () => {
    const k = kustomization(name);
    return condition(k, 'Ready')?.status === 'True' && String(k.status.lastAppliedRevision).endsWith(revision) ? k : undefined;
  }, timeoutMs, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${stringify(kustomization(name)?.status)}\nXrootd: ${stringify(xrootd()?.status)}\n${logs()}`); });
}

/** Waits until the Kustomization has tried `revision` and failed with `reason`. */
function kustomizationFailed(name: string, revision: string, reason: string): Promise<any> {
  return waitFor(`Kustomization ${name} failed at ${revision.slice(0, 8)} (${reason})`, () => {
    const k = kustomization(name);
    const ready = condition(k, 'Ready');
    return String(k?.status?.lastAttemptedRevision).endsWith(revision) && ready?.status === 'False' && ready.reason === reason ? k : undefined;
  }, 120_000, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${stringify(kustomization(name)?.status)}`); });
}

beforeAll(async () => {
  const [sourceController, kustomizeController, crds] = [deliveryTool('source-controller'), deliveryTool('kustomize-controller'), deliveryTool('flux-crds')];
  cp = await ControlPlane.start();
  for (const f of readdirSync(crds)) cp.applyYaml(readFileSync(join(crds, f), 'utf8'), ['--server-side']);
  expect(cp.kubectl(['wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s']).code).toBe(0);
  createNamespace(cp, FLUX_NS);
  site = await SiteRepository.start();
  storage = mkdtempSync(join(tmpdir(), 'flux-storage-'));
  const [storagePort, ...ports] = await freePorts(5);
  const env = { PATH: process.env.PATH, HOME: storage, KUBECONFIG: cp.kubeconfig, RUNTIME_NAMESPACE: FLUX_NS };
  controllers.push(startDaemon('source-controller', [sourceController, `--storage-path=${storage}`, `--storage-addr=127.0.0.1:${storagePort}`,
    `--storage-adv-addr=127.0.0.1:${storagePort}`, `--metrics-addr=127.0.0.1:${ports[0]}`, `--health-addr=127.0.0.1:${ports[1]}`], env, join(cp.dir, 'source-controller.log')));
  controllers.push(startDaemon('kustomize-controller', [kustomizeController, `--metrics-addr=127.0.0.1:${ports[2]}`, `--health-addr=127.0.0.1:${ports[3]}`],
    env, join(cp.dir, 'kustomize-controller.log')));
}, 30 * 60_000);
afterAll(async () => {
  await agent?.stop();
  for (const d of controllers) await stopDaemon(d, 10_000);
  await site?.stop();
  await cp?.stop();
  if (storage) rmSync(storage, { recursive: true, force: true });
}, 60_000);

test('Flux syncs dist/ and an Xrootd resource from Git; its Kustomization is Ready only once the cluster is; a committed version rolls it; a refused commit leaves the last good state', async () => {
  const minimal = parse(readFileSync(at('examples/resources/minimal.yaml'), 'utf8'));
  const first = site.commit('platform, a cluster from dist/ and one Xrootd resource', minimal);

  // examples/flux/sync.yaml, pointed at the site's repository, polling every few seconds.
  const sync = parseAllDocuments(readFileSync(at('examples/flux/sync.yaml'), 'utf8')).map((d) => d.toJS());
  for (const o of sync) {
    if (o.kind === 'GitRepository') Object.assign(o.spec, { url: site.url, interval: '5s' });
    else Object.assign(o.spec, { interval: '1m', retryInterval: '5s' });
    if (o.metadata.name === 'xrootd-minimal') o.spec.targetNamespace = DIST_NS;
  }
  expect(sync.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['GitRepository/xrootd-k8s', 'Kustomization/xrootd-platform', 'Kustomization/xrootd-minimal', 'Kustomization/xrootd-resources']);
  createNamespace(cp, SITE_NS, 'restricted');
  createNamespace(cp, DIST_NS, 'restricted');
  cp.applyYaml(sync.map((o) => stringify(o)).join('---\n'));

  // The platform: the CRDs and the agent's Deployment (kwok runs its pods), by Flux's wait.
  const started = Date.now();
  const seconds = (from: number) => ((Date.now() - from) / 1000).toFixed(1);
  const timings: string[] = [];
  await kustomizationReady('xrootd-platform', first);
  timings.push(`platform Ready ${seconds(started)} s after the Flux objects`);
  expect(cp.kubectl(['get', 'deployment', 'xrootd-k8s-agent', '-n', AGENT_NS]).code).toBe(0);
  // A cluster straight from dist/: every StatefulSet Current.
  await kustomizationReady('xrootd-minimal', first);
  timings.push(`cluster from dist/ Ready ${seconds(started)} s after them`);
  expect(cp.getJson(['statefulsets', '-n', DIST_NS]).items.map((s: any) => s.metadata.name).sort()).toEqual(['minimal-redirector', 'minimal-worker']);

  // The Xrootd resource is applied, but no agent runs yet (kwok runs none): the health check waits.
  await waitFor('the Xrootd applied by Flux', () => xrootd(), 60_000, 500);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const waiting = kustomization('xrootd-resources');
  expect({ ready: condition(waiting, 'Ready')?.status, xrootdReady: condition(xrootd(), 'Ready')?.status }).toEqual({ ready: 'Unknown', xrootdReady: undefined });
  expect(condition(waiting, 'Ready').reason).toBe('Progressing');

  // The agent, as the ServiceAccount Flux installed: the cluster turns Ready, then the Kustomization.
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'), [`--lease-namespace=${AGENT_NS}`]);
  const agentStarted = Date.now();
  const ready = await kustomizationReady('xrootd-resources', first);
  timings.push(`Xrootd Kustomization Ready ${seconds(agentStarted)} s after the agent started`);
  const cluster = xrootd();
  expect(condition(cluster, 'Ready').status).toBe('True');
  expect(Date.parse(condition(ready, 'Ready').lastTransitionTime)).toBeGreaterThanOrEqual(Date.parse(condition(cluster, 'Ready').lastTransitionTime));
  const podsBefore = cp.getJson(['pods', '-n', SITE_NS]).items.map((p: any) => p.metadata.uid);

  // A version committed in Git: Flux applies it, the agent rolls the cluster, Flux waits for it.
  const upgrade = site.commit('minimal: XRootD 6.2.0', { ...minimal, spec: { ...minimal.spec, version: '6.2.0' } });
  const upgradeCommitted = Date.now();
  await kustomizationReady('xrootd-resources', upgrade, 300_000);
  timings.push(`version commit to Kustomization Ready (cluster rolled) ${seconds(upgradeCommitted)} s`);
  const upgraded = xrootd();
  expect({ version: upgraded.status.currentVersion, observed: upgraded.status.observedGeneration, ready: condition(upgraded, 'Ready').status })
    .toEqual({ version: '6.2.0', observed: upgraded.metadata.generation, ready: 'True' });
  const podsAfter = cp.getJson(['pods', '-n', SITE_NS]).items;
  expect(podsAfter.map((p: any) => p.metadata.uid).filter((uid: string) => podsBefore.includes(uid))).toEqual([]);
  expect(podsAfter.every((p: any) => p.spec.containers[0].image.includes('6.2.0'))).toBe(true);

  // A commit the API server refuses: Flux reports it and keeps the last good state applied.
  const negative = { ...minimal, spec: { ...minimal.spec, version: '6.2.0', worker: { ...minimal.spec.worker, replicas: -1 } } };
  const bad = site.commit('minimal: a negative number of data servers', negative);
  const badCommitted = Date.now();
  const refused = await kustomizationFailed('xrootd-resources', bad, 'ReconciliationFailed');
  timings.push(`refused commit reported ${seconds(badCommitted)} s after it`);
  expect(condition(refused, 'Ready').message).toMatch(/spec\.worker\.replicas/);
  expect(String(refused.status.lastAppliedRevision)).toMatch(new RegExp(`${upgrade}$`));
  const kept = xrootd();
  expect({ generation: kept.metadata.generation, replicas: kept.spec.worker.replicas, ready: condition(kept, 'Ready').status })
    .toEqual({ generation: upgraded.metadata.generation, replicas: minimal.spec.worker.replicas, ready: 'True' });

  // A version the catalog lacks: the API server takes it, the agent refuses it (Stalled) and keeps
  // the cluster as it runs, and Flux fails the Kustomization at once instead of at its timeout.
  const unknown = site.commit('minimal: a version the catalog lacks', { ...minimal, spec: { ...minimal.spec, version: '9.9.9' } });
  const unknownCommitted = Date.now();
  const failed = await kustomizationFailed('xrootd-resources', unknown, 'HealthCheckFailed');
  timings.push(`unknown version: Kustomization failed ${seconds(unknownCommitted)} s after the commit (timeout 15 min)`);
  expect(condition(failed, 'Ready').message).toContain('stalled resources: [Xrootd/xrootd/minimal');
  const stalled = xrootd();
  expect({ stalled: condition(stalled, 'Stalled')?.status, running: stalled.status.currentVersion }).toEqual({ stalled: 'True', running: '6.2.0' });
  expect(cp.getJson(['pods', '-n', SITE_NS]).items.map((p: any) => p.metadata.uid).sort()).toEqual(podsAfter.map((p: any) => p.metadata.uid).sort());
  console.log(`flux: ${timings.join('; ')}`);
}, 20 * 60_000);
