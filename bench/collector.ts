/**
 * collector-200: the metrics collector as it runs (its own process, the CLI), fed the reports of
 * a 200-pod cluster (a redirector pair, three supervisors, 195 data servers; xrootd and cmsd each)
 * every 10 s, made from packets XRootD 5.5.3 sent (test/fixtures/xrd-report) with their figures
 * moving. Prints its CPU share (from /proc) and resident memory, and a scrape's time and size.
 * collector-200-cache: the same with the data servers cache servers (spec.cache), each also
 * sending the file cache's records and its disk report every round.
 * Target: under 50 MB RSS and under 5% of a core.
 */
import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_NODE_OPTIONS } from '../constructs/monitoring.js';
import { cpuSeconds, residentMiB } from './proc.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => readFileSync(join(root, 'test/fixtures/xrd-report', `${name}.xml`), 'utf8');
const procStat = (pid: number) => ({ cpuSeconds: cpuSeconds(pid), ...residentMiB(pid) });

/**
 * A cache server's packets besides its summary in one round (spec.cache): the file cache's records
 * of the files closed in it (20, from a 5.8.1 packet) and its disks' report.
 */
function cachePackets(pod: string, round: number): string[] {
  const gstream = readFileSync(join(root, 'test/fixtures/xrd-report/cache-gstream-5.8.1.json'), 'utf8').replace('"host":"vm"', `"host":"${pod}.big-worker.ns.svc.cluster.local"`);
  const [header, ...records] = gstream.split('\n');
  const closes = Array.from({ length: 10 }, () => records).flat();
  const disks = { code: 'xrootd-k8s.cache-disks', host: pod, ins: 'worker', tod: 1796155147 + round * 10, disks: [0, 1].map((disk) => ({ disk, kib: 1 << 30, usedKib: (round * 1000) % (1 << 30) })) };
  return [[header, ...closes].join('\n'), JSON.stringify(disks)];
}

