/**
 * spec.healing.restartUnsubscribed: a data server or supervisor that a manager has not listed for a
 * while serves nobody, and nothing else restarts it: a hung cmsd keeps xrootd reporting it active,
 * so its liveness passes, and once the manager drops it the pod is merely unready. An expert on
 * call restarts it; so does the agent: one pod at a time, only while everything else is Ready and
 * nothing else is changing the cluster, and with a backoff per pod. Pure: the decision; the
 * reconciler deletes the pod and records the step.
 */
import type { HealingRestartStatus, HealingStatus, ManagerMembersStatus, ResolvedHealingSpec } from '../../constructs/index.js';
import type { PodView } from './views.js';

/** A restart is remembered (for the backoff) this long. */
export const RESTART_MEMORY_SECONDS = 86400;

export interface HealingInput {
  readonly policy: ResolvedHealingSpec;
  /** Each Ready manager's members (missing: every pod of the cluster it does not list), from a collector that answered now; undefined: not known, nothing is decided. */
  readonly members?: readonly ManagerMembersStatus[];
  /** This cluster's pods whose subscriptions are watched (data servers and supervisors). */
  readonly pods: readonly PodView[];
  /** This cluster's other pods (redirectors): all must be Ready too. */
  readonly otherPods: readonly PodView[];
  /** Why the cluster is busy (a rollout, a drain, maintenance), if it is: nothing is restarted meanwhile. */
  readonly busy?: string;
  /** The agent's own memory of its restarts of this cluster's pods (status may have missed one). */
  readonly remembered?: readonly HealingRestartStatus[];
  /** Uids of the pods the agent has seen Ready (a pod its manager dropped may turn unready before the agent looks). */
  readonly wasReady?: ReadonlySet<string>;
  readonly previous?: HealingStatus;
  readonly now: string;
}

export interface HealingStep {
  /** The pod to restart now, and why. */
  readonly restart?: { readonly pod: string; readonly message: string; readonly entry: Required<HealingRestartStatus> };
  readonly status: HealingStatus;
  /** A Ready server is missing past unsubscribedSeconds and is not restarted now: why. */
  readonly held?: string;
}

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

/** How long after its last restart a pod may be restarted again: backoffSeconds, doubled at each restart within the memory. */
export function backoffSeconds(policy: ResolvedHealingSpec, restarts: number): number {
  return Math.min(RESTART_MEMORY_SECONDS, policy.backoffSeconds * 2 ** Math.max(0, restarts - 1));
}

