/**
 * vs-operator: the agent side by side with the operator it replaces (xrootd/xrootd-k8s-operator,
 * 2020, controller-runtime 0.6), built by bench/old-operator/build.sh. Each contender gets a
 * fresh control plane from the same binaries (nothing left over from the one before, and no
 * clash over xrootdversions.catalog.xrootd.org, which the old operator defines namespaced and
 * we define cluster-scoped) and runs as a process without leader election:
 *   old           the 2020 operator as published
 *   old-nolog     the same without its pod-log watcher (it cannot work on kwok nodes)
 *   agent         our agent with Node's defaults
 *   agent-deploy  our agent with the Deployment's NODE_OPTIONS (the memory targets apply here)
 * Figures: create a 1+2 cluster -> both StatefulSets seen on a watch (10 trials); worker
 * replicas 2 -> 3 -> the StatefulSet shows 3; 200 resources created at once -> 400
 * StatefulSets exist, with the process' CPU, API requests and peak RSS; peak RSS once the 600
 * pods are Running; CPU and API requests over 60 s idle.
 * `VS_OPERATOR=agent,old-nolog` picks contenders; `VS_AGENT_NODE_OPTIONS` replaces the flags of
 * `agent` (to try Node settings); the table prints ratios to the old operator without its watcher.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { KubeClient } from '../src/kube/client.js';
import { AgentProcess } from '../test/helpers/agent.js';
import { ControlPlane, createNamespace } from '../test/helpers/control-plane.js';
import { installCrds } from '../test/helpers/install.js';
import { freePorts, startDaemon, stopDaemon, waitFor, type Daemon } from '../test/helpers/processes.js';
import { repoRoot } from '../test/helpers/repo.js';
import { cpuSeconds, procStatus } from './proc.js';

const TRIALS = 10;
const MANY = 200;
const IDLE_MS = 60_000;
const OLD_VERSION = 'xrootdversion-sample';

interface Running {
  readonly pid: number;
  /** API requests issued since start, as the process itself counts them. */
  requests(): Promise<number>;
  stop(): Promise<void>;
}

interface Contender {
  readonly name: string;
  install(cp: ControlPlane): void;
  /** Whatever a namespace needs before clusters go in (the old operator's XrootdVersion). */
  prepare(cp: ControlPlane, namespace: string): void;
  start(cp: ControlPlane): Promise<Running>;
  cluster(name: string, namespace: string, workers: number): Record<string, unknown>;
  readonly resource: string;
}

