/**
 * spec.worker.autoscale: data servers added as the cluster fills and removed, through a drain, as it
 * empties. The free share is that of the data servers in service (not in maintenance, not being
 * drained), from each one's own report through the collector; a missing report, a server not
 * Ready or a change still under way decides nothing. A volume that can still grow
 * (storage.autoExpand) grows first. A removal needs the others to keep scaleDownFreePercent free
 * without the server removed, for scaleDownAfterSeconds; every change is followed by a cool-down.
 * The number chosen is remembered in status (and the agent's memory); the StatefulSet follows it
 * (through ../drain.ts when lower). Pure: the decision; the reconciler synthesizes with it.
 */
import type { AutoscaleStatus, ResolvedAutoscaleSpec } from '../../constructs/index.js';
import type { DataServerSpace } from '../collector/collector.js';
import type { PodView } from './views.js';

export interface AutoscaleInput {
  readonly policy?: ResolvedAutoscaleSpec;
  /** spec.worker.replicas: the starting number. */
  readonly specReplicas: number;
  /** The live data-server StatefulSet's replicas (undefined: none yet). */
  readonly live?: number;
  /** Each data server's free space, from a collector that answered now; undefined: not known. */
  readonly spaces?: readonly DataServerSpace[];
  readonly pods: readonly PodView[];
  /** spec.worker.maintenance: servers that take no new files. */
  readonly maintenance: readonly number[];
  /** Ordinals whose data volume exists: one beyond the running servers was kept from before, holding old files. */
  readonly claimed?: ReadonlySet<number>;
  /** Why more room is on its way without a new server (a volume growing, storage.autoExpand), if it is. */
  readonly growing?: string;
  /** Where the last drain stands (status.drain.phase), if one runs. */
  readonly drainPhase?: string;
  /** The last decision: status, or the agent's memory when newer. */
  readonly previous?: AutoscaleStatus;
  readonly now: string;
  readonly podName: (ordinal: number) => string;
}

export interface AutoscaleStep {
  /** The data servers to run (the drain holds the StatefulSet while it copies). */
  readonly replicas: number;
  /** A change decided now. */
  readonly change?: { readonly from: number; readonly to: number; readonly message: string };
  /** Below the free share at maxReplicas: said once as an Event when it starts. */
  readonly atMaximum?: string;
  /** undefined: no policy. */
  readonly status?: AutoscaleStatus;
}

