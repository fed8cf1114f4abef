/**
 * The status of an Xrootd resource, from what the cluster reports: kstatus
 * conditions (Ready, Progressing, Degraded), ready counts per role, versions.
 * Pure: the clock comes in as an argument.
 */
import { insecureWritableExports, ROLES, roleSelector, type AutoExpandStatus, type AutoscaleStatus, type NodeDrainStatus, type LostNodeStatus, type CacheStatus, type ClusterModel, type Role, type DrainStatus, type ExternalAddressStatus, type ManagerMembersStatus, type RollbackStatus, type VolumesStatus, type XrootdCondition, type XrootdStatus } from '../../constructs/index.js';
import type { HealingStep } from './healing.js';
import { membersMissing } from './membership.js';
import { condition as makeCondition } from './conditions.js';
import type { RolloutDecision } from './rollout.js';
import type { StatefulSetView } from './views.js';

const STATUS_KEY: Record<Role, 'redirectors' | 'supervisors' | 'workers'> = { redirector: 'redirectors', supervisor: 'supervisors', worker: 'workers' };

export interface Failure { readonly reason: string; readonly message: string }

export interface StatusInput {
  readonly generation: number;
  readonly previous?: XrootdStatus;
  /** Set when the spec or the apply failed: Degraded, and nothing else is claimed. */
  readonly failure?: Failure;
  readonly model?: ClusterModel;
  readonly statefulSets: ReadonlyMap<Role, StatefulSetView>;
  readonly rollout?: RolloutDecision;
  /** The spec as the resource holds it: remembered as lastReadySpec once the cluster is Ready on it. */
  readonly spec?: Record<string, unknown>;
  /** Set while the cluster runs lastReadySpec because the current spec's rollout got stuck. */
  readonly rolledBack?: RollbackStatus;
  /** With spec.monitoring: what each manager has subscribed (undefined: not known this time, keep what was). */
  readonly members?: readonly ManagerMembersStatus[];
  /** A cache cluster's fill level and hit ratio (undefined: not known this time, keep what was). */
  readonly cache?: CacheStatus;
  /** How long a Ready server may be missing from its manager's list before MembersMissing. */
  readonly membersGraceSeconds?: number;
  /** spec.worker.storage.autoExpand this time (undefined: not decided, keep what status had). */
  readonly autoExpand?: AutoExpandStatus;
  /** spec.worker.autoscale this time (undefined: not decided, keep what status had). */
  readonly autoscale?: AutoscaleStatus;
  /** spec.worker.nodeDrain this time (undefined: not decided, keep what status had). */
  readonly nodeDrain?: readonly NodeDrainStatus[];
  /** spec.healing.lostNodes this time (undefined: not decided, keep what status had). */
  readonly lostNodes?: readonly LostNodeStatus[];
  /** spec.healing's step this time (undefined: not decided, keep what status had). */
  readonly healing?: HealingStep;
  /** The data servers restarted into maintenance so far (undefined: keep what status had). */
  readonly maintenance?: readonly number[];
  /** The data volumes (undefined: a cluster without them, or not known this time). */
  readonly volumes?: VolumesStatus;
  /** A drain in progress or stopped (spec.worker.scaleDown Drain); undefined: none. */
  readonly drain?: DrainStatus;
  /** expose.type LoadBalancer: each pod's outside address (undefined: keep what status had). */
  readonly external?: readonly ExternalAddressStatus[];
  readonly now: string;
}

/** A StatefulSet the controller has caught up with: all its pods exist on the current template. */
function caughtUp(sts: StatefulSetView, wanted: number): boolean {
  const s = sts.status ?? {};
  return (s.observedGeneration ?? 0) >= (sts.metadata.generation ?? 0) && (s.replicas ?? 0) === wanted
    && (s.updatedReplicas ?? 0) === wanted && s.currentRevision === s.updateRevision;
}

/** A StatefulSet that has caught up with its spec and whose pods are all ready on the current template. */
function settled(sts: StatefulSetView | undefined, wanted: number): boolean {
  return !!sts && caughtUp(sts, wanted) && (sts.status?.readyReplicas ?? 0) === wanted;
}

