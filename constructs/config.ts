/**
 * Renders the files of the cluster's ConfigMap: one XRootD configuration for
 * every role (`if named ROLE` blocks, the instance name being the role), the
 * start script and the probe script.
 *
 * Nothing in them names an address: per-pod identity (host name, ports, paths,
 * manager host names) comes from environment variables that the pod spec sets
 * and the start script checks, so the same bytes run in a pod and on loopback.
 */
import { createHash } from 'node:crypto';
import type { ResolvedVomsSpec } from './api/types.generated.js';
import { nodeDrainSuspender } from './node-drain.js';
import { tuningDirectives } from './tuning.js';
import { cacheDataDisks, cacheDiskReporter, cacheMetaPath, cacheMonitoringDirectives, cacheProxyDirectives, cacheStorageDirectives, originCredentialsSetup } from './cache.js';
import { supports, type ClusterModel } from './model.js';
import type { SpaceThresholds } from './space.js';
import type { Role } from './names.js';
import { tokenAudiences } from './security.js';
import { ENV } from './environment.js';

/** Where the ConfigMap is mounted in the containers. */
export const CONFIG_DIR = '/etc/xrootd/cluster';
export const CONFIG_FILE = 'xrootd.cfg';
export const START_SCRIPT = 'run.sh';
/** The checksum the data servers compute (xrootd.chksum) and copies are compared with. */
export const CHECKSUM = 'adler32';
export const PROBE_SCRIPT = 'probe.sh';
/** In the admin directory: `host:port` of each manager the pod's cmsd subscribes to, one per line (run.sh writes it, the probe reads it). */
export const MANAGERS_FILE = 'managers';
/** The SciTokens plugin's configuration, with spec.security.tokens. */
export const SCITOKENS_FILE = 'scitokens.cfg';
/** XRootD's authorization database, with spec.security.authorization. */
export const AUTHDB_FILE = 'authdb';
/** Certificate subjects and their user names, with spec.security.gsi.users. */
export const GRID_MAPFILE = 'grid-mapfile';
/** With spec.security.gsi.voms.vos servers: `<ConfigMap key> <vo>/<host>.lsc` per line, the vomsdir run.sh lays out. */
const VOMS_SERVERS_FILE = 'voms-servers';
/** XRootD's VOMS plugin, for GSI logins and HTTPS (one library: Debian links libXrdSecgsiVOMS and libXrdHttpVOMS to it). */
const VOMS_PLUGIN = 'libXrdVoms.so';
/**
 * XRootD's privilege letters (XrdAccConfig::PrivsConvert) for the spec's privilege names. XRootD opens
 * a file it creates or changes read-write (XrdAccPrivs: Create = insert + read + write, Update = read +
 * write), so create and write bring read along.
 */
const PRIVILEGE_LETTERS: Record<string, string> = { read: 'r', list: 'l', create: 'irw', write: 'rw', delete: 'd', rename: 'n' };
/** The order XRootD's own examples write them in. */
const LETTER_ORDER = 'lrwidn';

export { ENV };

/** The external-addresses ConfigMap's key: `<pod> <address>` per line. */
export const EXTERNAL_ADDRESSES_KEY = 'addresses';
/** The maintenance ConfigMap's key: the ordinals of the data servers in maintenance, one per line. */
export const MAINTENANCE_KEY = 'ordinals';

/**
 * Where xrootd's run.sh puts its TLS files, under the admin path: XRootD takes a key only its
 * owner can read (mode 600), which a Secret volume shared with the pod's group is not, and clients
 * (the probes, third-party copies) verify peers against a directory of hashed CA files.
 */
const TLS_SUBDIR = 'tls';
/** sec.protocol gsi -crl: for each spec.security.gsi.crl. */
const GSI_CRL_LEVEL: Record<string, number> = { ignore: 0, ifPresent: 1, require: 2, requireCurrent: 3 };
/** xrootd.tls for each level of spec.security.tls.require. */
const TLS_REQUIREMENT: Record<string, string | undefined> = { none: undefined, capable: 'capable all', data: 'data', all: 'all' };

/** The role's XRootD instance name (`-n`), also the `if named` block it reads. */
export const instanceName = (role: Role): string => role;

const KIB = (n: number): string => `${n}k`;

/** How long a manager waits for data servers to say they have a file: XRootD's minimum. */
export const LOOKUP_SECONDS = 1;
/** How long a manager remembers that no data server has a path: XRootD's minimum (cms.fxhold noloc). */
export const NEGATIVE_CACHE_SECONDS = 60;
/** How long a manager remembers where a file is (cms.fxhold, XRootD's default). */
const LOCATION_CACHE_HOURS = 8;
/** Mode of the export directories: what XRootD gives the directories it makes (XrdOssCreate: 775). */
const EXPORT_DIR_UMASK = '002';

/**
 * A server's cmsd logs in to its managers under its pod's name (a virtual network id), not its
 * address: a pod back with a new address takes over its old entry at once, with what the managers
 * know of its files, instead of being a new server while the old entry blocks creates until dropped.
 */
const POD_IDENTITY = 'cms.vnid =$(xrdpod)';
/** How long a client is told to wait while the only servers for its request are gone or suspended (cms.delay service/suspend). */
export const SERVER_WAIT_SECONDS = 3;

/** `'text'` for sh: safe for any string, whatever the validation upstream let through. */
const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * A manager learns a data server's free space only when it asks for its load: every ping x usage
 * seconds, 10 minutes by XRootD's defaults (XrdCmsCluster::MonPerf). With worker.storage.autoExpand,
 * every minute, so that a grown volume takes new files (and a full one none) within a minute.
 */
const FREE_SPACE_EVERY_MINUTE = 'cms.ping 60 usage 1';
/**
 * worker.autoscale: a new file goes to the data server with the smallest share of its space used
 * (ties within 5 points shared), so an added server takes the new files first. cmsd selects by
 * load only when a load weight is set (XrdCmsConfig: space alone leaves round robin), so cpu 1:
 * without a cms.perf monitor every load is 0 and the used share decides.
 */
