/**
 * Cache clusters (spec.cache, XCache): what makes a data server a cache server. Its first volume
 * (worker.storage, at DATA_DIR) is XRootD's local root, holding the cache's namespace (links to
 * the cached files) and its metadata space; each data disk is a claim of its own mounted below it
 * as one directory of the data space. xrootd proxies the origin through the file cache (pss,
 * pfc); cmsd keeps the default storage and exports the paths with `stage`, so that the managers
 * pick a cache server for a file none holds (XrdCmsConfig: only stage/cache paths are staged).
 */
import type { ClusterModel } from './model.js';
import { quantityBytes } from './quantity.js';

/** Below the local root, where neither an export nor the namespace reaches (exports are absolute paths of their own). */
const CACHE_SUBDIR = '.xcache';

/**
 * A cache server's spaces, relative to its first volume's mount point. The metadata space sits at
 * the volume's top, which the pod's group owns: the data disks' mount points below CACHE_SUBDIR are
 * made by the runtime, as root (seen on the real node: the metadata directory could not be made there).
 */
export const cacheMetaPath = (): string => `${CACHE_SUBDIR}-meta`;
export const cacheDataPath = (disk: number): string => `${CACHE_SUBDIR}/data-${disk}`;

/** The claims of a cache server's data disks and where below its first volume each is mounted (none for a data cluster). */
export function cacheDataDisks(model: ClusterModel): Array<{ claim: string; below: string }> {
  const cache = model.spec.cache;
  if (!cache) return [];
  return Array.from({ length: cache.dataDisks.count }, (_, i) => ({ claim: `cache-data-${i}`, below: cacheDataPath(i) }));
}

/** A size as XRootD reads it (XrdOuca2x::a2sz: k, m and g are powers of 1024): kibibytes when whole, else bytes. */
export function xrootdSize(quantity: string): string {
  const bytes = quantityBytes(quantity) ?? 0;
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : String(Math.ceil(bytes));
}

/** The cache server's storage, for both daemons: the spaces under the local root (cmsd stats the namespace there). */
export function cacheStorageDirectives(model: ClusterModel): string[] {
  const cache = model.spec.cache;
  if (!cache) return [];
  return [
    `oss.space meta $(xrddata)/${cacheMetaPath()}`,
    ...Array.from({ length: cache.dataDisks.count }, (_, i) => `oss.space data $(xrddata)/${cacheDataPath(i)}`),
  ];
}

/** xrootd's proxy and file cache toward the origin (the model's: its address, or its reference's resolved). */
export function cacheProxyDirectives(model: ClusterModel): string[] {
  const cache = model.spec.cache;
  if (!cache) return [];
  const d = cache.diskUsage;
  return [
    'ofs.osslib libXrdPss.so',
    'pss.cachelib libXrdPfc.so',
    `pss.origin ${cache.origin.clientNamed ? '=' : model.originAddress}`,
    'pfc.spaces data meta',
    `pfc.ram ${xrootdSize(cache.ram)}`,
    `pfc.blocksize ${xrootdSize(cache.blockSize)}`,
    `pfc.prefetch ${cache.prefetch}`,
    `pfc.diskusage ${fraction(d.lowPercent)} ${fraction(d.highPercent)} purgeinterval ${d.purgeIntervalSeconds}s`,
  ];
}

const fraction = (percent: number): string => (percent / 100).toFixed(2);
