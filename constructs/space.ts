/**
 * Free-space thresholds (cms.space) derived from the data volume's capacity.
 * cmsd's default minimum is 10 GB free, so a data server with a smaller volume
 * would never be chosen for writes.
 */

export interface SpaceThresholds {
  /** Below this much free space (KiB) a server is not selected for writes. */
  readonly minFreeKiB: number;
  /** A server is selected again once free space is back above this (KiB). */
  readonly highWaterKiB: number;
}

/** The smallest data volume the thresholds can be derived for. */
export const MIN_CAPACITY_BYTES = 16 * 2 ** 20;
/** cmsd's own default minimum, kept as the ceiling for large volumes. */
const MAX_MIN_FREE_KIB = 10 * 2 ** 20;

/** 2% of the volume must stay free (at most 10 GiB), and writes resume at twice that. */
export function spaceThresholds(capacityBytes: number): SpaceThresholds {
  const minFreeKiB = Math.max(256, Math.min(MAX_MIN_FREE_KIB, Math.floor(capacityBytes / 1024 / 50)));
  return { minFreeKiB, highWaterKiB: 2 * minFreeKiB };
}
