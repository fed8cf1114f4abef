/**
 * Git sources on the real control plane: a real Git server on loopback (git
 * http-backend asking for credentials), a repository the test commits to, and
 * the agent as a separate process with its install's ServiceAccount. Commits
 * add, change, break and remove clusters; ownership stays with one applier.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { GitRepo, GitServer } from '../helpers/git-server.js';
import { newKeyPair, SshGitServer } from '../helpers/ssh-git-server.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { requirePrograms, runAsync, waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'gitops';
const SOURCE = 'clusters';
const AUTH = { username: 'deployer', password: 's3cret-token' };
let cp: ControlPlane;
let agent: AgentProcess;
let server: GitServer;
let repo: GitRepo;
let ssh: SshGitServer;

const xrootd = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, ...extra }, spec });
const small = (version: string, workers = 2) => ({ version, worker: { replicas: workers, storage: { capacity: '1Gi' } }, upgrade: { minReadySeconds: 0, stepDeadlineSeconds: 30 } });

const tryGet = (args: string[]): any => {
  const r = cp.kubectl(['get', ...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : undefined;
};
const source = (): any => tryGet(['xrootdgitsource', SOURCE, '-n', NS]);
const condition = (x: any, type: string): any => x?.status?.conditions?.find((c: any) => c.type === type);
const cli = (...args: string[]) => runAsync([process.execPath, join(repoRoot(), 'build/src/cli/main.js'), ...args, `--kubeconfig=${cp.kubeconfig}`], process.env, 90000);
const events = (name: string): any[] => cp.getJson(['events', '-n', NS, '--field-selector', `involvedObject.name=${name}`]).items;

function applySource(spec: Record<string, unknown>): void {
  cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'XrootdGitSource', metadata: { name: SOURCE, namespace: NS }, spec }));
}

/** Waits until the source reports `revision` as attempted, and returns it. */
async function attempted(revision: string, timeoutMs = 60000): Promise<any> {
  return waitFor(`the source to handle ${revision.slice(0, 12)}`, () => {
    const s = source();
    return s?.status?.lastAttemptedRevision === revision ? s : undefined;
  }, timeoutMs, 250);
}

async function clusterReady(name: string, version: string, timeoutMs = 120000): Promise<any> {
  return waitFor(`${name} Ready on ${version}`, () => {
    const x = tryGet(['xrootd', name, '-n', NS]);
    return condition(x, 'Ready')?.status === 'True' && x.status.currentVersion === version && x.status.observedGeneration === x.metadata.generation ? x : undefined;
  }, timeoutMs, 250);
}

