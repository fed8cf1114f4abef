/**
 * spec.worker.nodeDrain: a data server on a cordoned node is prepared before the drain takes it
 * (the data servers' disruption budget refuses every eviction meanwhile). Its node goes in the
 * cordoned list the pod reads, and its cmsd suspends itself at its managers: no new files land
 * there, open ones go on. Once every manager that lists it reports it suspended and a report of
 * its xrootd from after that shows no file open for writing (or writesTimeoutSeconds have
 * passed), its pod is released: labelled out of the budget, so the drain's next eviction (it
 * retries every 5 s) takes it. Until a drain comes (a node only cordoned) or the node is
 * uncordoned (the server resumes), it stays suspended. One release per reconcile. Pure: the
 * decision; the reconciler renders the list and labels the pod.
 */
import type { NodeDrainStatus, ResolvedNodeDrainSpec } from '../../constructs/index.js';
import type { MembershipReport } from './membership.js';
import type { PodView } from './views.js';

export interface NodeDrainInput {
  readonly policy?: ResolvedNodeDrainSpec;
  /** The cluster's data server pods. */
  readonly pods: readonly Pick<PodView, 'name' | 'uid' | 'node' | 'deleting' | 'ready' | 'released'>[];
  /** The cordoned nodes; undefined: not known (not readable), nothing is decided. */
  readonly cordoned?: ReadonlySet<string>;
  /** From a collector that answered now; undefined: nothing is released. */
  readonly membership?: Pick<MembershipReport, 'managers' | 'spaces'>;
  readonly previous?: readonly NodeDrainStatus[];
  readonly now: string;
}

export interface NodeDrainStep {
  /** The nodes to render in the cordoned list (those of data servers still on them). */
  readonly cordonedNodes: string[];
  /** A pod to delete now. */
  readonly release?: { readonly pod: string; readonly uid?: string; readonly node: string; readonly message: string };
  /** Pods released whose node is cordoned no more (uncordoned before the drain came): back in the budget. */
  readonly restore?: string[];
  readonly status?: NodeDrainStatus[];
}

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

/**
 * Suspended at every manager that lists it (and at least one does): `s` first in its status. When:
 * the collector's time of the latest of those reports (the same clock as the data server's own).
 */
function suspendedAtManagers(pod: string, managers: MembershipReport['managers']): number | undefined {
  const listing = managers.filter((m) => m.members.some((x) => x.pod === pod));
  const suspended = listing.length > 0 && listing.every((m) => m.members.filter((x) => x.pod === pod).every((x) => x.status?.startsWith('s')));
  return suspended ? Math.max(...listing.map((m) => m.reportedAt ?? 0)) : undefined;
}

export function decideNodeDrain(input: NodeDrainInput): NodeDrainStep {
  const { policy, cordoned, membership, now } = input;
  if (!policy) return { cordonedNodes: [] };
  // Not known now: what was rendered stays (a server suspended stays suspended), nothing is released.
  if (!cordoned) {
    const nodes = [...new Set((input.previous ?? []).map((p) => p.node!).filter(Boolean))].sort();
    return { cordonedNodes: nodes, status: [...input.previous ?? []] };
  }
  const status: NodeDrainStatus[] = [];
  let release: NodeDrainStep['release'];
  const restore = input.pods.filter((p) => p.released && !p.deleting && !(p.node && cordoned.has(p.node))).map((p) => p.name);
  for (const pod of [...input.pods].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!pod.node || !cordoned.has(pod.node) || pod.deleting) continue;
    const before = input.previous?.find((p) => p.pod === pod.name && p.node === pod.node);
    const since = before?.since ?? now;
    // Forgotten once not suspended (a restarted cmsd forgets a temporary suspension): writes count again from the next one.
    const seenAt = membership ? suspendedAtManagers(pod.name, membership.managers) : undefined;
    const suspended = seenAt !== undefined;
    const suspendedAt = suspended ? before?.suspendedAt ?? new Date(seenAt).toISOString() : undefined;
    const entry = { pod: pod.name, node: pod.node, since, ...(suspendedAt ? { suspendedAt } : {}) };
    if (pod.released) {
      status.push({ ...entry, phase: 'Released', ...(before?.openForWrite !== undefined ? { openForWrite: before.openForWrite } : {}) });
      continue;
    }
    const overdue = seconds(since, now) >= policy.writesTimeoutSeconds;
    // Only a report taken after the managers saw the suspension says what is still being written.
    const report = membership?.spaces?.find((s) => s.pod === pod.name);
    const writes = suspendedAt && report && report.reportedAt > Date.parse(suspendedAt) ? report.openForWrite : undefined;
    // One at a time: only while every other data server is Ready and none released is still there.
    const others = input.pods.filter((p) => p.name !== pod.name);
    const alone = others.every((p) => p.ready && !p.deleting && !p.released);
    // Past the deadline the drain goes on even without the collector (a stopped collector must not hold it forever).
    if (!release && alone && ((membership && suspended && writes === 0) || overdue)) {
      const message = writes === 0
        ? `${pod.name} on cordoned node ${pod.node}: suspended at its managers, no file open for writing; the drain may evict it`
        : `${pod.name} on cordoned node ${pod.node}: not ready after spec.worker.nodeDrain.writesTimeoutSeconds (${policy.writesTimeoutSeconds}): `
          + `${!suspended ? 'not reported suspended' : `${writes ?? 'an unknown number of'} files open for writing`}; the drain may evict it`;
      release = { pod: pod.name, uid: pod.uid, node: pod.node, message };
      status.push({ ...entry, phase: 'Released', ...(writes !== undefined ? { openForWrite: writes } : {}) });
      continue;
    }
    status.push({ ...entry, phase: suspended ? 'FinishingWrites' : 'Suspending', ...(writes !== undefined ? { openForWrite: writes } : {}) });
  }
  return { cordonedNodes: [...new Set(status.map((s) => s.node!))].sort(), release, ...(restore.length ? { restore } : {}), status };
}
