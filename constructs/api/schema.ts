/**
 * The Xrootd spec: the single source of the CRD schema (xrootd.org/v1alpha1),
 * the TypeScript types of the construct props, the defaults, the validation
 * rules and the reference docs. Field names of the 2020 Go operator are kept
 * (`version`, `redirector.replicas`, `worker.replicas`, `worker.storage.class`,
 * `worker.storage.capacity`).
 */
import { DIRECTIVE_LINE, NOT_MANAGED } from './directives.js';
import { compareQuantities } from '../quantity.js';
import { capacity, DEFAULT_SUPERVISOR_REDUNDANCY } from '../topology.js';
import { arr, bool, int, map, obj, opaque, SPACE_OR_CONTROL, str, type ObjectField, type StringField } from './dsl.js';

/** Where the pods mount their own volumes (and the system CA bundle's directory): spec.mounts stays clear of them. */
export const RESERVED_MOUNT_PATHS = ['/etc/xrootd/cluster', '/etc/xrootd/maintenance', '/etc/xrootd/external', '/etc/xrootd/tls', '/var/run/xrootd', '/data', '/tmp', '/etc/ssl/certs'];

/** A DNS name, or a wildcard as its whole first label: what a certificate may name. */
const DNS_NAME_OR_WILDCARD = '^(\\*\\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';
/** Durations as cert-manager (Go's time.ParseDuration) reads them, in whole units. */
const GO_DURATION = '^([0-9]{1,7}(h|m|s))+$';

/** A DNS-1123 subdomain (Kubernetes' IsDNS1123Subdomain): the names of Secrets, ConfigMaps and StorageClasses. */
export const SUBDOMAIN = { regex: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 };
/** A port number, 1 to 65535. */
const PORT = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
/** A DNS domain: labels of at most 63 characters (a host name's rule, RFC 1123), lower case. */
const DOMAIN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$';
/**
 * An image reference by the grammar of the container tools (distribution/reference): an optional
 * registry host (a name, or an IPv6 address in brackets) and port, a repository of lower-case path
 * components, an optional tag and digest.
 * The API server takes any string without spaces; a reference outside this grammar would fail
 * only when the kubelet pulls it.
 */
