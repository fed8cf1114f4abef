/**
 * A scale-down with spec.worker.scaleDown Drain, one data server at a time, highest ordinal first:
 * hold the StatefulSet at its size, put the servers to drain in maintenance (no new files land
 * there, reads still served), run the drain Job for the highest once it is in maintenance and
 * Ready, and lower the replicas by one when that Job has succeeded. The Jobs are the state: an
 * agent restarted mid-drain finds them and carries on. Pure: the decision; the reconciler
 * synthesizes with it, applies the Job and reports.
 */
import { DRAIN_GENERATION_ANNOTATION, DRAIN_ORDINAL_LABEL, DRAIN_TARGETS_ANNOTATION, parseDrainProgress, type DrainProgress } from '../../constructs/internal.js';
import type { DrainStatus } from '../../constructs/index.js';
import type { JobObject, PodView } from './views.js';

/** spec.worker.maintenance's maxItems: what the drain adds to it must fit too. */
const MAINTENANCE_MAX = 64;

export interface DrainInput {
  readonly policy: string;
  /** spec.worker.replicas. */
  readonly desired: number;
  /** The live data-server StatefulSet's replicas (undefined: none yet). */
  readonly live?: number;
  readonly specMaintenance: readonly number[];
  /** The data servers restarted into maintenance so far (status.maintenance). */
  readonly inMaintenance: readonly number[];
  readonly pods: readonly PodView[];
  /** The cluster's drain Jobs. */
  readonly jobs: readonly JobObject[];
  readonly generation: number;
  /** The data-server pod name of an ordinal. */
  readonly podName: (ordinal: number) => string;
  /** Why the Job's pod stopped (its termination message) or how far it got (its log), when known. */
  readonly jobLog?: string;
}

export interface DrainStep {
  /** The data servers to synthesize. */
  readonly replicas: number;
  /** spec.worker.maintenance to synthesize: the spec's and the servers being drained. */
  readonly maintenance: number[];
  /** The drain Job that should exist now. */
  readonly job?: { readonly ordinal: number; readonly targets: number[] };
  /** The Job this decision looked at (for its pod's log). */
  readonly jobName?: string;
  /** A data server whose drain has just completed: the replicas are lowered past it now. */
  readonly drained?: { readonly pod: string; readonly ordinal: number; readonly summary?: string };
  readonly status?: DrainStatus;
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

function finished(job: JobObject, type: 'Complete' | 'Failed'): { reason?: string; message?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

export function decideDrain(input: DrainInput): DrainStep {
  const { desired, live, specMaintenance } = input;
  if (input.policy !== 'Drain' || live === undefined || live <= desired) return { replicas: desired, maintenance: [...specMaintenance] };
  const ordinal = live - 1;
  const pod = input.podName(ordinal);
  // Highest first, as many as spec.worker.maintenance can take along with the spec's own.
  const draining = range(desired, live).reverse().filter((o) => !specMaintenance.includes(o));
  const maintenance = [...specMaintenance, ...draining.slice(0, Math.max(1, MAINTENANCE_MAX - specMaintenance.length))]
    .sort((a, b) => a - b);
  const targets = range(0, desired).filter((o) => !specMaintenance.includes(o));
  const base = { pod, remaining: range(desired, ordinal).reverse().map(input.podName), targets: targets.map(input.podName) };
  const hold = { replicas: live, maintenance };
  if (!targets.length) {
    return { ...hold, status: { ...base, phase: 'Refused', message: `no data server stays in service to take the files of ${pod}: every one below ${desired} is in spec.worker.maintenance` } };
  }
  const mine = input.jobs.filter((j) => j.metadata.labels?.[DRAIN_ORDINAL_LABEL] === String(ordinal) && j.metadata.annotations?.[DRAIN_TARGETS_ANNOTATION] === targets.join(','));
  const done = mine.find((j) => finished(j, 'Complete'));
  if (done) {
    const summary = input.jobLog?.split('\n').find((l) => l.startsWith('drained '));
    return { replicas: live - 1, maintenance, jobName: done.metadata.name, drained: { pod, ordinal, summary } };
  }
  const job = { ordinal, targets };
  const current = mine.find((j) => !j.metadata.deletionTimestamp);
  const failed = current && finished(current, 'Failed');
  if (current && failed) {
    const retry = current.metadata.annotations?.[DRAIN_GENERATION_ANNOTATION] !== String(input.generation);
    const refused = failed.reason === 'PodFailurePolicy';
    const why = lastLine(input.jobLog) ?? failed.message ?? failed.reason ?? 'the Job failed';
    return {
      ...hold, jobName: current.metadata.name,
      // Not in the desired objects: pruned, then made again at the next reconcile.
      ...(retry ? {} : { job }),
      status: { ...base, job: current.metadata.name, phase: refused ? 'Refused' : 'Failed', message: retry ? 'the spec changed: trying again' : `${why}; nothing was removed. Change the spec (free space, more replicas) to try again` },
    };
  }
  if (current) {
    const progress: Partial<DrainProgress> = parseDrainProgress(input.jobLog ?? '') ?? {};
    const shown = progress.totalFiles !== undefined ? `: ${progress.files}/${progress.totalFiles} files, ${progress.bytes}/${progress.totalBytes} bytes` : '';
    return { ...hold, job, jobName: current.metadata.name, status: { ...base, job: current.metadata.name, phase: 'Copying', ...progress, message: `copying the files of ${pod} to ${base.targets.join(', ')}${shown}` } };
  }
  // A Job being deleted (a changed plan) is gone before its successor starts.
  if (mine.length) return { ...hold, status: { ...base, phase: 'Preparing', message: `waiting for the previous drain Job of ${pod} to go` } };
  const ready = input.inMaintenance.includes(ordinal) && input.pods.some((p) => p.ordinal === ordinal && p.ready && !p.deleting);
  return ready
    ? { ...hold, job, status: { ...base, phase: 'Copying', message: `starting the copy of the files of ${pod}` } }
    : { ...hold, status: { ...base, phase: 'Preparing', message: `waiting for ${pod} to be Ready in maintenance (no new files land on it)` } };
}

const lastLine = (log: string | undefined): string | undefined => log?.trim().split('\n').filter(Boolean).at(-1)?.replace(/^drain: /, '');
