/**
 * One summary report of one daemon (xrd.report), as the collector reads it: who sent it (pod,
 * role, daemon), and its figures. XRootD's counters count since the daemon started (`tos`), so a
 * report carries absolute values; the collector turns them into Prometheus counters.
 */
import { child, num, parseReportXml, ReportXmlError, type XmlElement } from './report-xml.js';

export type Daemon = 'xrootd' | 'cmsd';

/**
 * A server as a manager's cmsd lists it: by host name, or by address (`[::10.1.2.3]`) when the
 * manager does not look names up (xrd.network nodnr, as the pods run); `pod` is the host name's
 * first label, or the address until the collector knows which pod reports from it.
 */
export interface Member {
  readonly pod: string;
  readonly host: string;
  readonly address?: string;
  readonly status: string;
  readonly active: boolean;
}

export interface Report {
  /** The pod: the first label of the host name the daemon reports (a pod's host name is its name). */
  readonly pod: string;
  readonly host: string;
  /** The instance name (`-n`): the role. */
  readonly role: string;
  readonly daemon: Daemon;
  /** When the daemon started (seconds since the epoch): a new value means its counters restarted. */
  readonly startedAt: number;
  readonly sentAt: number;
  /** Figures by metric name (see METRICS), each with its extra labels. */
  readonly values: readonly Sample[];
  /** For a manager's or supervisor's cmsd: the servers subscribed to it. */
  readonly members?: readonly Member[];
  /** For a data server's xrootd: the fullest of its exported paths' file systems (they usually share one volume). */
  readonly space?: { readonly bytes: number; readonly freeBytes: number };
  /** For a data server's xrootd: the files it has open for writing now (ofs opw). */
  readonly openForWrite?: number;
}

export interface Sample { readonly metric: string; readonly labels?: Readonly<Record<string, string>>; readonly value: number }

export class ForeignReportError extends Error {}

const DAEMONS = new Set<string>(['xrootd', 'cmsd']);
const ROLE = /^[a-z][a-z0-9-]{0,62}$/;
const SITE = /^[A-Za-z0-9_.:-]{1,63}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;

