/**
 * Cache clusters (spec.cache, XCache): what makes a data server a cache server. Its first volume
 * (worker.storage, at DATA_DIR) is XRootD's local root, holding the cache's namespace (links to
 * the cached files) and its metadata space; each data disk is a claim of its own mounted below it
 * as one directory of the data space. xrootd proxies the origin through the file cache (pss,
 * pfc); cmsd keeps the default storage and exports the paths with `stage`, so that the managers
 * pick a cache server for a file none holds (XrdCmsConfig: only stage/cache paths are staged).
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import type { ClusterModel } from './model.js';
import { ENV } from './environment.js';
import { quantityBytes } from './quantity.js';
import { CACHE_DISKS_CODE } from './collector-protocol.js';

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
    `pfc.writequeue ${cache.writeQueue.blocks} ${cache.writeQueue.threads}`,
    `pfc.diskusage ${fraction(d.lowPercent)} ${fraction(d.highPercent)} purgeinterval ${d.purgeIntervalSeconds}s`,
    // With credentials, idle connections to the origin close after a minute (not 5 and 20): the next
    // login there reads the token file again, so a renewed Secret is in use soon after it arrives.
    ...(cache.origin.credentials?.token ? [`pss.setopt DataServerTTL ${ORIGIN_IDLE_SECONDS}`, `pss.setopt LoadBalancerTTL ${ORIGIN_IDLE_SECONDS}`] : []),
  ];
}

/** How long a cache server keeps an idle connection to its origin when it logs in with a token. */
export const ORIGIN_IDLE_SECONDS = 60;

const fraction = (percent: number): string => (percent / 100).toFixed(2);

export { CACHE_DISKS_CODE };

/**
 * With spec.monitoring, a cache server's xrootd sends the file cache's records (one per closed
 * file: bytes hit, missed, bypassed) to the collector as JSON, with the pod's name in each packet.
 */
export function cacheMonitoringDirectives(model: ClusterModel): string[] {
  if (!model.spec.cache) return [];
  return [
    '# Cache servers: the file cache\'s record of each closed file (bytes hit, fetched, bypassed)',
    'if exec xrootd && named worker',
    `  xrootd.mongstream pfc use flush ${model.spec.monitoring.reportIntervalSeconds}s send json fullhdr noident $(xrdcollector)`,
    'fi',
  ];
}

/**
 * run.sh lines that report a cache server's fill level to the collector (spec.monitoring): XRootD
 * reports none (the summary's cache section is empty from 5.8 on; the file cache's records have
 * no usage). Every report interval, while xrootd runs, each data disk's size and use, as JSON
 * over UDP (bash's /dev/udp); the pod's name (the collector's name for it) and the disks' paths: nothing from a user.
 */
export function cacheDiskReporter(model: ClusterModel): string[] {
  if (!model.spec.cache || !model.spec.monitoring.enabled) return [];
  const disks = cacheDataDisks(model).map((d) => d.below).join(' ');
  const json = `{"code":"${CACHE_DISKS_CODE}","host":"%s","ins":"worker","tod":%d,"disks":[%s]}`;
  return [
    '# A cache server\'s fill level for the collector (XRootD reports none), while its xrootd runs ($$ is xrootd after exec).',
    `if [ "$daemon" = xrootd ] && [ "$role" = worker ]; then`,
    `  collector_host=\${${ENV.collector}%:*} collector_port=\${${ENV.collector}##*:}`,
    '  (',
    '    while kill -0 $$ 2>/dev/null; do',
    `      disks=$(cd "$${ENV.dataDir}" && df -P -k ${disks} 2>/dev/null | awk 'NR > 1 { printf "%s{\\"disk\\":%d,\\"kib\\":%d,\\"usedKib\\":%d}", (NR > 2 ? "," : ""), NR - 2, $2, $3 }') || disks=`,
    `      [ -n "$disks" ] && bash -c 'printf "%s" "$1" > "/dev/udp/$2/$3"' run.sh "$(printf '${json}' "$${ENV.podName}" "$(date +%s)" "$disks")" "$collector_host" "$collector_port" 2>/dev/null || true`,
    `      sleep ${model.spec.monitoring.reportIntervalSeconds}`,
    '    done',
    '  ) &',
    'fi',
  ];
}

/** The Secrets a cache server logs in to its origin with (spec.cache.origin.credentials), as files of one volume. */
export function originCredentials(model: ClusterModel): Array<{ secretName: string; key: string; file: 'token' | 'x509up' }> {
  const c = model.spec.cache?.origin.credentials;
  return [
    ...(c?.token ? [{ ...c.token, file: 'token' as const }] : []),
    ...(c?.x509Proxy ? [{ ...c.x509Proxy, file: 'x509up' as const }] : []),
  ];
}

/** Readable by the pod's group only: run.sh copies each file to one only the daemon's user reads (XRootD insists). */
export function originCredentialsVolume(model: ClusterModel): k8s.Volume {
  return {
    name: 'origin-credentials',
    projected: {
      defaultMode: 0o440,
      sources: originCredentials(model).map((c) => ({ secret: { name: c.secretName, items: [{ key: c.key, path: c.file }] } })),
    },
  };
}

/**
 * run.sh lines that give a cache server's xrootd its credentials toward the origin: private copies
 * of the Secret's files (XRootD refuses a token file its group can read, and a proxy file would
 * break its TLS), renewed every 30 s while xrootd runs. ztn reads the token file at each login at
 * the origin, so a renewed Secret needs no restart.
 */
export function originCredentialsSetup(model: ClusterModel): string[] {
  const files = originCredentials(model).map((c) => c.file);
  if (!files.length) return [];
  const from = `"$${ENV.originCredentialsDir}"`;
  const to = `"$${ENV.adminDir}/origin-credentials"`;
  return [
    '# The cache\'s own credentials at its origin: private copies of the Secret\'s files, kept fresh while xrootd runs.',
    'if [ "$daemon" = xrootd ] && [ "$role" = worker ]; then',
    `  require ${ENV.originCredentialsDir}`,
    `  mkdir -p ${to} && chmod 700 ${to}`,
    '  refresh_origin_credentials() {',
    `    for f in ${files.join(' ')}; do`,
    `      [ -s ${from}/$f ] || { echo "run.sh: the origin's credentials have no $f (mounted at $${ENV.originCredentialsDir})" >&2; return 1; }`,
    `      cmp -s ${from}/$f ${to}/$f || (umask 077 && cp ${from}/$f ${to}/$f.new && mv ${to}/$f.new ${to}/$f) || return 1`,
    '    done',
    '  }',
    '  refresh_origin_credentials || exit 78',
    ...(files.includes('token') ? [`  export BEARER_TOKEN_FILE=${to}/token`] : []),
    ...(files.includes('x509up') ? [`  export X509_USER_PROXY=${to}/x509up`] : []),
    '  ( while kill -0 $$ 2>/dev/null; do sleep 30; refresh_origin_credentials || true; done ) &',
    'fi',
  ];
}
