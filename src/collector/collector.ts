/**
 * The metrics collector of one cluster: receives every daemon's summary reports (xrd.report, XML
 * over UDP) and a cache server's file cache records and disk reports (JSON: ./cache-report.ts),
 * keeps the latest figures per daemon, and serves them to Prometheus (the text format, rendered
 * from each daemon's figures when scraped: no metrics library, whose objects per series were most
 * of the collector's memory) and
 * the cluster's membership (which servers each manager lists) as JSON for the agent. Packets
 * come from the network: whatever is not a report is counted and dropped; daemons that stop
 * reporting disappear after the stale period.
 */
import dgram from 'node:dgram';
import type { Server } from 'node:http';
import { http as nodeHttp } from '../node-builtins.js';
import { outlastClientKeepAlive } from '../http-keep-alive.js';
import { addProcessMetrics, Metrics } from '../agent/metrics.js';
import { COLLECTOR_METRICS, METRICS } from './metrics.js';
import { readCachePacket, type CachePacket } from './cache-report.js';
import { ForeignReportError, plainAddress, readReport, ReportXmlError, type Member, type Report } from './report.js';

export interface CollectorOptions {
  readonly cluster: string;
  readonly namespace: string;
  /** Where reports arrive (UDP) and metrics are served (HTTP); 0 picks a free port. */
  readonly udpPort: number;
  readonly httpPort: number;
  readonly address?: string;
  /** A daemon whose last report is older than this is forgotten (three report intervals is a good value). */
  readonly staleSeconds: number;
  /** The clock, in milliseconds (tests move it). */
  readonly now?: () => number;
}

export type PacketResult = 'accepted' | 'malformed' | 'foreign' | 'oversized';

/** What a manager or supervisor lists, for status.members. */
export interface ManagerMembership {
  readonly pod: string;
  readonly role: string;
  readonly members: readonly Member[];
  readonly reportedAt: number;
}

/** A cache server's figures, for status.cache: bytes since the collector started, and its data disks now. */
export interface CacheServerFigures {
  readonly pod: string;
  /** Bytes its xrootd sent to clients. */
  readonly sentBytes: number;
  /** Bytes it fetched from the origin; undefined when its release does not say (before 5.7.2). */
  readonly fetchedBytes?: number;
  readonly hitBytes: number;
  readonly missBytes: number;
  readonly bypassBytes: number;
  readonly disks: readonly { readonly disk: number; readonly bytes: number; readonly usedBytes: number }[];
  readonly reportedAt: number;
}

/** A data server's file system under its exports, from its latest summary (for worker.storage.autoExpand). */
export interface DataServerSpace {
  readonly pod: string;
  readonly bytes: number;
  readonly freeBytes: number;
  /** Files it has open for writing (spec.worker.nodeDrain waits for none). */
  readonly openForWrite?: number;
  readonly reportedAt: number;
}

/** Larger than any report XRootD sends (a manager's list of 64 servers is about 8 KiB). */
const MAX_PACKET_BYTES = 60_000;

/** One series of a daemon: its metric, its labels besides the daemon's (rendered), its value. */
interface Series {
  readonly metric: string;
  /** `,name="value"` for each label besides the daemon's, escaped as the text format wants. */
  readonly extra: string;
  value: number;
}

interface DaemonState {
  readonly labels: Readonly<Record<'cluster' | 'namespace' | 'pod' | 'role' | 'daemon', string>>;
  /** The daemon's labels as the text format writes them, rendered once. */
  readonly labelText: string;
  startedAt: number;
  receivedAt: number;
  /**
   * Every series of this daemon, by metric and extra labels. A counter holds what the daemon
   * reported last: XRootD counts from the daemon's start, so its figure is the counter's value,
   * and a restart starts it from zero again as Prometheus expects.
   */
  readonly series: Map<string, Series>;
  members?: readonly Member[];
  space?: Report['space'];
  openForWrite?: number;
  sentAt: number;
  /** Series fed by a cache server's other packets (not its summary): a summary that lacks them keeps them. */
  readonly cacheSeries: Set<string>;
  cache?: { hitBytes: number; missBytes: number; bypassBytes: number; fetchedBytes?: number; disks: CacheServerFigures['disks']; disksAt: number };
  /** Bytes its xrootd sent since the collector first heard of it (a cache server's served bytes, against what it fetched). */
  sentSinceSeen: number;
}

