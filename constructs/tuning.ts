/**
 * Threads and buffer memory from a role's resources. XRootD sizes both from the host, never from
 * the pod: its thread ceiling from RLIMIT_NPROC or pid_max (up to 30000; 8192 from 5.8.2,
 * XrdScheduler::setNproc) and its buffer pool's target from 1/8 of the node's RAM (XrdBuffer.cc,
 * sysconf(_SC_PHYS_PAGES)), so a pod on a large node may outgrow its memory limit. Each working
 * thread may hold a 2 MiB request buffer: a quarter of the limit for them, an eighth for the pool.
 */
import type { ResolvedResourceSpec } from './api/types.generated.js';
import { quantityBytes, quantityValue } from './quantity.js';

const MiB = 2 ** 20;
/** XRootD's own ceiling (XrdScheduler.hh DFL_SCHED_PROCS) and a floor for small pods. */
const MAX_THREADS = 8192;
const MIN_THREADS = 64;
/** XRootD's per-request buffer, the most a working thread holds. */
const REQUEST_BUFFER = 2 * MiB;
/** xrd.buffers' size is read into an int (XrdConfig::xbuf): 2 GiB and above is dropped or wraps. */
const MAX_BUFFER_POOL_MIB = 1900;

export interface Tuning {
  readonly minThreads: number;
  readonly maxThreads: number;
  readonly bufferPoolMiB: number;
}

/** Undefined without a memory limit: XRootD's own defaults apply. */
export function tuningOf(resources: ResolvedResourceSpec): Tuning | undefined {
  const limit = resources.limits?.memory === undefined ? undefined : quantityBytes(resources.limits.memory);
  if (!limit) return undefined;
  const maxThreads = Math.min(MAX_THREADS, Math.max(MIN_THREADS, Math.floor(limit / 4 / REQUEST_BUFFER)));
  const cpu = resources.limits?.cpu ?? resources.requests?.cpu;
  const cores = cpu === undefined ? undefined : quantityValue(cpu);
  // Ready for a burst: 4 per core, at least XRootD's default of 8.
  const minThreads = Math.min(maxThreads, Math.max(8, Math.ceil(4 * (cores ?? 0))));
  return { minThreads, maxThreads, bufferPoolMiB: Math.max(1, Math.min(MAX_BUFFER_POOL_MIB, Math.floor(limit / 8 / MiB))) };
}

/** The directives of a role's block; avlt (threads kept for new work) at XRootD's 3/4 of the ceiling. */
export function tuningDirectives(resources: ResolvedResourceSpec): string[] {
  const t = tuningOf(resources);
  if (!t) return [];
  return [`xrd.sched mint ${t.minThreads} maxt ${t.maxThreads} avlt ${Math.floor((t.maxThreads * 3) / 4)}`, `xrd.buffers ${t.bufferPoolMiB}m`];
}