/** A StatefulSet on its current template with all its pods, some of which are not ready. */
function podsNotReady(sts: StatefulSetView | undefined, wanted: number): boolean {
  return !!sts && wanted > 0 && caughtUp(sts, wanted) && (sts.status?.readyReplicas ?? 0) < wanted;
}

function condition(type: string, status: boolean, reason: string, message: string, input: StatusInput): XrootdCondition {
  return makeCondition(input.previous, input, type, status, reason, message);
}

/** Allowed, never silent: writable exports that any client reaching the port may write to. */
function insecureCondition(m: ClusterModel, input: StatusInput): XrootdCondition {
  const open = insecureWritableExports(m.spec);
  return open.length
    ? condition('InsecureWritableExport', true, 'NoAuthorization', `anyone who reaches port ${m.spec.xrootd.port} may write to ${open.join(', ')}: set spec.security.tokens, narrow spec.security.authorization, or make the exports readOnly`, input)
    : condition('InsecureWritableExport', false, 'Secured', 'writes need an authorized token, or every export is read-only', input);
}

/** True while a Ready server has been missing from its manager's list for longer than the grace period. */
function membersCondition(members: readonly ManagerMembersStatus[], input: StatusInput): XrootdCondition {
  const late = membersMissing(members, input.now, input.membersGraceSeconds);
  return late.length
    ? condition('MembersMissing', true, 'NotSubscribed', `Ready servers not subscribed where they should be: ${late.join('; ')}`, input)
    : condition('MembersMissing', false, 'AllSubscribed', 'every Ready server is subscribed to its managers', input);
}

/** True while a Ready server a manager does not list is due for a restart (spec.healing), or was just restarted. */
function healingCondition(step: HealingStep, input: StatusInput): XrootdCondition {
  if (step.restart) return condition('Healing', true, 'Restarted', step.restart.message, input);
  if (step.held) return condition('Healing', true, 'Held', step.held, input);
  return condition('Healing', false, 'NothingToHeal', 'every Ready server is listed by its managers', input);
}

/**
 * spec.worker.storage.autoExpand: True while a data server below the free share cannot grow;
 * spec.worker.autoscale: True while the cluster is below its free share at maxReplicas.
 */
function storageFullCondition(
  expand: AutoExpandStatus | undefined, scale: AutoscaleStatus | undefined, input: StatusInput,
): XrootdCondition {
  const full = expand?.full ?? [];
  if (scale?.atMaximum) return condition('StorageFull', true, 'AtMaxReplicas', scale.message ?? '', input);
  return full.length
    ? condition('StorageFull', true, 'CannotGrow', `${full.map((f) => `${f.pod} has ${f.freePercent}% free and cannot grow: ${f.reason}`).join('; ')}`, input)
    : condition('StorageFull', false, 'Room', `every data server has room or can grow (${[expand && 'spec.worker.storage.autoExpand', scale && 'spec.worker.autoscale'].filter(Boolean).join(', ')})`, input);
}

/** spec.worker.nodeDrain: True while a data server on a cordoned node is being prepared for the drain. */
function nodeDrainCondition(prepared: readonly NodeDrainStatus[], input: StatusInput): XrootdCondition {
  const waiting = prepared.filter((p) => p.phase !== 'Released');
  if (!waiting.length) return condition('NodeDrain', false, 'NoneCordoned', prepared.length ? `released to the drain: ${prepared.map((p) => p.pod).join(', ')}` : 'no data server is on a cordoned node', input);
  const what = (p: NodeDrainStatus) => `${p.pod} on ${p.node}: ${p.phase === 'Suspending' ? 'suspending at its managers' : `suspended, ${p.openForWrite ?? 'an unknown number of'} files open for writing`}`;
  return condition('NodeDrain', true, waiting.some((p) => p.phase === 'Suspending') ? 'Suspending' : 'FinishingWrites', waiting.map(what).join('; '), input);
}