export function decideHealing(input: HealingInput): HealingStep {
  const { policy, members, pods, now, previous } = input;
  // No fresh list: nothing is known about who is missing, so nothing is decided or forgotten.
  if (!members) return { status: previous ?? {} };
  const own = new Map(pods.filter((p) => !p.deleting).map((p) => [p.name, p]));
  // Who some manager lacks now (a meta-manager's `namespace/pod` members belong to other clusters).
  const lacking = new Map<string, string[]>();
  for (const m of members) {
    for (const pod of m.missing ?? []) if (m.manager && own.has(pod)) lacking.set(pod, [...(lacking.get(pod) ?? []), m.manager]);
  }
  // Watched from the first look at it missing once it has been Ready, then while missing, Ready or not (a server
  // its manager dropped turns unready), as long as it is the same pod: one starting, never Ready, is not watched.
  const before = (pod: string, uid: string | undefined) => previous?.unsubscribed?.find((u) => u.pod === pod && u.since && u.uid === uid);
  const unsubscribed = [...lacking.keys()].sort().flatMap((pod) => {
    const view = own.get(pod)!;
    const since = before(pod, view.uid)?.since ?? (view.ready || (view.uid && input.wasReady?.has(view.uid)) ? now : undefined);
    return since ? [{ pod, ...(view.uid ? { uid: view.uid } : {}), since }] : [];
  });
  // Restarts as status and the agent's memory have them (a status write may fail after a restart), for a day.
  const restarts = mergeRestarts([...(previous?.restarts ?? []), ...(input.remembered ?? [])])
    .filter((r) => seconds(r.at, now) < RESTART_MEMORY_SECONDS);
  const status = (extra: Partial<HealingStatus> = {}): HealingStatus => ({
    ...(unsubscribed.length ? { unsubscribed } : {}), ...(restarts.length ? { restarts } : {}), ...extra,
  });
  const late = unsubscribed.filter((u) => seconds(u.since, now) >= policy.unsubscribedSeconds)
    .sort((a, b) => a.since.localeCompare(b.since));
  if (!late.length) return { status: status() };
  const names = late.map((u) => u.pod).join(', ');
  const hold = (why: string): HealingStep => ({ status: status({ message: why }), held: why });
  const overdue = `${names} unsubscribed for over ${policy.unsubscribedSeconds} s`;
  if (!policy.restartUnsubscribed) return hold(`${overdue}: not restarted (spec.healing.restartUnsubscribed is false)`);
  if (input.busy) return hold(`${overdue}: restarted once ${input.busy} is done`);
  // A manager that lists none of several servers is more likely the one at fault than all of them.
  const blind = members.filter((m) => (m.expected ?? 0) > 1 && m.subscribed === 0 && (m.missing?.length ?? 0) > 1).map((m) => m.manager!);
  if (blind.length) return hold(`${blind.join(', ')} list${blind.length === 1 ? 's' : ''} none of ${blind.length === 1 ? 'its' : 'their'} servers: not restarting the servers`);
  // One at a time: the last restart's pod gets unsubscribedSeconds to come back before another goes.
  const recent = restarts.filter((r) => seconds(r.at, now) < policy.unsubscribedSeconds).map((r) => r.pod);
  if (recent.length) return hold(`${overdue}: restarted once ${recent.join(', ')}, restarted at most ${policy.unsubscribedSeconds} s ago, has had time to come back`);
  const waiting: string[] = [];
  for (const { pod, since } of late) {
    // Every other pod Ready: the one to restart may be unready itself (its manager dropped it).
    const notReady = [...pods, ...input.otherPods].filter((p) => p.name !== pod && (!p.ready || p.deleting)).map((p) => p.name);
    if (notReady.length) return hold(`${overdue}: restarted once ${notReady.join(', ')} ${notReady.length === 1 ? 'is' : 'are'} Ready`);
    const last = restarts.find((r) => r.pod === pod);
    const wait = last ? backoffSeconds(policy, last.count) - seconds(last.at, now) : 0;
    if (wait > 0) {
      waiting.push(`${pod} in ${Math.ceil(wait)} s (restarted ${last!.count} time${last!.count === 1 ? '' : 's'} today)`);
      continue;
    }
    const entry: Required<HealingRestartStatus> = { pod, reason: 'Unsubscribed', at: now, count: (last?.count ?? 0) + 1 };
    const message = `${pod} restarted: not listed by ${lacking.get(pod)!.join(', ')} since ${since} (spec.healing.unsubscribedSeconds ${policy.unsubscribedSeconds}); its volume is kept`;
    const rest = unsubscribed.filter((u) => u.pod !== pod);
    return {
      restart: { pod, message, entry },
      status: { ...(rest.length ? { unsubscribed: rest } : {}), restarts: mergeRestarts([...restarts, entry]), message },
    };
  }
  return hold(`unsubscribed, restarted again after a backoff: ${waiting.join('; ')}`);
}

/** One entry per pod, its latest restart; anything not as the agent writes it is ignored. */
function mergeRestarts(all: readonly HealingRestartStatus[]): Required<HealingRestartStatus>[] {
  const latest = new Map<string, Required<HealingRestartStatus>>();
  for (const r of all) {
    if (!r.pod || !r.at || !r.reason || !Number.isSafeInteger(r.count) || Number.isNaN(Date.parse(r.at))) continue;
    const have = latest.get(r.pod);
    if (!have || Date.parse(r.at) > Date.parse(have.at)) latest.set(r.pod, r as Required<HealingRestartStatus>);
  }
  return [...latest.values()].sort((a, b) => a.pod.localeCompare(b.pod));
}
