/**
 * The collector command (`xrootd-k8s collector`) run as its own process on loopback, as a test's
 * clusters report to it: its scrape read back as series by name and labels, its JSON answers.
 */
import { join } from 'node:path';
import { freePorts, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { repoRoot } from './repo.js';

export type Scrape = (name: string, labels?: Record<string, string>) => number | undefined;

export interface RunningCollector {
  readonly daemon: Daemon;
  /** `127.0.0.1:<udp port>`: LoopbackOptions.collector. */
  readonly address: string;
  readonly httpPort: number;
  scrape(): Promise<Scrape>;
  json<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface CollectorOptions { cluster: string; namespace: string; dir: string; staleSeconds?: number }

export async function startCollector(opts: CollectorOptions): Promise<RunningCollector> {
  const [udpPort, httpPort] = await freePorts(2);
  const daemon = startDaemon('collector', [process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'collector', `--cluster=${opts.cluster}`,
    `--namespace=${opts.namespace}`, `--udp-port=${udpPort}`, `--http-port=${httpPort}`, '--address=127.0.0.1', `--stale-seconds=${opts.staleSeconds ?? 30}`],
  process.env, join(opts.dir, 'collector.log'));
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor('the collector', async () => ((await fetch(`${base}/healthz`).catch(() => undefined))?.ok ? true : undefined), 20_000);
  return {
    daemon, address: `127.0.0.1:${udpPort}`, httpPort,
    async scrape() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const series = text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
        if (!m) throw new Error(`not a series: ${l}`);
        const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
        return { name: m[1], labels, value: Number(m[3]) };
      });
      const has = (s: (typeof series)[number], labels: Record<string, string>) =>
        Object.entries(labels).every(([k, v]) => s.labels[k] === v);
      return (name, labels = {}) => series.find((s) => s.name === name && has(s, labels))?.value;
    },
    async json<T>(path: string) {
      return await (await fetch(`${base}${path}`)).json() as T;
    },
    stop: () => stopDaemon(daemon),
  };
}
