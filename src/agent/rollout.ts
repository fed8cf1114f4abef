/**
 * Where a rolling change stands and what the next step is, from what the
 * cluster shows: StatefulSet partitions per role, decided one gated step at a
 * time. Pure: observations and the clock in, partitions, pods to delete and a
 * status out. The partitions reach the StatefulSets as XrootdCluster's decisions.partitions.
 *
 * A StatefulSet runs its update revision on pods with ordinal >= partition.
 * Roles roll in policy order (data servers, supervisors, redirectors); a role
 * waiting its turn is held at partition = replicas, so its new template is in
 * place but no pod moves. Within the rolling role the partition drops by
 * maxUnavailable once every pod at or above it runs the update revision and
 * has been Ready for minReadySeconds. A pod that is not Ready within the
 * deadline stops the rollout (Degraded, the pod named); nothing further moves.
 */
import type { Role } from '../../constructs/index.js';
import type { PodView, RoleView } from './views.js';

export interface RolloutPolicy {
  readonly order: readonly Role[];
  readonly maxUnavailable: Readonly<Record<Role, number>>;
  readonly minReadySeconds: number;
  readonly stepDeadlineSeconds: number;
  readonly paused: boolean;
}

/** What the status remembers between reconciles (the rest is observed). */
export interface RolloutState {
  readonly role?: Role;
  readonly revision?: string;
  readonly partition?: number;
  readonly stepStartedAt?: string;
  readonly startedAt?: string;
}

export interface RolloutDecision {
  readonly partitions: Record<Role, number>;
  /** Pods stuck on a revision being rolled back from: a StatefulSet never replaces an unready pod itself. */
  readonly deletePods: readonly string[];
  readonly state: RolloutState;
  readonly phase: 'Idle' | 'Rolling' | 'Paused' | 'Stuck';
  readonly message: string;
  /** Set when the rollout is stuck: the pod that did not become Ready in time. */
  readonly stuckPod?: string;
  /** Pods on the update revision per role, for status. */
  readonly updated: Partial<Record<Role, number>>;
  /** Roles whose every pod runs the desired template, as far as fresh observations show. */
  readonly upToDate?: Partial<Record<Role, boolean>>;
}

const secondsSince = (iso: string | undefined, now: number): number => (iso ? (now - Date.parse(iso)) / 1000 : 0);

function onUpdate(r: RoleView, p: PodView): boolean {
  return !!r.updateRevision && p.revision === r.updateRevision;
}

/** The ordinals below replicas with no pod: replaced, and not made again yet. */
function missingOrdinals(r: RoleView): number[] {
  const present = new Set(r.pods.map((p) => p.ordinal));
  return Array.from({ length: r.replicas }, (_, i) => i).filter((i) => !present.has(i));
}

/** A role with work to do: its template is about to change, or some pod is not on the update revision. */
function rolling(r: RoleView): boolean {
  if (!r.exists) return false;
  if (r.templateChanging) return true;
  return r.updateRevision !== undefined && (r.currentRevision !== r.updateRevision || r.pods.some((p) => !onUpdate(r, p)));
}

export function decideRollout(roles: readonly RoleView[], policy: RolloutPolicy, previous: RolloutState, nowIso: string): RolloutDecision {
  const upToDate = Object.fromEntries(roles.map((r) => [r.role, r.exists && !r.statusBehind && !rolling(r)]));
  return { ...plan(roles, policy, previous, nowIso), upToDate };
}