/** spec.healing.lostNodes: True while a pod on a node NotReady too long is not moved (awaiting a fence, lost with its volume, held). */
function nodesLostCondition(lost: readonly LostNodeStatus[], input: StatusInput): XrootdCondition {
  if (!lost.length) return condition('NodesLost', false, 'NoneLost', 'no pod of the cluster is on a node NotReady past spec.healing.lostNodes.notReadySeconds', input);
  const reason = lost.some((p) => p.phase === 'Lost') ? 'DataServerLost' : lost.some((p) => p.phase === 'Held') ? 'Held' : 'AwaitingFence';
  return condition('NodesLost', true, reason, lost.map((p) => `${p.pod} on ${p.node}: ${p.message}`).join('; '), input);
}

/** spec.worker.autoscale: True while the data servers are being added to or removed down to the number chosen. */
function autoscalingCondition(scale: AutoscaleStatus, running: number | undefined, input: StatusInput): XrootdCondition {
  const chosen = scale.replicas;
  if (chosen === undefined || running === undefined || chosen === running) return condition('Autoscaling', false, 'Steady', scale.message ?? '', input);
  return condition('Autoscaling', true, chosen > running ? 'Adding' : 'Removing', scale.message ?? '', input);
}

/** Volumes below the size asked, and volumes kept after a scale-down whose files no pod serves. */
function volumeConditions(v: VolumesStatus, input: StatusInput): XrootdCondition[] {
  const expanding = v.expanding ?? [];
  // Drained volumes hold copies of files the other data servers serve: nothing to warn about.
  const retained = (v.retained ?? []).filter((r) => !r.drainedAt);
  const drained = (v.retained ?? []).filter((r) => r.drainedAt);
  return [
    expanding.length
      ? condition('VolumesExpanding', true, 'Expanding', `${v.atCapacity} of ${v.claims} data volumes at ${v.capacity}; waiting for ${expanding.map((e) => `${e.claim} (${e.capacity}): ${e.waitingFor}`).join('; ')}`, input)
      : condition('VolumesExpanding', false, 'AtCapacity', `every data volume has ${v.capacity}`, input),
    retained.length
      ? condition('VolumesRetained', true, 'ScaledDown', `${retained.map((r) => `${r.claim} (was ${r.pod})`).join(', ')} kept after a scale-down: no pod serves their files. Raise spec.worker.replicas to serve them again, or copy the files off and delete the claims (docs/storage.md)`, input)
      : drained.length
        ? condition('VolumesRetained', false, 'Drained', `${drained.map((r) => `${r.claim} (was ${r.pod})`).join(', ')} kept after a drain: they hold copies of files the other data servers serve; delete them when no longer wanted (docs/storage.md)`, input)
        : condition('VolumesRetained', false, 'NoneRetained', 'every kept data volume belongs to a running data server', input),
  ];
}

/** A condition of the previous status, kept while it still applies and nothing new is known. */
function keep(prev: XrootdStatus, type: string, applies: boolean): XrootdCondition[] {
  const c = applies ? prev.conditions?.find((x) => x.type === type) : undefined;
  return c ? [c] : [];
}

