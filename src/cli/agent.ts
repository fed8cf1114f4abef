/** `agent`: runs the controller until SIGTERM or SIGINT, then shuts down gracefully. */
import { stoppedBySignal } from './signals.js';
import { Agent } from '../agent/agent.js';
export { DEFAULT_CONCURRENCY } from '../agent/defaults.js';
import { Logger, type Level } from '../agent/log.js';
import { parseDirectivePolicy, type DirectivePolicy } from '../directive-policy.js';
import { checkLeaderTimings } from '../kube/leader.js';
import { KubeClient } from '../kube/client.js';

export interface AgentCommandOptions {
  kubeconfig?: string;
  namespace?: string;
  leaderElection: boolean;
  leaseNamespace?: string;
  httpPort: string;
  httpHost: string;
  resync: string;
  logLevel: string;
  gitCacheDir?: string;
  extraDirectives: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  concurrency: string;
  membershipUrl: string;
  membersGrace: string;
}

export async function agentCommand(opts: AgentCommandOptions): Promise<number> {
  let extraDirectives: DirectivePolicy;
  const leaderTimings = {
    leaseSeconds: Number(opts.leaseDuration),
    renewDeadlineSeconds: Number(opts.renewDeadline),
    retryPeriodSeconds: Number(opts.retryPeriod),
  };
  try {
    extraDirectives = parseDirectivePolicy(opts.extraDirectives);
    checkLeaderTimings(leaderTimings);
    if (!/^https?:\/\/[^\s]+$/.test(opts.membershipUrl)) throw new Error(`--membership-url must be an http:// or https:// URL, got ${opts.membershipUrl}`);
    if (!/^[0-9]{1,5}$/.test(opts.membersGrace)) throw new Error(`--members-grace must be a whole number of seconds, got ${opts.membersGrace}`);
    if (!/^[1-9][0-9]{0,2}$/.test(opts.concurrency)) throw new Error(`--concurrency must be a whole number from 1 to 999, got ${opts.concurrency}`);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const log = new Logger(opts.logLevel as Level);
  const client = KubeClient.load(opts.kubeconfig);
  const leaseNamespace = opts.leaseNamespace ?? process.env.POD_NAMESPACE ?? opts.namespace ?? 'default';
  const agent = new Agent(client, {
    namespace: opts.namespace,
    leaseNamespace: opts.leaderElection ? leaseNamespace : undefined,
    httpPort: Number(opts.httpPort),
    httpHost: opts.httpHost,
    resyncSeconds: Number(opts.resync),
    gitCacheDir: opts.gitCacheDir,
    extraDirectives,
    leaderTimings,
    concurrency: Number(opts.concurrency),
    membership: { url: opts.membershipUrl, graceSeconds: Number(opts.membersGrace) },
    log,
  });
  const stopped = stoppedBySignal(log, () => agent.stop());
  await agent.start();
  log.info('agent started', { httpPort: agent.httpPort, namespace: opts.namespace ?? '(all)', leaderElection: opts.leaderElection });
  await stopped;
  log.info('agent stopped');
  return 0;
}