interface Row {
  createMs: number[];
  updateMs: number[];
  manySeconds: number;
  manyCpuSeconds: number;
  manyRequests: number;
  manyPeakMiB: number;
  settledPeakMiB: number;
  /** Whether it stopped calling the API server once the pods ran. */
  quiet: boolean;
  startMiB: number;
  idleCpuSeconds: number;
  idleRequests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

function oldOperator(variant: 'manager' | 'manager-no-log-watcher', name: string): Contender {
  const build = spawnSync('bash', [join(repoRoot(), 'bench/old-operator/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (build.status !== 0) throw new Error('bench/old-operator/build.sh failed');
  const dir = build.stdout.trim();
  return {
    name,
    resource: '/apis/xrootd.xrootd.org/v1alpha1/namespaces/NS/xrootdclusters',
    install: (cp) => {
      cp.applyYaml(['catalog.xrootd.org_xrootdversions.yaml', 'xrootd.xrootd.org_xrootdclusters.yaml']
        .map((f) => readFileSync(join(dir, 'config/crd/bases', f), 'utf8')).join('\n---\n'));
      const r = cp.kubectl(['wait', '--for=condition=Established', 'crd/xrootdclusters.xrootd.xrootd.org', 'crd/xrootdversions.catalog.xrootd.org', '--timeout=60s']);
      if (r.code !== 0) throw new Error(r.out);
    },
    // The old operator looks its image up in an XrootdVersion of the cluster's namespace.
    prepare: (cp, namespace) => cp.applyYaml(readFileSync(join(dir, 'config/samples/catalog_v1alpha1_xrootdversion.yaml'), 'utf8')
      .replace('metadata:', `metadata:\n  namespace: ${namespace}`)),
    start: async (cp) => {
      const [port] = await freePorts(1);
      // It reads configmaps/ from its working directory.
      const d: Daemon = startDaemon(name, ['sh', '-c', `cd '${dir}' && exec ./${variant} --metrics-addr=127.0.0.1:${port}`],
        { KUBECONFIG: cp.kubeconfig, PATH: process.env.PATH }, join(cp.dir, `${name}.log`));
      const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await waitFor(`${name} serving metrics`, async () => {
        if (d.exited) throw new Error(`${name} exited: see ${d.logFile}`);
        return (await metrics().catch(() => ''))?.includes('rest_client_requests_total') ? true : undefined;
      }, 60000, 200);
      return {
        pid: d.pid,
        requests: async () => (await metrics()).split('\n').filter((l) => l.startsWith('rest_client_requests_total{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0),
        stop: () => stopDaemon(d, 5000),
      };
    },
    cluster: (name, namespace, workers) => ({
      apiVersion: 'xrootd.xrootd.org/v1alpha1', kind: 'XrootdCluster', metadata: { name, namespace },
      spec: { version: OLD_VERSION, redirector: { replicas: 1 }, worker: { replicas: workers, storage: { capacity: '1Gi' } } },
    }),
  };
}

function ourAgent(name: string, nodeOptions: string | undefined): Contender {
  return {
    name,
    resource: '/apis/xrootd.org/v1alpha1/namespaces/NS/xrootds',
    install: (cp) => installCrds(cp),
    prepare: () => undefined,
    start: async (cp) => {
      // VS_AGENT_CLI: another build of the agent (an earlier commit's, to compare two in one sitting).
      const agent = await AgentProcess.start(cp.kubeconfig, join(cp.dir, `${name}.log`), ['--no-leader-election', '--log-level=warn'], nodeOptions,
        process.env.VS_AGENT_CLI);
      return {
        pid: agent.daemon.pid,
        requests: async () => {
          const m = await agent.metrics();
          return m.xrootd_agent_api_reads + m.xrootd_agent_api_writes + m.xrootd_agent_api_watches;
        },
        stop: () => agent.stop(),
      };
    },
    cluster: (name, namespace, workers) => ({
      apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace },
      spec: { redirector: { replicas: 1 }, worker: { replicas: workers, storage: { capacity: '1Gi' } } },
    }),
  };
}

/** When each StatefulSet of a namespace was first seen, and when its replicas were first seen at each value. */
class StatefulSetWatch {
  readonly seen = new Map<string, number>();
  readonly replicas = new Map<string, number>();
  private handle?: { stop(): void };

  static async start(client: KubeClient, namespace: string): Promise<StatefulSetWatch> {
    const w = new StatefulSetWatch();
    const list = await client.request<{ metadata: { resourceVersion: string } }>('GET', `/apis/apps/v1/namespaces/${namespace}/statefulsets`);
    w.handle = await client.watch<any>(`/apis/apps/v1/namespaces/${namespace}/statefulsets`, { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 3600 }, (e) => {
      const now = performance.now();
      const name = e.object?.metadata?.name;
      if (!name || e.type === 'BOOKMARK') return;
      if (!w.seen.has(name)) w.seen.set(name, now);
      const key = `${name}=${e.object.spec?.replicas}`;
      if (!w.replicas.has(key)) w.replicas.set(key, now);
    });
    return w;
  }

  ofCluster(cluster: string): string[] { return [...this.seen.keys()].filter((n) => n.startsWith(`${cluster}-`)); }
  stop(): void { this.handle?.stop(); }
}

async function measure(c: Contender): Promise<Row> {
  const cp = await ControlPlane.start();
  const client = KubeClient.load(cp.kubeconfig);
  let running: Running | undefined;
  try {
    c.install(cp);
    for (const ns of ['lat', 'many']) {
      createNamespace(cp, ns);
      c.prepare(cp, ns);
    }
    running = await c.start(cp);
    const pid = running.pid;
    await sleep(2000);
    const startMiB = procStatus(pid, 'VmRSS');
    const collection = (ns: string) => c.resource.replace('NS', ns);

    // Latency: one new 1+2 cluster at a time.
    const lat = await StatefulSetWatch.start(client, 'lat');
    const createMs: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `c${i}`;
      const t = performance.now();
      await client.request('POST', collection('lat'), { body: c.cluster(name, 'lat', 2) });
      await waitFor(`${c.name}: ${name}'s StatefulSets`, () => (lat.ofCluster(name).length >= 2 ? true : undefined), 60000, 2);
      createMs.push(Math.max(...lat.ofCluster(name).map((n) => lat.seen.get(n)!)) - t);
      await sleep(1000); // the rest of this reconcile (status, events) out of the next trial's way
    }
    const updateMs: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const name = `c${i}`;
      const worker = lat.ofCluster(name).find((n) => n.includes('worker'))!;
      const t = performance.now();
      await client.request('PATCH', `${collection('lat')}/${name}`, { body: { spec: { worker: { replicas: 3 } } }, contentType: 'application/merge-patch+json' });
      await waitFor(`${c.name}: ${worker} at 3 replicas`, () => lat.replicas.get(`${worker}=3`), 60000, 2);
      updateMs.push(lat.replicas.get(`${worker}=3`)! - t);
      await sleep(500);
    }
    lat.stop();

    // 200 resources at once.
    const many = await StatefulSetWatch.start(client, 'many');
    const cpu0 = cpuSeconds(pid);
    const requests0 = await running.requests();
    const t = performance.now();
    await Promise.all(Array.from({ length: MANY }, (_, i) => client.request('POST', collection('many'), { body: c.cluster(`m${i}`, 'many', 2) })));
    await waitFor(`${c.name}: ${2 * MANY} StatefulSets`, () => (many.seen.size >= 2 * MANY ? true : undefined), 30 * 60000, 20);
    const manySeconds = (performance.now() - t) / 1000;
    const manyCpuSeconds = cpuSeconds(pid) - cpu0;
    const manyRequests = await running.requests() - requests0;
    const manyPeakMiB = procStatus(pid, 'VmHWM');
    many.stop();

    await waitFor(`${c.name}: ${3 * MANY} pods Running`, async () => {
      const pods = await client.request<{ items: { status?: { phase?: string } }[] }>('GET', '/api/v1/namespaces/many/pods');
      return pods.items.filter((p) => p.status?.phase === 'Running').length >= 3 * MANY ? true : undefined;
    }, 30 * 60000, 2000);
    // Settled: the pods' changes have reached the operator and it has stopped calling the API server
    // (5 s without a request). The old operator with its log watcher never stops: after 2 minutes, on.
    let last = -1;
    let quiet = false;
    for (const until = Date.now() + 120_000; !quiet && Date.now() < until; await sleep(5000)) {
      const n = await running.requests();
      quiet = n === last;
      last = n;
    }
    const settledPeakMiB = procStatus(pid, 'VmHWM');

    const cpu1 = cpuSeconds(pid);
    const requests1 = await running.requests();
    await sleep(IDLE_MS);
    return {
      createMs, updateMs, manySeconds, manyCpuSeconds, manyRequests, manyPeakMiB, settledPeakMiB, quiet, startMiB,
      idleCpuSeconds: cpuSeconds(pid) - cpu1, idleRequests: await running.requests() - requests1,
    };
  } finally {
    await running?.stop();
    client.close();
    await cp.stop();
  }
}

function table(rows: [string, Row][]): string {
  const base = rows.find(([n]) => n === 'old-nolog')?.[1];
  const ratio = (v: number, b: number | undefined) => (b ? ` (${(v / b).toFixed(2)}x)` : '');
  const cells: [string, (r: Row) => number, (v: number) => string][] = [
    ['create 1+2 -> StatefulSets, median (ms)', (r) => percentile(r.createMs, 0.5), (v) => v.toFixed(0)],
    ['create 1+2 -> StatefulSets, p90 (ms)', (r) => percentile(r.createMs, 0.9), (v) => v.toFixed(0)],
    ['worker replicas 2 -> 3, median (ms)', (r) => percentile(r.updateMs, 0.5), (v) => v.toFixed(0)],
    ['worker replicas 2 -> 3, p90 (ms)', (r) => percentile(r.updateMs, 0.9), (v) => v.toFixed(0)],
    [`${MANY} resources at once -> StatefulSets (s)`, (r) => r.manySeconds, (v) => v.toFixed(1)],
    [`CPU during those ${MANY} (s)`, (r) => r.manyCpuSeconds, (v) => v.toFixed(1)],
    [`API requests during those ${MANY}`, (r) => r.manyRequests, (v) => v.toFixed(0)],
    [`peak RSS at the end of the ${MANY} (MiB)`, (r) => r.manyPeakMiB, (v) => v.toFixed(0)],
    [`peak RSS after ${3 * MANY} pods Running (MiB)`, (r) => r.settledPeakMiB, (v) => v.toFixed(0)],
    ['RSS just after start (MiB)', (r) => r.startMiB, (v) => v.toFixed(0)],
    [`idle ${IDLE_MS / 1000} s: CPU (s)`, (r) => r.idleCpuSeconds, (v) => v.toFixed(2)],
    [`idle ${IDLE_MS / 1000} s: API requests`, (r) => r.idleRequests, (v) => v.toFixed(0)],
  ];
  const busy = rows.filter(([, r]) => !r.quiet).map(([n]) => n);
  const lines = [`| figure | ${rows.map(([n]) => n).join(' | ')} |`, `|---|${rows.map(() => '---').join('|')}|`];
  for (const [label, get, fmt] of cells) {
    lines.push(`| ${label} | ${rows.map(([n, r]) => fmt(get(r)) + (n.startsWith('agent') ? ratio(get(r), base && get(base)) : '')).join(' | ')} |`);
  }
  if (busy.length) lines.push('', `never quiet once the pods ran (idle rows measured anyway): ${busy.join(', ')}`);
  return lines.join('\n');
}

export async function vsOperator(): Promise<void> {
  const all: Record<string, () => Contender> = {
    old: () => oldOperator('manager', 'old'),
    'old-nolog': () => oldOperator('manager-no-log-watcher', 'old-nolog'),
    agent: () => ourAgent('agent', process.env.VS_AGENT_NODE_OPTIONS ?? ''),
    'agent-deploy': () => ourAgent('agent-deploy', undefined),
  };
  const picked = (process.env.VS_OPERATOR ?? Object.keys(all).join(',')).split(',');
  const rows: [string, Row][] = [];
  for (const name of picked) {
    if (!all[name]) throw new Error(`VS_OPERATOR: no contender ${name} (${Object.keys(all).join(', ')})`);
    rows.push([name, await measure(all[name]())]);
    console.log(`vs-operator: ${name} done`);
  }
  console.log(`vs-operator (ratios: ours / old-nolog):\n${table(rows)}`);
}