/** Reads one packet; ReportXmlError for broken XML, ForeignReportError for XML that is not a report we know. */
export function readReport(packet: string): Report {
  const doc = parseReportXml(packet);
  if (doc.name !== 'statistics') throw new ForeignReportError(`<${doc.name}> is not <statistics>`);
  const pgm = doc.attrs.pgm ?? '';
  const ins = doc.attrs.ins ?? '';
  const src = doc.attrs.src ?? '';
  const host = src.replace(/:\d+$/, '');
  const startedAt = Number(doc.attrs.tos);
  const sentAt = Number(doc.attrs.tod);
  if (!DAEMONS.has(pgm)) throw new ForeignReportError(`pgm ${JSON.stringify(pgm.slice(0, 20))} is not xrootd or cmsd`);
  if (!ROLE.test(ins)) throw new ForeignReportError(`ins ${JSON.stringify(ins.slice(0, 20))} is not an instance name`);
  if (!HOST.test(host)) throw new ForeignReportError(`src ${JSON.stringify(src.slice(0, 40))} is not host:port`);
  if (!Number.isSafeInteger(startedAt) || !Number.isSafeInteger(sentAt)) throw new ForeignReportError('tos and tod must be times');
  const stats = new Map(doc.children.filter((c) => c.name === 'stats' && c.attrs.id).map((c) => [c.attrs.id, c]));
  const values: Sample[] = [];
  const add = (metric: string, value: number | undefined, labels?: Record<string, string>) => {
    if (value !== undefined) values.push({ metric, value, ...(labels ? { labels } : {}) });
  };

  const link = stats.get('link');
  add('xrootd_connections', num(link, 'num'));
  add('xrootd_connections_max', num(link, 'maxn'));
  add('xrootd_connections_total', num(link, 'tot'));
  add('xrootd_received_bytes_total', num(link, 'in'));
  add('xrootd_sent_bytes_total', num(link, 'out'));
  add('xrootd_connection_timeouts_total', num(link, 'tmo'));

  const sched = stats.get('sched');
  add('xrootd_scheduler_jobs_total', num(sched, 'jobs'));
  add('xrootd_scheduler_queued_jobs', num(sched, 'inq'));
  add('xrootd_scheduler_threads', num(sched, 'threads'));
  add('xrootd_scheduler_idle_threads', num(sched, 'idle'));

  const proc = stats.get('proc');
  const cpu = (mode: string) => {
    const s = num(proc, mode, 's');
    const u = num(proc, mode, 'u');
    return s === undefined || u === undefined ? undefined : s + u / 1e6;
  };
  add('xrootd_cpu_seconds_total', cpu('usr'), { mode: 'user' });
  add('xrootd_cpu_seconds_total', cpu('sys'), { mode: 'system' });

  const xrootd = stats.get('xrootd');
  if (xrootd) {
    for (const [tag, op] of OPERATIONS) add('xrootd_operations_total', num(xrootd, 'ops', tag), { operation: op });
    add('xrootd_errors_total', num(xrootd, 'err'));
    add('xrootd_redirects_total', num(xrootd, 'rdr'));
    add('xrootd_delays_total', num(xrootd, 'dly'));
    add('xrootd_logins_total', num(xrootd, 'lgn', 'num'));
    add('xrootd_authentication_failures_total', num(xrootd, 'lgn', 'af'));
    add('xrootd_authenticated_logins_total', num(xrootd, 'lgn', 'au'));
  }
  const ofs = stats.get('ofs');
  if (ofs) {
    add('xrootd_open_files', num(ofs, 'opr'), { mode: 'read' });
    add('xrootd_open_files', num(ofs, 'opw'), { mode: 'write' });
    add('xrootd_file_handles', num(ofs, 'han'));
    for (const result of ['grnt', 'deny', 'err', 'exp'] as const) {
      add('xrootd_third_party_copies_total', num(ofs, 'tpc', result), { result: TPC_RESULT[result] });
    }
  }
  // A cache server's proxy toward its origin (spec.cache): files it opened there, and the opens that failed.
  const pss = stats.get('pss');
  add('xrootd_cache_origin_opens_total', num(pss, 'open'));
  add('xrootd_cache_origin_open_errors_total', num(pss, 'open', 'errs'));
  const openForWrite = num(ofs, 'opw');
  let space: Report['space'];
  for (const p of child(stats.get('oss'), 'paths')?.children ?? []) {
    const path = unquote(child(p, 'lp')?.text);
    if (!path) continue;
    // A figure too large to be a number (a forged packet's 1e306 KiB) is no figure: the text format would carry "Infinity".
    const kib = (tag: string) => { const v = (num(p, tag) ?? NaN) * 1024; return Number.isFinite(v) ? v : undefined; };
    const [bytes, freeBytes] = [kib('tot'), kib('free')];
    add('xrootd_space_bytes', bytes, { path });
    add('xrootd_space_free_bytes', freeBytes, { path });
    // Whole bytes the agent can take: a figure past 2^53 would make it refuse the collector's whole answer.
    if (bytes !== undefined && freeBytes !== undefined && Number.isSafeInteger(bytes) && bytes > 0 && freeBytes <= bytes
      && (!space || freeBytes / bytes < space.freeBytes / space.bytes)) space = { bytes, freeBytes };
  }
  // all.sitename: XRootD writes it with letters, digits, "_", "-" and ":" (others become ".").
  const site = doc.attrs.site ?? '';
  if (SITE.test(site)) add('xrootd_site_info', 1, { site });
  const cmsm = stats.get('cmsm');
  let members: Member[] | undefined;
  if (cmsm) {
    add('xrootd_cms_selections_total', num(cmsm, 'sel', 't'));
    members = (child(cmsm, 'node')?.children ?? []).filter((n) => n.name === 'stats').map(memberOf).filter((m): m is Member => !!m);
    add('xrootd_cms_subscribed_servers', members.filter((m) => m.active).length);
  }
  const name = host.split('.')[0];
  return {
    pod: name, host, role: ins, daemon: pgm as Daemon, startedAt, sentAt, values,
    ...(members ? { members } : {}), ...(space ? { space } : {}),
    ...(Number.isSafeInteger(openForWrite) && openForWrite! >= 0 ? { openForWrite } : {}),
  };
}

/** xrootd <ops> tags and the operation label they get. */
const OPERATIONS: readonly [string, string][] = [
  ['open', 'open'], ['rd', 'read'], ['pr', 'preread'], ['rv', 'readv'], ['wr', 'write'], ['wv', 'writev'],
  ['sync', 'sync'], ['getf', 'getfile'], ['putf', 'putfile'], ['misc', 'other'],
];
const TPC_RESULT = { grnt: 'granted', deny: 'denied', err: 'error', exp: 'expired' } as const;

const unquote = (s: string | undefined): string | undefined => (s && /^"[^"]*"$/.test(s) ? s.slice(1, -1) : s);

/** `a` active, `o` offline, `s` suspended, `d` disabled; then `w` writable, `n` no staging. */
function memberOf(n: XmlElement): Member | undefined {
  const host = child(n, 'host')?.text ?? '';
  const status = child(n, 'run')?.text ?? '';
  if (!/^[aosd][wn]{0,2}$/.test(status)) return undefined;
  const address = BRACKETED_ADDRESS.exec(host)?.[1];
  if (address) return { pod: address, host, address, status, active: status.startsWith('a') };
  if (!HOST.test(host)) return undefined;
  return { pod: host.split('.')[0], host, status, active: status.startsWith('a') };
}

/** `[::10.1.2.3]`, `[::ffff:10.1.2.3]` or `[fd00::5]`: the address as a socket reports it. */
const BRACKETED_ADDRESS = /^\[(?:::(?:ffff:)?)?([0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]{2,39})\]$/;

/** A socket's address as the member list writes it, for matching: IPv4 without the IPv6 prefix. */
export const plainAddress = (a: string): string => a.replace(/^::ffff:/, '');

export { ReportXmlError };
