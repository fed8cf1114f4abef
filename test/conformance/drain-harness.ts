/**
 * The drain Job's script run on the host against a loopback cluster, with the environment
 * drainJob() gives the Job, loopback addresses in place of the per-pod DNS names.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DRAIN_ENV, DRAIN_SCRIPT, drainJob } from '../../constructs/drain.js';
import { resolveCluster, type XrootdClusterProps } from '../../constructs/index.js';
import { runAsync, type RunResult } from '../helpers/processes.js';
import { XROOTD_USER, type LoopbackCluster, type LoopbackPod } from './loopback-cluster.js';

/** The Job's environment for draining `source` into `targets`; `extra` replaces paths the Job mounts (CA file, token). */
export function drainEnv(props: XrootdClusterProps, c: LoopbackCluster, source: number, targets: number[],
  extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const job = drainJob(resolveCluster(props), { ordinal: source, targets, generation: 1 });
  const container = (job.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } })
    .template.spec.containers[0];
  const at = (o: number) => `${c.pod('worker', o).host}:${c.pod('worker', o).port}`;
  return {
    PATH: process.env.PATH, HOME: '/tmp',
    ...Object.fromEntries(container.env.map((e) => [e.name, e.value])),
    [DRAIN_ENV.source]: at(source), [DRAIN_ENV.targets]: targets.map(at).join(' '),
    [DRAIN_ENV.redirectors]: c.of('redirector').map((r) => `127.0.0.1:${r.port}`).join(' '),
    ...extra,
  };
}

/** The script, as the Job runs it, as an unprivileged user. Asynchronous: a token issuer may live in this process. */
export function runDrain(env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runAsync(['setpriv', `--reuid=${XROOTD_USER}`, `--regid=${XROOTD_USER}`, '--init-groups', '--', '/bin/sh', '-c', DRAIN_SCRIPT, 'drain'], env, 120000);
}

/** Every file under a data volume's export, by path, with its sha256. */
export function filesOn(pod: LoopbackPod): Map<string, string> {
  const root = join(pod.dataDir, 'data');
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(`/data/${relative(root, path)}`, createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return out;
}