async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(60)}\n\nsource: ${JSON.stringify(source()?.status, null, 1)}`);
    throw e;
  }
}

beforeAll(async () => {
  requirePrograms(['git', 'ssh', 'ssh-keygen'], 'apt-get install git openssh-client');
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
  server = await GitServer.start(AUTH);
  ssh = await SshGitServer.start(server.root);
  repo = new GitRepo(server, 'xrootd-clusters');
  repo.write('clusters/alpha.yaml', xrootd('alpha', small('5.5.3')));
  repo.write('README.md', 'not a cluster\n');
  repo.commit('alpha');
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig('xrootd-system', 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'),
    ['--lease-namespace=xrootd-system', `--git-cache-dir=${join(cp.dir, 'git-cache')}`]);
}, 20 * 60 * 1000);
afterAll(async () => {
  await agent?.stop();
  await ssh?.stop();
  await server?.stop();
  repo?.cleanup();
  await cp?.stop();
}, 60000);

test('credentials are required when the server asks for them; with the Secret the commit is applied', () => withLogs(async () => {
  applySource({ url: server.url('xrootd-clusters'), ref: { branch: 'main' }, path: 'clusters', intervalSeconds: 5 });
  const refused = await waitFor('the fetch to fail', () => (condition(source(), 'Ready')?.reason === 'FetchFailed' ? source() : undefined), 60000, 250);
  expect(condition(refused, 'Ready').status).toBe('False');
  expect(condition(refused, 'Stalled').status).toBe('True');
  expect(refused.status.lastError.message).toMatch(/asks for credentials and the source has none \(set spec.secretRef\)/);
  expect(server.unauthorized).toBeGreaterThan(0);
  expect(tryGet(['xrootd', 'alpha', '-n', NS])).toBeUndefined();
  expect(events(SOURCE).some((e) => e.type === 'Warning' && e.reason === 'FetchFailed')).toBe(true);

  // The agent reads only the Secrets it was granted by name.
  cp.kubectl(['create', 'secret', 'generic', 'git-auth', '-n', NS, '--from-literal=username=deployer', '--from-literal=password=wrong']);
  applySource({ url: server.url('xrootd-clusters'), ref: { branch: 'main' }, path: 'clusters', intervalSeconds: 5, secretRef: { name: 'git-auth' } });
  const forbidden = await waitFor('the Secret read refused', () => (condition(source(), 'Ready')?.reason === 'SecretForbidden' ? source() : undefined), 60000, 250);
  expect(forbidden.status.lastError.message).toMatch(/the agent may not read Secret gitops\/git-auth: grant it get on that Secret by name/);
  expect(cp.kubectl(['create', 'role', 'xrootd-git-credentials', '-n', NS, '--verb=get', '--resource=secrets',
    '--resource-name=git-auth', '--resource-name=ssh-wrong-key', '--resource-name=ssh-auth']).code).toBe(0);
  expect(cp.kubectl(['create', 'rolebinding', 'xrootd-git-credentials', '-n', NS, '--role=xrootd-git-credentials',
    '--serviceaccount=xrootd-system:xrootd-k8s-agent']).code).toBe(0);

  // Wrong credentials are told apart from none.
  await waitFor('wrong credentials reported', () => (source()?.status?.lastError?.message?.includes('refused the credentials of spec.secretRef') ? true : undefined), 60000, 250);

  cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth', namespace: NS }, stringData: AUTH }));
  const head = repo.git('rev-parse', 'HEAD').trim();
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(0);
  const s = await attempted(head);
  expect(s.status).toMatchObject({ revision: head, clusters: [`${NS}/alpha`] });
  expect(s.status.lastError?.message).toBeUndefined();
  expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
  const alpha = tryGet(['xrootd', 'alpha', '-n', NS]);
  expect(alpha.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'XrootdGitSource', name: SOURCE, controller: true })]);
  expect(alpha.metadata.labels['xrootd.org/git-source']).toBe(SOURCE);
  expect(alpha.metadata.annotations['xrootd.org/git-file']).toBe('clusters/alpha.yaml');
  // One applier per object: the Xrootd is the Git sync's, its children the reconciler's.
  const fields = JSON.parse(cp.kubectl(['get', 'xrootd', 'alpha', '-n', NS, '-o', 'json', '--show-managed-fields']).out).metadata.managedFields;
  expect(fields.filter((f: any) => f.operation === 'Apply').map((f: any) => f.manager)).toEqual(['xrootd-k8s-git']);
  await clusterReady('alpha', '5.5.3');
  const metrics = await agent.metrics();
  expect(metrics[`xrootd_agent_git_revision_info{revision="${head}",source="${NS}/${SOURCE}"}`]).toBe(1);
  expect(metrics[`xrootd_agent_git_sync_failing{source="${NS}/${SOURCE}"}`]).toBe(0);
  expect(cp.kubectl(['get', 'xrootdgitsource', '-n', NS]).out).toMatch(new RegExp(`${SOURCE}\\s+http://127\\.0\\.0\\.1:\\d+/xrootd-clusters\\.git\\s+${head}\\s+True`));
}), 240000);

test('a commit that adds a cluster creates it; a no-op sync writes nothing', () => withLogs(async () => {
  const sha = repo.write('clusters/team/beta.yaml', xrootd('beta', small('5.8.1', 1))).commit('beta');
  // No sync request: the poll interval (5 s) finds it.
  const s = await attempted(sha);
  expect(s.status.revision).toBe(sha);
  expect(s.status.clusters).toEqual([`${NS}/alpha`, `${NS}/beta`]);
  await clusterReady('beta', '5.8.1');
  expect(events(SOURCE).some((e) => e.reason === 'Synced' && e.message.startsWith(`commit ${sha.slice(0, 12)}: 1 created`))).toBe(true);

  const before = await agent.metrics();
  const unchanged = `xrootd_agent_git_syncs_total{result="unchanged",source="${NS}/${SOURCE}"}`;
  // At least one poll runs (the interval is 5 s), and finds nothing to write.
  const after = await waitFor('a poll that finds the commit applied', async () => {
    const now = await agent.metrics();
    return (now[unchanged] ?? 0) > (before[unchanged] ?? 0) ? now : undefined;
  }, 30000, 250);
  expect(after.xrootd_agent_api_writes).toBe(before.xrootd_agent_api_writes);
}), 240000);