/** The reports of one round: every daemon of every pod, its figures grown since the last (with `caches`, data servers are cache servers). */
function reports(round: number, caches = false): string[] {
  const pods: [string, string][] = [
    ...[0, 1].map((i): [string, string] => [`big-redirector-${i}`, 'redirector']),
    ...[0, 1, 2].map((i): [string, string] => [`big-supervisor-${i}`, 'supervisor']),
    ...Array.from({ length: 195 }, (_, i): [string, string] => [`big-worker-${i}`, 'worker']),
  ];
  const manager = fixture('redirector-cmsd');
  const nodes = (n: number) => `<node>${n}${Array.from({ length: n }, (_, i) => `<stats id="${i}"><host>[::10.0.${i >> 8}.${i & 255}]</host><role>S</role><run>awn</run><ref><r>0</r><w>0</w></ref></stats>`).join('')}</node>`;
  return pods.flatMap(([pod, role]) => {
    const as = (packet: string) => packet.replace(/src="vm:/, `src="${pod}.big-${role}.ns.svc.cluster.local:`).replace(/ins="\w+"/, `ins="${role}"`)
      .replace(/tod="\d+"/, `tod="${1796155147 + round * 10}"`).replace(/<in>\d+<\/in>/, `<in>${round * 1_000_000}</in>`).replace(/<out>\d+<\/out>/, `<out>${round * 2_000_000}</out>`);
    const xrootd = as(fixture(role !== 'worker' ? 'redirector-xrootd' : caches ? 'cache-worker-xrootd' : 'worker-xrootd'));
    const cmsd = role === 'worker' ? as(fixture('worker-cmsd')) : as(manager.replace(/<node>.*<\/node>/, nodes(role === 'redirector' ? 64 : 44)));
    return [xrootd, cmsd, ...(caches && role === 'worker' ? cachePackets(pod, round) : [])];
  });
}

/** A collector process as the Deployment runs it (its Node flags), healthy. */
async function startCollector(udpPort: number, httpPort: number, cluster = 'big'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'build/src/cli/main.js'), 'collector', `--cluster=${cluster}`, '--namespace=ns', `--udp-port=${udpPort}`,
    `--http-port=${httpPort}`, '--address=127.0.0.1', '--stale-seconds=35'], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: process.env.COLLECTOR_NODE_OPTIONS ?? COLLECTOR_NODE_OPTIONS } });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`the collector on port ${httpPort} did not answer /healthz`);
}

/** Proportional set size in MiB: the process' own pages and its share of the pages it shares with others. */
const pssMiB = (pid: number): number => Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * collector-5-idle: five clusters' collectors on one node (one process each, the same node binary):
 * what each holds alone, and its share of the shared pages (PSS), beside its resident size.
 */
export async function collectorsSideBySide(count = 5): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < count; i++) children.push(await startCollector(29941 + i, 29110 + i, `c${i}`));
    await new Promise((r) => setTimeout(r, 2000));
    const figures = children.map((c) => ({ ...residentMiB(c.pid!), pss: pssMiB(c.pid!) }));
    const mean = (f: (x: typeof figures[number]) => number) => (figures.reduce((n, x) => n + f(x), 0) / figures.length).toFixed(1);
    console.log(`collector-${count}-idle: ${count} clusters' collectors side by side, each: RSS ${mean((x) => x.rss)} MiB, its own ${mean((x) => x.anon)} MiB, `
      + `PSS ${mean((x) => x.pss)} MiB (its own and its share of the node binary's pages, which every Node process of the image shares on a node)`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

export async function collectorBench(seconds = 120, caches = false): Promise<void> {
  const label = caches ? 'collector-200-cache' : 'collector-200';
  const [udpPort, httpPort] = [29931, 29100];
  const child = await startCollector(udpPort, httpPort);
  const socket = dgram.createSocket('udp4');
  try {
    const idle = procStat(child.pid!);
    const send = (p: string) => new Promise<void>((resolve) => socket.send(p, udpPort, '127.0.0.1', () => resolve()));
    // Warm-up round, then measure: reports spread over each 10 s, as 400 daemons' timers are.
    for (const p of reports(0, caches)) await send(p);
    const start = procStat(child.pid!);
    const t0 = Date.now();
    let peakRss = start.rss;
    let sent = 0;
    for (let round = 1; round <= seconds / 10; round++) {
      const batch = reports(round, caches);
      const roundStart = Date.now();
      for (let i = 0; i < batch.length; i++) {
        await send(batch[i]);
        sent++;
        const due = roundStart + (i + 1) * (10_000 / batch.length);
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        if (i % 50 === 0) peakRss = Math.max(peakRss, procStat(child.pid!).rss);
      }
      // Prometheus scrapes every 30 s or so; scrape once per round here.
      await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    }
    const end = procStat(child.pid!);
    const wall = (Date.now() - t0) / 1000;
    const scrapeStart = performance.now();
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const scrapeMs = performance.now() - scrapeStart;
    const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const accepted = /xrootd_collector_packets_total\{result="accepted"\} (\d+)/.exec(text)?.[1];
    console.log(`${label}: ${sent} packets of 400 daemons${caches ? ' (195 cache servers: summaries, the file cache\'s records of 20 closed files and a disk report each per round)' : ''}, ${accepted} accepted, over ${wall.toFixed(0)} s: CPU ${(100 * (end.cpuSeconds - start.cpuSeconds) / wall).toFixed(2)}% of a core, `
      + `RSS ${end.rss.toFixed(1)} MiB at the end (${end.anon.toFixed(1)} its own, ${end.file.toFixed(1)} mapped files), ${peakRss.toFixed(1)} MiB at most; idle before the reports ${idle.rss.toFixed(1)} MiB `
      + `(${idle.anon.toFixed(1)} its own) (target < 50 MiB and < 5%); `
      + `a scrape: ${series} series, ${(text.length / 1024).toFixed(0)} KiB in ${scrapeMs.toFixed(0)} ms`);
  } finally {
    socket.close();
    child.kill('SIGTERM');
  }
}