const NEW_FILES_TO_THE_EMPTIEST = 'cms.sched cpu 1 space 100 fuzz 5';

/**
 * A redirector pings a server silent for 10 s, takes it offline after three unanswered pings (30 s
 * instead of XRootD's 3 minutes: a lost node's server holds every create until its managers drop
 * it), and asks for its load every 6 pings (a minute). Only where the redirector answers to no
 * meta-manager: cmsd waits for its own manager's traffic three pings long too, and an outside
 * meta-manager pings once a minute. Its servers keep XRootD's 60 s: they wait 3 minutes for it,
 * whatever a rollout's mix of old and new redirectors pings.
 */
const QUICK_PINGS_LOAD_EVERY_MINUTE = 'cms.ping 10 usage 6';

/** What a manager (redirector or supervisor) of a data cluster that grows on its own needs to know of its servers' space. */
function spaceAwareManager(spec: ClusterModel['spec'], quickPings: boolean): string[] {
  const grows = !!(spec.worker.storage.autoExpand || spec.worker.autoscale);
  const ping = quickPings ? [QUICK_PINGS_LOAD_EVERY_MINUTE] : grows ? [FREE_SPACE_EVERY_MINUTE] : [];
  return [...(spec.worker.autoscale ? [NEW_FILES_TO_THE_EMPTIEST] : []), ...ping];
}

function roleBlock(model: ClusterModel, role: Role): string[] {
  const { spec } = model;
  const lines: string[] = [];
  if (role === 'redirector') {
    lines.push(spec.federation.metaManager ? 'all.role meta manager' : 'all.role manager', `xrd.port $(xrdcmsdport) if exec cmsd`);
    // A cache cluster's managers as sites tune them (opensciencegrid/xcache's xcache-redir): one cache server
    // per file (no retries elsewhere, no copies from several). The space weight alone leaves cmsd on round
    // robin, and must: selection by load (a load weight, as NEW_FILES_TO_THE_EMPTIEST sets) finds no server
    // for a miss from 5.7 on, whose staging pass checks the wrong servers (XrdCmsCluster::SelNode passes
    // pmask to SelbyLoad): "No servers are available to read the file" on 5.8.1 and 6.2.0.
    if (spec.cache) lines.push('cms.sched maxretries 0 nomultisrc space 100 fuzz 5');
    // A meta-manager's servers are other sites' redirectors, often far away: XRootD's 3 minutes stay.
    lines.push(...spaceAwareManager(spec, model.upstream.length === 0 && !spec.federation.metaManager));
    // Subscribe to the federation's meta-managers, offering the cluster's exports.
    lines.push(...model.upstream.map((m) => `all.manager meta ${m}`));
  } else if (role === 'supervisor') {
    // Pinned so that the data servers assigned to a supervisor can name it. A supervisor's
    // cmsd takes its port from cms.superport, not xrd.port (XrdCmsConfig::Configure1).
    lines.push('all.role supervisor', 'cms.superport $(xrdcmsdport)', POD_IDENTITY);
    lines.push(...spaceAwareManager(spec, false));
  } else if (spec.cache) {
    // A cache server purges (pfc.diskusage) rather than fill: its managers may always pick it to fetch a file.
    lines.push('all.role server', 'oss.localroot $(xrddata)', ...cacheStorageDirectives(model), 'cms.space min 0 0', POD_IDENTITY);
  } else {
    lines.push('all.role server', 'oss.localroot $(xrddata)', cmsSpace(model.space), POD_IDENTITY);
  }
  // Threads and buffer memory from the role's resources (XRootD sizes them from the host).
  lines.push(...tuningDirectives(spec[role].resources));
  lines.push(...spec[role].extraDirectives);
  return lines.map((l) => `  ${l}`);
}

/**
 * A data cluster's exports. A data server in maintenance (spec.worker.maintenance; run.sh sets the
 * variable) serves reads and announces every export read-only: the managers place no new file on it.
 */
function dataExports(model: ClusterModel): string[] {
  const { exports } = model.spec.xrootd;
  return [
    `if defined ?~${ENV.inMaintenance}`,
    ...exports.map((e) => `  all.export ${e.path} r/o`),
    'else',
    ...exports.map((e) => `  all.export ${e.path}${e.readOnly ? ' r/o' : ''}`),
    'fi',
  ];
}

/**
 * A cache cluster's exports: reads only. A cache server's cmsd exports them with `stage`, so that
 * its managers may send it a file it does not hold yet (a miss), which its xrootd fetches.
 */
function cacheExports(model: ClusterModel): string[] {
  const paths = model.spec.cache!.origin.clientNamed ? CLIENT_NAMED_ORIGIN_PREFIXES : model.spec.xrootd.exports.map((e) => e.path);
  return [
    'if exec cmsd && named worker',
    ...paths.map((p) => `  all.export ${p} stage r/o`),
    'else',
    ...paths.map((p) => `  all.export ${p} r/o`),
    'fi',
  ];
}

/**
 * With the origin named by the client (pss.origin =), a path is the origin's URL and the file's path
 * (/root://origin:1094//data/f): the exports are the URL schemes the proxy forwards (XrdPss).
 */
const CLIENT_NAMED_ORIGIN_PREFIXES = ['/root:/', '/xroot:/', '/roots:/', '/xroots:/'];