const DOMAIN_COMPONENT = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_COMPONENT = '[a-z0-9]+(([._]|__|[-]+)[a-z0-9]+)*';
const IMAGE_REFERENCE = {
  regex: `^((${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:]+\\])(:[0-9]+)?/)?${PATH_COMPONENT}(/${PATH_COMPONENT})*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
  rule: 'must be an image reference: [registry[:port]/]repository[:tag][@digest], the repository in lower case',
};
/** A claim name with `{ordinal}` once: lower-case letters, digits, '-' and '.', starting and ending alphanumeric. */
const ADOPT_CLAIMS_REGEX = '^([a-z0-9][-a-z0-9.]*)?\\{ordinal\\}([-a-z0-9.]*[a-z0-9])?$';
/** A key of a Secret or ConfigMap as Kubernetes takes it (not `.` or `..`: it names the file a volume makes). */
/** Another Xrootd of the same Kubernetes cluster (federation.upstreamRefs, cache.origin.ref). */
const XROOTD_REFERENCE = obj('XrootdReference', 'An Xrootd resource.', {
  name: str('Its name.', { pattern: { regex: '^[a-z]([-a-z0-9]*[a-z0-9])?$', rule: 'must be an Xrootd name (a DNS label)' }, maxLength: 63 }),
  namespace: str('Its namespace. Omitted: this cluster\'s.', { pattern: { regex: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', rule: 'must be a namespace name (a DNS label)' }, maxLength: 63 }),
}, { required: ['name'] });

/** A certificate subject in OpenSSL's slash form, kept free of what would break a quoted line of the files it is rendered into. */
const SLASH_DN = '^/[A-Za-z][A-Za-z0-9.]*=[^"\\\\\\x00-\\x1f\\x7f]+$';
const SLASH_DN_RULE = 'must be a distinguished name in the slash form (/DC=org/CN=Name) without quotes, backslashes or control characters';
/** A VO name (VOMS allows letters, digits, ".", "_" and "-"). */
const VO_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const SECRET_KEY = '^[-._a-zA-Z0-9]*[-_a-zA-Z0-9][-._a-zA-Z0-9]*$';
/** spec.supervisor.redundancy in a CEL rule of the spec, before defaulting too. */
const REDUNDANCY_CEL = `(has(self.supervisor) && has(self.supervisor.redundancy) ? self.supervisor.redundancy : ${DEFAULT_SUPERVISOR_REDUNDANCY})`;
/** A cmsd's address in all.manager: a DNS name or an IPv4 address, and a port. */
export const HOST_PORT = `^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?:${PORT}$`;
export const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';

const extraDirectives = (role: string) => arr(
  `Additional configuration directives for the ${role} pods, one directive per entry, appended after the ones the library renders.`,
  str('One XRootD directive, such as `xrootd.trace emsg login`.', { pattern: DIRECTIVE_LINE, notMatching: NOT_MANAGED, maxLength: 1024 }),
  { default: [], maxItems: 64 },
);

const quantity = (description: string, o: Partial<StringField> = {}): StringField =>
  str(description, { pattern: { regex: QUANTITY, rule: 'must be a Kubernetes quantity such as 500m, 2Gi or 10G' }, ...o });

const resources = (role: string, requests: Record<string, string>, limits: Record<string, string>) => obj(
  'ResourceSpec',
  `Compute resources of each ${role} container (xrootd; cmsd gets a quarter of the requests).`,
  {
    requests: map('Minimum resources (cpu, memory).', quantity('A quantity.')),
    limits: map('Maximum resources (cpu, memory).', quantity('A quantity.')),
  },
  { default: { requests, limits } },
);

export const xrootdSpecSchema: ObjectField = obj('XrootdSpec', 'Desired state of an XRootD cluster.', {
  version: str('XRootD version, a name from the version catalog (which maps it to an image and to what that version supports).', {
    default: '5.8.1',
    pattern: { regex: '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,62}$', rule: 'must be a version name such as 5.8.1' },
  }),
  image: str('Container image to run instead of the catalog\'s image for `version`. The version still decides which directives are rendered.', {
    pattern: IMAGE_REFERENCE, maxLength: 512,
  }),
  imagePullPolicy: str('When the kubelet pulls the image.', { enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' }),
  imagePullSecrets: arr('Names of Secrets in the cluster\'s namespace used to pull the image.', str('A Secret name.', { pattern: { regex: SUBDOMAIN.regex, rule: 'must be a Secret name (a DNS subdomain: lower-case letters, digits, "-" and ".")' }, maxLength: SUBDOMAIN.maxLength }), { default: [], maxItems: 16 }),
  clusterDomain: str('DNS domain of the Kubernetes cluster, used in the per-pod host names the configuration lists.', {
    default: 'cluster.local',
    pattern: { regex: DOMAIN, rule: 'must be a DNS domain such as cluster.local (labels of lower-case letters, digits and "-", at most 63 characters each)' }, maxLength: 253,
  }),
  site: str('The site\'s name as the grid knows it (such as CERN-PROD or T2_US_Nebraska), rendered as all.sitename: every daemon puts it in its monitoring reports (the collector\'s xrootd_site_info) and a federation\'s meta-manager shows it. Omitted: no site name.', {
    pattern: { regex: '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$', rule: 'must be letters, digits, "_" and "-" (at most 63, XRootD\'s limit), starting with a letter or digit' }, maxLength: 63,
  }),
  redirector: obj('RedirectorSpec', 'The redirectors (XRootD managers): clients connect here and are redirected to data servers.', {
    replicas: int('Number of redirectors. Every one is a manager; every data server subscribes to all of them.', { default: 1, minimum: 1, maximum: 16 }),
    resources: resources('redirector', { cpu: '100m', memory: '256Mi' }, { memory: '1Gi' }),
    extraDirectives: extraDirectives('redirector'),
  }),
  worker: obj('WorkerSpec', 'The data servers: they hold the files.', {
    replicas: int('Number of data servers: at least 1, except in a meta-manager (federation.metaManager), which has none.', { default: 2, minimum: 0, maximum: 4096 }),
    storage: obj('StorageSpec', 'The data volume of each data server (a PersistentVolumeClaim from the StatefulSet\'s volumeClaimTemplates).', {
      class: str('StorageClass of the data volumes; the cluster default when omitted.', {
        pattern: { regex: SUBDOMAIN.regex, rule: 'must be a StorageClass name (a DNS subdomain: lower-case letters, digits, "-" and ".")' }, maxLength: SUBDOMAIN.maxLength,
        transition: { cel: 'self == oldSelf', rule: 'cannot change: a volume keeps its StorageClass (docs/storage.md: moving data servers to another class)' },
      }),
      capacity: quantity('Size of each data volume. Also sets the free-space thresholds (cms.space) so that small volumes still receive writes. Raising it expands every data volume in place when the StorageClass allows expansion; it never shrinks (docs/storage.md).', {
        // Not a transition rule: after a growth the StorageClass refused, going back must stay possible.
        // The agent refuses a size below what the volumes were asked for (docs/storage.md).
        default: '10Gi',
      }),
      accessModes: arr('Access modes of the data volumes.', str('An access mode.', { enum: ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'] }), { default: ['ReadWriteOnce'], minItems: 1, immutable: true }),
      adoptClaims: str('Existing PersistentVolumeClaims (in the cluster\'s namespace) whose volumes the data servers take over, by name with {ordinal} for the data server\'s number, such as old-data-old-xrootd-worker-{ordinal} (the 2020 operator\'s claims; `xrootd-k8s migrate` sets it). Before a data server\'s own claim exists, the agent binds a claim of ours to the same PersistentVolume (reclaim policy set to Retain); the old claim is kept, unbound (Lost). Nothing is copied or deleted (docs/migration.md).', {
        pattern: { regex: ADOPT_CLAIMS_REGEX, rule: 'must be a claim name (lower-case letters, digits, - and .) with {ordinal} exactly once' },
        maxLength: 243,
      }),
      layout: str('Where an export\'s files lie on a data volume. LocalRoot: the volume is the data server\'s local root (oss.localroot), so the file /data/f of the export /data is the volume\'s data/f, and each export has its directory. ExportRoot: the volume holds the one export\'s files at its top, so /data/f is the volume\'s f; the 2020 operator\'s layout, which `xrootd-k8s migrate` sets so that its volumes serve their files where they were (docs/migration.md). ExportRoot needs exactly one export.', {
        enum: ['LocalRoot', 'ExportRoot'], default: 'LocalRoot', immutable: true,
      }),
      autoExpand: obj('AutoExpandSpec', 'Grow each data server\'s volume on its own as it fills (with the agent and spec.monitoring, whose collector reports each data server\'s free space): when a data server\'s free space falls below freePercent, its claim alone is grown by stepPercent, up to maxCapacity, before XRootD stops placing files on it (cms.space keeps 2% free). The StorageClass must allow expansion. A data server that cannot grow is reported (status.autoExpand, the StorageFull condition). Absent: volumes grow only with capacity (docs/autopilot.md).', {
        freePercent: int('Grow a data server\'s volume when less than this share of it is free.', { default: 20, minimum: 5, maximum: 90 }),
        stepPercent: int('Each growth, in percent of the volume\'s size (rounded up to whole Gi).', { default: 50, minimum: 10, maximum: 1000 }),
        maxCapacity: quantity('The most a data volume grows to; at least capacity.'),
      }, { required: ['maxCapacity'], presenceMeansOn: true }),
      retention: obj('RetentionSpec', 'What happens to the data volumes when the data servers are scaled down or the cluster is deleted.', {
        whenScaled: str('Keep (Retain) or delete (Delete) the volumes of data servers removed by a scale-down.', { enum: ['Retain', 'Delete'], default: 'Retain' }),
        whenDeleted: str('Keep (Retain) or delete (Delete) the volumes when the cluster is deleted.', { enum: ['Retain', 'Delete'], default: 'Retain' }),
      }),
    }),
    scaleDown: str('What happens to the files of the data servers a lower replicas removes. Immediate: the StatefulSet shrinks at once; their files are unreachable until they come back (their volumes follow storage.retention.whenScaled). Drain (with the agent): each one, highest ordinal first, is put in maintenance, a Job copies every file it holds to the data servers that stay (adler32 compared), and only then is it removed; a drain that would not fit is refused with nothing removed (docs/storage.md).', { enum: ['Immediate', 'Drain'], default: 'Immediate' }),
    autoscale: obj('AutoscaleSpec', 'Add and remove data servers on their own as the cluster fills and empties (with the agent and spec.monitoring, whose collector reports each data server\'s free space; needs scaleDown Drain and storage.retention.whenScaled Delete: a server is removed only once its files are copied to the others, and its volume, holding copies only, goes with it). When the free share of the data servers in service falls below freePercent and no volume is growing (storage.autoExpand grows a filling server\'s volume first), one data server is added; it receives the new files first (cms.sched selects by free space). One is removed, through a drain, only after the free share the others would have without it has stayed above scaleDownFreePercent for scaleDownAfterSeconds. After each change the agent waits coolDownSeconds, and for every data server to be Ready and reporting. The agent keeps the number it chose in status.autoscale.replicas; replicas is the starting number (docs/autopilot.md).', {
      minReplicas: int('The fewest data servers.', { default: 1, minimum: 1, maximum: 4096 }),
      maxReplicas: int('The most data servers.', { minimum: 1, maximum: 4096 }),
      freePercent: int('Add a data server when less than this share of the data servers\' space is free.', { default: 20, minimum: 5, maximum: 80 }),
      scaleDownFreePercent: int('Remove a data server when the others would still have this share free without it; at least freePercent + 10, so that a removal never brings the cluster back below freePercent.', { default: 60, minimum: 15, maximum: 95 }),
      scaleDownAfterSeconds: int('How long that must hold before a data server is removed.', { default: 3600, minimum: 0, maximum: 2592000 }),
      coolDownSeconds: int('After adding or removing a data server, how long before the next change.', { default: 600, minimum: 0, maximum: 86400 }),
    }, {
      required: ['maxReplicas'], presenceMeansOn: true,
      rules: [
        { path: 'maxReplicas', rule: 'must be at least minReplicas', cel: '!has(self.minReplicas) || self.maxReplicas >= self.minReplicas', check: (a) => a.maxReplicas >= a.minReplicas },
        { path: 'scaleDownFreePercent', rule: 'must be at least freePercent + 10', cel: '(has(self.scaleDownFreePercent) ? self.scaleDownFreePercent : 60) >= (has(self.freePercent) ? self.freePercent : 20) + 10', check: (a) => a.scaleDownFreePercent >= a.freePercent + 10 },
      ],
    }),
    nodeDrain: obj('NodeDrainSpec', 'Prepare a data server before a node drain takes it away (with the agent and spec.monitoring): the data servers\' disruption budget lets no eviction through, so `kubectl drain` (or any eviction) waits; when a data server\'s node is cordoned, the agent has its cmsd suspend itself at its managers (no new files, no new opens there; writes already open go on), waits until its xrootd reports no file open for writing (at most writesTimeoutSeconds), and then labels the pod out of the budget, so the drain\'s next eviction takes it. A node only cordoned (no drain) keeps its data servers suspended until it is uncordoned. Drainers that taint nodes without cordoning them are not seen: they wait for the budget until their own timeout. Absent: evictions take one data server at a time, whatever it is writing (docs/autopilot.md).', {
      writesTimeoutSeconds: int('How long after its node is seen cordoned a data server is released to the drain anyway (not yet suspended, or still writing, or the collector not answering). At least 120: the kubelet takes up to a minute or so to show the pod the cordoned list.', { default: 600, minimum: 120, maximum: 86400 }),
    }, { presenceMeansOn: true }),
    drainToken: obj('DrainTokenSpec', 'The bearer token the drain Job logs in with when the cluster takes tokens (security.tokens): a Secret in the cluster\'s namespace whose key holds a token of one of the issuers with storage.read, storage.create and storage.modify on every export. Keep it fresh there (each copy reads it again): a drain can outlast a token.', {
      secretName: str('The Secret.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' }, maxLength: 253 }),
      key: str('The Secret\'s key holding the token.', { default: 'token', pattern: { regex: SECRET_KEY, rule: 'must be a Secret key: letters, digits, "-", "_" and ".", not only dots' }, maxLength: 253 }),
    }, { required: ['secretName'] }),
    maintenance: arr('Data servers in maintenance, by ordinal (3 is <name>-worker-3): they serve reads but receive no new files (their exports are announced read-only to the managers), so their node can be drained or their volume looked after. The agent restarts each one as it enters or leaves maintenance (docs/storage.md).',
      int('The ordinal of a data server.', { minimum: 0, maximum: 4095 }), { default: [], maxItems: 64 }),
    resources: resources('data server', { cpu: '500m', memory: '1Gi' }, { memory: '4Gi' }),
    extraDirectives: extraDirectives('data server'),
  }),
  supervisor: obj('SupervisorSpec', 'The supervisor tier, added when there are more data servers than one manager accepts (64).', {
    replicas: int('Number of supervisors. Omitted: derived from the number of data servers and redundancy (none up to 64 data servers; at least redundancy beyond).', { minimum: 0, maximum: 64 }),
    redundancy: int('How many supervisors each data server below them subscribes to (XRootD\'s manager redundancy): with 2 or more, losing one supervisor pod leaves every data server reachable through another. Each subscription takes one of a supervisor\'s 64 slots, so the tier holds 64 / redundancy data servers per supervisor (with 2: 2048 data servers at most; with 1: 4096).', { default: 2, minimum: 1, maximum: 4 }),
    resources: resources('supervisor', { cpu: '100m', memory: '256Mi' }, { memory: '1Gi' }),
    extraDirectives: extraDirectives('supervisor'),
  }),
  xrootd: obj('XrootdSettings', 'Settings of the XRootD daemons shared by every role.', {
    port: int('Port of the xrootd protocol (and of HTTP when enabled).', { default: 1094, minimum: 1024, maximum: 65535 }),
    cmsdPort: int('Port of the redirectors\' cmsd, which data servers and supervisors subscribe to.', { default: 1213, minimum: 1024, maximum: 65535 }),
    exports: arr('Exported path prefixes.', obj('ExportSpec', 'An exported path prefix.', {
      path: str('Logical path prefix, such as /data.', {
        // Each component has a character other than a dot: `.` and `..` would point outside the data volume.
        pattern: { regex: '^(/\\.*[A-Za-z0-9_-][A-Za-z0-9._-]*)+/?$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component' },
        maxLength: 255,
      }),
      readOnly: bool('Refuse writes under this path.', { default: false }),
    }, { required: ['path'] }), { default: [{ path: '/data', readOnly: false }], minItems: 1, maxItems: 32, uniqueBy: 'path', uniqueIgnoringTrailingSlash: true }),
    maxFileDescriptors: int('Open file limit of each daemon (xrd.maxfd strict). Memory grows with the limit.', { default: 8192, minimum: 1024, maximum: 1048576 }),
    startupDelaySeconds: int('How long a manager waits for data servers after it starts before it redirects (cms.delay startup).', { default: 10, minimum: 0, maximum: 600 }),
    dropDelaySeconds: int('How long a manager (or supervisor) keeps a server that went away before dropping it (cms.delay drop; XRootD\'s default is 10 minutes). While it is kept, new files cannot be created anywhere (it might hold the name) and its files wait for it. A data server or supervisor pod that comes back, whatever its new address, takes its entry over at once (it logs in under its pod name, cms.vnid), so this only matters for a pod that does not come back: keep it short (docs/topologies.md).', { default: 30, minimum: 10, maximum: 3600 }),
    thirdPartyCopy: bool('Enable third-party copy (ofs.tpc, and HTTP TPC when HTTP is on).', { default: false }),
    http: bool('Serve HTTP/WebDAV on the xrootd port.', { default: false }),
    summaryMonitoring: str('Destination host:port of XRootD summary monitoring packets (xrd.report), sent every 60 s.', {
      pattern: { regex: `^[A-Za-z0-9.-]+:${PORT}$`, rule: 'must be host:port, the port from 1 to 65535' }, maxLength: 259,
    }),
  }, {
    rules: [{ path: 'cmsdPort', rule: 'must differ from xrootd.port', // has(): the API server also checks the CRD's `default: {}` against the rule, before nested defaults.
      cel: '!has(self.port) || !has(self.cmsdPort) || self.cmsdPort != self.port', check: (x) => x.cmsdPort !== x.port }],
  }),
  scheduling: obj('SchedulingSpec', 'Where the pods run.', {
    spreadAcrossHosts: bool('Spread each role\'s pods across nodes (topology spread, best effort).', { default: true }),
    spreadAcrossZones: bool('Spread each role\'s pods across zones (topology spread, best effort).', { default: true }),
    nodeSelector: map('Node labels the pods require.', str('A label value.')),
    tolerations: opaque('k8s.Toleration[]', 'Tolerations of the pods (Kubernetes Toleration objects).'),
    affinity: opaque('k8s.Affinity', 'Affinity of the pods (a Kubernetes Affinity object); replaces nothing the library sets.'),
  }),
  expose: obj('ExposeSpec', 'Exposure to clients outside the Kubernetes cluster. Redirects send clients to data servers directly, so each data server gets a Service of its own too.', {
    type: str('How outside clients reach the pods. None keeps the cluster internal. LoadBalancer: a Service of that type for the redirectors and one per data server and supervisor; with the agent each pod announces its Service\'s address to the managers, which redirect clients from public addresses there and in-cluster clients to the pod (docs/topologies.md). NodePort: the same Services as NodePorts, for sites whose pod addresses clients can route to (a node port is not the port XRootD announces). HostNetwork (bare-metal sites): every pod uses its node\'s network, so redirects name the node\'s address and its DNS name, as with XRootD outside Kubernetes; at most one pod of the cluster per node (required anti-affinity), and the namespace must allow host networking (Pod Security level privileged).', { enum: ['None', 'NodePort', 'LoadBalancer', 'HostNetwork'], default: 'None' }),
    annotations: map('Annotations of the exposing Services (for load balancer controllers).', str('An annotation value.')),
    hostnameTemplate: str('DNS names of the exposed pods, {pod} standing for the pod name as the first label, such as {pod}.xrootd.example.org: set as external-dns\'s hostname annotation on each pod\'s Service (the redirectors\' Service gets <name>.xrootd.example.org), so external-dns makes the records, and added as a wildcard (*.xrootd.example.org) to the certificate of security.tls.certificate. Clients are redirected to the reverse DNS name of a load balancer\'s address: give the addresses PTR records with these names.', {
      pattern: { regex: '^\\{pod\\}(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$', rule: 'must be {pod} followed by a lower-case DNS domain, such as {pod}.xrootd.example.org' }, maxLength: 200,
    }),
  }, {
    rules: [
      { path: 'hostnameTemplate', rule: 'needs type LoadBalancer or NodePort: only they make Services for external-dns', cel: '!has(self.hostnameTemplate) || (has(self.type) && (self.type == \'LoadBalancer\' || self.type == \'NodePort\'))', check: (e) => !e.hostnameTemplate || e.type === 'LoadBalancer' || e.type === 'NodePort' },
      { path: 'annotations', rule: 'need type LoadBalancer or NodePort: the annotations go on the exposing Services, and only they have any', cel: '!has(self.annotations) || size(self.annotations) == 0 || (has(self.type) && (self.type == \'LoadBalancer\' || self.type == \'NodePort\'))', check: (e) => !e.annotations || Object.keys(e.annotations).length === 0 || e.type === 'LoadBalancer' || e.type === 'NodePort' },
    ],
  }),
  networkPolicy: obj('NetworkPolicySpec', 'Network policy of the cluster\'s pods.', {
    enabled: bool('Render a NetworkPolicy: the manager cmsd port only from cluster members (on a meta-manager, also from any namespace\'s redirectors and the clients below: its subscribers), the xrootd port from the clients below.', { default: true }),
    clients: opaque('k8s.NetworkPolicyPeer[]', 'Who may reach the xrootd port (NetworkPolicyPeer objects), and on a meta-manager its cmsd port too (regional redirectors outside Kubernetes). Omitted: anyone.'),
  }),
  security: obj('SecuritySpec', 'Identity the daemons run as (XRootD refuses to run as root), and TLS.', {
    runAsUser: int('User id of the daemons.', { default: 10940, minimum: 1, maximum: 2147483647 }),
    runAsGroup: int('Group id of the daemons.', { default: 10940, minimum: 1, maximum: 2147483647 }),
    fsGroup: int('Group that owns the data volumes.', { default: 10940, minimum: 1, maximum: 2147483647 }),
    tls: obj('TlsSpec', 'TLS for the xroot protocol (roots://) and HTTPS, both on the xrootd port, with the certificate of a Secret. Omitted: no TLS.', {
      secretName: str('Secret (type kubernetes.io/tls) in the cluster\'s namespace with tls.crt, tls.key and ca.crt, the CA that verifies peers (a cert-manager Certificate writes all three; docs/security.md). Its certificate must name every pod\'s per-pod host name (a wildcard per role: *.<cluster>-<role>.<namespace>.svc.<domain>) and the names clients use.', {
        pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' }, maxLength: 253,
      }),
      require: str('Which xroot requests must use TLS (xrootd.tls): none (roots:// offered, not required), capable (required from clients that can do TLS), data (logins may be clear, then everything after), all (everything).', {
        enum: ['none', 'capable', 'data', 'all'], default: 'all',
      }),
      certificate: obj('CertificateSpec', 'Have cert-manager issue the certificate into secretName: a cert-manager Certificate (cert-manager.io/v1) is synthesized with the cluster, naming every pod (a wildcard per role), the client Service and dnsNames. Needs cert-manager in the Kubernetes cluster and an issuer that writes ca.crt (a CA or Vault issuer). Omitted: the Secret is made otherwise.', {
        issuerRef: obj('IssuerReference', 'The cert-manager issuer that signs the certificate.', {
          name: str('The issuer\'s name.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be an object name' }, maxLength: 253 }),
          kind: str('Issuer (in the cluster\'s namespace) or ClusterIssuer.', { enum: ['Issuer', 'ClusterIssuer'], default: 'Issuer' }),
          group: str('The issuer\'s API group (another for external issuers).', {
            default: 'cert-manager.io', pattern: { regex: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$', rule: 'must be an API group (a DNS subdomain)' }, maxLength: 253,
          }),
        }, { required: ['name'] }),
        dnsNames: arr('More names the certificate carries besides the pods\' and the client Service\'s: the names outside clients use.', str('A DNS name; a wildcard only as the whole first label (*.example.org).', {
          pattern: { regex: DNS_NAME_OR_WILDCARD, rule: 'must be a lower-case DNS name, optionally starting with "*."' }, maxLength: 253,
        }), { default: [], maxItems: 32 }),
        duration: str('How long each certificate is valid, as cert-manager reads it (a Go duration such as 2160h). Omitted: the issuer\'s default (90 days).', {
          pattern: { regex: GO_DURATION, rule: 'must be a duration such as 2160h or 1h30m' }, maxLength: 32,
        }),
        renewBefore: str('How long before expiry cert-manager renews (a Go duration such as 360h); each renewal rolls the pods. Omitted: a third of the duration.', {
          pattern: { regex: GO_DURATION, rule: 'must be a duration such as 360h or 1h30m' }, maxLength: 32,
        }),
      }, { required: ['issuerRef'] }),
    }, { required: ['secretName'] }),
    tokens: obj('TokensSpec', 'Bearer tokens (WLCG profile, SciTokens) for the xroot protocol (ztn) and HTTPS (Authorization: Bearer), checked by XRootD\'s SciTokens plugin: a request is allowed when its token\'s scopes allow it (storage.read, storage.create, storage.modify, ... under a base path); without a valid token nothing but the daemons\' own queries is allowed. Needs tls.', {
      audiences: arr('The audiences (aud) a token must name, such as https://xrootd.site.example.org:1094. Omitted: the cluster\'s own names, https:// and roots:// with xrootd.port for each outside name of the redirectors (expose.hostnameTemplate, the certificate\'s dnsNames that are not wildcards), and the site name (spec.site); at least one of those must then be set.', str('An audience.', {
        pattern: { regex: `^[^${SPACE_OR_CONTROL},;#\\[\\]=]+$`, rule: 'must be an audience without spaces, commas, semicolons, "#", "[", "]" or "="' }, maxLength: 255,
      }), { minItems: 1, maxItems: 16 }),
      issuers: arr('The token issuers this cluster trusts.', obj('TokenIssuerSpec', 'A token issuer.', {
        name: str('A name for the issuer (its section of the plugin\'s configuration).', { pattern: { regex: '^[A-Za-z0-9_-]{1,63}$', rule: 'must be letters, digits, "_" and "-"' }, maxLength: 63 }),
        url: str('The issuer (iss) as tokens name it: an https:// URL; its /.well-known/openid-configuration gives the keys.', {
          pattern: { regex: `^https://[A-Za-z0-9.-]+(:${PORT})?(/[A-Za-z0-9._~%/-]*)?$`, rule: 'must be an https:// URL (host, optional port from 1 to 65535, and path)' }, maxLength: 255,
        }),
        basePaths: arr('Paths the token\'s scopes are relative to: storage.read:/x allows reading <basePath>/x.', str('An exported path.', {
          pattern: { regex: '^(/\\.*[A-Za-z0-9_-][A-Za-z0-9._-]*)+/?$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component' }, maxLength: 255,
        }), { minItems: 1, maxItems: 16 }),
        restrictedPaths: arr('If set, tokens of this issuer reach only these paths, whatever their scopes say.', str('A path.', {
          pattern: { regex: '^(/\\.*[A-Za-z0-9_-][A-Za-z0-9._-]*)+/?$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component' }, maxLength: 255,
        }), { default: [], maxItems: 16 }),
        mapSubject: bool('Use the token\'s subject (sub) as the user name in logs and monitoring.', { default: false }),
        defaultUser: str('User name given to requests authorized by scope alone.', { pattern: { regex: '^[a-z_][a-z0-9_-]{0,31}$', rule: 'must be a user name (lower-case letters, digits, "_" and "-")' }, maxLength: 32 }),
      }, { required: ['name', 'url', 'basePaths'] }), { minItems: 1, maxItems: 16, uniqueBy: 'name' }),
      issuerCaBundle: obj('CaBundleReference', 'CA certificates the daemons trust when they fetch an issuer\'s keys over HTTPS, instead of the image\'s system bundle: a key of a ConfigMap, mounted over /etc/ssl/certs/ca-certificates.crt. Omitted: the image\'s bundle (public CAs).', {
        configMapName: str('The ConfigMap.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a ConfigMap name' }, maxLength: 253 }),
        key: str('The key holding the PEM bundle.', { default: 'ca-certificates.crt', pattern: { regex: SECRET_KEY, rule: 'must be a ConfigMap key: letters, digits, "-", "_" and ".", not only dots' }, maxLength: 253 }),
      }, { required: ['configMapName'] }),
    }, { required: ['issuers'] }),
    gsi: obj('GsiSpec', 'X.509 client authentication (GSI, sec.protocol gsi) for the xroot protocol: clients log in with a grid proxy or certificate that the CAs below vouch for; users lists the subjects (DNs) that get a user name, which authorization rules can name. The daemons present the TLS Secret\'s certificate, whose key must be RSA (XRootD\'s GSI encrypts with it). Clients that cannot authenticate (no token, no certificate) cannot log in: GSI turns the unix protocol off. Needs tls.', {
      caDirectory: str('Directory of the CA certificates (and CRLs) that verify clients, under their hash names (<hash>.0, <hash>.r0), such as the IGTF bundle: the mountPath of one of spec.mounts. Omitted: the TLS Secret\'s ca.crt.', {
        pattern: { regex: '^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/")' }, maxLength: 255,
      }),
      users: arr('Subjects that get a user name (the grid-mapfile): a client whose certificate subject is dn logs in as name. Other subjects log in under a hash of their DN, which no rule can name.', obj('GsiUser', 'A certificate subject and its user name.', {
        dn: str('The subject as OpenSSL prints it in the slash form: /DC=org/DC=example/CN=Alice Example.', {
          pattern: { regex: SLASH_DN, rule: SLASH_DN_RULE }, maxLength: 512,
        }),
        name: str('The user name (letters, digits, "_" and "-"; no ".", so it never equals a DN hash).', {
          pattern: { regex: '^[a-z_][a-z0-9_-]{0,31}$', rule: 'must be a user name (lower-case letters, digits, "_" and "-", at most 32)' }, maxLength: 32,
        }),
      }, { required: ['dn', 'name'] }), { default: [], maxItems: 128, uniqueBy: 'dn' }),
      crl: str('What XRootD does with certificate revocation lists in the CA directory: ignore, ifPresent (use a CA\'s CRL when there is one), require (refuse clients of a CA without one), requireCurrent (and refuse when it has expired).', {
        enum: ['ignore', 'ifPresent', 'require', 'requireCurrent'], default: 'ifPresent',
      }),
      voms: obj('VomsSpec', 'VOMS attributes (a VO, its groups and roles: the FQANs) of clients\' proxies, read by XRootD\'s VOMS plugin (libXrdVoms, in the image) at the GSI login and, with xrootd.http, from HTTPS client certificates, so that authorization rules can name them (who: vo). Attributes count only when a VOMS server listed here (or in directory) signed them, a CA of the CA directory vouches for that server, and they are still valid.', {
        vos: arr('The VOs whose attributes are read; those of any other VO are ignored.', obj('VomsOrganization', 'A VO and the VOMS servers that sign its attributes.', {
          name: str('The VO\'s name, as its FQANs begin (/cms/...): letters, digits, ".", "_" and "-".', {
            pattern: { regex: VO_NAME, rule: 'must be a VO name: letters, digits, ".", "_" and "-", starting with a letter or digit' }, maxLength: 64,
          }),
          servers: arr('The VOMS servers that sign this VO\'s attributes, rendered as the vomsdir\'s <vo>/<host>.lsc files. Omitted: directory holds them.', obj('VomsServer', 'A VOMS server: its host name and its certificate\'s subject and issuer.', {
            host: str('The host name of the server, as its attributes name it (vo://host:port).', { pattern: { regex: DOMAIN, rule: 'must be a DNS name (lower-case labels of at most 63 characters)' }, maxLength: 253 }),
            subject: str('The subject of the server\'s certificate in the slash form (/DC=org/CN=voms.example.org).', { pattern: { regex: SLASH_DN, rule: SLASH_DN_RULE }, maxLength: 512 }),
            issuer: str('The subject of the CA that issued it, in the slash form.', { pattern: { regex: SLASH_DN, rule: SLASH_DN_RULE }, maxLength: 512 }),
          }, { required: ['host', 'subject', 'issuer'] }), { default: [], maxItems: 8, uniqueBy: 'host' }),
        }, { required: ['name'] }), { minItems: 1, maxItems: 32, uniqueBy: 'name' }),
        directory: str('A vomsdir to trust instead of the listed servers (<vo>/<host>.lsc files, as the wlcg-voms-* packages install them under /etc/grid-security/vomsdir): the mountPath of one of spec.mounts.', {
          pattern: { regex: '^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/")' }, maxLength: 255,
        }),
        require: bool('Refuse the login of a client whose proxy has no valid attributes of these VOs (none, another VO\'s, expired, or signed by an unknown server). Off: such a client logs in by its certificate alone and gets what the rules give anybody and its user name.', { default: false }),
      }, {
        required: ['vos'],
        rules: [{
          path: 'vos', rule: 'every VO needs servers unless directory is set',
          cel: 'has(self.directory) || self.vos.all(v, has(v.servers) && size(v.servers) > 0)',
          check: (v) => v.directory !== undefined || (v.vos ?? []).every((o: { servers?: unknown[] }) => (o.servers ?? []).length > 0),
        }],
      }),
    }, { presenceMeansOn: true }),
    authorization: obj('AuthorizationSpec', 'Rules for requests that no token authorizes, rendered to XRootD\'s authorization database (acc.authdb). With tokens, a request without a valid token for its path falls through to these rules; without tokens, these rules are all there is: whatever no rule grants is refused.', {
      rules: arr('The rules; privileges add up across the rules that match a path.', obj('AuthorizationRule', 'What a kind of client may do under a path.', {
        path: str('An exported path or one below it.', {
          pattern: { regex: '^(/\\.*[A-Za-z0-9_-][A-Za-z0-9._-]*)+/?$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component' }, maxLength: 255,
        }),
        who: str('Whom the rule is for. anybody: every client that logged in; user: the client whose certificate security.gsi.users maps to name; vo: a client whose proxy carries valid VOMS attributes of vo (security.gsi.voms), narrowed by group and role. Tokens are authorized by their scopes, not by these rules.', { enum: ['anybody', 'user', 'vo'], default: 'anybody' }),
        name: str('The user the rule is for (who: user): a name of security.gsi.users.', {
          pattern: { regex: '^[a-z_][a-z0-9_-]{0,31}$', rule: 'must be a user name (lower-case letters, digits, "_" and "-", at most 32)' }, maxLength: 32,
        }),
        vo: str('The VO the rule is for (who: vo): a name of security.gsi.voms.vos.', {
          pattern: { regex: VO_NAME, rule: 'must be a VO name: letters, digits, ".", "_" and "-", starting with a letter or digit' }, maxLength: 64,
        }),
        group: str('Only members of this group of the VO (who: vo), as FQANs name it: /<vo> or below it, such as /cms/uscms. Matched exactly: /cms/uscms is not /cms. Omitted: any group.', {
          pattern: { regex: '^(/[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$', rule: 'must be a VOMS group: /-separated names of letters, digits, ".", "_" and "-"' }, maxLength: 255,
        }),
        role: str('Only with this role in the group (who: vo), such as production; NULL is a member without a role. Omitted: any role.', {
          pattern: { regex: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', rule: 'must be a VOMS role: letters, digits, ".", "_" and "-"' }, maxLength: 64,
        }),
        privileges: arr('What they may do: read, list (stat, ls, locate), create (new files and directories), write (change existing files), delete, rename. XRootD opens the files it creates or changes read-write, so create and write grant read too.', str('A privilege.', {
          enum: ['read', 'list', 'create', 'write', 'delete', 'rename'],
        }), { minItems: 1, maxItems: 6 }),
      }, {
        required: ['path', 'privileges'],
        rules: [
          { path: 'name', rule: 'is set exactly when who is user', cel: 'has(self.name) == (has(self.who) && self.who == \'user\')', check: (r) => (r.name !== undefined) === (r.who === 'user') },
          { path: 'vo', rule: 'is set exactly when who is vo', cel: 'has(self.vo) == (has(self.who) && self.who == \'vo\')', check: (r) => (r.vo !== undefined) === (r.who === 'vo') },
          { path: 'group', rule: 'needs who vo, and must be the VO\'s group or one below it (/<vo> or /<vo>/...)', cel: '!has(self.group) || (has(self.vo) && (self.group == \'/\' + self.vo || self.group.startsWith(\'/\' + self.vo + \'/\')))', check: (r) => r.group === undefined || (r.vo !== undefined && (r.group === `/${r.vo}` || r.group.startsWith(`/${r.vo}/`))) },
          { path: 'role', rule: 'needs who vo', cel: '!has(self.role) || has(self.vo)', check: (r) => r.role === undefined || r.vo !== undefined },
        ],
      }), { minItems: 1, maxItems: 64 }),
    }, { required: ['rules'] }),
  }, {
    rules: [
      { path: 'tokens', rule: 'needs tls: tokens are accepted only over TLS (ztn, https)', cel: '!has(self.tokens) || has(self.tls)', check: (s) => !s.tokens || !!s.tls },
      { path: 'gsi', rule: 'needs tls: the daemons present the TLS Secret\'s certificate', cel: '!has(self.gsi) || has(self.tls)', check: (s) => !s.gsi || !!s.tls },
      {
        path: 'authorization.rules', rule: 'may name only users of gsi.users (who: user)',
        cel: '!has(self.authorization) || self.authorization.rules.all(r, !has(r.name) || (has(self.gsi) && has(self.gsi.users) && self.gsi.users.exists(u, u.name == r.name)))',
        check: (s) => !s.authorization || s.authorization.rules.every((r: { name?: string }) => r.name === undefined
          || (s.gsi?.users ?? []).some((u: { name: string }) => u.name === r.name)),
      },
      {
        path: 'authorization.rules', rule: 'may name only VOs of gsi.voms.vos (who: vo)',
        cel: '!has(self.authorization) || self.authorization.rules.all(r, !has(r.vo) || (has(self.gsi) && has(self.gsi.voms) && self.gsi.voms.vos.exists(v, v.name == r.vo)))',
        check: (s) => !s.authorization || s.authorization.rules.every((r: { vo?: string }) => r.vo === undefined
          || (s.gsi?.voms?.vos ?? []).some((v: { name: string }) => v.name === r.vo)),
      },
    ],
  }),
  mounts: arr('Secrets and ConfigMaps mounted read-only into both daemons of every pod: a grid CA directory, a host certificate, VOMS files, an authorization database kept elsewhere. Referenced from extraDirectives by their mountPath.', obj('MountSpec', 'A Secret or a ConfigMap mounted as a directory.', {
    name: str('A name for the mount (its volume is extra-<name>).', { pattern: { regex: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', rule: 'must be a DNS label' }, maxLength: 40 }),
    mountPath: str('Where it appears in the containers: an absolute path outside the ones the pods use already (/etc/xrootd/cluster, /etc/xrootd/tls, /var/run/xrootd, /data, /tmp, /etc/ssl/certs).', {
      pattern: { regex: '^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$', rule: 'must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/")' },
      maxLength: 255,
    }),
    secretName: str('The Secret to mount (one of secretName and configMapName).', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' }, maxLength: 253 }),
    configMapName: str('The ConfigMap to mount (one of secretName and configMapName).', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a ConfigMap name' }, maxLength: 253 }),
    defaultMode: int('File mode of the files, in decimal (288 = 0440: the daemons read them through the pods\' group).', { default: 288, minimum: 0, maximum: 511 }),
  }, {
    required: ['name', 'mountPath'],
    rules: [
      { path: 'secretName', rule: 'or configMapName must be set, not both', cel: 'has(self.secretName) != has(self.configMapName)', check: (m) => (m.secretName === undefined) !== (m.configMapName === undefined) },
      {
        path: 'mountPath', rule: `must not be, contain or lie under a path the pods use (${RESERVED_MOUNT_PATHS.join(', ')})`,
        cel: `!has(self.mountPath) || ![${RESERVED_MOUNT_PATHS.map((p) => `'${p}'`).join(', ')}].exists(p, self.mountPath == p || self.mountPath.startsWith(p + '/') || p.startsWith(self.mountPath + '/'))`,
        check: (m) => typeof m.mountPath !== 'string' || !RESERVED_MOUNT_PATHS.some((p) => m.mountPath === p || m.mountPath.startsWith(`${p}/`) || p.startsWith(`${m.mountPath}/`)),
      },
    ],
  }), { default: [], maxItems: 16, uniqueBy: 'name' }),
  federation: obj('FederationSpec', 'Federation with other XRootD clusters through meta-managers (regional or global redirectors, as in the AAA federations): a member cluster\'s redirectors subscribe to the meta-managers with the cluster\'s exports, and a meta-manager redirects clients to the member cluster that has the file (docs/topologies.md).', {
    upstream: arr('The meta-managers this cluster\'s redirectors subscribe to (all.manager meta): host:port of each one\'s cmsd, such as a meta-manager cluster\'s per-pod names (<name>-redirector-0.<name>-redirector.<namespace>.svc.cluster.local:1213) or a regional redirector\'s address. The cluster offers the meta-managers the paths it exports (xrootd.exports).', str('host:port of a meta-manager\'s cmsd.', {
      pattern: { regex: HOST_PORT, rule: 'must be host:port (a DNS name or an IPv4 address, and a port from 1 to 65535)' }, maxLength: 259,
    }), { default: [], maxItems: 8 }),
    upstreamRefs: arr('Meta-manager clusters of this Kubernetes cluster to subscribe to, by their Xrootd resource (one with federation.metaManager): the agent subscribes the redirectors to each of its redirectors\' cmsd, and follows it when its redirectors or cmsdPort change. Synthesized outside the agent (an app, `xrootd-k8s synth`), each reference must be resolved: by a resource in the same files, or XrootdClusterProps.decisions.upstreamEndpoints.', XROOTD_REFERENCE, { default: [], maxItems: 8 }),
    metaManager: bool('This cluster is a meta-manager: its redirectors (all.role meta manager) take other clusters\' redirectors as subscribers and send clients to them. It holds no files: worker.replicas must be 0. Its exports are the paths it federates.', { default: false }),
  }, {
    rules: [
      { path: 'upstream', rule: 'cannot be set on a meta-manager: XRootD\'s meta-managers subscribe to no one', cel: '!has(self.metaManager) || !self.metaManager || !has(self.upstream) || size(self.upstream) == 0', check: (f) => !f.metaManager || f.upstream.length === 0 },
      { path: 'upstreamRefs', rule: 'cannot be set on a meta-manager: XRootD\'s meta-managers subscribe to no one', cel: '!has(self.metaManager) || !self.metaManager || !has(self.upstreamRefs) || size(self.upstreamRefs) == 0', check: (f) => !f.metaManager || f.upstreamRefs.length === 0 },
    ],
  }),
  cache: obj('CacheSpec', 'Makes this a cache cluster (XCache, XRootD\'s caching proxy): its data servers are cache servers that hold no files of their own but copies of what clients read, fetched from the origin block by block, kept on their data disks and purged when the disks fill (pss and pfc). A cluster without it is a data cluster. Clients read a cache cluster as any cluster, through its redirectors, which send a file\'s readers to the cache server that holds it or, on a miss, to one that fetches it. Cached files are copies: a cache server needs no drain and its disks no backup (docs/xcache.md).', {
    origin: obj('CacheOriginSpec', 'Where the cache servers fetch files from: exactly one of address, clientNamed and ref.', {
      address: str('host:port of the origin: a redirector or a data server (pss.origin), such as another cluster\'s <name>.<namespace>.svc.cluster.local:1094.', {
        pattern: { regex: HOST_PORT, rule: 'must be host:port (a DNS name or an IPv4 address, and a port from 1 to 65535)' }, maxLength: 259,
      }),
      clientNamed: bool('The client names the origin in the path it asks for (root://cache//root://origin:1094//path; pss.origin =), as ATLAS\'s caches are used. The cluster then exports the origin URLs\' schemes (/root:/, /xroot:/, /roots:/, /xroots:/) instead of xrootd.exports, and fetches from any origin a client names: restrict who reaches it (networkPolicy.clients, security).', {}),
      credentials: obj('CacheOriginCredentialsSpec', 'The cache servers\' own identity at the origin, from Secrets in the cluster\'s namespace: a bearer token (ztn), an X.509 proxy (gsi), or both (the origin picks by the protocols it offers). Each needs security.tls: ztn sends tokens over TLS only, and the cache servers verify the origin with the TLS Secret\'s ca.crt. A renewed Secret reaches the running cache servers within a minute, for their next login at the origin: no restart (docs/xcache.md).', {
        token: obj('CacheOriginTokenSpec', 'A WLCG bearer token the cache servers log in to the origin with (BEARER_TOKEN_FILE): one of the origin\'s issuers\', with storage.read on what clients read through the cache. Renew it in the Secret before it expires.', {
          secretName: str('The Secret.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' }, maxLength: 253 }),
          key: str('The Secret\'s key holding the token.', { default: 'token', pattern: { regex: SECRET_KEY, rule: 'must be a Secret key: letters, digits, "-", "_" and ".", not only dots' }, maxLength: 253 }),
        }, { required: ['secretName'] }),
        x509Proxy: obj('CacheOriginProxySpec', 'An X.509 proxy (certificate, key and chain in one PEM file) the cache servers log in to the origin with (X509_USER_PROXY). XRootD reads a renewed proxy once the one it holds expires.', {
          secretName: str('The Secret.', { pattern: { regex: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', rule: 'must be a Secret name' }, maxLength: 253 }),
          key: str('The Secret\'s key holding the proxy.', { default: 'x509up', pattern: { regex: SECRET_KEY, rule: 'must be a Secret key: letters, digits, "-", "_" and ".", not only dots' }, maxLength: 253 }),
        }, { required: ['secretName'] }),
      }),
      ref: { ...XROOTD_REFERENCE, description: 'Another Xrootd of this Kubernetes cluster, the common cache in front of a site\'s own storage: its client Service (<name>.<namespace>.svc.<clusterDomain>:<xrootd.port>). The agent follows it when the origin\'s port changes. Synthesized outside the agent (`xrootd-k8s synth`), it must be resolved by a resource in the same files, or XrootdClusterProps.decisions.originAddress.' },
    }),
    ram: quantity('Memory each cache server keeps blocks in (pfc.ram): at least 1Gi (XRootD\'s floor) and at most 256Gi. Keep worker.resources\' memory above it: a cache server uses about this much besides its own needs.', { default: '1Gi' }),
    blockSize: quantity('The block a cache server fetches and stores at a time (pfc.blocksize), from 4Ki to 512Mi, rounded up to a multiple of 4Ki. Sites use 128Ki (XRootD\'s default) to 1Mi; larger blocks suit long sequential reads.', { default: '128Ki' }),
    prefetch: int('Blocks a cache server reads ahead of a client (pfc.prefetch): 0 turns read-ahead off, as sites with sparse reads (ATLAS) do.', { default: 10, minimum: 0, maximum: 128 }),
    writeQueue: obj('CacheWriteQueueSpec', 'How a cache server writes fetched blocks to its data disks (pfc.writequeue): blocks written per pass and the threads writing. More threads for many disks or slow ones.', {
      blocks: int('Blocks a writing thread takes from the queue at a time.', { default: 16, minimum: 1, maximum: 1024 }),
      threads: int('Threads writing blocks to disk.', { default: 4, minimum: 1, maximum: 64 }),
    }),
    diskUsage: obj('CacheDiskUsageSpec', 'When a cache server purges (pfc.diskusage): past highPercent of its data disks used it removes the least recently read files until lowPercent.', {
      lowPercent: int('The fill level a purge brings the data disks down to.', { default: 90, minimum: 1, maximum: 99 }),
      highPercent: int('The fill level that starts a purge.', { default: 95, minimum: 2, maximum: 100 }),
      purgeIntervalSeconds: int('How often a cache server checks its fill level.', { default: 300, minimum: 60, maximum: 3600 }),
    }, {
      rules: [{ path: 'lowPercent', rule: 'must be below highPercent', cel: '(has(self.lowPercent) ? self.lowPercent : 90) < (has(self.highPercent) ? self.highPercent : 95)', check: (d) => d.lowPercent < d.highPercent }],
    }),
    dataDisks: obj('CacheDataDisksSpec', 'Each cache server\'s data disks: claims of their own (separate disks, as sites run them: no RAID), mounted under the server\'s first volume (worker.storage, which holds the cache\'s namespace and metadata).', {
      count: int('Data disks per cache server.', { default: 1, minimum: 1, maximum: 16, immutable: true }),
      capacity: quantity('Size of each data disk.', { default: '100Gi' }),
      class: str('StorageClass of the data disks; the cluster default when omitted.', {
        pattern: { regex: SUBDOMAIN.regex, rule: 'must be a StorageClass name (a DNS subdomain: lower-case letters, digits, "-" and ".")' }, maxLength: SUBDOMAIN.maxLength,
        transition: { cel: 'self == oldSelf', rule: 'cannot change: a volume keeps its StorageClass' },
      }),
    }),
  }, {
    required: ['origin'],
    rules: [
      {
        path: 'origin', rule: 'must set exactly one of address, clientNamed (true) and ref',
        cel: '!has(self.origin) || (has(self.origin.address) ? 1 : 0) + (has(self.origin.clientNamed) && self.origin.clientNamed ? 1 : 0) + (has(self.origin.ref) ? 1 : 0) == 1',
        check: (c) => [c.origin?.address !== undefined, c.origin?.clientNamed === true, c.origin?.ref !== undefined]
          .filter(Boolean).length === 1,
      },
      {
        path: 'ram', rule: 'must be at least 1Gi and at most 256Gi (XRootD\'s limits for pfc.ram)',
        cel: '!has(self.ram) || (quantity(self.ram).compareTo(quantity(\'1Gi\')) >= 0 && quantity(self.ram).compareTo(quantity(\'256Gi\')) <= 0)',
        check: (c) => (compareQuantities(c.ram, '1Gi') ?? 0) >= 0 && (compareQuantities(c.ram, '256Gi') ?? 0) <= 0,
      },
      {
        path: 'blockSize', rule: 'must be at least 4Ki and at most 512Mi (XRootD\'s limits for pfc.blocksize)',
        cel: '!has(self.blockSize) || (quantity(self.blockSize).compareTo(quantity(\'4Ki\')) >= 0 && quantity(self.blockSize).compareTo(quantity(\'512Mi\')) <= 0)',
        check: (c) => (compareQuantities(c.blockSize, '4Ki') ?? 0) >= 0 && (compareQuantities(c.blockSize, '512Mi') ?? 0) <= 0,
      },
    ],
    presenceMeansOn: true,
  }),
  monitoring: obj('MonitoringSpec', 'XRootD\'s own metrics and the cluster\'s membership: every xrootd and cmsd sends its summary report (xrd.report) to a collector synthesized with the cluster (a Deployment running the agent image\'s `collector`), which serves Prometheus metrics and tells the agent which data servers each manager has subscribed (docs/monitoring.md).', {
    enabled: bool('Run the collector and point the daemons\' reports at it.', { default: false }),
    reportIntervalSeconds: int('How often each daemon reports.', { default: 10, minimum: 1, maximum: 600 }),
    prometheusOperator: bool('Also synthesize a ServiceMonitor for the collector and a PrometheusRule with the cluster\'s alerts (docs/alerts.md): needs the Prometheus Operator\'s CRDs.', { default: false }),
    grafanaDashboard: bool('Also synthesize a Grafana dashboard, in a ConfigMap labelled grafana_dashboard: "1" (what the Grafana Helm chart\'s sidecar loads).', { default: false }),
    collectorImage: str('The collector\'s image: the agent\'s (it holds the collector command).', {
      default: 'ghcr.io/xrootd-k8s/agent:0.1.0', pattern: IMAGE_REFERENCE, maxLength: 512,
    }),
  }),
  upgrade: obj('UpgradeSpec', 'How the agent rolls a changed pod template (a new version, a config change) through the cluster: one role at a time, pod by pod, each step gated on readiness.', {
    paused: bool('Hold every pod where it is; set back to false to resume.', { default: false }),
    order: arr('The order the roles roll in. Redirectors last keeps a manager for clients throughout.', str('A role.', { enum: ['worker', 'supervisor', 'redirector'] }), {
      default: ['worker', 'supervisor', 'redirector'], minItems: 3, maxItems: 3,
    }),
    maxUnavailable: obj('MaxUnavailableSpec', 'Pods of each role replaced at once.', {
      redirector: int('Redirectors replaced at once.', { default: 1, minimum: 1, maximum: 4096 }),
      supervisor: int('Supervisors replaced at once.', { default: 1, minimum: 1, maximum: 4096 }),
      worker: int('Data servers replaced at once.', { default: 1, minimum: 1, maximum: 4096 }),
    }),
    minReadySeconds: int('How long a replaced pod must stay Ready before the next one is replaced.', { default: 10, minimum: 0, maximum: 3600 }),
    stepDeadlineSeconds: int('How long a replaced pod may take to become Ready before the rollout stops (Degraded).', { default: 600, minimum: 10, maximum: 86400 }),
    force: bool('Allow a downgrade the version catalog marks incompatible (incompatibleBelow).', { default: false }),
    autoRollback: bool('When a step gets stuck, roll the cluster back to the spec it last reached Ready with (status.lastReadySpec) and keep it there until the spec changes again.', { default: false }),
  }),
  healing: obj('HealingSpec', 'What the agent restarts on its own (docs/autopilot.md). A daemon that stops answering is restarted by its liveness probe (it asks xrootd a question with a deadline); what no probe sees is healed here.', {
    restartUnsubscribed: bool('Restart a data server or supervisor that is Ready but that one of its managers has not listed for unsubscribedSeconds (spec.monitoring tells the agent who is listed): one pod at a time per cluster, never during a rollout, a drain or maintenance, and only while every other pod is Ready. Its volume is kept.', { default: true }),
    unsubscribedSeconds: int('How long a Ready server may be missing from a manager\'s list before it is restarted.', { default: 300, minimum: 30, maximum: 86400 }),
    backoffSeconds: int('After restarting a pod, how long before the agent may restart the same pod again; doubled at each further restart of it within a day (at most a day).', { default: 600, minimum: 30, maximum: 86400 }),
    lostNodes: obj('LostNodesSpec', 'Move pods off a node that stays NotReady (with the agent). A pod of the cluster on a node whose Ready condition has not been True for notReadySeconds is handled by what it holds. Redirectors and supervisors hold no data: each is deleted at once, and its StatefulSet makes it again on another node. A data server whose volume other nodes can mount (network-attached) is moved the same way, but only once its node is fenced (see fencing): a node that is only unreachable may still be writing to it. A data server whose volume only that node reaches (node-local: its PersistentVolume\'s node affinity matches no other node) is reported as lost, naming its claim (the DataServerLost Event, status.lostNodes); with replaceLocalVolumes it is replaced by an empty one elsewhere. Nothing is done while most of the nodes the cluster runs on are NotReady (the API server\'s view is then the suspect). Absent: pods on a lost node wait for it, as Kubernetes leaves StatefulSet pods (docs/autopilot.md).', {
      notReadySeconds: int('How long a node\'s Ready condition must have been False or Unknown (and the pod unready) before its pods are handled.', { default: 300, minimum: 30, maximum: 86400 }),
      fencing: str('When a data server on a network-attached volume may move. OutOfServiceTaint: once the node carries the node.kubernetes.io/out-of-service taint, which an administrator or a fencing agent sets after making sure the node is off (Kubernetes then also detaches its volumes at once). NotReady: the site asserts that a node NotReady for notReadySeconds is down (its nodes are fenced outside Kubernetes, or never come back); the volume is detached after Kubernetes\' own wait (6 minutes).', { enum: ['OutOfServiceTaint', 'NotReady'], default: 'OutOfServiceTaint' }),
      replaceLocalVolumes: bool('Replace a data server whose node-local volume is on a lost, fenced node with an empty one elsewhere: its claim is deleted (its files went with the node) and its StatefulSet makes a new claim and pod. With spec.monitoring the agent first waits until no manager lists the lost server (they drop it xrootd.dropDelaySeconds after losing it), so that the empty one is new to them and no client is sent to it for the lost files. Off: the server is reported lost and left for an administrator.', { default: false }),
    }, { presenceMeansOn: true }),
  }),
}, {
  rules: [{
    path: 'security.gsi.caDirectory',
    rule: 'must be the mountPath of one of mounts',
    cel: '!has(self.security) || !has(self.security.gsi) || !has(self.security.gsi.caDirectory) || (has(self.mounts) && self.mounts.exists(m, m.mountPath == self.security.gsi.caDirectory))',
    check: (s) => !s.security.gsi?.caDirectory || s.mounts.some((m: { mountPath: string }) => m.mountPath === s.security.gsi.caDirectory),
  },
  {
    path: 'security.gsi.voms.directory',
    rule: 'must be the mountPath of one of mounts',
    cel: '!has(self.security) || !has(self.security.gsi) || !has(self.security.gsi.voms) || !has(self.security.gsi.voms.directory) || (has(self.mounts) && self.mounts.exists(m, m.mountPath == self.security.gsi.voms.directory))',
    check: (s) => !s.security.gsi?.voms?.directory
      || s.mounts.some((m: { mountPath: string }) => m.mountPath === s.security.gsi.voms.directory),
  }, {
    path: 'upgrade.order',
    rule: 'must name each of worker, supervisor and redirector once',
    cel: '!has(self.upgrade) || !has(self.upgrade.order) || (self.upgrade.order.exists(r, r == \'worker\') && self.upgrade.order.exists(r, r == \'supervisor\') && self.upgrade.order.exists(r, r == \'redirector\'))',
    check: (s) => new Set(s.upgrade.order).size === 3,
  }, {
    path: 'worker.scaleDown',
    rule: 'Drain needs worker.drainToken with security.tokens (the drain Job logs in with it), and cannot be used with security.gsi without tokens (the Job has no certificate)',
    cel: '!has(self.worker) || !has(self.worker.scaleDown) || self.worker.scaleDown != \'Drain\' || !has(self.security) || (has(self.security.tokens) ? has(self.worker.drainToken) : !has(self.security.gsi))',
    check: (s) => s.worker.scaleDown !== 'Drain' || (s.security.tokens ? !!s.worker.drainToken : !s.security.gsi),
  }, {
    path: 'worker.replicas',
    rule: 'must be >= 1 (0 only in a meta-manager: federation.metaManager)',
    cel: '!has(self.worker) || !has(self.worker.replicas) || self.worker.replicas >= 1 || (has(self.federation) && has(self.federation.metaManager) && self.federation.metaManager)',
    check: (s) => s.worker.replicas >= 1 || s.federation.metaManager,
  }, {
    path: 'federation.metaManager',
    rule: 'needs worker.replicas 0: a meta-manager holds no files, other clusters\' redirectors subscribe to it',
    cel: '!has(self.federation) || !has(self.federation.metaManager) || !self.federation.metaManager || (has(self.worker) && has(self.worker.replicas) && self.worker.replicas == 0)',
    check: (s) => !s.federation.metaManager || s.worker.replicas === 0,
  }, {
    path: 'security.tokens.audiences',
    rule: 'is required unless spec.site, expose.hostnameTemplate or a certificate dnsName that is not a wildcard gives the cluster a name to default them to',
    cel: '!has(self.security) || !has(self.security.tokens) || has(self.security.tokens.audiences) || has(self.site) || (has(self.expose) && has(self.expose.hostnameTemplate))'
      + ' || (has(self.security.tls) && has(self.security.tls.certificate) && has(self.security.tls.certificate.dnsNames) && self.security.tls.certificate.dnsNames.exists(n, !n.startsWith(\'*\')))',
    check: (s) => !s.security.tokens || s.security.tokens.audiences !== undefined || s.site !== undefined
      || s.expose.hostnameTemplate !== undefined
      || (s.security.tls?.certificate?.dnsNames ?? []).some((n: string) => !n.startsWith('*')),
  }, {
    path: 'worker.storage.layout',
    rule: 'ExportRoot holds one export\'s files at the volume\'s top: xrootd.exports must have exactly one entry',
    // Without xrootd.exports the default is one export.
    cel: '!has(self.worker) || !has(self.worker.storage) || !has(self.worker.storage.layout) || self.worker.storage.layout != \'ExportRoot\' || !has(self.xrootd) || !has(self.xrootd.exports) || size(self.xrootd.exports) == 1',
    check: (s) => s.worker.storage.layout !== 'ExportRoot' || s.xrootd.exports.length === 1,
  }, {
    path: 'worker.drainToken',
    rule: 'needs security.tokens: without them the drain Job logs in as every client does',
    cel: '!has(self.worker) || !has(self.worker.drainToken) || (has(self.security) && has(self.security.tokens))',
    check: (s) => !s.worker.drainToken || !!s.security.tokens,
  }, {
    path: 'cache.origin.credentials',
    rule: 'needs security.tls: ztn sends tokens over TLS only, and the cache servers verify the origin with the TLS Secret\'s ca.crt',
    cel: '!has(self.cache) || !has(self.cache.origin) || !has(self.cache.origin.credentials) || (!has(self.cache.origin.credentials.token) && !has(self.cache.origin.credentials.x509Proxy)) || (has(self.security) && has(self.security.tls))',
    check: (s) => !s.cache?.origin.credentials?.token && !s.cache?.origin.credentials?.x509Proxy || !!s.security.tls,
  }, {
    path: 'cache',
    rule: 'cannot be a meta-manager, hold its files at the volume\'s top (layout ExportRoot), drain (cached files are copies: scaleDown Immediate), put cache servers in maintenance or have more than 64 of them (supervisors)',
    cel: '!has(self.cache) || ((!has(self.federation) || !has(self.federation.metaManager) || !self.federation.metaManager)'
      + ' && (!has(self.worker) || ((!has(self.worker.storage) || !has(self.worker.storage.layout) || self.worker.storage.layout == \'LocalRoot\')'
      + ' && (!has(self.worker.scaleDown) || self.worker.scaleDown == \'Immediate\') && (!has(self.worker.maintenance) || size(self.worker.maintenance) == 0)'
      + ' && (!has(self.worker.replicas) || self.worker.replicas <= 64))))',
    check: (s) => !s.cache || (!s.federation.metaManager && s.worker.storage.layout === 'LocalRoot' && s.worker.scaleDown === 'Immediate'
      && s.worker.maintenance.length === 0 && s.worker.replicas <= 64),
  }, {
    path: 'supervisor.replicas',
    rule: 'is too small for worker.replicas: the managers take 64 - supervisors data servers, each supervisor 64 / supervisor.redundancy less one (the rest of its slots), and with data servers below them there must be at least supervisor.redundancy supervisors',
    cel: `!has(self.supervisor) || !has(self.supervisor.replicas) || !has(self.worker) || !has(self.worker.replicas) || (self.supervisor.replicas == 0 ? self.worker.replicas <= 64 : (self.supervisor.replicas >= ${REDUNDANCY_CEL} && 64 - self.supervisor.replicas + self.supervisor.replicas * (64 / ${REDUNDANCY_CEL}) >= self.worker.replicas))`,
    check: (s) => s.supervisor.replicas === undefined
      || s.worker.replicas <= (s.supervisor.replicas === 0 ? 64 : capacity(s.supervisor.replicas, s.supervisor.redundancy)),
  }, {
    path: 'worker.replicas',
    rule: 'is more than one supervisor tier holds with supervisor.redundancy: 64 supervisors of 64 / redundancy data servers each (2048 with redundancy 2; set redundancy 1 for up to 4096)',
    cel: `!has(self.worker) || !has(self.worker.replicas) || self.worker.replicas <= 64 * (64 / ${REDUNDANCY_CEL})`,
    check: (s) => s.worker.replicas <= capacity(64, s.supervisor.redundancy),
  }],
});
