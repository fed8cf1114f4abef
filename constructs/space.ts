import type { ResolvedXrootdSpec } from './api/types.generated.js';
import { issue, type SpecIssue } from './api/validate.js';
import { quantityBytes } from './quantity.js';

/**
 * Free-space thresholds (cms.space) derived from the data volume's capacity.
 * cmsd's default minimum is 10 GB free, so a data server with a smaller volume
 * would never be chosen for writes.
 */

export interface SpaceThresholds {
  /**
   * Percent of the largest partition that must stay free, and the percent at which a server is
   * selected again. cmsd measures the file system itself when it starts, so a volume grown in
   * place needs no new configuration. Absent for volumes large enough for cmsd's own 10 GiB.
   */
  readonly minFreePercent?: number;
  readonly highWaterPercent?: number;
  /** Below this much free space (KiB) a server is not selected for writes (the larger of the two). */
  readonly minFreeKiB: number;
  /** A server is selected again once free space is back above this (KiB). */
  readonly highWaterKiB: number;
}

/** The smallest data volume the thresholds can be derived for. */
export const MIN_CAPACITY_BYTES = 16 * 2 ** 20;
/** cmsd's own default minimum, kept as the ceiling for large volumes. */
const MAX_MIN_FREE_KIB = 10 * 2 ** 20;
const MIN_FREE_PERCENT = 2;

/**
 * 2% of the volume must stay free (at most 10 GiB), and writes resume at twice that. Up to
 * 500 GiB that is said as a percentage, so the configuration does not change when the volume
 * grows (no pod restarts); above, as cmsd's absolute default.
 */
export function spaceThresholds(capacityBytes: number): SpaceThresholds {
  if ((capacityBytes / 1024) * (MIN_FREE_PERCENT / 100) <= MAX_MIN_FREE_KIB) {
    return { minFreePercent: MIN_FREE_PERCENT, highWaterPercent: 2 * MIN_FREE_PERCENT, minFreeKiB: 256, highWaterKiB: 512 };
  }
  return { minFreeKiB: MAX_MIN_FREE_KIB, highWaterKiB: 2 * MAX_MIN_FREE_KIB };
}

/**
 * worker.storage.autoExpand needs what the agent reads each data server's free space from (the
 * collector), a ceiling no lower than the size asked, and a data cluster: a cache server's disks
 * are kept below cache.diskUsage by its purges, not grown.
 */
export function checkAutoExpand(spec: Pick<ResolvedXrootdSpec, 'worker' | 'monitoring' | 'cache'>, issues: SpecIssue[]): void {
  const auto = spec.worker.storage.autoExpand;
  if (!auto) return;
  const max = quantityBytes(auto.maxCapacity);
  const capacity = quantityBytes(spec.worker.storage.capacity);
  if (max === undefined || (capacity !== undefined && max < capacity)) {
    issues.push(issue('worker.storage.autoExpand.maxCapacity', `must be a size of at least worker.storage.capacity (${spec.worker.storage.capacity})`, auto.maxCapacity));
  }
  if (!spec.monitoring.enabled) {
    issues.push(issue('worker.storage.autoExpand', 'needs monitoring.enabled: the agent reads each data server\'s free space from the cluster\'s collector'));
  }
  if (spec.cache) {
    issues.push(issue('worker.storage.autoExpand', 'is for data clusters: a cache server\'s disks are kept below cache.diskUsage by its purges'));
  }
}

/**
 * worker.autoscale needs the collector (each data server's free space), scaleDown Drain and
 * whenScaled Delete (a server is removed only once its files are elsewhere, and leaves no stale copies), data servers to scale (not a meta-manager's, not
 * cache servers, whose disks purge) and a starting number within its bounds.
 */
export function checkAutoscale(
  spec: Pick<ResolvedXrootdSpec, 'worker' | 'monitoring' | 'cache' | 'federation'>, issues: SpecIssue[], givenReplicas: number | undefined,
): void {
  const auto = spec.worker.autoscale;
  if (!auto) return;
  if (!spec.monitoring.enabled) {
    issues.push(issue('worker.autoscale', 'needs monitoring.enabled: the agent reads each data server\'s free space from the cluster\'s collector'));
  }
  if (spec.worker.scaleDown !== 'Drain') {
    issues.push(issue('worker.autoscale', 'needs worker.scaleDown Drain: a data server is removed only once its files are copied to the others', spec.worker.scaleDown));
  }
  if (spec.worker.storage.retention.whenScaled !== 'Delete') {
    issues.push(issue('worker.autoscale', 'needs worker.storage.retention.whenScaled Delete: a server the agent removes has had every file copied to the others first, and a volume kept would bring those stale copies back when a server is added again', spec.worker.storage.retention.whenScaled));
  }
  if (spec.cache) issues.push(issue('worker.autoscale', 'is for data clusters: a cache server\'s disks are kept below cache.diskUsage by its purges'));
  if (spec.federation.metaManager) issues.push(issue('worker.autoscale', 'cannot be set on a meta-manager: it has no data servers'));
  if (givenReplicas !== undefined && (givenReplicas < auto.minReplicas || givenReplicas > auto.maxReplicas)) {
    issues.push(issue('worker.replicas', `must lie within worker.autoscale.minReplicas (${auto.minReplicas}) and maxReplicas (${auto.maxReplicas}): it is the starting number`, givenReplicas));
  }
}