export function renderConfig(model: ClusterModel): string {
  const { spec, topology } = model;
  const x = spec.xrootd;
  const out: string[] = [
    `# XRootD configuration of cluster ${model.name} (XRootD ${model.release.version}), rendered by xrootd-k8s.`,
    '# One file for every role: the start script runs each daemon with -n <role>.',
    '# Host names, ports and paths come from the environment (see docs/image.md).',
    '',
    `set xrdport = $${ENV.port}`,
    `set xrdadmin = $${ENV.adminDir}`,
    `set xrdpod = $${ENV.podName}`,
    ...(readsConfigFiles(model) ? [`set xrdconfigdir = $${ENV.configDir}`] : []),
    'if named redirector supervisor',
    `  set xrdcmsdport = $${ENV.cmsdPort}`,
    'fi',
    'if named worker',
    `  set xrddata = $${ENV.dataDir}`,
    'fi',
    '',
    // Block form: an inline `if exec xrootd` keeps XrdHttp from sharing the port (seen on 5.5.3).
    'if exec xrootd',
    '  xrd.port $(xrdport)',
    // adler32, the grid's checksum: clients and FTS compare copies with it, and so does a drain.
    `  xrootd.chksum ${CHECKSUM}`,
    'fi',
    'all.adminpath $(xrdadmin)',
    'all.pidpath $(xrdadmin)',
    ...(spec.site ? [`all.sitename ${spec.site}`] : []),
    // Pod addresses change across restarts: resolve names at every use. Clients' addresses are
    // reverse-resolved only when a name is needed (nodnr): pods rarely have reverse DNS, and the
    // lookup would hold up every new connection's handshake (seen: 5 s with a slow resolver).
    'xrd.network dyndns cache 0 nodnr',
  ];
  if (supports(model, 'maxfd')) out.push(`xrd.maxfd strict ${x.maxFileDescriptors}`);
  // Lookups: see docs/client-operations.md. XRootD's floor is one second (`lookup`, `qdl`);
  // a path found nowhere is asked about again after a minute (fxhold noloc, XRootD's minimum)
  // instead of being remembered as missing for the 8 h an existing file's location is kept.
  // A server that went away (a pod restarted, with a new address: a new server to the managers) is
  // dropped after dropDelaySeconds instead of XRootD's 10 minutes: until then no new file can be created.
  // A client whose file is on a server that is restarting (a rollout's step) is told to come back
  // in SERVER_WAIT_SECONDS instead of XRootD's 15 (30 when suspended): the pod is back in seconds.
  out.push(`cms.delay servers 1 startup ${x.startupDelaySeconds} lookup ${LOOKUP_SECONDS} qdl ${LOOKUP_SECONDS} drop ${x.dropDelaySeconds}`
    + ` service ${SERVER_WAIT_SECONDS} suspend ${SERVER_WAIT_SECONDS}`);
  out.push(`cms.fxhold noloc ${NEGATIVE_CACHE_SECONDS}s ${LOCATION_CACHE_HOURS}h`);
  out.push('', '# Exports', ...(spec.cache ? cacheExports(model) : dataExports(model)));

  out.push('', '# Managers: every redirector, by its per-pod DNS name. Data servers beyond');
  out.push(`# the managers' 64 subscriber slots subscribe to ${topology.supervisors ? `${topology.redundancy} supervisor(s)` : 'supervisors (none here)'} instead.`);
  out.push(`if defined ?~${ENV.supervisorPrefix}0`);
  for (let i = 0; i < topology.redundancy; i++) {
    out.push(`  set xrdsupervisor${i} = $${ENV.supervisorPrefix}${i}`, `  all.manager $(xrdsupervisor${i})`);
  }
  out.push('else');
  // A meta-manager's xrootd reads only `meta` lines to find its cmsd (XrdCmsClientConfig::xmang).
  const managerKind = spec.federation.metaManager ? 'meta ' : '';
  for (let i = 0; i < topology.redirectors; i++) {
    out.push(`  set xrdmanager${i} = $${ENV.managerPrefix}${i}`, `  all.manager ${managerKind}$(xrdmanager${i})`);
  }
  out.push('fi');

  if (spec.cache) {
    // Only xrootd proxies: a cmsd that loaded the proxy would report no space and refuse to stage (XrdOss::StatVS).
    out.push('', '# Cache servers: the origin, through the file cache', 'if exec xrootd && named worker', ...cacheProxyDirectives(model).map((l) => `  ${l}`), 'fi');
  }
  const tls = spec.security.tls;
  if (x.http || x.thirdPartyCopy || tls || spec.security.authorization || spec.security.gsi) {
    // Only xrootd may read these: cmsd would try to bind the protocol's port too.
    out.push('', '# Protocols and services of xrootd', 'if exec xrootd');
    if (tls) {
      // roots:// and https:// on the xrootd port; the files are the ones run.sh copied from the Secret.
      out.push(`  xrd.tls $(xrdadmin)/${TLS_SUBDIR}/tls.crt $(xrdadmin)/${TLS_SUBDIR}/tls.key`, `  xrd.tlsca certfile $(xrdadmin)/${TLS_SUBDIR}/ca.crt`);
      const requirement = TLS_REQUIREMENT[tls.require];
      if (requirement) out.push(`  xrootd.tls ${requirement}`);
    }
    const authdb = spec.security.authorization;
    const protocols = loginProtocols(model);
    if (protocols.length) out.push('  xrootd.seclib libXrdSec.so', ...protocols.map((p) => `  sec.protocol ${p === 'gsi' ? gsiParameters(model) : p}`), `  sec.protbind * ${protocols.join(' ')}`);
    if (spec.security.tokens) {
      // The SciTokens plugin allows a client without a valid token nothing but what needs no
      // authorization (queries), or, chained (++) in front of the authorization database, what its rules allow.
      out.push('  ofs.authorize 1', `  ofs.authlib ${authdb ? '++ ' : ''}libXrdAccSciTokens.so config=$(xrdconfigdir)/${SCITOKENS_FILE}`);
      if (x.http) out.push('  http.header2cgi Authorization authz');
    } else if (authdb) {
      out.push('  ofs.authorize 1');
    }
    if (authdb) out.push(`  acc.authdb $(xrdconfigdir)/${AUTHDB_FILE}`);
    if (x.http) out.push('  xrd.protocol XrdHttp:$(xrdport) libXrdHttp.so');
    // HTTPS client certificates (proxies) carry the same attributes: the same plugin reads them for XrdHttp.
    const voms = spec.security.gsi?.voms;
    if (x.http && voms) out.push(`  http.secxtractor ${voms.require ? 'required ' : ''}${VOMS_PLUGIN} ${vomsParameters(voms)}`);
    // With TLS, redirects name https:// (XRootD's default is http://): a token handed on in the URL
    // (authz) never crosses to a data server in clear text. The same port serves both.
    if (x.http && tls) out.push('  http.desthttps yes');
    if (x.thirdPartyCopy) {
      // With GSI, the copy runs as the client: its delegated proxy (gsi -dlgpxy) is handed to xrdcp.
      out.push(`  ofs.tpc ${spec.security.gsi ? 'fcreds ?gsi =X509_USER_PROXY ' : ''}pgm /usr/bin/xrdcp --server`);
      if (x.http) out.push('  http.exthandler xrdtpc libXrdHttpTPC.so');
    }
    out.push('fi');
  }
  const monitoring = spec.monitoring;
  if (monitoring.enabled) {
    // Every daemon, xrootd and cmsd, reports to the collector (and to summaryMonitoring as well, if set).
    out.push('', '# Summary monitoring: the cluster\'s collector', `set xrdcollector = $${ENV.collector}`,
      `xrd.report $(xrdcollector)${x.summaryMonitoring ? `,${x.summaryMonitoring}` : ''} every ${monitoring.reportIntervalSeconds}s all`,
      ...cacheMonitoringDirectives(model));
  } else if (x.summaryMonitoring) {
    out.push('', '# Summary monitoring', `xrd.report ${x.summaryMonitoring} every 60s all`);
  }

  out.push('', '# Roles');
  out.push('if named redirector', ...roleBlock(model, 'redirector'));
  out.push('else if named supervisor', ...roleBlock(model, 'supervisor'));
  out.push('else', ...roleBlock(model, 'worker'), 'fi', '');
  return out.join('\n');
}

