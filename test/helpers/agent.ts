/**
 * The agent as users run it, with the Deployment's Node flags, stopped by pid: the built CLI in
 * its own process, or the agent image in a container.
 */
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_NODE_OPTIONS } from '../../constructs/index.js';
import { containerName, podmanRun, removeContainer, type ContainerImage } from './containers.js';
import { freePorts, logOf, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { repoRoot } from './repo.js';

export class AgentProcess {
  private constructor(readonly daemon: Daemon, readonly port: number, private readonly container?: string) {}

  /** `nodeOptions`: the Deployment's by default; `cli`: another build of the command (an earlier release's). */
  static async start(
    kubeconfig: string, logFile: string, extra: string[] = [], nodeOptions = AGENT_NODE_OPTIONS, cli = join(repoRoot(), 'build/src/cli/main.js'),
  ): Promise<AgentProcess> {
    const [port] = await freePorts(1);
    const d = startDaemon('agent', [process.execPath, cli, 'agent', `--kubeconfig=${kubeconfig}`,
      `--http-port=${port}`, '--http-host=127.0.0.1', ...extra], { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: nodeOptions }, logFile);
    return new AgentProcess(d, port).ready();
  }

  /** The agent image in a container on the host network (read-only root, its own uid), the kubeconfig mounted. */
  static async startContainer(image: ContainerImage, kubeconfig: string, logFile: string, extra: string[] = []): Promise<AgentProcess> {
    const [port] = await freePorts(1);
    // The image's user must read the kubeconfig: a copy in a directory of its own.
    const dir = mkdtempSync(join(tmpdir(), 'agent-kube-'));
    copyFileSync(kubeconfig, join(dir, 'config'));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'config'), 0o644);
    const name = containerName('agent');
    const d = podmanRun(image, name, ['agent', '--kubeconfig=/kube/config', `--http-port=${port}`, '--http-host=127.0.0.1', ...extra], {
      env: { NODE_OPTIONS: AGENT_NODE_OPTIONS }, logFile, mounts: [{ host: dir, container: '/kube', readOnly: true }],
    });
    return new AgentProcess(d, port, name).ready();
  }

  private async ready(): Promise<AgentProcess> {
    const d = this.daemon;
    const agent = this as AgentProcess;
    await waitFor('the agent to be ready', async () => {
      if (d.exited) throw new Error(`agent exited:\n${agent.logs()}`);
      return (await agent.get('/readyz').catch(() => undefined))?.status === 200 ? true : undefined;
    }, 60000, 200);
    return agent;
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const r = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: r.status, text: await r.text() };
  }

  /** One sample of the agent's metrics, by series name (labels included). */
  async metrics(): Promise<Record<string, number>> {
    const { text } = await this.get('/metrics');
    return Object.fromEntries(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
      const i = l.lastIndexOf(' ');
      return [l.slice(0, i), Number(l.slice(i + 1))];
    }));
  }

  logs(lines = 80): string {
    return logOf(this.daemon, lines);
  }

  async stop(): Promise<void> {
    await stopDaemon(this.daemon, 10000);
    if (this.container) removeContainer(this.container);
  }
}

/** Runs `body`; on failure prints the last lines of the agent `current()` names (the one running then). */
export async function withAgentLogs(current: () => AgentProcess | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    console.error(`agent log:\n${current()?.logs(60)}`);
    throw e;
  }
}
