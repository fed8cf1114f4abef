/** `collector`: receives a cluster's XRootD summary reports and serves them as metrics until SIGTERM. */
import { stoppedBySignal } from './signals.js';
import { Collector } from '../collector/collector.js';
import { Logger } from '../agent/log.js';

export interface CollectorCommandOptions {
  readonly cluster: string;
  readonly namespace: string;
  readonly udpPort: string;
  readonly httpPort: string;
  readonly address: string;
  readonly staleSeconds: string;
}

const PORT = /^[0-9]{1,5}$/;

export async function collectorCommand(opts: CollectorCommandOptions): Promise<number> {
  const problems = [
    ...(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(opts.cluster) ? [] : [`--cluster must be a cluster name, got ${JSON.stringify(opts.cluster)}`]),
    ...(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(opts.namespace) ? [] : [`--namespace must be a namespace name, got ${JSON.stringify(opts.namespace)}`]),
    ...(['udpPort', 'httpPort'] as const).filter((k) => !PORT.test(opts[k]) || Number(opts[k]) > 65535).map((k) => `--${k === 'udpPort' ? 'udp' : 'http'}-port must be a port number, got ${opts[k]}`),
    ...(/^[1-9][0-9]{0,4}$/.test(opts.staleSeconds) ? [] : [`--stale-seconds must be a whole number of seconds, got ${opts.staleSeconds}`]),
  ];
  if (problems.length) {
    for (const p of problems) console.error(p);
    return 2;
  }
  const log = new Logger('info');
  const collector = new Collector({
    cluster: opts.cluster, namespace: opts.namespace, udpPort: Number(opts.udpPort), httpPort: Number(opts.httpPort),
    address: opts.address, staleSeconds: Number(opts.staleSeconds),
  });
  const stopped = stoppedBySignal(log, () => collector.stop());
  const ports = await collector.start();
  log.info('collector started', { cluster: opts.cluster, namespace: opts.namespace, ...ports });
  await stopped;
  return 0;
}