export function computeStatus(input: StatusInput): XrootdStatus {
  const prev = input.previous ?? {};
  if (input.failure || !input.model) {
    const f = input.failure ?? { reason: 'Unknown', message: 'no model' };
    return {
      ...prev,
      observedGeneration: input.generation,
      conditions: [
        condition('Ready', false, f.reason, f.message, input),
        condition('Progressing', false, f.reason, 'nothing is applied until the error is fixed', input),
        condition('Degraded', true, f.reason, f.message, input),
        // kstatus (Flux, cli-utils) reads Stalled: without it a broken spec would look in progress until a timeout.
        condition('Stalled', true, f.reason, f.message, input),
      ],
    };
  }
  const m = input.model;
  const volumes = input.volumes ?? prev.volumes;
  const healing = input.healing?.status ?? prev.healing;
  const autoExpand = m.spec.worker.storage.autoExpand ? input.autoExpand ?? prev.autoExpand : undefined;
  const autoscale = m.spec.worker.autoscale ? input.autoscale ?? prev.autoscale : undefined;
  const nodeDrain = m.spec.worker.nodeDrain ? input.nodeDrain ?? prev.nodeDrain : undefined;
  const lostNodes = m.spec.healing.lostNodes ? input.lostNodes ?? prev.lostNodes ?? [] : undefined;
  const wanted: Record<Role, number> = {
    redirector: m.topology.redirectors,
    supervisor: m.topology.supervisors,
    worker: m.topology.workers,
  };
  const roles: { -readonly [K in keyof XrootdStatus]?: XrootdStatus[K] } = {};
  const waiting: string[] = [];
  for (const role of ROLES) {
    const sts = input.statefulSets.get(role);
    if (wanted[role] === 0 && !sts) continue;
    const before = prev[STATUS_KEY[role]];
    roles[STATUS_KEY[role]] = {
      replicas: sts?.status?.replicas ?? 0,
      ready: sts?.status?.readyReplicas ?? 0,
      updated: sts?.status?.updatedReplicas ?? 0,
      // Only fresh observations count: right after a template change the cached StatefulSet still looks settled.
      version: settled(sts, wanted[role]) && (input.rollout?.upToDate?.[role] ?? true)
        ? m.spec.version
        : before?.version ?? prev.currentVersion,
      targetVersion: m.spec.version,
    };
    if (!settled(sts, wanted[role])) waiting.push(`${role}s ${sts?.status?.readyReplicas ?? 0}/${wanted[role]} ready`);
  }
  const r = input.rollout;
  // Pods that were all ready on this spec and are not any more (a daemon died, its container is
  // restarting): Degraded until they are back. Not a rollout: neither Progressing nor Stalled.
  const wasDegraded = prev.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True')?.reason === 'PodsNotReady';
  const lost = (!r || r.phase === 'Idle') && !input.rolledBack ? ROLES.filter((role) => podsNotReady(input.statefulSets.get(role), wanted[role])
    && (wasDegraded || (prev.observedGeneration === input.generation && prev[STATUS_KEY[role]]?.ready === wanted[role]))) : [];
  const settledAll = waiting.length === 0 && (!r || r.phase === 'Idle') && ROLES.every((role) => r?.upToDate?.[role] !== false || wanted[role] === 0);
  const back = input.rolledBack;
  const drain = input.drain;
  // A drain that cannot go on: nothing was removed, the replicas stay where they were.
  const drainStopped = drain && (drain.phase === 'Refused' || drain.phase === 'Failed') ? [drain.phase === 'Refused' ? 'DrainRefused' : 'DrainFailed', `drain of ${drain.pod}: ${drain.message}`] as const : undefined;
  // Rolled back: the cluster may be healthy, but not on the spec the resource asks for. Draining: not yet at its replicas.
  const ready = settledAll && !back && !drain;
  const selector = Object.entries(roleSelector(m.name, 'worker')).map(([k, v]) => `${k}=${v}`).join(',');
  const waitingFor = r && r.phase !== 'Idle' ? r.message : `waiting for ${waiting.join(', ')}`;
  const stuck = r?.phase === 'Stuck';
  const paused = r?.phase === 'Paused';
  const backMessage = back && `rollout of ${back.fromVersion} (generation ${back.generation}) stopped at ${back.stuckPod}; ${settledAll ? 'rolled back to' : 'rolling back to'} ${back.toVersion} until the spec changes`;
  const lostMessage = lost.length > 0 && `pods that were ready on the current spec are not: ${waiting.join(', ')}; the kubelet restarts failed containers (see the pods' events)`;
  const [readyReason, readyMessage] = ready ? ['Ready', 'every pod is ready on the current spec']
    : back ? ['RolledBack', backMessage!] : lostMessage ? ['PodsNotReady', lostMessage] : drainStopped ?? (settledAll && drain ? ['Draining', drain.message ?? ''] : [stuck ? 'RolloutStuck' : paused ? 'Paused' : 'Progressing', waitingFor]);
  const draining = !!drain && !drainStopped;
  const progressing = (!settledAll || draining) && !stuck && !paused && !lostMessage;
  const [degraded, degradedReason, degradedMessage] = stuck ? [true, 'RolloutStuck', r!.message] : back ? [true, 'RolledBack', backMessage!]
    : lostMessage ? [true, 'PodsNotReady', lostMessage] : drainStopped ? [true, ...drainStopped] : [false, 'Healthy', 'no errors'];
  const progressReason = !settledAll ? (back ? 'RollingBack' : 'RollingOut') : 'Draining';
  const progressMessage = !settledAll ? waitingFor : drain?.message ?? '';
  return {
    observedGeneration: input.generation,
    conditions: [
      condition('Ready', ready, readyReason, readyMessage, input),
      condition('Progressing', progressing, progressing ? progressReason : ready ? 'Ready' : readyReason, progressing ? progressMessage : ready ? 'nothing to do' : readyMessage, input),
      condition('Degraded', degraded, degradedReason, degradedMessage, input),
      condition('Stalled', degraded && !lostMessage, lostMessage ? 'Recovering' : degradedReason, lostMessage ? 'the kubelet restarts the pods that are not ready' : degradedMessage, input),
      condition('Deprecated', m.warnings.length > 0, m.warnings.length ? 'DeprecatedVersion' : 'Supported', m.warnings.length ? m.warnings.join('; ') : `version ${m.spec.version} is supported`, input),
      insecureCondition(m, input),
      ...(m.spec.monitoring.enabled ? [membersCondition(input.members ?? input.previous?.members ?? [], input)] : []),
      ...(m.spec.monitoring.enabled && input.healing ? [healingCondition(input.healing, input)] : keep(prev, 'Healing', m.spec.monitoring.enabled)),
      ...(volumes ? volumeConditions(volumes, input) : []),
      ...(autoExpand || autoscale ? [storageFullCondition(autoExpand, autoscale, input)] : []),
      ...(autoscale ? [autoscalingCondition(autoscale, input.statefulSets.get('worker')?.spec?.replicas, input)] : []),
      ...(nodeDrain ? [nodeDrainCondition(nodeDrain, input)] : []),
      ...(lostNodes ? [nodesLostCondition(lostNodes, input)] : []),
    ],
    ...roles,
    currentVersion: settledAll ? m.spec.version : prev.currentVersion,
    targetVersion: m.spec.version,
    image: m.image,
    workerSelector: selector,
    ...(m.spec.monitoring.enabled && (input.members ?? prev.members) ? { members: [...(input.members ?? prev.members)!] } : {}),
    ...(m.spec.cache && m.spec.monitoring.enabled && (input.cache ?? prev.cache) ? { cache: input.cache ?? prev.cache } : {}),
    ...(volumes ? { volumes } : {}),
    ...(m.spec.monitoring.enabled && healing && Object.keys(healing).length ? { healing } : {}),
    ...(autoExpand && Object.keys(autoExpand).length ? { autoExpand } : {}),
    ...(autoscale && Object.keys(autoscale).length ? { autoscale } : {}),
    ...(nodeDrain?.length ? { nodeDrain: [...nodeDrain] } : {}),
    ...(lostNodes?.length ? { lostNodes: [...lostNodes] } : {}),
    ...(drain ? { drain } : {}),
    ...(input.maintenance ?? prev.maintenance ? { maintenance: [...(input.maintenance ?? prev.maintenance)!] } : {}),
    ...((input.external ?? prev.external)?.length ? { external: [...(input.external ?? prev.external)!] } : {}),
    rollout: r && r.phase !== 'Idle'
      ? { ...r.state, phase: r.phase, message: r.message, ...(r.stuckPod ? { stuckPod: r.stuckPod } : {}) }
      : undefined,
    lastReadySpec: ready && input.spec ? input.spec : prev.lastReadySpec,
    rolledBack: back,
  };
}
