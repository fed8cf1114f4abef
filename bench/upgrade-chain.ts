/**
 * The release chain on a real node (test/helpers/real-node.ts), under client load: a 1+3 cluster
 * goes 5.5.3 -> 5.8.1 -> 6.2.0, then back 6.2.0 -> 5.8.1, each step the agent's ordered, gated
 * rollout, while a client pod writes new files and reads files seeded on every data server through
 * the redirector without pause, checking each read's SHA-256 (and, at the end, every file written).
 * For each step it prints the failed reads and writes, the longest stall (the slowest single
 * operation, client retries included, or one still going at the step's end), the step's duration,
 * the order pods were replaced in and every operation of 5 s or more.
 *
 *   node build/bench/run.js upgrade-chain        (BENCH_CHAIN=5.5.3,5.8.1 for a shorter chain)
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { projectImage } from '../test/helpers/containers.js';
import { createNamespace } from '../test/helpers/control-plane.js';
import { distYaml, installCrds } from '../test/helpers/install.js';
import { waitFor } from '../test/helpers/processes.js';
import { RealNode } from '../test/helpers/real-node.js';

const NS = 'chain';
const CLUSTER = 'chain';
const WORKERS = 3;
const SEEDS_PER_SERVER = 4;
const CHAIN = (process.env.BENCH_CHAIN ?? '5.5.3,5.8.1,6.2.0,5.8.1').split(',');
const host = (role: string, i: number) => `${CLUSTER}-${role}-${i}.${CLUSTER}-${role}.${NS}.svc.cluster.local:1094`;

/**
 * The client workload (sh in the client pod): seeds files straight onto every data server, then
 * alternates a write of a new 64 KiB file and a read of a seeded one through the redirector, each
 * bounded to 120 s, one line per operation: `<start ms> W|R ok|fail <ms> <file> <error>`.
 */
export const WORKLOAD = String.raw`set -u
redirector=$1; shift
# As test/conformance/client-load.ts: XrdCl's default 120 s connection window would make a client
# that meets the single redirector's closed port wait two minutes (docs/upgrades.md).
export XRD_CONNECTIONWINDOW=5 XRD_CONNECTIONRETRY=24
now() { date +%s%3N; }
mkdir -p /tmp/load && cd /tmp/load
: > seeds; : > written
for server in "$@"; do
  for j in $(seq 1 ${SEEDS_PER_SERVER}); do
    name=seed-$(echo "$server" | cut -d. -f1)-$j.bin
    head -c 262144 /dev/urandom > "$name"
    xrdcp --nopbar --silent --path "$name" "root://$server//data/load/$name" || { echo "SEED FAILED $name"; exit 1; }
    echo "$name $(sha256sum < "$name" | cut -c1-64)" >> seeds
  done
done
echo SEEDED
seeds=$(wc -l < seeds); n=0
while [ ! -e /tmp/stop ]; do
  n=$((n + 1))
  head -c 65536 /dev/urandom > w.bin
  t0=$(now)
  if err=$(timeout 120 xrdcp --nopbar --silent w.bin "$redirector//data/load/w-$n.bin" 2>&1); then s=ok; echo "w-$n.bin $(sha256sum < w.bin | cut -c1-64)" >> written; else s=fail; fi
  echo "$t0 W $s $(( $(now) - t0 )) w-$n.bin $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-160)"
  line=$(sed -n "$(( n % seeds + 1 ))p" seeds); name=$(echo "$line" | cut -d" " -f1); sum=$(echo "$line" | cut -d" " -f2)
  rm -f r.bin; t0=$(now)
  if err=$(timeout 120 xrdcp --nopbar --silent "$redirector//data/load/$name" r.bin 2>&1); then
    if [ "$(sha256sum < r.bin | cut -c1-64)" = "$sum" ]; then s=ok; else s=fail; err="checksum mismatch"; fi
  else s=fail; fi
  echo "$t0 R $s $(( $(now) - t0 )) $name $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-160)"
done
echo STOPPED
# Still there for the bench's check of every file written.
exec sleep 3600
`;

interface Operation { at: number; kind: 'W' | 'R'; ok: boolean; ms: number; file: string; error: string }