test('a commit that changes a version rolls the cluster through the gated rollout', () => withLogs(async () => {
  const sha = repo.write('clusters/alpha.yaml', xrootd('alpha', small('5.8.1'))).commit('alpha to 5.8.1');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(0);
  expect(source().status.revision).toBe(sha);
  const x = await clusterReady('alpha', '5.8.1', 180000);
  expect(x.status.workers).toMatchObject({ ready: 2, updated: 2, version: '5.8.1' });
  // Step by step, as for a hand-made resource: the template held, then each data server, then the redirector.
  const steps = events('alpha').filter((e) => e.reason === 'RollingOut').map((e) => e.message);
  expect(steps).toEqual(expect.arrayContaining(['workers: new template in place, no pod replaced yet', expect.stringMatching(/replacing worker pods 1\.\.1/),
    expect.stringMatching(/replacing worker pods 0\.\.0/), expect.stringMatching(/replacing redirector pods 0\.\.0/)]));
  expect(events('alpha').map((e) => e.reason)).toContain('RolloutDone');
}), 240000);

test('a bad commit is refused with the file, the field and the commit named; the cluster stays as it was', () => withLogs(async () => {
  const good = source().status.revision;
  const generation = tryGet(['xrootd', 'alpha', '-n', NS]).metadata.generation;
  const bad = repo.write('clusters/alpha.yaml', xrootd('alpha', { ...small('5.8.1'), worker: { replicas: 0 } })).commit('broken replicas');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(1);
  const s = source();
  expect(s.status).toMatchObject({ revision: good, lastAttemptedRevision: bad, lastError: { revision: bad, file: 'clusters/alpha.yaml', field: 'spec.worker.replicas' } });
  expect(s.status.lastError.message).toMatch(/^clusters\/alpha\.yaml: spec\.worker\.replicas must be >= 1 \(0 only in a meta-manager/);
  expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ValidationFailed' });
  expect(condition(s, 'Ready').message).toContain(`commit ${bad.slice(0, 12)} refused`);
  expect(condition(s, 'Ready').message).toContain(`${good.slice(0, 12)} stays applied`);
  expect(events(SOURCE).some((e) => e.type === 'Warning' && e.reason === 'ValidationFailed' && e.message.includes('spec.worker.replicas'))).toBe(true);
  expect((await agent.metrics())[`xrootd_agent_git_sync_failing{source="${NS}/${SOURCE}"}`]).toBe(1);
  // Nothing changed: same spec generation, still Ready.
  const alpha = tryGet(['xrootd', 'alpha', '-n', NS]);
  expect(alpha.metadata.generation).toBe(generation);
  expect(condition(alpha, 'Ready').status).toBe('True');

  // Broken YAML in another file refuses the whole commit too, even with alpha fixed.
  repo.write('clusters/alpha.yaml', xrootd('alpha', small('5.8.1')));
  const yaml = repo.write('clusters/gamma.yaml', 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: gamma\nspec: {}\n').commit('broken yaml');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(1);
  expect(source().status.lastError).toMatchObject({ revision: yaml, file: 'clusters/gamma.yaml' });
  expect(source().status.lastError.message).toMatch(/invalid YAML/);

  // A path that is not there.
  const gone = repo.remove('clusters/gamma.yaml').commit('fix yaml');
  applySource({ url: server.url('xrootd-clusters'), path: 'nowhere', intervalSeconds: 5, secretRef: { name: 'git-auth' } });
  await waitFor('missing path reported', () => (condition(source(), 'Ready')?.reason === 'PathNotFound' ? true : undefined), 60000, 250);
  expect(source().status.lastError).toMatchObject({ revision: gone, field: 'spec.path', message: `path nowhere does not exist in commit ${gone.slice(0, 12)}` });
  expect(tryGet(['xrootd', 'alpha', '-n', NS]).metadata.generation).toBe(generation);

  applySource({ url: server.url('xrootd-clusters'), path: 'clusters', intervalSeconds: 5, secretRef: { name: 'git-auth' } });
  await waitFor('the fixed commit applied', () => (source()?.status?.revision === gone && condition(source(), 'Ready')?.status === 'True' ? true : undefined), 60000, 250);
  expect(source().status.lastError?.message).toBeUndefined();
}), 240000);

test('a cluster someone else applied is never taken over, and a hand-made one is never pruned', () => withLogs(async () => {
  cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'manual', namespace: NS }, spec: small('5.8.1', 1) }));
  const clash = repo.write('clusters/manual.yaml', xrootd('manual', small('5.5.3', 1))).commit('claims manual');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(1);
  expect(condition(source(), 'Ready')).toMatchObject({ reason: 'OwnershipConflict' });
  expect(source().status.lastError).toMatchObject({ revision: clash, file: 'clusters/manual.yaml', message: expect.stringContaining(`Xrootd ${NS}/manual exists and is not managed by a Git source; not taking it over`) });
  const manual = tryGet(['xrootd', 'manual', '-n', NS]);
  expect(manual.spec.version).toBe('5.8.1');
  expect(manual.metadata.labels?.['xrootd.org/git-source']).toBeUndefined();

  const sha = repo.remove('clusters/manual.yaml').commit('leave manual alone');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(0);
  expect(source().status.revision).toBe(sha);
  expect(tryGet(['xrootd', 'manual', '-n', NS])).toBeDefined();
}), 240000);

