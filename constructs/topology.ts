/**
 * How many supervisors a cluster needs, and which data servers subscribe to
 * them. A manager (and a supervisor) accepts 64 subscribers.
 *
 * Assignment is explicit and deterministic instead of relying on a full
 * manager redirecting newcomers to supervisors: that redirect only works for
 * supervisors that subscribed before the manager filled up, and pods start in
 * no guaranteed order. So with S supervisors, each manager takes S supervisors
 * plus the first 64 - S data servers (by ordinal); data server n beyond those
 * subscribes to supervisor (n - (64 - S)) mod S.
 */
export const SUBSCRIBER_SLOTS = 64;

export interface Topology {
  readonly redirectors: number;
  readonly supervisors: number;
  readonly workers: number;
  /** Data servers with ordinal below this subscribe to the managers directly. */
  readonly directWorkers: number;
}

/** The fewest supervisors that give every data server a slot. */
export function supervisorsNeeded(workers: number): number {
  if (workers <= SUBSCRIBER_SLOTS) return 0;
  return Math.ceil((workers - SUBSCRIBER_SLOTS) / (SUBSCRIBER_SLOTS - 1));
}

/** Most data servers a cluster with this many supervisors can hold. */
export function capacity(supervisors: number): number {
  return SUBSCRIBER_SLOTS - supervisors + SUBSCRIBER_SLOTS * supervisors;
}

export function topology(redirectors: number, workers: number, supervisorOverride?: number): Topology {
  const supervisors = supervisorOverride ?? supervisorsNeeded(workers);
  const directWorkers = supervisors === 0 ? workers : Math.min(workers, SUBSCRIBER_SLOTS - supervisors);
  return { redirectors, supervisors, workers, directWorkers };
}

/** The supervisor a data server subscribes to, or undefined for one that subscribes to the managers. */
export function supervisorOf(t: Topology, workerOrdinal: number): number | undefined {
  if (t.supervisors === 0 || workerOrdinal < t.directWorkers) return undefined;
  return (workerOrdinal - t.directWorkers) % t.supervisors;
}
