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

/** A file system reported below this share of its claim's size has not been grown yet; above the next, it is not that claim's. */
const GROWN_FILE_SYSTEM_SHARE = 0.85;
const OTHER_FILE_SYSTEM_SHARE = 1.15;
/** A growth whose file system has not grown after this long is reported (the driver or the kubelet did not finish it). */
const GROWTH_DEADLINE_SECONDS = 600;
const GiB = 2 ** 30;
/** How long a growth the API server refused is reported before it is asked again. */
export const REFUSED_GROWTH_RETRY_MS = 10 * 60_000;

export interface AutoExpandInput {
  readonly policy?: ResolvedAutoExpandSpec;
  /** Each data server's free space, from a collector that answered now; undefined: not known, nothing is decided. */
  readonly spaces?: readonly DataServerSpace[];
  /** The running data servers' claims, by pod. */
  readonly claims: ReadonlyMap<string, ClaimObject>;
  /** Claims whose last growth was refused lately (their StorageClass, the API server), with why: reported, not asked again meanwhile. */
  readonly refused?: ReadonlyMap<string, string>;
  readonly previous?: AutoExpandStatus;
  readonly now: string;
}

export interface AutoExpandStep {
  /** The claim to grow now. */
  readonly grow?: {
    readonly claim: ClaimObject; readonly pod: string; readonly from: string; readonly to: string; readonly freePercent: number;
    readonly fileSystemBytes: number;
    /** The policy's freePercent it fell below. */
    readonly threshold: number;
  };
  /** Claims asked to grow whose file systems have not yet (within the deadline): more room on its way. */
  readonly growing?: readonly string[];
  /** undefined: no policy, nothing to report. */
  readonly status?: AutoExpandStatus;
}

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;
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
  const growing: string[] = [];
  let grow: AutoExpandStep['grow'];
  for (const [pod, claim] of [...input.claims].sort(([a], [b]) => a.localeCompare(b))) {
    const space = spaces.find((s) => s.pod === pod);
    const [asked, capacity] = [bytes(claim.spec?.resources?.requests?.storage), bytes(claim.status?.capacity?.storage)];
    if (!space || claim.status?.phase !== 'Bound' || asked === undefined || capacity === undefined) continue;
    const name = claim.metadata.name;
    const freePercent = Math.floor((space.freeBytes / space.bytes) * 100);
    // Growing (the driver or the kubelet is at it), a figure from before the last growth (its file system no
    // larger than then), or a file system that is not this claim's: wait, and say so once a growth is overdue.
    const last = grown.find((g) => g.claim === name);
    const sinceLast = last !== undefined
      && (space.reportedAt < Date.parse(last.at) || (last.fileSystemBytes !== undefined && space.bytes <= last.fileSystemBytes));
    const notGrownYet = asked > capacity || space.bytes < capacity * GROWN_FILE_SYSTEM_SHARE || sinceLast;
    if (notGrownYet || space.bytes > capacity * OTHER_FILE_SYSTEM_SHARE) {
      const overdue = !!last && seconds(last.at, now) > GROWTH_DEADLINE_SECONDS;
      if (notGrownYet && overdue && freePercent < policy.freePercent) {
        const reason = `its file system has not grown since the claim was asked for ${last!.to} at ${last!.at}`;
        full.push({ pod, claim: name, freePercent, reason });
      } else if (notGrownYet && (last ? !overdue : asked > capacity)) growing.push(name);
      continue;
    }
    if (freePercent >= policy.freePercent) continue;
    const refused = input.refused?.get(name);
    if (capacity >= max) {
      full.push({ pod, claim: name, freePercent, reason: `at spec.worker.storage.autoExpand.maxCapacity (${policy.maxCapacity})` });
    } else if (refused) {
      full.push({ pod, claim: name, freePercent, reason: refused });
    } else if (!grow) {
      const to = nextSize(capacity, policy, max);
      const from = claim.status!.capacity!.storage!;
      grow = { claim, pod, from, to, freePercent, fileSystemBytes: space.bytes, threshold: policy.freePercent };
    }
  }
  const entry = grow && {
    claim: grow.claim.metadata.name, from: grow.from, to: grow.to, at: now,
    freePercent: grow.freePercent, fileSystemBytes: grow.fileSystemBytes,
  };
  const entries = entry ? [...grown.filter((g) => g.claim !== entry.claim), entry] : grown;
  return {
    grow,
    ...(growing.length ? { growing } : {}),
    status: {
      ...(entries.length ? { grown: entries.sort((a, b) => a.claim.localeCompare(b.claim)) } : {}),
      ...(full.length ? { full } : {}),
    },
  };
}
