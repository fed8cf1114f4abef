/**
 * What the synthesized pods send to the collector besides XRootD's own reports. A module of its own,
 * importing nothing: the collector process loads it without the library (and cdk8s) behind it.
 */

/** The code of run.sh's disk report, as the collector reads it (src/collector/cache-report.ts). */
export const CACHE_DISKS_CODE = 'xrootd-k8s.cache-disks';
