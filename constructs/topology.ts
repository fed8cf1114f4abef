/**
 * How many supervisors a cluster needs, and which data servers subscribe to
 * them. A manager (and a supervisor) accepts 64 subscribers.
 *
 * Assignment is explicit and deterministic instead of relying on a full
 * manager redirecting newcomers to supervisors: that redirect only works for
 * supervisors that subscribed before the manager filled up, and pods start in
 * no guaranteed order. So with S supervisors, each manager takes S supervisors
 * plus the first 64 - S data servers (by ordinal). Each data server beyond
 * those subscribes to R supervisors (spec.supervisor.redundancy): the k-th
 * (k = ordinal - (64 - S)) to supervisors k, k + 1, ... k + R - 1 (mod S), so
 * losing one supervisor leaves every data server reachable through another.
 */
import type { ClusterNames } from './names.js';
export const SUBSCRIBER_SLOTS = 64;
/** How many supervisors a data server below them subscribes to, unless the spec says otherwise. */
export const DEFAULT_SUPERVISOR_REDUNDANCY = 2;

export interface Topology {
  readonly redirectors: number;
  readonly supervisors: number;
  readonly workers: number;
  /** Data servers with ordinal below this subscribe to the managers directly. */
  readonly directWorkers: number;
  /** How many supervisors each data server beyond directWorkers subscribes to (at most supervisors). */
  readonly redundancy: number;
}

/** Most data servers a cluster with this many supervisors can hold: the managers' slots, then each supervisor's. */
export function capacity(supervisors: number, redundancy = DEFAULT_SUPERVISOR_REDUNDANCY): number {
  if (supervisors === 0) return SUBSCRIBER_SLOTS;
  if (supervisors < redundancy) return 0;
  return SUBSCRIBER_SLOTS - supervisors + supervisors * Math.floor(SUBSCRIBER_SLOTS / redundancy);
}

/** The fewest supervisors that give every data server its slots (at least `redundancy` of them). */
export function supervisorsNeeded(workers: number, redundancy = DEFAULT_SUPERVISOR_REDUNDANCY): number {
  if (workers <= SUBSCRIBER_SLOTS) return 0;
  const perSupervisor = Math.floor(SUBSCRIBER_SLOTS / redundancy) - 1;
  return Math.max(redundancy, Math.ceil((workers - SUBSCRIBER_SLOTS) / perSupervisor));
}

export function topology(
  redirectors: number,
  workers: number,
  supervisorOverride?: number,
  redundancy = DEFAULT_SUPERVISOR_REDUNDANCY,
): Topology {
  const supervisors = supervisorOverride ?? supervisorsNeeded(workers, redundancy);
  const directWorkers = supervisors === 0 ? workers : Math.min(workers, SUBSCRIBER_SLOTS - supervisors);
  return { redirectors, supervisors, workers, directWorkers, redundancy: Math.min(redundancy, supervisors) };
}

/** The supervisors a data server subscribes to: none for one that subscribes to the managers. */
export function supervisorsOf(t: Topology, workerOrdinal: number): number[] {
  if (t.supervisors === 0 || workerOrdinal < t.directWorkers) return [];
  const k = workerOrdinal - t.directWorkers;
  return Array.from({ length: t.redundancy }, (_, i) => (k + i) % t.supervisors);
}

/** Exposure through Services (NodePort, LoadBalancer); None and HostNetwork have none. */
export const exposesPerPodServices = (type: string): type is 'NodePort' | 'LoadBalancer' => type === 'NodePort' || type === 'LoadBalancer';

/** The pods outside clients are redirected to, each with a Service of its own when exposed: every data server and supervisor. */
export function podsWithOwnService(names: ClusterNames, t: Topology): { role: 'worker' | 'supervisor'; ordinal: number; pod: string }[] {
  return (['worker', 'supervisor'] as const).flatMap((role) => Array.from({ length: role === 'worker' ? t.workers : t.supervisors }, (_, ordinal) => ({ role, ordinal, pod: names.pod(role, ordinal) })));
}