test('a commit that removes a cluster prunes it and keeps its data volumes', () => withLogs(async () => {
  const pvcs = () => cp.getJson(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=beta']).items.map((p: any) => p.metadata.name);
  expect(pvcs()).toEqual(['data-beta-worker-0']);
  const sha = repo.remove('clusters/team/beta.yaml').commit('drop beta');
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(0);
  expect(source().status).toMatchObject({ revision: sha, clusters: [`${NS}/alpha`] });
  await waitFor('beta and its StatefulSets gone', () => (!tryGet(['xrootd', 'beta', '-n', NS]) && !tryGet(['statefulset', 'beta-worker', '-n', NS]) ? true : undefined), 90000, 250);
  expect(pvcs()).toEqual(['data-beta-worker-0']);
  expect(events(SOURCE).some((e) => e.reason === 'Synced' && e.message === `commit ${sha.slice(0, 12)}: 1 pruned`)).toBe(true);
  // The other clusters were not touched.
  expect(condition(tryGet(['xrootd', 'alpha', '-n', NS]), 'Ready').status).toBe('True');
}), 240000);

test('an SSH source needs the Secret\'s key and trusts only its known_hosts; two sources never share a cluster', () => withLogs(async () => {
  const sshRepo = new GitRepo(server, 'ssh-clusters');
  try {
    const sha = sshRepo.write('delta.yaml', xrootd('delta', small('5.8.1', 1))).commit('delta');
    const viaSsh = (secret?: string) => cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'XrootdGitSource', metadata: { name: 'over-ssh', namespace: NS },
      spec: { url: ssh.url('ssh-clusters'), intervalSeconds: 5, ...(secret ? { secretRef: { name: secret } } : {}) } }));
    const sshSource = (): any => tryGet(['xrootdgitsource', 'over-ssh', '-n', NS]);
    const secret = (name: string, identity: string) => cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: { identity, known_hosts: ssh.knownHosts() } }));

    viaSsh();
    await waitFor('no host key trusted', () => (sshSource()?.status?.lastError?.message?.includes('Host key verification failed') ? true : undefined), 60000, 250);

    // The right host, a key the server does not accept.
    secret('ssh-wrong-key', newKeyPair().privateKey);
    viaSsh('ssh-wrong-key');
    await waitFor('the key refused', () => (sshSource()?.status?.lastError?.message?.includes('refused the credentials of spec.secretRef') ? true : undefined), 60000, 250);
    expect(ssh.refused).toBeGreaterThan(0);
    expect(tryGet(['xrootd', 'delta', '-n', NS])).toBeUndefined();

    secret('ssh-auth', ssh.client.privateKey);
    viaSsh('ssh-auth');
    await waitFor('delta applied over SSH', () => (sshSource()?.status?.revision === sha ? true : undefined), 60000, 250);
    expect(tryGet(['xrootd', 'delta', '-n', NS]).metadata.ownerReferences[0]).toMatchObject({ kind: 'XrootdGitSource', name: 'over-ssh' });
    await clusterReady('delta', '5.8.1');

    // alpha belongs to the other source: this one refuses the commit that claims it.
    const clash = sshRepo.write('alpha.yaml', xrootd('alpha', small('5.5.3'))).commit('claims alpha');
    await waitFor('the claim refused', () => (sshSource()?.status?.lastAttemptedRevision === clash ? true : undefined), 60000, 250);
    expect(condition(sshSource(), 'Ready')).toMatchObject({ status: 'False', reason: 'OwnershipConflict' });
    expect(sshSource().status.lastError.message).toContain(`Xrootd ${NS}/alpha exists and is controlled by XrootdGitSource ${SOURCE}; not taking it over`);
    expect(tryGet(['xrootd', 'alpha', '-n', NS]).spec.version).toBe('5.8.1');
  } finally {
    // Gone with its test: a source that still claims alpha would race the next test's source to re-create it.
    cp.kubectl(['delete', 'xrootdgitsource', 'over-ssh', '-n', NS, '--ignore-not-found', '--wait=true', '--timeout=60s']);
    sshRepo.cleanup();
  }
}), 240000);

