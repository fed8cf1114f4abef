/**
 * What a cache server (spec.cache) sends besides its summary reports, as JSON over UDP:
 * - the file cache's g-stream (`xrootd.mongstream pfc ... send json fullhdr`): a header line, then
 *   one `file_close` record per line, each with the bytes of that file's reads XRootD counts as
 *   hits (b_hit: blocks read ahead count too), misses (b_miss) and passed through (b_bypass), and
 *   from 5.7.2 the bytes it wrote to disk (b_todisk): with b_bypass, what it fetched from the origin;
 * - its data disks' size and use, from run.sh (XRootD's reports carry no fill level: the summary's
 *   cache section is empty from 5.8 on, and the g-stream has no usage record).
 * Both come from the network: anything else is refused with a reason, never thrown past the caller.
 */
// The library's one module the collector loads: it imports nothing (see .dependency-cruiser.cjs).
import { CACHE_DISKS_CODE } from '../../constructs/collector-protocol.js';
import { ForeignReportError } from './report.js';

export interface CacheEvents {
  readonly kind: 'events';
  readonly host: string;
  readonly role: string;
  readonly hitBytes: number;
  readonly missBytes: number;
  readonly bypassBytes: number;
  /** Bytes fetched from the origin (written to disk, or bypassed): 5.7.2 on; undefined before (no b_todisk). */
  readonly fetchedBytes?: number;
  readonly closedFiles: number;
}

export interface CacheDisks {
  readonly kind: 'disks';
  readonly host: string;
  readonly role: string;
  readonly sentAt: number;
  readonly disks: readonly { readonly disk: number; readonly bytes: number; readonly usedBytes: number }[];
}

export type CachePacket = CacheEvents | CacheDisks;

const ROLE = /^[a-z][a-z0-9-]{0,62}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const MAX_RECORDS = 1000;
const MAX_DISKS = 64;

/** A packet that starts with `{`: the pfc g-stream's or run.sh's disk report; ForeignReportError for anything else. */
export function readCachePacket(text: string): CachePacket {
  const lines = text.replace(/\0+$/, '').split('\n').filter((l) => l.trim());
  const header = parseObject(lines[0], 'the header');
  if (header.code === CACHE_DISKS_CODE) return disksOf(header);
  if (header.code !== 'g') throw new ForeignReportError(`code ${JSON.stringify(String(header.code).slice(0, 20))} is not a g-stream's or a disk report's`);
  const gs = header.gs as Record<string, unknown> | undefined;
  if (gs?.type !== 'C') throw new ForeignReportError('not the file cache\'s g-stream (gs.type C)');
  const src = header.src as Record<string, unknown> | undefined;
  const { host, role } = sender(src?.host, src?.inst);
  if (src?.pgm !== 'xrootd') throw new ForeignReportError('a g-stream comes from xrootd');
  if (lines.length - 1 > MAX_RECORDS) throw new ForeignReportError(`more than ${MAX_RECORDS} records`);
  let hitBytes = 0;
  let missBytes = 0;
  let bypassBytes = 0;
  let fetchedBytes: number | undefined;
  let closedFiles = 0;
  for (const line of lines.slice(1)) {
    // The record's lfn is written unescaped (XrdPfc.cc), and a client names the file: read only the
    // byte counts, the last ones of the line (after the lfn).
    const counts = [...line.matchAll(/"b_hit":(\d{1,15}),"b_miss":(\d{1,15}),"b_bypass":(\d{1,15})(?:,"b_todisk":(\d{1,15}))?/g)].pop();
    if (!line.startsWith('{"event":"file_close"') || !counts) continue;
    hitBytes += Number(counts[1]);
    missBytes += Number(counts[2]);
    bypassBytes += Number(counts[3]);
    if (counts[4] !== undefined) fetchedBytes = (fetchedBytes ?? 0) + Number(counts[4]) + Number(counts[3]);
    closedFiles += 1;
  }
  return { kind: 'events', host, role, hitBytes, missBytes, bypassBytes, ...(fetchedBytes === undefined ? {} : { fetchedBytes }), closedFiles };
}

function disksOf(report: Record<string, unknown>): CacheDisks {
  const { host, role } = sender(report.host, report.ins);
  const sentAt = report.tod;
  if (!Number.isSafeInteger(sentAt)) throw new ForeignReportError('tod must be a time');
  const list = report.disks;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_DISKS) throw new ForeignReportError(`disks must list 1 to ${MAX_DISKS} disks`);
  const disks = list.map((d: Record<string, unknown>) => {
    const { disk, kib, usedKib } = d ?? {};
    // The disk number becomes a label: bounded, so that no sender can grow the series without end.
    if (![disk, kib, usedKib].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) || (usedKib as number) > (kib as number)
      || (disk as number) >= MAX_DISKS) {
      throw new ForeignReportError(`a disk is {disk, kib, usedKib}: disk below ${MAX_DISKS}, usedKib at most kib`);
    }
    return { disk: disk as number, bytes: (kib as number) * 1024, usedBytes: (usedKib as number) * 1024 };
  });
  return { kind: 'disks', host, role, sentAt: sentAt as number, disks };
}

function sender(host: unknown, role: unknown): { host: string; role: string } {
  if (typeof host !== 'string' || !HOST.test(host)) throw new ForeignReportError('the sender\'s host is not a host name');
  if (typeof role !== 'string' || !ROLE.test(role)) throw new ForeignReportError('the sender\'s instance is not an instance name');
  return { host, role };
}

function parseObject(line: string | undefined, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line ?? '');
  } catch {
    throw new ForeignReportError(`${what} is not JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ForeignReportError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
