/**
 * Benchmarks, printing their figures (tests check behaviour, not timing):
 *   synth-1000: in-process synthesis of a 1,000-data-server cluster (target < 200 ms)
 *   cdk8s-synth: wall time of `npx cdk8s synth` for all examples
 *   agent-latency, agent-noop, rollout-20, git-50: the agent on the real control plane (bench/agent.ts)
 *   agent-rest: the agent's memory 2 s after start and with 10 clusters settled (bench/rest.ts)
 *   agent-1000: 1,000 Xrootd resources from cold start, and a burst of 100 changes (bench/scale.ts)
 *   faults: rollouts with the agent SIGKILLed, etcd and the API server restarted (bench/faults.ts)
 *   input: hostile and huge resource files through the input pipeline (bench/input.ts)
 *   client-ops: create, stat, read and ls through the redirector vs straight at a data server, real daemons (bench/client-ops.ts)
 *   images: both images built twice from an empty cache: time, OCI archive size, same digest (bench/images.ts)
 *   secure-path: open latency and read rate with TLS and tokens vs without, same run (bench/secure-path.ts)
 *   collector-5-idle: five clusters' collectors on one node: resident, own and proportional memory each (bench/collector.ts)
 *   collector-200: the metrics collector fed 400 daemons' reports every 10 s: CPU and memory (bench/collector.ts)
 *   collector-200-cache: the same with 195 cache servers, their file cache records and disk reports too (bench/collector.ts)
 *   cache: time to first byte and read rate straight from an origin, through a cache (miss) and again (hit), real daemons (bench/cache.ts)
 *   vs-operator: side by side with the 2020 Go operator it replaces (bench/vs-operator.ts)
 *   real-node: a 1+3 cluster from apply to Ready on a real kubelet node, and the node's start (bench/real-node.ts)
 *   auto-expand: a filling data server's report to its claim grown, the agent and a real collector on the control plane (bench/auto-expand.ts)
 *   healing: a hung xrootd and a hung cmsd (SIGSTOP) on a real node, from the fault to Ready and listed again (bench/healing.ts)
 *   upgrade-chain: 5.5.3 -> 5.8.1 -> 6.2.0 -> 5.8.1 on a real node under client load: failures, stalls, order (bench/upgrade-chain.ts)
 *   lean: the ones above that "lean at scale" measures, then all their figures together (LEAN below)
 * `npm run bench` runs them; `node build/bench/run.js synth-1000` runs one.
 */
import { App, Chart } from 'cdk8s';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { XrootdCluster } from '../constructs/index.js';
import { git50, latencyAndNoop, rollout20 } from './agent.js';
import { faultTrials } from './faults.js';
import { atScale } from './scale.js';
import { agentAtRest } from './rest.js';
import { clientOps } from './client-ops.js';
import { imagesBench } from './images.js';
import { inputBench } from './input.js';
import { securePathBench } from './secure-path.js';
import { cacheBench } from './cache.js';
import { collectorBench, collectorsSideBySide } from './collector.js';
import { realNodeBench } from './real-node.js';
import { healingBench } from './healing.js';
import { autoExpandBench } from './auto-expand.js';
import { upgradeChainBench } from './upgrade-chain.js';
import { vsOperator } from './vs-operator.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function synth1000(): void {
  const once = (): number => {
    const t = performance.now();
    const app = new App();
    new XrootdCluster(new Chart(app, 'big'), 'cluster', { name: 'big', worker: { replicas: 1000 } });
    app.synthYaml();
    return performance.now() - t;
  };
  once(); // warm-up: module loading and JIT
  const runs = Array.from({ length: 15 }, once);
  console.log(`synth-1000: median ${median(runs).toFixed(1)} ms, min ${Math.min(...runs).toFixed(1)} ms over ${runs.length} runs (target < 200 ms)`);
}

function cdk8sSynth(): void {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync('npx', ['cdk8s', 'synth'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npx cdk8s synth failed: ${r.stdout}${r.stderr}`);
    runs.push(performance.now() - t);
  }
  console.log(`cdk8s-synth: median ${(median(runs) / 1000).toFixed(2)} s over ${runs.length} runs (tsc compile included)`);
}

const benches: Record<string, () => void | Promise<void>> = {
  'synth-1000': synth1000,
  'cdk8s-synth': cdk8sSynth,
  'agent-latency': () => latencyAndNoop(),
  'agent-rest': () => agentAtRest(),
  'agent-1000': () => atScale(1000, 100),
  'agent-200': () => atScale(200, 20), // the same at a fifth of the size (a few minutes)
  faults: () => faultTrials(),
  'rollout-20': () => rollout20(),
  'git-50': () => git50(),
  input: inputBench,
  'client-ops': () => clientOps(),
  'client-ops-3': () => clientOps([3]), // the small cluster only (about a minute)
  images: imagesBench,
  'secure-path': securePathBench,
  'collector-5-idle': () => collectorsSideBySide(),
  'collector-200': () => collectorBench(),
  'collector-200-cache': () => collectorBench(120, true),
  cache: () => cacheBench(),
  'real-node': () => realNodeBench(),
  healing: () => healingBench(),
  'auto-expand': () => autoExpandBench(),
  'upgrade-chain': () => upgradeChainBench(),
  'vs-operator': () => vsOperator(),
};
/**
 * `lean`: the figures of "lean at scale" (docs/performance.md), one after the other, then every
 * line they printed again, side by side: the collector, the agent at rest, one change, 1,000
 * clusters against the floor, and the table against the 2020 operator.
 */
const LEAN = ['collector-5-idle', 'collector-200', 'collector-200-cache', 'agent-rest', 'agent-latency', 'agent-1000', 'vs-operator'];
/** Variants that `npm run bench` leaves out: they repeat part of another bench. */
const onlyWhenNamed = new Set(['client-ops-3', 'agent-200']);
const selected = process.argv.slice(2);
const lean = selected.includes('lean');
const printed: string[] = [];
if (lean) {
  const log = console.log.bind(console);
  console.log = (...args: unknown[]) => { printed.push(args.join(' ')); log(...args); };
}
for (const [name, bench] of Object.entries(benches)) {
  if (selected.length === 0 ? !onlyWhenNamed.has(name) : selected.includes(name) || (lean && LEAN.includes(name))) await bench();
}
if (lean) process.stdout.write(`\n=== lean at scale, side by side\n${printed.join('\n')}\n`);