function operations(log: string): Operation[] {
  return log.split('\n').map((l) => /^(\d+) ([WR]) (ok|fail) (\d+) (\S+) ?(.*)$/.exec(l)).filter((m) => m !== null)
    .map((m) => ({ at: Number(m[1]), kind: m[2] as 'W' | 'R', ok: m[3] === 'ok', ms: Number(m[4]), file: m[5], error: m[6] }));
}

interface StepFigures {
  step: string; seconds: number; writes: number; failedWrites: number; reads: number; failedReads: number;
  stallMs: number; slowest: string[]; order: string[]; errors: string[];
}

export async function upgradeChainBench(): Promise<void> {
  const node = await RealNode.startCluster();
  // Stopped, not orphaned, when the bench is interrupted or crashes: the node's daemons, mounts and network are the host's.
  const abandon = (why: unknown): void => {
    console.error(`upgrade-chain: stopping the node: ${String(why)}`);
    void node.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', abandon);
  process.once('SIGTERM', abandon);
  process.once('uncaughtException', abandon);
  const kubectl = (args: string[], timeoutMs = 120000) => node.cp.kubectl(args, { timeoutMs });
  try {
    const images = new Map(CHAIN.map((v) => [v, node.importImage(projectImage('xrootd', v).archive)]));
    node.importImage(projectImage('agent').archive);
    installCrds(node.cp);
    node.cp.applyYaml(distYaml('agent'));
    if (kubectl(['rollout', 'status', 'deployment/xrootd-k8s-agent', '-n', 'xrootd-system', '--timeout=300s'], 310000).code !== 0) throw new Error('the agent did not become available');
    createNamespace(node.cp, NS, 'restricted');
    node.addLocalVolumes(WORKERS);
    const apply = (version: string) => node.cp.applyYaml(stringify({
      apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: CLUSTER, namespace: NS },
      spec: {
        version, worker: { replicas: WORKERS, storage: { capacity: '1Gi' }, resources: { requests: { cpu: '100m', memory: '256Mi' } } },
        redirector: { resources: { requests: { cpu: '100m', memory: '256Mi' } } },
        upgrade: { minReadySeconds: 5, stepDeadlineSeconds: 300 },
      },
    }));
    const settled = (version: string) => waitFor(`${CLUSTER} Ready on ${version}`, () => {
      const x = node.cp.tryGetJson(['xrootd', CLUSTER, '-n', NS]);
      const pods = node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${CLUSTER},app.kubernetes.io/component in (redirector,worker)`]).items as any[];
      return x?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && x.status.observedGeneration === x.metadata.generation
        && pods.length === 1 + WORKERS
        && pods.every((p) => p.spec.containers[0].image === images.get(version) && !p.metadata.deletionTimestamp
          && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) ? x : undefined;
    }, 900000, 1000);

    apply(CHAIN[0]);
    await settled(CHAIN[0]);
    node.cp.applyYaml(stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'load', namespace: NS },
      spec: {
        restartPolicy: 'Never',
        securityContext: { runAsNonRoot: true, runAsUser: 10940, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          // Through the client Service, as clients are told to connect: a pod's own name does not resolve while it is replaced.
          name: 'load', image: images.get(CHAIN.at(-1)!)!, command: ['sh', '-c', WORKLOAD, 'load', `root://${CLUSTER}.${NS}.svc.cluster.local:1094`,
            ...Array.from({ length: WORKERS }, (_, i) => host('worker', i))],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        }],
      },
    }));
    const log = () => kubectl(['logs', '-n', NS, 'load']).out;
    // The order the step replaced pods in: when each pod was made (a Ready condition's transition would not
    // do: data servers turn not ready and ready again while their redirector is replaced).
    const replacedOrder = (): string[] => (node.cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${CLUSTER},app.kubernetes.io/component in (redirector,worker)`]).items as any[])
      .map((p) => [p.metadata.name.replace(`${CLUSTER}-`, ''), p.metadata.creationTimestamp as string] as const)
      .sort((a, b) => a[1].localeCompare(b[1])).map(([name]) => name);
    await waitFor('the workload to seed every data server', () => {
      const out = log();
      if (out.includes('SEED FAILED')) throw new Error(`seeding failed: ${out}`);
      return out.includes('SEEDED') && operations(out).length >= 6 ? true : undefined;
    }, 300000, 1000);

    const figures: StepFigures[] = [];
    {
      // A quiet minute first: what the workload does with nothing changing.
      const steps: [string, string][] = [[CHAIN[0], CHAIN[0]], ...CHAIN.slice(1).map((v, i): [string, string] => [CHAIN[i], v])];
      for (const [from, to] of steps) {
        const start = Date.now();
        const t = performance.now();
        if (from === to) await new Promise((r) => setTimeout(r, 60000));
        else {
          apply(to);
          await settled(to);
          // Writes and reads a while after the last pod is Ready belong to the step: the managers' view settles.
          await new Promise((r) => setTimeout(r, 20000));
        }
        const seconds = (performance.now() - t) / 1000;
        const ops = operations(log()).filter((o) => o.at >= start && o.at < Date.now());
        const failed = ops.filter((o) => !o.ok);
        figures.push({
          step: from === to ? `steady on ${to}` : `${from} -> ${to}`, seconds,
          writes: ops.filter((o) => o.kind === 'W').length, failedWrites: failed.filter((o) => o.kind === 'W').length,
          reads: ops.filter((o) => o.kind === 'R').length, failedReads: failed.filter((o) => o.kind === 'R').length,
          // The slowest operation, or the one still going at the step's end (the time since the last one ended).
          stallMs: Math.max(0, ...ops.map((o) => o.ms), Date.now() - Math.max(start, ...ops.map((o) => o.at + o.ms))),
          slowest: ops.filter((o) => o.ms >= 5000).map((o) => `${o.kind} ${new Date(o.at).toISOString().slice(11, 19)} ${o.file} ${(o.ms / 1000).toFixed(1)} s`),
          order: from === to ? [] : replacedOrder(),
          errors: [...new Set(failed.map((o) => `${o.kind} ${new Date(o.at).toISOString().slice(11, 19)} ${o.file}: ${o.error}`))].slice(0, 8),
        });
        console.log(`upgrade-chain: ${JSON.stringify(figures.at(-1))}`);
        const load = node.cp.getJson(['pod', 'load', '-n', NS]);
        if (load.status.phase !== 'Running') {
          throw new Error(`the client pod is ${load.status.phase}: ${JSON.stringify(load.status.containerStatuses)}\n${log().split('\n').slice(-20).join('\n')}`);
        }
      }
    }

    // Every file written through the chain, read back through the redirector on the last release.
    const stopped = kubectl(['exec', '-n', NS, 'load', '--', 'touch', '/tmp/stop']);
    if (stopped.code !== 0) {
      throw new Error(`the client pod cannot be reached (${stopped.out.trim()}): ${JSON.stringify(node.cp.getJson(['pod', 'load', '-n', NS]).status)}\n`
        + `its last lines:\n${log().split('\n').slice(-30).join('\n')}\n${kubectl(['get', 'events', '-n', NS, '--sort-by=.lastTimestamp']).out.split('\n').slice(-25).join('\n')}`);
    }
    await waitFor('the workload to stop', () => (log().includes('STOPPED') ? true : undefined), 300000, 1000);
    const verify = kubectl(['exec', '-n', NS, 'load', '--', 'sh', '-c', String.raw`cd /tmp/load; bad=0; total=0
      while read -r name sum; do total=$((total + 1)); rm -f v.bin
        xrdcp --nopbar --silent "root://${CLUSTER}.${NS}.svc.cluster.local:1094//data/load/$name" v.bin && [ "$(sha256sum < v.bin | cut -c1-64)" = "$sum" ] || { bad=$((bad + 1)); echo "BAD $name"; }
      done < written; echo "verified $total written files, $bad bad"`], 1800000);

    console.log('\n| step | duration | writes (failed) | reads (failed) | longest stall | pods replaced, in order |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const f of figures) {
      console.log(`| ${f.step} | ${f.seconds.toFixed(0)} s | ${f.writes} (${f.failedWrites}) | ${f.reads} (${f.failedReads}) | ${(f.stallMs / 1000).toFixed(1)} s | ${f.order.join(', ')} |`);
    }
    for (const f of figures.filter((x) => x.errors.length)) console.log(`\n${f.step} failures:\n  ${f.errors.join('\n  ')}`);
    for (const f of figures.filter((x) => x.slowest.length)) console.log(`\n${f.step} operations of 5 s or more:\n  ${f.slowest.join('\n  ')}`);
    console.log(`\nupgrade-chain: ${verify.out.trim().split('\n').slice(-12).join('\n')}`);
  } finally {
    await node.stop();
  }
}