test('a Git-sourced cluster deleted by hand comes back; one edited by hand is put back as Git says', () => withLogs(async () => {
  const before = tryGet(['xrootd', 'alpha', '-n', NS]);
  cp.kubectl(['patch', 'xrootd', 'alpha', '-n', NS, '--type=merge', '-p', '{"spec":{"worker":{"replicas":3}}}']);
  expect((await cli('sync', SOURCE, '-n', NS, '--wait')).code).toBe(0);
  expect(tryGet(['xrootd', 'alpha', '-n', NS]).spec.worker.replicas).toBe(2);

  expect(cp.kubectl(['delete', 'xrootd', 'alpha', '-n', NS, '--wait=false']).code).toBe(0);
  const back = await waitFor('alpha re-created', () => {
    const x = tryGet(['xrootd', 'alpha', '-n', NS]);
    return x && x.metadata.uid !== before.metadata.uid ? x : undefined;
  }, 60000, 250);
  expect(back.metadata.ownerReferences[0]).toMatchObject({ kind: 'XrootdGitSource', name: SOURCE });
  // Its data volumes were kept, and the new cluster takes them up again.
  await clusterReady('alpha', '5.8.1');
  expect(cp.getJson(['pvc', '-n', NS, '-l', 'xrootd.org/cluster=alpha']).items.map((p: any) => p.metadata.name)).toEqual(expect.arrayContaining(['data-alpha-worker-0', 'data-alpha-worker-1']));
}), 240000);

test('a tag or a pinned commit is followed instead of the branch head', () => withLogs(async () => {
  const tagged = repo.tag('v1');
  const head = repo.commit('a newer head, nothing changed');
  const follow = (ref: Record<string, string>) => applySource({ url: server.url('xrootd-clusters'), ref, path: 'clusters', intervalSeconds: 5, secretRef: { name: 'git-auth' } });
  follow({ tag: 'v1' });
  await waitFor('the tag applied', () => (source()?.status?.revision === tagged && condition(source(), 'Ready')?.status === 'True' ? true : undefined), 60000, 250);
  follow({ commit: head });
  await waitFor('the pinned commit applied', () => (source()?.status?.revision === head ? true : undefined), 60000, 250);
  follow({ tag: 'no-such-tag' });
  await waitFor('a missing tag reported', () => (condition(source(), 'Ready')?.reason === 'FetchFailed' ? true : undefined), 60000, 250);
  expect(source().status).toMatchObject({ revision: head, lastError: { message: expect.stringContaining("couldn't find remote ref refs/tags/no-such-tag") } });
}), 240000);