/** A label value in the text format: backslash, double quote and newline escaped. */
const escapeLabel = (value: string): string => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
const labelText = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
const extraText = (extra?: Readonly<Record<string, string>>): string => (extra ? Object.entries(extra).map(([k, v]) => `,${k}="${escapeLabel(v)}"`).join('') : '');

export class Collector {
  /** The collector's own figures and the process': a few series, in the agent's small registry. */
  private readonly own = new Metrics();
  private readonly daemons = new Map<string, DaemonState>();
  /** Which pod reports from each address (a pod has one): how members listed by address are named. Several: ambiguous. */
  private readonly podsAt = new Map<string, Set<string>>();
  private socket?: dgram.Socket;
  private http?: Server;
  private sweeper?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly opts: CollectorOptions) {
    this.now = opts.now ?? Date.now;
    const [packets, reporting] = COLLECTOR_METRICS;
    this.own.counter(packets.name, packets.help);
    for (const result of ['accepted', 'malformed', 'foreign', 'oversized']) this.own.inc(packets.name, { result }, 0);
    this.own.gauge(reporting.name, reporting.help, () => this.daemons.size);
    addProcessMetrics(this.own, 'collector');
  }

  /** Everything it serves at /metrics, in Prometheus' text format (0.0.4). */
  metricsText(): string {
    this.sweep();
    const lines = new Map<string, string[]>(METRICS.map((m) => [m.name, []]));
    for (const d of this.daemons.values()) {
      for (const s of d.series.values()) lines.get(s.metric)!.push(`${s.metric}{${d.labelText}${s.extra}} ${s.value}`);
    }
    const daemonSeries = METRICS.flatMap((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...lines.get(m.name)!]);
    return `${this.own.render()}${daemonSeries.join('\n')}\n`;
  }

  /** One series' value now (undefined when the collector has none), by its labels: for tests. */
  value(metric: string, labels: Readonly<Record<string, string>>): number | undefined {
    if (metric === COLLECTOR_METRICS[0].name) return this.own.value(metric, labels);
    for (const d of this.daemons.values()) {
      const own = d.labels as Readonly<Record<string, string>>;
      if (!Object.entries(labels).every(([k, v]) => !(k in own) || own[k] === v)) continue;
      const extra = Object.entries(labels).filter(([k]) => !(k in own));
      for (const s of d.series.values()) {
        if (s.metric === metric && extra.every(([k, v]) => s.extra.includes(`,${k}="${escapeLabel(v)}"`))) return s.value;
      }
    }
    return undefined;
  }

  /** One packet (from `source`, the sender's address): accepted, or counted under why it was dropped. Never throws. */
  receive(packet: Buffer | string, source?: string): PacketResult {
    const result = this.read(packet, source);
    this.own.inc(COLLECTOR_METRICS[0].name, { result });
    return result;
  }

  private read(packet: Buffer | string, source?: string): PacketResult {
    if (packet.length > MAX_PACKET_BYTES) return 'oversized';
    const text = typeof packet === 'string' ? packet : packet.toString('utf8');
    if (text.startsWith('{')) return this.readCache(text, source);
    let report: Report;
    try {
      report = readReport(text);
    } catch (e) {
      if (e instanceof ReportXmlError) return 'malformed';
      if (e instanceof ForeignReportError) return 'foreign';
      return 'malformed';
    }
    if (source) {
      const at = this.podsAt.get(plainAddress(source)) ?? new Set<string>();
      at.add(report.pod);
      this.podsAt.set(plainAddress(source), at);
    }
    this.apply(report);
    return 'accepted';
  }

  private apply(r: Report): void {
    const key = `${r.pod}/${r.role}/${r.daemon}`;
    let d = this.daemons.get(key);
    if (d && r.sentAt < d.sentAt && r.startedAt === d.startedAt) return; // a late packet of an earlier report
    if (!d) {
      const labels = { cluster: this.opts.cluster, namespace: this.opts.namespace, pod: r.pod, role: r.role, daemon: r.daemon };
      d = {
        labels, labelText: labelText(labels), startedAt: r.startedAt, receivedAt: 0, sentAt: 0,
        series: new Map(), cacheSeries: new Set(), sentSinceSeen: 0,
      };
      this.daemons.set(key, d);
    }
    const restarted = d.startedAt !== r.startedAt;
    const sent = r.values.find((v) => v.metric === 'xrootd_sent_bytes_total')?.value;
    const lastSent = d.series.get('xrootd_sent_bytes_total')?.value;
    if (sent !== undefined && lastSent !== undefined) d.sentSinceSeen += restarted || sent < lastSent ? sent : sent - lastSent;
    d.startedAt = r.startedAt;
    d.receivedAt = this.now();
    d.sentAt = r.sentAt;
    d.members = r.members?.map((m) => this.named(m));
    d.space = r.space;
    d.openForWrite = r.openForWrite;
    const seen = new Set<string>();
    const state = d;
    const set = (metric: string, extra: Readonly<Record<string, string>> | undefined, value: number) => {
      const text = extraText(extra);
      const id = `${metric}${text}`;
      seen.add(id);
      const s = state.series.get(id);
      if (s) s.value = value;
      else state.series.set(id, { metric, extra: text, value });
    };
    for (const s of r.values) set(s.metric, s.labels, s.value);
    for (const m of d.members ?? []) set('xrootd_cms_member', { member: m.pod }, m.active ? 1 : 0);
    set('xrootd_report_timestamp_seconds', undefined, r.sentAt);
    set('xrootd_start_time_seconds', undefined, r.startedAt);
    for (const id of d.series.keys()) if (!seen.has(id) && !d.cacheSeries.has(id)) d.series.delete(id);
  }

  /**
   * A cache server's g-stream or disk report: accepted only from a pod whose xrootd reports its
   * summary, and from that pod's address, so that a pod cannot report as another.
   */
  private readCache(text: string, source?: string): PacketResult {
    let p: CachePacket;
    try {
      p = readCachePacket(text);
    } catch {
      return 'foreign';
    }
    const pod = p.host.split('.')[0];
    const d = this.daemons.get(`${pod}/${p.role}/xrootd`);
    if (!d || (source && !this.podsAt.get(plainAddress(source))?.has(pod))) return 'foreign';
    const cache = d.cache ??= { hitBytes: 0, missBytes: 0, bypassBytes: 0, disks: [], disksAt: 0 };
    const series = (metric: string, extra?: Record<string, string>): Series => {
      const text = extraText(extra);
      const id = `${metric}${text}`;
      d.cacheSeries.add(id);
      let s = d.series.get(id);
      if (!s) d.series.set(id, s = { metric, extra: text, value: 0 });
      return s;
    };
    if (p.kind === 'events') {
      cache.hitBytes += p.hitBytes;
      cache.missBytes += p.missBytes;
      cache.bypassBytes += p.bypassBytes;
      if (p.fetchedBytes !== undefined) {
        cache.fetchedBytes = (cache.fetchedBytes ?? 0) + p.fetchedBytes;
        series('xrootd_cache_fetched_bytes_total').value += p.fetchedBytes;
      }
      for (const [metric, value] of [['xrootd_cache_hit_bytes_total', p.hitBytes], ['xrootd_cache_miss_bytes_total', p.missBytes],
        ['xrootd_cache_bypass_bytes_total', p.bypassBytes], ['xrootd_cache_closed_files_total', p.closedFiles]] as const) {
        series(metric).value += value;
      }
    } else {
      if (p.sentAt < cache.disksAt) return 'accepted'; // a late packet of an earlier report
      cache.disks = p.disks;
      cache.disksAt = p.sentAt;
      for (const disk of p.disks) {
        const at = { disk: String(disk.disk) };
        series('xrootd_cache_disk_bytes', at).value = disk.bytes;
        series('xrootd_cache_disk_used_bytes', at).value = disk.usedBytes;
      }
    }
    return 'accepted';
  }

  /** What each cache server has reported, for status.cache. */
  caches(): CacheServerFigures[] {
    this.sweep();
    return [...this.daemons.values()].filter((d) => d.cache).map((d) => ({
      pod: d.labels.pod, sentBytes: d.sentSinceSeen,
      ...(d.cache!.fetchedBytes === undefined ? {} : { fetchedBytes: d.cache!.fetchedBytes }),
      hitBytes: d.cache!.hitBytes, missBytes: d.cache!.missBytes, bypassBytes: d.cache!.bypassBytes,
      disks: d.cache!.disks, reportedAt: d.receivedAt,
    })).sort((a, b) => a.pod.localeCompare(b.pod));
  }

  /** Each data server's free space and files open for writing, from its xrootd's latest fresh summary. */
  spaces(): DataServerSpace[] {
    this.sweep();
    return [...this.daemons.values()].filter((d) => d.space && d.labels.daemon === 'xrootd' && d.labels.role === 'worker')
      .map((d) => ({
        pod: d.labels.pod, ...d.space!, ...(d.openForWrite !== undefined ? { openForWrite: d.openForWrite } : {}), reportedAt: d.receivedAt,
      }))
      .sort((a, b) => a.pod.localeCompare(b.pod));
  }

  /** A member listed by address, named by the one pod that reports from that address (if just one does). */
  private named(m: Member): Member {
    if (!m.address) return m;
    const pods = this.podsAt.get(plainAddress(m.address));
    return pods?.size === 1 ? { ...m, pod: [...pods][0] } : m;
  }

  /** Forgets daemons that have not reported for the stale period. */
  sweep(): void {
    const oldest = this.now() - this.opts.staleSeconds * 1000;
    for (const [key, d] of this.daemons) {
      if (d.receivedAt < oldest) this.daemons.delete(key);
    }
    const live = new Set([...this.daemons.values()].map((d) => d.labels.pod));
    for (const [address, pods] of this.podsAt) {
      for (const pod of pods) if (!live.has(pod)) pods.delete(pod);
      if (!pods.size) this.podsAt.delete(address);
    }
  }

  /** What each manager and supervisor (their cmsd) lists, from their latest fresh report. */
  membership(): ManagerMembership[] {
    this.sweep();
    return [...this.daemons.values()].filter((d) => d.members).map((d) => ({
      pod: d.labels.pod, role: d.labels.role, members: d.members!, reportedAt: d.receivedAt,
    })).sort((a, b) => a.pod.localeCompare(b.pod));
  }

  async start(): Promise<{ udpPort: number; httpPort: number }> {
    const address = this.opts.address ?? '0.0.0.0';
    this.socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
    this.socket.on('message', (m, from) => this.receive(m, from.address));
    // A socket error (not a packet) must not end the process: it is logged by the caller's handler.
    this.socket.on('error', () => undefined);
    await new Promise<void>((resolve) => this.socket!.bind(this.opts.udpPort, address, resolve));
    this.http = nodeHttp.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') { res.writeHead(405).end(); return; }
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(this.metricsText());
      } else if (path === '/membership') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ cluster: this.opts.cluster, namespace: this.opts.namespace, managers: this.membership(), caches: this.caches(), spaces: this.spaces() }));
      } else if (path === '/healthz') {
        res.writeHead(200).end('ok\n');
      } else {
        res.writeHead(404).end();
      }
    });
    outlastClientKeepAlive(this.http);
    await new Promise<void>((resolve) => this.http!.listen(this.opts.httpPort, address, resolve));
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.opts.staleSeconds * 250));
    this.sweeper.unref();
    const http = this.http.address();
    return { udpPort: this.socket.address().port, httpPort: typeof http === 'object' && http ? http.port : this.opts.httpPort };
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.socket?.close();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
  }
}
