/**
 * spec.worker.storage.autoExpand: a data server's volume grown on its own as it fills, before
 * XRootD stops placing files on it. Each data server's free space comes from its own summary
 * report (through the collector); only that server's claim grows, by a step, up to a ceiling.
 * A figure that may predate the last growth (the report is older, or the file system it measures
 * is still the old size) decides nothing. Pure: the decision; the reconciler patches the claim.
 */
import type { AutoExpandStatus, AutoExpandedVolumeStatus, FullVolumeStatus, ResolvedAutoExpandSpec } from '../../constructs/index.js';
import { quantityBytes } from '../../constructs/internal.js';
import type { DataServerSpace } from '../collector/collector.js';
import type { ClaimObject } from './views.js';

/** A file system reported below this share of its claim's size has not been grown yet (or is not that claim's). */
const GROWN_FILE_SYSTEM_SHARE = 0.85;
const GiB = 2 ** 30;

export interface AutoExpandInput {
  readonly policy?: ResolvedAutoExpandSpec;
  /** Each data server's free space, from a collector that answered now; undefined: not known, nothing is decided. */
  readonly spaces?: readonly DataServerSpace[];
  /** The running data servers' claims, by pod. */
  readonly claims: ReadonlyMap<string, ClaimObject>;
  /** Why the data volumes' StorageClass does not let them grow; undefined: it does. */
  readonly refusal?: string;
  readonly previous?: AutoExpandStatus;
  readonly now: string;
}

export interface AutoExpandStep {
  /** The claim to grow now. */
  readonly grow?: {
    readonly claim: ClaimObject; readonly pod: string; readonly from: string; readonly to: string; readonly freePercent: number;
  };
  /** undefined: no policy, nothing to report. */
  readonly status?: AutoExpandStatus;
}

const bytes = (q: string | undefined): number | undefined => (q === undefined ? undefined : quantityBytes(q));

/** The next size: a step up, in whole Gi, never past the ceiling (said as the spec says it). */
function nextSize(current: number, policy: ResolvedAutoExpandSpec, max: number): string {
  const step = Math.ceil((current * (1 + policy.stepPercent / 100)) / GiB) * GiB;
  return step >= max ? policy.maxCapacity : `${step / GiB}Gi`;
}

export function decideAutoExpand(input: AutoExpandInput): AutoExpandStep {
  const { policy, spaces, previous, now } = input;
  if (!policy) return {};
  if (!spaces) return { status: previous ?? {} };
  const max = bytes(policy.maxCapacity)!;
  const grown = (previous?.grown ?? []).filter((g): g is Required<AutoExpandedVolumeStatus> => !!g.claim && !!g.at
    && [...input.claims.values()].some((c) => c.metadata.name === g.claim));
  const full: FullVolumeStatus[] = [];
  let grow: AutoExpandStep['grow'];
  for (const [pod, claim] of [...input.claims].sort(([a], [b]) => a.localeCompare(b))) {
    const space = spaces.find((s) => s.pod === pod);
    const [asked, capacity] = [bytes(claim.spec?.resources?.requests?.storage), bytes(claim.status?.capacity?.storage)];
    if (!space || claim.status?.phase !== 'Bound' || asked === undefined || capacity === undefined) continue;
    // Growing (the driver or the kubelet is at it), or a figure from before the last growth: wait.
    const last = grown.find((g) => g.claim === claim.metadata.name);
    if (asked > capacity || space.bytes < capacity * GROWN_FILE_SYSTEM_SHARE || (last && space.reportedAt < Date.parse(last.at))) continue;
    const freePercent = Math.floor((space.freeBytes / space.bytes) * 100);
    if (freePercent >= policy.freePercent) continue;
    const name = claim.metadata.name;
    if (capacity >= max) {
      full.push({ pod, claim: name, freePercent, reason: `at spec.worker.storage.autoExpand.maxCapacity (${policy.maxCapacity})` });
    } else if (input.refusal) {
      full.push({ pod, claim: name, freePercent, reason: input.refusal });
    } else if (!grow) {
      grow = { claim, pod, from: claim.status!.capacity!.storage!, to: nextSize(capacity, policy, max), freePercent };
    }
  }
  const entry = grow && { claim: grow.claim.metadata.name, from: grow.from, to: grow.to, at: now, freePercent: grow.freePercent };
  const entries = entry ? [...grown.filter((g) => g.claim !== entry.claim), entry] : grown;
  return {
    grow,
    status: {
      ...(entries.length ? { grown: entries.sort((a, b) => a.claim.localeCompare(b.claim)) } : {}),
      ...(full.length ? { full } : {}),
    },
  };
}
