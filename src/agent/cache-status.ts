/**
 * status.cache: a cache cluster's fill level and hit ratio, from its collector's figures (the
 * file cache's records of closed files, and each cache server's data disks). Pure.
 */
import type { CacheStatus, ClusterModel } from '../../constructs/index.js';
import type { MembershipReport } from './membership.js';

/** Why scale-downs of cache servers skip the drain (docs/xcache.md). */
export const CACHE_DISPOSABLE = 'cache servers hold copies only: a scale-down removes them without a drain, and their disks need no backup';

/** The status of a cache cluster's reporting servers; undefined for a data cluster or when no cache server has reported. */
export function cacheStatus(model: ClusterModel, report: MembershipReport | undefined): CacheStatus | undefined {
  if (!model.spec.cache || !report?.caches?.length) return undefined;
  const servers = report.caches;
  const disks = servers.flatMap((s) => s.disks);
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const percent = (part: number, whole: number) => Math.round((100 * part) / whole);
  const bytes = sum(disks.map((d) => d.bytes));
  const fullest = Math.max(0, ...servers.map((s) => {
    const size = sum(s.disks.map((d) => d.bytes));
    return size > 0 ? percent(sum(s.disks.map((d) => d.usedBytes)), size) : 0;
  }));
  // Served from copies: what went to clients less what came from the origin (releases before 5.7.2 do not say).
  const known = servers.every((s) => s.fetchedBytes !== undefined);
  const sent = sum(servers.map((s) => s.sentBytes));
  const fetched = sum(servers.map((s) => s.fetchedBytes ?? 0));
  return {
    servers: servers.length,
    ...(bytes > 0 ? { fillPercent: percent(sum(disks.map((d) => d.usedBytes)), bytes), fullestPercent: fullest } : {}),
    ...(known ? { fetchedBytes: fetched, sentBytes: sent } : {}),
    ...(known && sent > 0 ? { hitPercent: Math.max(0, percent(sent - fetched, sent)) } : {}),
    disposable: CACHE_DISPOSABLE,
  };
}
