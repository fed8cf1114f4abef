/**
 * The agent image built here (images/build.sh, loaded from its OCI archive) runs the agent:
 * as its own non-root user with a read-only root, acting as the install's ServiceAccount,
 * it turns an Xrootd resource into a Ready cluster on the real control plane.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { PODMAN, projectImage, type ContainerImage } from '../helpers/containers.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installAgentWithoutDeployment, installCrds } from '../helpers/install.js';
import { run, waitFor } from '../helpers/processes.js';

const NS = 'boxed-agent';
const AGENT_NS = 'xrootd-system';
let cp: ControlPlane;
let image: ContainerImage;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  image = projectImage('agent');
  console.log(`image ${image.reference}: OCI archive ${(image.sizeBytes / 2 ** 20).toFixed(1)} MiB (${image.archive})`);
  cp = await ControlPlane.start();
  installCrds(cp);
  installAgentWithoutDeployment(cp);
  createNamespace(cp, NS, 'restricted');
}, 25 * 60_000);
afterAll(async () => {
  await agent?.stop();
  await cp?.stop();
}, 60_000);

test('the image: uid 65532, tini, Node 24, git and ssh, the package\'s command', () => {
  expect(image.user).toBe('65532:65532');
  const inspect = (format: string): string => run([...PODMAN, 'image', 'inspect', '--format', format, image.reference]).out.trim();
  expect(inspect('{{json .Config.Entrypoint}}')).toBe('["/usr/bin/tini","--","/usr/local/bin/node","/app/lib/src/cli/main.js"]');
  expect(inspect('{{index .Labels "org.opencontainers.image.title"}}')).toBe('xrootd-k8s agent');
  const tools = run([...PODMAN, 'run', '--rm', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', '--entrypoint', '/bin/sh',
    image.reference, '-c', 'node -v; git --version; ssh -V 2>&1; ls /app/node_modules | grep -c . ; test ! -e /app/node_modules/jest && echo no-dev'], process.env, 60_000);
  expect(tools.code).toBe(0);
  expect(tools.out).toMatch(/^v24\./m);
  expect(tools.out).toMatch(/^git version /m);
  expect(tools.out).toMatch(/^OpenSSH_/m);
  expect(tools.out).toContain('no-dev');
});

test('the agent from its image reconciles an Xrootd resource to Ready as the install\'s ServiceAccount', async () => {
  agent = await AgentProcess.startContainer(image, cp.serviceAccountKubeconfig(AGENT_NS, 'xrootd-k8s-agent'), join(cp.dir, 'agent.log'),
    [`--lease-namespace=${AGENT_NS}`]);
  try {
    cp.applyYaml(stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'boxed', namespace: NS },
      spec: { version: '5.5.3', worker: { replicas: 2 } } }));
    await waitFor('boxed Ready', () => {
      const x = cp.tryGetJson(['xrootd', 'boxed', '-n', NS]);
      const c = x?.status?.conditions?.find((k: any) => k.type === 'Ready');
      return c?.status === 'True' && x.status.observedGeneration === x.metadata.generation ? x : undefined;
    }, 180_000, 500);
    expect(cp.getJson(['statefulset', 'boxed-worker', '-n', NS]).status.readyReplicas).toBe(2);
    // Its metrics endpoint answers from inside the container.
    expect((await agent.metrics())['xrootd_agent_leader']).toBe(1);
    await agent.stop();
    // SIGTERM reached Node through tini: the agent shut down without being killed.
    expect(agent.daemon.child.signalCode).toBeNull();
    agent = undefined;
  } catch (e) {
    console.error(`agent log:\n${agent?.logs(120)}`);
    throw e;
  }
}, 240_000);