export function renderStartScript(model: ClusterModel): string {
  const { topology } = model;
  const managers = Array.from({ length: topology.redirectors }, (_, i) => `${ENV.managerPrefix}${i}`);
  const lines = [
    '#!/bin/sh',
    `# Starts one XRootD daemon of a pod of cluster ${model.name}: run.sh xrootd|cmsd redirector|supervisor|worker`,
    '# Rendered by xrootd-k8s. It checks the environment the pod spec sets, then execs the daemon.',
    'set -eu',
    'daemon=${1:-}',
    'role=${2:-}',
    `config="$(cd "$(dirname "$0")" && pwd)/${CONFIG_FILE}"`,
    // The configuration names the plugin's file by the directory it runs from (a pod's mount, or a test's).
    ...(readsConfigFiles(model) ? [`${ENV.configDir}=$(dirname "$config")`, `export ${ENV.configDir}`] : []),
    'case "$daemon" in xrootd|cmsd) ;; *) echo "run.sh: first argument must be xrootd or cmsd, got \'$daemon\'" >&2; exit 64 ;; esac',
    'case "$role" in redirector|supervisor|worker) ;; *) echo "run.sh: second argument must be redirector, supervisor or worker, got \'$role\'" >&2; exit 64 ;; esac',
    'require() {',
    '  for name in "$@"; do',
    '    eval "value=\\${$name:-}"',
    '    [ -n "$value" ] || { echo "run.sh: environment variable $name must be set" >&2; exit 64; }',
    '  done',
    '}',
    `require ${ENV.podName} ${ENV.host} ${ENV.port} ${ENV.adminDir} ${managers.join(' ')}${model.spec.monitoring.enabled ? ` ${ENV.collector}` : ''}`,
    `case "$role" in worker) require ${ENV.dataDir} ;; *) require ${ENV.cmsdPort} ;; esac`,
  ];
  lines.push(`unset ${Array.from({ length: Math.max(topology.redundancy, 1) }, (_, i) => `${ENV.supervisorPrefix}${i}`).join(' ')}`);
  if (topology.supervisors > 0) {
    lines.push(
      `# Data server ${topology.directWorkers} + k (k >= 0) subscribes to supervisors k, k + 1, ... (mod ${topology.supervisors}), ${topology.redundancy} of them.`,
      'if [ "$role" = worker ]; then',
      `  ordinal=\${${ENV.podName}##*-}`,
      `  if [ "$ordinal" -ge ${topology.directWorkers} ]; then`,
      `    require ${ENV.supervisorAddress}`,
      ...Array.from({ length: topology.redundancy }, (_, i) => [
        `    ${ENV.supervisorPrefix}${i}=$(printf '%s' "$${ENV.supervisorAddress}" | sed "s/{ordinal}/$(( (ordinal - ${topology.directWorkers} + ${i}) % ${topology.supervisors} ))/g")`,
        `    export ${ENV.supervisorPrefix}${i}`,
      ]).flat(),
      '  fi',
      'fi',
    );
  }
  lines.push(
    '# A data server listed in the maintenance file (spec.worker.maintenance) starts with read-only exports.',
    `unset ${ENV.inMaintenance}`,
    `if [ "$role" = worker ] && [ -r "\${${ENV.maintenanceFile}:-}" ]; then`,
    `  ordinal=\${${ENV.podName}##*-}`,
    '  set -f',
    `  for listed in $(cat "$${ENV.maintenanceFile}"); do`,
    `    if [ "$listed" = "$ordinal" ]; then ${ENV.inMaintenance}=1; export ${ENV.inMaintenance}; echo "run.sh: $${ENV.podName} is in maintenance: exports read-only" >&2; fi`,
    '  done',
    '  set +f',
    'fi',
  );
  if (model.spec.expose.type === 'LoadBalancer') {
    lines.push(
      '# expose.type LoadBalancer: the address of this pod\'s own Service, announced to the managers as one more',
      '# interface (XRDIFADDRS). They redirect clients from public addresses there, in-cluster clients to the pod.',
      'unset XRDIFADDRS',
      `if [ "$role" != redirector ] && [ -r "\${${ENV.externalFile}:-}" ]; then`,
      `  external=$(awk -v pod="$${ENV.podName}" '$1 == pod { print $2; exit }' "$${ENV.externalFile}")`,
      '  case "$external" in',
      `    "") echo "run.sh: no outside address known yet for $${ENV.podName}: redirects name the pod's own address" >&2 ;;`,
      `    *[!0-9A-Fa-f.:]*) echo "run.sh: ignoring the outside address of $${ENV.podName}: not an IP address" >&2 ;;`,
      `    *) XRDIFADDRS=$external; export XRDIFADDRS; echo "run.sh: $${ENV.podName} is announced to outside clients at $external" >&2 ;;`,
      '  esac',
      'fi',
    );
  }
  if (supports(model, 'identity-env')) {
    lines.push('# Pods often lack reverse DNS: tell XRootD its name.', `export XRDNET_IDENTITY="$${ENV.host}"`);
  }
  // A cache server's spaces too (spec.cache): the data disks' mount points, and the metadata's directory.
  const cacheDirs = model.spec.cache ? [cacheMetaPath(), ...cacheDataDisks(model).map((d) => d.below)] : [];
  const exportDirs = [...model.spec.xrootd.exports.map((e) => shellQuote(e.path)), ...cacheDirs.map((d) => `/${d}`)].map((p) => `"$${ENV.dataDir}"${p}`).join(' ');
  lines.push(
    '# Every export exists on every data server before the daemons start (read-only ones too), so a new',
    '# cluster lists, stats and locates its exports at once: a manager only finds a path some server has.',
    'if [ "$role" = worker ]; then',
    `  (umask ${EXPORT_DIR_UMASK} && mkdir -p ${exportDirs}) || { echo "run.sh: cannot create the export directories under $${ENV.dataDir}" >&2; exit 73; }`,
    'fi',
    `mkdir -p "$${ENV.adminDir}"`,
    ...subscriptionList(model),
    ...(model.spec.security.tls ? tlsSetup(!!model.spec.security.gsi) : []),
    ...vomsSetup(model),
    ...cacheDiskReporter(model),
    ...originCredentialsSetup(model),
    ...nodeDrainSuspender(model.spec),
    '# XRootD makes its home directory under the working directory: keep it on a writable volume.',
    `cd "$${ENV.adminDir}"`,
    'exec "$daemon" -n "$role" -c "$config"',
    '',
  );
  return lines.join('\n');
}