function plan(roles: readonly RoleView[], policy: RolloutPolicy, previous: RolloutState, nowIso: string): RolloutDecision {
  const now = Date.parse(nowIso);
  const byRole = new Map(roles.map((r) => [r.role, r]));
  const partitions = Object.fromEntries(roles.map((r) => [r.role, 0])) as Record<Role, number>;
  const updated: Partial<Record<Role, number>> = {};
  for (const r of roles) updated[r.role] = r.pods.filter((p) => onUpdate(r, p)).length;
  const ordered = policy.order.map((role) => byRole.get(role)).filter((r): r is RoleView => !!r);
  // Stale revisions prove nothing: keep every partition where it is (a role whose template changes
  // again is held entirely) until the controller catches up, which triggers the next reconcile.
  if (roles.some((r) => r.exists && r.statusBehind && !r.templateChanging)) {
    for (const r of roles) partitions[r.role] = r.templateChanging ? r.replicas : r.partition;
    const phase = previous.role ? (policy.paused ? 'Paused' : 'Rolling') : 'Idle';
    return { partitions, deletePods: [], state: previous, phase, message: 'waiting for the StatefulSet controller to see the last change', updated };
  }
  // The role being rolled stays active until its last step has settled (below): while a pod it
  // replaced is not made again, the StatefulSet controller counts only the pods left, finds them
  // all updated and Ready, and marks the update revision current for good, so from the revisions
  // alone the role would look done before its last pod is back and Ready.
  const active = ordered.find((r) => rolling(r) || (r.role === previous.role && r.exists));
  if (!active) return { partitions, deletePods: [], state: {}, phase: 'Idle', message: 'no rollout', updated };

  // Roles after the active one wait with every pod where it is; roles before it are done.
  let after = false;
  for (const r of ordered) {
    if (r === active) { after = true; continue; }
    partitions[r.role] = after && r.exists ? r.replicas : 0;
  }
  const startedAt = previous.startedAt ?? nowIso;

  // A new update revision (first step, or the spec changed mid-rollout): start the role over from the top.
  const sameStep = previous.role === active.role && previous.revision === active.updateRevision && !active.templateChanging;
  if (!sameStep) {
    partitions[active.role] = active.replicas;
    return {
      partitions, deletePods: [], phase: policy.paused ? 'Paused' : 'Rolling', updated,
      state: {
        role: active.role,
        revision: active.templateChanging ? undefined : active.updateRevision,
        partition: active.replicas,
        stepStartedAt: nowIso,
        startedAt,
      },
      message: `${active.role}s: new template in place, no pod replaced yet`,
    };
  }

  const partition = Math.min(previous.partition ?? active.partition, active.replicas);
  partitions[active.role] = partition;
  const state: RolloutState = { ...previous, startedAt };
  const progress = `${active.role}s ${updated[active.role]}/${active.replicas} updated`;
  if (policy.paused) return { partitions, deletePods: [], state, phase: 'Paused', message: `paused: ${progress}`, updated };

  // Pods at or above the partition must run the update revision and be Ready long enough.
  const settled = (p: PodView | undefined): boolean => !!p && onUpdate(active, p) && p.ready && !p.deleting
    && secondsSince(p.readySince, now) >= policy.minReadySeconds;
  const byOrdinal = new Map(active.pods.map((p) => [p.ordinal, p]));
  // The lowest ordinal from which every pod up to the top is settled: pods already on the
  // update revision (a rollback to what they run) need no replacement and are skipped.
  let settledFrom = active.replicas;
  while (settledFrom > 0 && settled(byOrdinal.get(settledFrom - 1))) settledFrom--;
  const inStep = active.pods.filter((p) => p.ordinal >= partition);
  const stuckOld = inStep.filter((p) => !onUpdate(active, p) && !p.ready && !p.deleting).map((p) => p.name);
  const waiting = inStep.filter((p) => !settled(p));
  const missing = missingOrdinals(active).filter((i) => i >= partition).map((i) => `${active.statefulSet}-${i}`);
  if (settledFrom <= partition) {
    if (settledFrom === 0) {
      // This role is done; the next reconcile picks the next role.
      partitions[active.role] = 0;
      return { partitions, deletePods: [], state: { startedAt }, phase: 'Rolling', message: `${active.role}s done`, updated };
    }
    const next = Math.max(0, settledFrom - Math.max(1, policy.maxUnavailable[active.role]));
    partitions[active.role] = next;
    return {
      partitions, deletePods: [], phase: 'Rolling', updated,
      state: { ...state, partition: next, stepStartedAt: nowIso },
      message: `${progress}; replacing ${active.role} pods ${next}..${settledFrom - 1}`,
    };
  }
  // A pod not made again is waited for, not held against the new template (the deadline and its
  // rollback): what keeps it from being made (a quota, a volume) is reported by its StatefulSet.
  const late = waiting.find((p) => !p.ready) && secondsSince(previous.stepStartedAt, now) > policy.stepDeadlineSeconds;
  if (late) {
    const pod = waiting.find((p) => !p.ready)!;
    return {
      partitions, deletePods: stuckOld, state, phase: 'Stuck', stuckPod: pod.name, updated,
      // Stable text: the status is rewritten only when something really changes.
      message: `${pod.name} not Ready within ${policy.stepDeadlineSeconds} s of its replacement; rollout stopped`,
    };
  }
  const waitingFor = [...waiting.map((p) => p.name), ...missing.map((name) => `${name} (not made again yet)`)];
  return { partitions, deletePods: stuckOld, state, phase: 'Rolling', message: `${progress}; waiting for ${waitingFor.join(', ')}`, updated };
}
