/**
 * What Argo CD and Flux show for our resources, computed by their own logic (our health.lua in
 * gopher-lua, Argo CD's interpreter; kstatus from sigs.k8s.io/cli-utils) over live objects the
 * real agent wrote on the real control plane: created, Ready, rolling out, paused, stuck,
 * refused; Git sources applied, failing and suspended. The committed health_test.yaml cases
 * (Argo CD's layout, for contributing upstream) run through the same interpreter;
 * XRD_UPDATE_TESTDATA=1 rewrites their testdata from the objects captured here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { BROKEN_IMAGE, ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { GitRepo, GitServer } from '../helpers/git-server.js';
import { argocdCustomization, argocdCustomizationTest, argocdHealth, gitopsTools, kstatus } from '../helpers/gitops-tools.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { waitFor } from '../helpers/processes.js';

const NS = 'health';
type Kind = 'Xrootd' | 'XrootdGitSource';
let cp: ControlPlane;
let agent: AgentProcess;
let server: GitServer;
let repo: GitRepo;

const resource = (kind: Kind, name: string, spec: Record<string, unknown>): string =>
  stringify({ apiVersion: 'xrootd.org/v1alpha1', kind, metadata: { name, namespace: NS }, spec });
const live = (kind: Kind, name: string): any => cp.tryGetJson([kind.toLowerCase(), name, '-n', NS]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const small = (version: string, upgrade: Record<string, unknown> = {}) =>
  ({ version, worker: { replicas: 2, storage: { capacity: '1Gi' } }, upgrade: { minReadySeconds: 0, stepDeadlineSeconds: 15, ...upgrade } });

/** Waits for the live object to satisfy `when`, judges it with both tools and keeps it as testdata. */
async function capture(kind: Kind, name: string, file: string, when: (x: any) => boolean,
  timeoutMs = 120_000): Promise<{ argocd: string; kstatus: string; message: string }> {
  const x = await waitFor(`${kind} ${name}: ${file}`, () => {
    const o = live(kind, name);
    return o && when(o) ? o : undefined;
  }, timeoutMs, 200);
  if (process.env.XRD_UPDATE_TESTDATA === '1') {
    const { uid: _u, resourceVersion: _r, managedFields: _m, creationTimestamp: _c, finalizers: _f, ...metadata } = x.metadata;
    mkdirSync(join(argocdCustomization(kind), 'testdata'), { recursive: true });
    writeFileSync(join(argocdCustomization(kind), 'testdata', `${file}.yaml`), stringify({ ...x, metadata }));
  }
  const a = argocdHealth(kind, x);
  return { argocd: a.status, kstatus: kstatus(x).status, message: a.message };
}

beforeAll(async () => {
  gitopsTools();
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
  server = await GitServer.start(undefined);
  repo = new GitRepo(server, 'sites');
  repo.write('clusters/from-git.yaml', stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'from-git' }, spec: small('5.8.1') }));
  repo.commit('one cluster');
  cp.applyYaml(stringify({ apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'broken' },
    spec: { version: '9.0.0-broken', image: BROKEN_IMAGE, features: ['maxfd', 'identity-env'] } }));
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'),
    ['--lease-namespace=xrootd-system', `--git-cache-dir=${join(cp.dir, 'git-cache')}`]);
}, 25 * 60_000);
afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  repo?.cleanup();
  await cp?.stop();
}, 60_000);

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(80)}`);
    throw e;
  }
}

test('an Xrootd resource through its life: Argo CD health and kstatus follow the agent\'s status', () => withLogs(async () => {
  cp.applyYaml(resource('Xrootd', 'life', small('5.8.1')));
  expect(await capture('Xrootd', 'life', 'creating', (x) => !x.status?.conditions || condition(x, 'Ready')?.status === 'False'))
    .toMatchObject({ argocd: 'Progressing', kstatus: 'InProgress' });
  expect(await capture('Xrootd', 'life', 'ready', (x) => condition(x, 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation))
    .toMatchObject({ argocd: 'Healthy', kstatus: 'Current', message: 'every pod is ready on the current spec' });

  cp.applyYaml(resource('Xrootd', 'life', small('5.5.3', { minReadySeconds: 5 })));
  expect(await capture('Xrootd', 'life', 'rolling-out', (x) => x.status?.rollout?.phase === 'Rolling' && x.status.observedGeneration === x.metadata.generation))
    .toMatchObject({ argocd: 'Progressing', kstatus: 'InProgress' });
  cp.applyYaml(resource('Xrootd', 'life', small('5.5.3', { paused: true })));
  const paused = await capture('Xrootd', 'life', 'paused', (x) => condition(x, 'Ready')?.reason === 'Paused' && x.status.observedGeneration === x.metadata.generation);
  expect(paused).toMatchObject({ argocd: 'Suspended', kstatus: 'InProgress' });
  expect(paused.message).toMatch(/^Rollout paused \(spec.upgrade.paused\): /);

  // A release whose pods never become Ready: the rollout stops at its first pod.
  cp.applyYaml(resource('Xrootd', 'life', small('9.0.0-broken')));
  const stuck = await capture('Xrootd', 'life', 'rollout-stuck', (x) => condition(x, 'Degraded')?.reason === 'RolloutStuck');
  expect(stuck).toMatchObject({ argocd: 'Degraded', kstatus: 'Failed' });
  expect(stuck.message).toMatch(/^RolloutStuck: life-worker-1 not Ready within 15 s/);
  cp.applyYaml(resource('Xrootd', 'life', small('5.8.1')));

  // A version the catalog does not have: refused, nothing applied.
  cp.applyYaml(resource('Xrootd', 'unknown', small('7.7.7')));
  const refused = await capture('Xrootd', 'unknown', 'invalid-spec', (x) => condition(x, 'Degraded')?.status === 'True');
  expect(refused).toMatchObject({ argocd: 'Degraded', kstatus: 'Failed' });
  expect(refused.message).toContain('7.7.7');
}), 300_000);

test('Git sources: applied, failing, suspended', () => withLogs(async () => {
  cp.applyYaml(resource('XrootdGitSource', 'sites', { url: server.url('sites'), path: 'clusters', intervalSeconds: 5 }));
  expect(await capture('XrootdGitSource', 'sites', 'applied', (x) => condition(x, 'Ready')?.status === 'True'))
    .toMatchObject({ argocd: 'Healthy', kstatus: 'Current' });
  cp.applyYaml(resource('XrootdGitSource', 'gone', { url: server.url('no-such-repository'), path: 'clusters', intervalSeconds: 5 }));
  expect(await capture('XrootdGitSource', 'gone', 'fetch-failed', (x) => condition(x, 'Stalled')?.status === 'True'))
    .toMatchObject({ argocd: 'Degraded', kstatus: 'Failed' });
  cp.applyYaml(resource('XrootdGitSource', 'sites', { url: server.url('sites'), path: 'clusters', intervalSeconds: 5, suspend: true }));
  expect(await capture('XrootdGitSource', 'sites', 'suspended', (x) => condition(x, 'Ready')?.reason === 'Suspended' && x.status.observedGeneration === x.metadata.generation))
    .toMatchObject({ argocd: 'Suspended', kstatus: 'InProgress' });
}), 180_000);

test.each(['Xrootd', 'XrootdGitSource'] as const)('the committed %s health_test.yaml passes in Argo CD\'s interpreter', (kind) => {
  const r = argocdCustomizationTest(kind);
  expect(r.out).toMatch(/^\d+ passed, 0 failed$/m);
  expect(r.code).toBe(0);
});