/**
 * run.sh lines that record the managers a data server's or supervisor's cmsd subscribes to (its
 * supervisors, else the redirectors), for the readiness probe: in service means connected to one.
 */
function subscriptionList(model: ClusterModel): string[] {
  const { topology } = model;
  const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `"$${prefix}${i}"`).join(' ');
  const file = `"$${ENV.adminDir}/${MANAGERS_FILE}"`;
  return [
    '# The managers this cmsd subscribes to: the readiness probe looks for a connection to one of them.',
    'if [ "$daemon" = cmsd ] && [ "$role" != redirector ]; then',
    `  if [ -n "\${${ENV.supervisorPrefix}0:-}" ]; then managers="${list(ENV.supervisorPrefix, Math.max(topology.redundancy, 1)).replaceAll('"', '')}"; else managers="${list(ENV.managerPrefix, topology.redirectors).replaceAll('"', '')}"; fi`,
    `  printf '%s\\n' $managers > ${file}.new && mv ${file}.new ${file}`,
    'fi',
  ];
}

/**
 * How clients log in (sec.protocol, in the order offered): ztn carries a bearer token (over TLS);
 * gsi an X.509 proxy or certificate. unix lets token-less clients (the probes) log in when tokens
 * are all there is; with gsi it stays off, because a unix login names whatever user the client
 * claims, and authorization rules name users (the probes log in with the host certificate).
 */
export function loginProtocols(model: ClusterModel): string[] {
  const { tokens, gsi } = model.spec.security;
  return [...(tokens ? ['ztn'] : []), ...(gsi ? ['gsi'] : []), ...(tokens && !gsi ? ['unix'] : [])];
}

/** sec.protocol gsi's options: certdir, XRootD's copies of the host certificate, the grid-mapfile. */
function gsiParameters(model: ClusterModel): string {
  const gsi = model.spec.security.gsi!;
  const mapped = gsi.users.length > 0;
  return [
    'gsi', `-certdir:${gsi.caDirectory ?? `$(xrdadmin)/${TLS_SUBDIR}/cadir`}`,
    `-cert:$(xrdadmin)/${TLS_SUBDIR}/tls.crt`, `-key:$(xrdadmin)/${TLS_SUBDIR}/tls.key`,
    // -ca:2: always verify the client's CA. -gmapopt:1: a subject the grid-mapfile lacks keeps its DN hash as name.
    '-ca:2', `-crl:${GSI_CRL_LEVEL[gsi.crl]}`, ...(mapped ? [`-gridmap:$(xrdconfigdir)/${GRID_MAPFILE}`, '-gmapopt:1'] : ['-gmapopt:0']),
    // Third-party copy: ask clients for a delegated proxy, kept with the login for ofs.tpc fcreds.
    ...(model.spec.xrootd.thirdPartyCopy ? ['-dlgpxy:request', '-exppxy:=creds'] : []),
    // VOMS: the plugin named (5.5 loads none from -vomsat alone), attributes of the listed VOs only.
    ...(gsi.voms ? [`-vomsfun:${VOMS_PLUGIN}`, `-vomsat:${gsi.voms.require ? 'require' : 'extract'}`, `-vomsfunparms:${vomsParameters(gsi.voms)}`] : []),
  ].join(' ');
}

/** The VOMS plugin's parameters: the VOs whose attributes count (every group and role of a proxy is kept: grpopt's default). */
function vomsParameters(voms: ResolvedVomsSpec): string {
  return `vos=${voms.vos.map((v) => v.name).join(',')}`;
}

/** The vomsdir's files: `<vo>/<host>.lsc` of each listed server, its subject then its issuer (the chain the attributes carry). */
export function vomsLscFiles(model: ClusterModel): Record<string, string> {
  const files: Record<string, string> = {};
  for (const vo of model.spec.security.gsi?.voms?.vos ?? []) {
    for (const server of vo.servers) files[`${vo.name}/${server.host}.lsc`] = `${server.subject}\n${server.issuer}\n`;
  }
  return files;
}

/** The ConfigMap key of the i-th .lsc file: keys hold no "/", so VOMS_SERVERS_FILE maps them to their vomsdir paths. */
const lscKey = (index: number): string => `voms-${index}.lsc`;