const seconds = (from: string | undefined, to: string): number => (from ? (Date.parse(to) - Date.parse(from)) / 1000 : Infinity);
const percent = (free: number, total: number): number => (total > 0 ? Math.floor((free / total) * 100) : 0);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function decideAutoscale(input: AutoscaleInput): AutoscaleStep {
  const { policy, previous, now, live } = input;
  if (!policy) return { replicas: input.specReplicas };
  const clamp = (n: number) => Math.min(policy.maxReplicas, Math.max(policy.minReplicas, n));
  const chosen = clamp(previous?.replicas ?? live ?? input.specReplicas);
  const memory = { replicas: chosen, ...(previous?.lastScaledAt ? { lastScaledAt: previous.lastScaledAt } : {}) };
  const wait = (message: string, extra: Partial<AutoscaleStatus> = {}): AutoscaleStep => ({
    replicas: chosen,
    status: { ...memory, ...(previous?.freePercent !== undefined ? { freePercent: previous.freePercent } : {}), ...extra, message },
  });
  if (live === undefined) return wait('waiting for the data servers\' StatefulSet');
  if (chosen > live) return wait(`adding data servers: ${live} running, ${chosen} chosen`);

  // Observed: the servers in service, each Ready and reporting.
  const removing = chosen < live;
  const inService = range(removing ? chosen : live).filter((o) => !input.maintenance.includes(o));
  const notReady = inService.filter((o) => !input.pods.some((p) => p.ordinal === o && p.ready && !p.deleting));
  if (notReady.length) return wait(`waiting for ${notReady.map(input.podName).join(', ')} to be Ready`);
  if (!input.spaces) return wait('waiting for the collector: the data servers\' free space is not known');
  const spaces = inService.map((o) => input.spaces!.find((s) => s.pod === input.podName(o)));
  const unreported = inService.filter((_, i) => !spaces[i]);
  if (unreported.length) return wait(`waiting for the free space of ${unreported.map(input.podName).join(', ')} (its first report)`);
  const total = spaces.reduce((n, s) => n + s!.bytes, 0);
  const free = spaces.reduce((n, s) => n + s!.freeBytes, 0);
  if (!inService.length || total === 0) return wait('no data server in service takes new files (all in maintenance): nothing to measure');
  const freePercent = percent(free, total);
  const observed = { freePercent };
  const cooling = seconds(previous?.lastScaledAt, now) < policy.coolDownSeconds;
  const below = freePercent < policy.freePercent;

  if (removing) {
    // A drain under way: given up if it cannot finish, or if the cluster needs the room after all.
    const pod = input.podName(live - 1);
    const undo = input.drainPhase === 'Refused' || input.drainPhase === 'Failed'
      ? `the drain of ${pod} stopped (${input.drainPhase}): it stays`
      : below ? `${freePercent}% free, below worker.autoscale.freePercent (${policy.freePercent}%): ${pod} stays` : undefined;
    if (!undo) return wait(`removing ${pod} through a drain: ${live} running, ${chosen} chosen`, observed);
    return change(live, chosen, undo, now, observed);
  }
  if (below) {
    if (input.growing) return wait(`${freePercent}% free, below worker.autoscale.freePercent (${policy.freePercent}%): ${input.growing}`, observed);
    if (chosen >= policy.maxReplicas) {
      const message = `${freePercent}% free, below worker.autoscale.freePercent (${policy.freePercent}%), at worker.autoscale.maxReplicas (${policy.maxReplicas})`;
      return { ...wait(message, { ...observed, atMaximum: true }), atMaximum: previous?.atMaximum ? undefined : message };
    }
    if (cooling) return wait(`${freePercent}% free: adding a data server after the cool-down (worker.autoscale.coolDownSeconds)`, observed);
    if (input.claimed?.has(chosen)) {
      return wait(`${freePercent}% free: not adding ${input.podName(chosen)}, whose volume was kept from before and holds old files: delete its claim (or raise worker.autoscale.minReplicas)`, observed);
    }
    return change(chosen + 1, chosen, `${freePercent}% free, below worker.autoscale.freePercent (${policy.freePercent}%): ${input.podName(chosen)} added`, now, observed);
  }

  // Room to spare: the last server goes if the others keep scaleDownFreePercent free without it, for long enough.
  const last = live - 1;
  const lastSpace = spaces[inService.indexOf(last)];
  if (chosen <= policy.minReplicas || !lastSpace || inService.length < 2) return wait(`${freePercent}% free`, observed);
  const without = percent(free - lastSpace.freeBytes - (lastSpace.bytes - lastSpace.freeBytes), total - lastSpace.bytes);
  if (without < policy.scaleDownFreePercent) return wait(`${freePercent}% free`, observed);
  const aboveSince = previous?.aboveSince ?? now;
  const held = seconds(aboveSince, now);
  if (held < policy.scaleDownAfterSeconds || cooling) {
    return wait(`${freePercent}% free; ${without}% without ${input.podName(last)} since ${aboveSince} (worker.autoscale.scaleDownFreePercent ${policy.scaleDownFreePercent}%)`
      + (cooling ? ', cooling down' : ''), { ...observed, aboveSince });
  }
  return change(chosen - 1, chosen, `${freePercent}% free, ${without}% without ${input.podName(last)} for ${Math.round(held)} s: ${input.podName(last)} is drained and removed`, now, observed);
}

function change(to: number, from: number, message: string, now: string, observed: Partial<AutoscaleStatus>): AutoscaleStep {
  return { replicas: to, change: { from, to, message }, status: { replicas: to, lastScaledAt: now, ...observed, message } };
}
