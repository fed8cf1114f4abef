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
  readonly previous?: HealingStatus;
  readonly now: string;
}

export interface HealingStep {
  /** The pod to restart now, and why. */
  readonly restart?: { readonly pod: string; readonly message: string };
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
  const own = new Map(pods.map((p) => [p.name, p]));
  // Who some manager lacks now (a meta-manager's `namespace/pod` members belong to other clusters).
  const lacking = new Map<string, string[]>();
  for (const m of members) {
    for (const pod of m.missing ?? []) if (m.manager && own.has(pod)) lacking.set(pod, [...(lacking.get(pod) ?? []), m.manager!]);
  }
  const sinceBefore = (pod: string) => previous?.unsubscribed?.find((u) => u.pod === pod && u.since)?.since;
  const unsubscribed = [...lacking.keys()].sort().map((pod) => ({ pod, since: sinceBefore(pod) ?? now }));
  // Status as written by the agent (anything else in it is ignored), remembered for a day.
  const restarts = (previous?.restarts ?? []).filter((r): r is Required<HealingRestartStatus> =>
    !!r.pod && !!r.at && Number.isSafeInteger(r.count) && seconds(r.at, now) < RESTART_MEMORY_SECONDS);
  const status = (extra: Partial<HealingStatus> = {}): HealingStatus => ({
    ...(unsubscribed.length ? { unsubscribed } : {}), ...(restarts.length ? { restarts } : {}), ...extra,
  });
  const late = unsubscribed.filter((u) => seconds(u.since, now) >= policy.unsubscribedSeconds)
    .sort((a, b) => a.since.localeCompare(b.since));
  if (!late.length) return { status: status() };
  const names = late.map((u) => u.pod).join(', ');
  const hold = (why: string): HealingStep => ({ status: status({ message: why }), held: why });
  if (!policy.restartUnsubscribed) return hold(`${names} unsubscribed for over ${policy.unsubscribedSeconds} s: not restarted (spec.healing.restartUnsubscribed is false)`);
  if (input.busy) return hold(`${names} unsubscribed for over ${policy.unsubscribedSeconds} s: restarted once ${input.busy} is done`);
  // A manager that lists none of several servers is more likely the one at fault than all of them.
  const blind = members.filter((m) => (m.expected ?? 0) > 1 && m.subscribed === 0 && (m.missing?.length ?? 0) > 1).map((m) => m.manager!);
  if (blind.length) return hold(`${blind.join(', ')} list${blind.length === 1 ? 's' : ''} none of ${blind.length === 1 ? 'its' : 'their'} servers: not restarting the servers`);
  // The others, that is: a server that fell out of the lists may be unready for that very reason.
  const due = new Set(late.map((u) => u.pod));
  const notReady = [...pods, ...input.otherPods].filter((p) => (!p.ready && !due.has(p.name)) || p.deleting).map((p) => p.name);
  if (notReady.length) return hold(`${names} unsubscribed for over ${policy.unsubscribedSeconds} s: restarted once ${notReady.join(', ')} ${notReady.length === 1 ? 'is' : 'are'} Ready`);
  const waiting: string[] = [];
  for (const { pod, since } of late) {
    const last = restarts.find((r) => r.pod === pod);
    const wait = last ? backoffSeconds(policy, last.count) - seconds(last.at, now) : 0;
    if (wait > 0) {
      waiting.push(`${pod} in ${Math.ceil(wait)} s (restarted ${last!.count} time${last!.count === 1 ? '' : 's'} today)`);
      continue;
    }
    const count = (last?.count ?? 0) + 1;
    const entry: Required<HealingRestartStatus> = { pod, reason: 'Unsubscribed', at: now, count };
    const kept = restarts.filter((r) => r.pod !== pod);
    const message = `${pod} restarted: not listed by ${lacking.get(pod)!.join(', ')} since ${since} (spec.healing.unsubscribedSeconds ${policy.unsubscribedSeconds}); its volume is kept`;
    return {
      restart: { pod, message },
      status: {
        ...(unsubscribed.length > 1 ? { unsubscribed: unsubscribed.filter((u) => u.pod !== pod) } : {}),
        restarts: [...kept, entry].sort((a, b) => a.pod.localeCompare(b.pod)),
        message,
      },
    };
  }
  return hold(`unsubscribed, restarted again after a backoff: ${waiting.join('; ')}`);
}