function renderVomsServers(model: ClusterModel): string | undefined {
  const paths = Object.keys(vomsLscFiles(model));
  return paths.length ? paths.map((p, i) => `${lscKey(i)} ${p}\n`).join('') : undefined;
}

/**
 * run.sh lines for xrootd with VOMS: the vomsdir (the listed servers' .lsc files laid out from the
 * ConfigMap's flat keys, or the mounted directory) and the CA directory libvomsapi verifies the
 * servers' certificates with, both through the environment the plugin reads. VO and host names
 * come from patterns without spaces or shell characters.
 */
function vomsSetup(model: ClusterModel): string[] {
  const gsi = model.spec.security.gsi;
  if (!gsi?.voms) return [];
  const vomsdir = `"$${ENV.adminDir}/vomsdir"`;
  const copy = `mkdir -p "$(dirname "$vomsdir/$path")" && cp "$${ENV.configDir}/$key" "$vomsdir/$path"`;
  return [
    '# VOMS: attributes count when signed by a server of the vomsdir (<vo>/<host>.lsc) that the CA directory verifies.',
    'if [ "$daemon" = xrootd ]; then',
    ...(gsi.voms.directory
      ? [`  export X509_VOMS_DIR=${shellQuote(gsi.voms.directory)}`]
      : [
        `  vomsdir=${vomsdir}`,
        '  rm -rf "$vomsdir" && mkdir -p "$vomsdir"',
        `  while read -r key path; do ${copy} || exit 78; done < "$${ENV.configDir}/${VOMS_SERVERS_FILE}"`,
        '  export X509_VOMS_DIR="$vomsdir"',
      ]),
    ...(gsi.caDirectory ? [`  export X509_CERT_DIR=${shellQuote(gsi.caDirectory)}`] : []),
    'fi',
  ];
}

/** The grid-mapfile of spec.security.gsi.users: `"<DN>" <name>`; the DN's pattern keeps quotes and line breaks out. */
export function renderGridMapfile(model: ClusterModel): string | undefined {
  const users = model.spec.security.gsi?.users;
  if (!users?.length) return undefined;
  return [`# Certificate subjects and their user names of cluster ${model.name}, rendered by xrootd-k8s.`, ...users.map((u) => `"${u.dn}" ${u.name}`), ''].join('\n');
}

/** run.sh lines that prepare xrootd's TLS files from the Secret (see TLS_SUBDIR). */
function tlsSetup(gsi: boolean): string[] {
  const dir = `"$${ENV.adminDir}/${TLS_SUBDIR}"`;
  return [
    '# TLS: XRootD takes a key only its owner can read; the Secret\'s files belong to the pod\'s group.',
    '# Clients verify against hashed CA files (openssl x509 -hash), one per certificate of ca.crt.',
    'if [ "$daemon" = xrootd ]; then',
    `  require ${ENV.tlsDir}`,
    `  for f in tls.crt tls.key ca.crt; do [ -s "$${ENV.tlsDir}/$f" ] || { echo "run.sh: the TLS Secret has no $f (mounted at $${ENV.tlsDir})" >&2; exit 78; }; done`,
    `  command -v openssl >/dev/null || { echo "run.sh: TLS needs openssl in the image (docs/image.md)" >&2; exit 78; }`,
    `  rm -rf ${dir} && mkdir -p ${dir}/cadir`,
    `  (umask 077 && cp "$${ENV.tlsDir}/tls.key" ${dir}/tls.key)`,
    `  cp "$${ENV.tlsDir}/tls.crt" "$${ENV.tlsDir}/ca.crt" ${dir}/`,
    ...(gsi ? [`  openssl rsa -in ${dir}/tls.key -noout 2>/dev/null || { echo "run.sh: security.gsi needs an RSA key in the TLS Secret (XRootD's GSI encrypts with it)" >&2; exit 78; }`] : []),
    ...hashedCaDir(`${dir}/ca.crt`, `${dir}/cadir`, '{ echo "run.sh: ca.crt of the TLS Secret is not a PEM certificate" >&2; exit 78; }').map((l) => `  ${l}`),
    'fi',
  ];
}

/**
 * Shell lines that split a CA bundle into one file per certificate, named by its hash
 * (openssl x509 -hash), in an existing `cadir`, and point XrdCl at it (X509_CERT_DIR).
 * `orElse` runs when a certificate cannot be read.
 */
export function hashedCaDir(bundle: string, cadir: string, orElse: string): string[] {
  return [
    `awk -v d=${cadir} '/-BEGIN CERTIFICATE-/ { n++ } n { print > (d "/ca-" n ".pem") }' ${bundle}`,
    `for pem in ${cadir}/ca-*.pem; do`,
    `  hash=$(openssl x509 -hash -noout -in "$pem") || ${orElse}`,
    `  i=0; while [ -e ${cadir}/$hash.$i ]; do i=$((i + 1)); done`,
    `  mv "$pem" ${cadir}/$hash.$i`,
    'done',
    `export X509_CERT_DIR=${cadir}`,
  ];
}

/**
 * The probe script: asks the pod's xrootd how it sees its cluster links
 * (`query config cms`: `/a` active local cmsd, `/c` connected manager, `/d` down).
 */
/**
 * How long the probes wait for xrootd's answer: a hung xrootd (stopped, deadlocked) still accepts
 * connections, and XrdCl would wait out its 15 s handshake timeout; the probes' own timeout is 8 s.
 */
const QUESTION_DEADLINE_SECONDS = 6;

