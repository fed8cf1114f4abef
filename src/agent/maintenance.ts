/**
 * Data servers entering or leaving maintenance (spec.worker.maintenance). A data
 * server reads the maintenance list when it starts, so each change is carried out
 * by restarting that pod: one at a time, and only while every other data server
 * is Ready, so that maintenance never takes more than one server away at once.
 * Pure: the decision; the reconciler deletes the pod and records the step.
 */
import type { PodView } from './views.js';

export interface MaintenanceStep {
  /** The pod to restart now, if any. */
  readonly restart?: { readonly pod: string; readonly ordinal: number; readonly entering: boolean };
  /** The ordinals in maintenance once this step is done (status.maintenance). */
  readonly applied: number[];
  /** Changes still to carry out after this step. */
  readonly pending: number;
}

export function decideMaintenance(
  wanted: readonly number[],
  applied: readonly number[],
  replicas: number,
  pods: readonly PodView[],
  statefulSet: string,
): MaintenanceStep {
  const want = new Set(wanted.filter((o) => o < replicas));
  const have = new Set(applied.filter((o) => o < replicas));
  const changes = [...new Set([...want, ...have])].filter((o) => want.has(o) !== have.has(o)).sort((a, b) => a - b);
  // An ordinal with no pod (not created yet, or being replaced) starts with the current list anyway.
  const withPod = changes.filter((o) => pods.some((p) => p.ordinal === o && !p.deleting));
  const settled = [...want].sort((a, b) => a - b);
  const noPodYet = changes.filter((o) => !withPod.includes(o));
  const next = withPod[0];
  const base = [...have].filter((o) => !noPodYet.includes(o)).concat(noPodYet.filter((o) => want.has(o)));
  if (next === undefined) return { applied: settled, pending: 0 };
  const othersReady = pods.filter((p) => p.ordinal !== next).every((p) => p.ready && !p.deleting) && pods.length >= replicas;
  if (!othersReady) return { applied: base.sort((a, b) => a - b), pending: withPod.length };
  const entering = want.has(next);
  const after = entering ? [...base, next] : base.filter((o) => o !== next);
  return { restart: { pod: `${statefulSet}-${next}`, ordinal: next, entering }, applied: after.sort((a, b) => a - b), pending: withPod.length - 1 };
}