export function renderProbeScript(model: ClusterModel): string {
  // With TLS, ask by the pod's own name (the one its certificate holds) and verify with run.sh's CA files.
  const target = model.spec.security.tls ? `"$${ENV.host}:$${ENV.port}"` : `"localhost:$${ENV.port}"`;
  return [
    '#!/bin/sh',
    `# Health of a pod of cluster ${model.name}, as XRootD reports it: probe.sh ready|alive|cmsd-alive ROLE`,
    '#   ready:      xrootd answers; a data server\'s cmsd is active (/a), a redirector\'s or',
    '#               supervisor\'s manager link is connected (/c); and a data server\'s or',
    '#               supervisor\'s cmsd holds a connection to one of the managers it subscribes',
    `#               to (listed by run.sh in ${MANAGERS_FILE}; address and port): in service means subscribed.`,
    `#   alive:      fails only when xrootd does not answer within ${QUESTION_DEADLINE_SECONDS} s (hung: a port still open`,
    '#               is not an answer); an error it answers with is an answer.',
    '#   cmsd-alive: fails only when xrootd answers and reports its cmsd down (/d).',
    'set -u',
    'check=${1:-}',
    'role=${2:-}',
    'export XRD_CONNECTIONWINDOW=2 XRD_CONNECTIONRETRY=1 XRD_REQUESTTIMEOUT=4 XRD_STREAMTIMEOUT=4 XRD_LOGLEVEL=Error',
    ...(model.spec.security.tls ? [`export X509_CERT_DIR="$${ENV.adminDir}/${TLS_SUBDIR}/cadir"`] : []),
    // With GSI the probe logs in with the host certificate itself (no proxy: XRootD makes one only at a
    // terminal, and a proxy file would also become the TLS client certificate), and asks only its own
    // xrootd, so any server name is fine.
    ...(model.spec.security.gsi ? [`export X509_USER_CERT="$${ENV.adminDir}/${TLS_SUBDIR}/tls.crt" X509_USER_KEY="$${ENV.adminDir}/${TLS_SUBDIR}/tls.key" XrdSecGSICREATEPROXY=0 XrdSecGSISRVNAMES='*'`, 'unset X509_USER_PROXY'] : []),
    ...subscribedFunction(),
    `links=$(timeout ${QUESTION_DEADLINE_SECONDS} xrdfs ${target} query config cms 2>&1)`,
    'answered=$?',
    'case "$check" in',
    '  ready)',
    '    [ $answered -eq 0 ] || { echo "xrootd does not answer: $links"; exit 1; }',
    '    case "$role" in',
    '      worker) case "$links" in *"/a"*) ;; *) echo "cmsd not active: $links"; exit 1 ;; esac ;;',
    '      *) case "$links" in *"/c"*) ;; *) echo "no manager connected: $links"; exit 1 ;; esac ;;',
    '    esac',
    '    [ "$role" = redirector ] || subscribed || { echo "not subscribed: no connection to any of its managers ($(echo $(cat "$managers" 2>/dev/null)))"; exit 1; }',
    '    exit 0 ;;',
    '  alive)',
    '    [ $answered -eq 0 ] && exit 0',
    `    [ $answered -eq 124 ] && { echo "xrootd did not answer within ${QUESTION_DEADLINE_SECONDS} s"; exit 1; }`,
    '    case "$links" in *"Operation expired"*|*"Socket timeout"*|*"Connection error"*|*"Connection refused"*) echo "xrootd does not answer: $links"; exit 1 ;; esac',
    '    exit 0 ;;',
    '  cmsd-alive)',
    '    [ $answered -eq 0 ] || exit 0',
    '    case "$links" in *"/d"*) echo "xrootd reports its cmsd down: $links"; exit 1 ;; esac',
    '    exit 0 ;;',
    '  *) echo "probe.sh: first argument must be ready, alive or cmsd-alive, got \'$check\'" >&2; exit 64 ;;',
    'esac',
    '',
  ].join('\n');
}

/**
 * probe.sh's `subscribed`: an established TCP connection (state 01 in /proc/net/tcp{,6}, the pod's
 * network namespace) to one of the managers in the list run.sh wrote: its address (as the name
 * resolves now) and its port. A name that does not resolve (DNS unreachable for a moment) is
 * matched by its port alone rather than turning every server unready. The kernel prints each
 * 32-bit word of an address in host order: both byte orders are accepted. Plain sh, sed and
 * getent: the image need not have more than its essential packages.
 */
function subscribedFunction(): string[] {
  return [
    `managers="$${ENV.adminDir}/${MANAGERS_FILE}"`,
    '# An address as /proc/net/tcp6 prints it (IPv4 as IPv4-mapped), in network order: 32 hex digits.',
    'hex6() {',
    '  case "$1" in',
    `    *.*) (IFS=.; set -- $1; printf '00000000000000000000FFFF%02X%02X%02X%02X' "$1" "$2" "$3" "$4") ;;`,
    '    *::*) head=${1%%::*}; tail=${1#*::}',
    '      n=$( (IFS=:; set -- $head $tail; echo $#) ); zeros=""; i=$n',
    '      while [ "$i" -lt 8 ]; do zeros="${zeros}0000"; i=$((i + 1)); done',
    `      (IFS=:; set -- $head; for g; do printf '%04X' "0x$g"; done; printf %s "$zeros"; set -- $tail; for g; do printf '%04X' "0x$g"; done) ;;`,
    `    *) (IFS=:; set -- $1; for g; do printf '%04X' "0x$g"; done) ;;`,
    '  esac',
    '}',
    '# A remote address and port as the kernel prints them: both byte orders of each word.',
    'remotes() {',
    `  port=$(printf '%04X' "$2")`,
    '  for ip in $(timeout 1 getent ahosts "$1" 2>/dev/null | while read -r a _; do echo "$a"; done | sort -u); do',
    '    net=$(hex6 "$ip")',
    `    swapped=$(echo "$net" | sed 's/\\(..\\)\\(..\\)\\(..\\)\\(..\\)/\\4\\3\\2\\1/g')`,
    '    case "$ip" in *.*) echo "${net#????????????????????????}:$port ${swapped#????????????????????????}:$port" ;; esac',
    '    echo "$net:$port $swapped:$port"',
    '  done',
    '}',
    'subscribed() {',
    '  [ -r "$managers" ] || return 1',
    '  wanted=""',
    '  while IFS= read -r manager; do',
    '    host=${manager%:*}; port=${manager##*:}',
    '    case "$port" in ""|*[!0-9]*) continue ;; esac',
    '    found=$(remotes "$host" "$port")',
    `    wanted="$wanted \${found:-any:$(printf '%04X' "$port")}"`,
    '  done < "$managers"',
    '  for table in /proc/net/tcp /proc/net/tcp6; do',
    '    [ -r "$table" ] || continue',
    '    while read -r _ _ remote state _; do',
    '      [ "$state" = 01 ] || continue',
    '      for want in $wanted; do',
    '        case "$want" in any:*) [ "${remote##*:}" = "${want#any:}" ] && return 0 ;; *) [ "$remote" = "$want" ] && return 0 ;; esac',
    '      done',
    '    done < "$table"',
    '  done',
    '  return 1',
    '}',
  ];
}

/**
 * The SciTokens plugin's INI file. Every value comes from a field whose pattern excludes line
 * breaks, brackets, "=", "#" and ";", so nothing can start a section or a key of its own.
 */
export function renderSciTokensConfig(model: ClusterModel): string | undefined {
  const tokens = model.spec.security.tokens;
  if (!tokens) return undefined;
  const lines = [
    `# SciTokens/WLCG token issuers of cluster ${model.name}, rendered by xrootd-k8s.`,
    '[Global]',
    `audience = ${tokenAudiences(model).join(', ')}`,
    // Without a valid token: refused, or handed to the authorization database when there is one.
    `onmissing = ${model.spec.security.authorization ? 'passthrough' : 'deny'}`,
  ];
  for (const i of tokens.issuers) {
    lines.push('', `[Issuer ${i.name}]`, `issuer = ${i.url}`, `base_path = ${i.basePaths.join(', ')}`);
    if (i.restrictedPaths.length) lines.push(`restricted_path = ${i.restrictedPaths.join(', ')}`);
    if (i.mapSubject) lines.push('map_subject = true');
    if (i.defaultUser) lines.push(`default_user = ${i.defaultUser}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The configuration names further files of the ConfigMap (the plugin's, the authorization database). */
const readsConfigFiles = (model: ClusterModel): boolean => !!(
  model.spec.security.tokens || model.spec.security.authorization || model.spec.security.gsi?.users.length || model.spec.security.gsi?.voms
);

/**
 * XRootD's authorization database: one line per identity (XRootD refuses a second rule for the same
 * one), `u *` (any user) and `u <name>` followed by path-privileges pairs; rules naming the same path
 * add up. A VO rule's identity is a compound one (`= <id> o: <vo> g: <group> r: <role>`), granted
 * with an inclusive `s` line, so its privileges add to the others too. Paths, names, VOs, groups and
 * roles come from patterns without spaces.
 */
export function renderAuthDb(model: ClusterModel): string | undefined {
  const rules = model.spec.security.authorization?.rules;
  if (!rules) return undefined;
  // identity line prefix (`u *` for anybody first, then as they appear) → path → privilege letters.
  const byIdentity = new Map<string, Map<string, Set<string>>>([['u *', new Map()]]);
  const voIdentities = new Map<string, string>();
  for (const r of rules) {
    const identity = r.who === 'user' ? `u ${r.name!}` : r.who === 'vo' ? `s ${voIdentity(voIdentities, r)}` : 'u *';
    const paths = byIdentity.get(identity) ?? new Map<string, Set<string>>();
    const letters = paths.get(r.path) ?? new Set<string>();
    for (const p of r.privileges) for (const l of PRIVILEGE_LETTERS[p]) letters.add(l);
    paths.set(r.path, letters);
    byIdentity.set(identity, paths);
  }
  const lines = [...byIdentity].filter(([, paths]) => paths.size > 0).map(([identity, paths]) =>
    `${identity} ${[...paths].map(([path, letters]) => `${path} ${[...LETTER_ORDER].filter((l) => letters.has(l)).join('')}`).join(' ')}`);
  return [
    `# Authorization rules of cluster ${model.name}, rendered by xrootd-k8s: VO identities (= id o: vo g: group r: role), then one line per identity`,
    '# (u * is anybody, u a user, s a VO identity) with paths and privileges.',
    ...[...voIdentities].map(([selectors, id]) => `= ${id} ${selectors}`),
    ...lines,
    '',
  ].join('\n');
}

/** The id of a VO rule's compound identity (vo1, vo2, ... by first appearance), recorded with its selectors. */
function voIdentity(known: Map<string, string>, rule: { vo?: string; group?: string; role?: string }): string {
  const selectors = [`o: ${rule.vo!}`, ...(rule.group ? [`g: ${rule.group}`] : []), ...(rule.role ? [`r: ${rule.role}`] : [])].join(' ');
  const id = known.get(selectors) ?? `vo${known.size + 1}`;
  known.set(selectors, id);
  return id;
}

export function renderConfigFiles(model: ClusterModel): Record<string, string> {
  const scitokens = renderSciTokensConfig(model);
  const authdb = renderAuthDb(model);
  const gridMapfile = renderGridMapfile(model);
  const vomsServers = renderVomsServers(model);
  const lsc = Object.values(vomsLscFiles(model));
  return {
    [CONFIG_FILE]: renderConfig(model),
    [PROBE_SCRIPT]: renderProbeScript(model),
    [START_SCRIPT]: renderStartScript(model),
    ...(scitokens ? { [SCITOKENS_FILE]: scitokens } : {}),
    ...(authdb ? { [AUTHDB_FILE]: authdb } : {}),
    ...(gridMapfile ? { [GRID_MAPFILE]: gridMapfile } : {}),
    ...(vomsServers ? { [VOMS_SERVERS_FILE]: vomsServers, ...Object.fromEntries(lsc.map((content, i) => [lscKey(i), content])) } : {}),
  };
}

/** Content hash of the rendered files: in the pod template, so a config change rolls the pods. */
export function configHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const key of Object.keys(files).sort()) h.update(`${key}\0${files[key]}\0`);
  return h.digest('hex').slice(0, 16);
}

/** `cms.space min [<p>%] <bytes> [<p>%] <bytes>`: with a percentage, cmsd uses the larger of the two. */
function cmsSpace(space: SpaceThresholds): string {
  const percent = (p: number | undefined) => (p === undefined ? '' : `${p}% `);
  return `cms.space min ${percent(space.minFreePercent)}${KIB(space.minFreeKiB)} ${percent(space.highWaterPercent)}${KIB(space.highWaterKiB)}`;
}
