// Generated from constructs/api/schema.ts by `npm run codegen`. Do not edit.
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';

/** Desired state of an XRootD cluster. */
export interface XrootdSpec {
  /**
   * XRootD version, a name from the version catalog (which maps it to an image and to what that version supports).
   * Rule: must be a version name such as 5.8.1.
   * @default "5.8.1"
   */
  readonly version?: string;
  /**
   * Container image to run instead of the catalog's image for `version`. The version still decides which directives are rendered.
   * Rule: must be an image reference: [registry[:port]/]repository[:tag][@digest], the repository in lower case.
   */
  readonly image?: string;
  /**
   * When the kubelet pulls the image.
   * @default "IfNotPresent"
   */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /**
   * Names of Secrets in the cluster's namespace used to pull the image.
   * @default []
   */
  readonly imagePullSecrets?: string[];
  /**
   * DNS domain of the Kubernetes cluster, used in the per-pod host names the configuration lists.
   * Rule: must be a DNS domain such as cluster.local (labels of lower-case letters, digits and "-", at most 63 characters each).
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * The site's name as the grid knows it (such as CERN-PROD or T2_US_Nebraska), rendered as all.sitename: every daemon puts it in its monitoring reports (the collector's xrootd_site_info) and a federation's meta-manager shows it. Omitted: no site name.
   * Rule: must be letters, digits, "_" and "-" (at most 63, XRootD's limit), starting with a letter or digit.
   */
  readonly site?: string;
  /**
   * The redirectors (XRootD managers): clients connect here and are redirected to data servers.
   * @default - every field at its default
   */
  readonly redirector?: RedirectorSpec;
  /**
   * The data servers: they hold the files.
   * @default - every field at its default
   */
  readonly worker?: WorkerSpec;
  /**
   * The supervisor tier, added when there are more data servers than one manager accepts (64).
   * @default - every field at its default
   */
  readonly supervisor?: SupervisorSpec;
  /**
   * Settings of the XRootD daemons shared by every role.
   * @default - every field at its default
   */
  readonly xrootd?: XrootdSettings;
  /**
   * Where the pods run.
   * @default - every field at its default
   */
  readonly scheduling?: SchedulingSpec;
  /**
   * Exposure to clients outside the Kubernetes cluster. Redirects send clients to data servers directly, so each data server gets a Service of its own too.
   * @default - every field at its default
   */
  readonly expose?: ExposeSpec;
  /**
   * Network policy of the cluster's pods.
   * @default - every field at its default
   */
  readonly networkPolicy?: NetworkPolicySpec;
  /**
   * Identity the daemons run as (XRootD refuses to run as root), and TLS.
   * @default - every field at its default
   */
  readonly security?: SecuritySpec;
  /**
   * Secrets and ConfigMaps mounted read-only into both daemons of every pod: a grid CA directory, a host certificate, VOMS files, an authorization database kept elsewhere. Referenced from extraDirectives by their mountPath.
   * @default []
   */
  readonly mounts?: MountSpec[];
  /**
   * Federation with other XRootD clusters through meta-managers (regional or global redirectors, as in the AAA federations): a member cluster's redirectors subscribe to the meta-managers with the cluster's exports, and a meta-manager redirects clients to the member cluster that has the file (docs/topologies.md).
   * @default - every field at its default
   */
  readonly federation?: FederationSpec;
  /**
   * Makes this a cache cluster (XCache, XRootD's caching proxy): its data servers are cache servers that hold no files of their own but copies of what clients read, fetched from the origin block by block, kept on their data disks and purged when the disks fill (pss and pfc). A cluster without it is a data cluster. Clients read a cache cluster as any cluster, through its redirectors, which send a file's readers to the cache server that holds it or, on a miss, to one that fetches it. Cached files are copies: a cache server needs no drain and its disks no backup (docs/xcache.md).
   */
  readonly cache?: CacheSpec;
  /**
   * XRootD's own metrics and the cluster's membership: every xrootd and cmsd sends its summary report (xrd.report) to a collector synthesized with the cluster (a Deployment running the agent image's `collector`), which serves Prometheus metrics and tells the agent which data servers each manager has subscribed (docs/monitoring.md).
   * @default - every field at its default
   */
  readonly monitoring?: MonitoringSpec;
  /**
   * How the agent rolls a changed pod template (a new version, a config change) through the cluster: one role at a time, pod by pod, each step gated on readiness.
   * @default - every field at its default
   */
  readonly upgrade?: UpgradeSpec;
  /**
   * What the agent restarts on its own (docs/autopilot.md). A daemon that stops answering is restarted by its liveness probe (it asks xrootd a question with a deadline); what no probe sees is healed here.
   * @default - every field at its default
   */
  readonly healing?: HealingSpec;
}

/** The redirectors (XRootD managers): clients connect here and are redirected to data servers. */
export interface RedirectorSpec {
  /**
   * Number of redirectors. Every one is a manager; every data server subscribes to all of them.
   * Range: 1 to 16.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Compute resources of each redirector container (xrootd; cmsd gets a quarter of the requests).
   * @default {"requests":{"cpu":"100m","memory":"256Mi"},"limits":{"memory":"1Gi"}}
   */
  readonly resources?: ResourceSpec;
  /**
   * Additional configuration directives for the redirector pods, one directive per entry, appended after the ones the library renders.
   * @default []
   */
  readonly extraDirectives?: string[];
}

/** Compute resources of each redirector container (xrootd; cmsd gets a quarter of the requests). */
export interface ResourceSpec {
  /**
   * Minimum resources (cpu, memory).
   */
  readonly requests?: Record<string, string>;
  /**
   * Maximum resources (cpu, memory).
   */
  readonly limits?: Record<string, string>;
}

/** The data servers: they hold the files. */
export interface WorkerSpec {
  /**
   * Number of data servers: at least 1, except in a meta-manager (federation.metaManager), which has none.
   * Range: 0 to 4096.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The data volume of each data server (a PersistentVolumeClaim from the StatefulSet's volumeClaimTemplates).
   * @default - every field at its default
   */
  readonly storage?: StorageSpec;
  /**
   * What happens to the files of the data servers a lower replicas removes. Immediate: the StatefulSet shrinks at once; their files are unreachable until they come back (their volumes follow storage.retention.whenScaled). Drain (with the agent): each one, highest ordinal first, is put in maintenance, a Job copies every file it holds to the data servers that stay (adler32 compared), and only then is it removed; a drain that would not fit is refused with nothing removed (docs/storage.md).
   * @default "Immediate"
   */
  readonly scaleDown?: 'Immediate' | 'Drain';
  /**
   * Add and remove data servers on their own as the cluster fills and empties (with the agent and spec.monitoring, whose collector reports each data server's free space; needs scaleDown Drain and storage.retention.whenScaled Delete: a server is removed only once its files are copied to the others, and its volume, holding copies only, goes with it). When the free share of the data servers in service falls below freePercent and no volume is growing (storage.autoExpand grows a filling server's volume first), one data server is added; it receives the new files first (cms.sched selects by free space). One is removed, through a drain, only after the free share the others would have without it has stayed above scaleDownFreePercent for scaleDownAfterSeconds. After each change the agent waits coolDownSeconds, and for every data server to be Ready and reporting. The agent keeps the number it chose in status.autoscale.replicas; replicas is the starting number (docs/autopilot.md).
   */
  readonly autoscale?: AutoscaleSpec;
  /**
   * Prepare a data server before a node drain takes it away (with the agent and spec.monitoring): the data servers' disruption budget lets no eviction through, so `kubectl drain` (or any eviction) waits; when a data server's node is cordoned, the agent has its cmsd suspend itself at its managers (no new files, no new opens there; writes already open go on), waits until its xrootd reports no file open for writing (at most writesTimeoutSeconds), and then labels the pod out of the budget, so the drain's next eviction takes it. A node only cordoned (no drain) keeps its data servers suspended until it is uncordoned. Drainers that taint nodes without cordoning them are not seen: they wait for the budget until their own timeout. Absent: evictions take one data server at a time, whatever it is writing (docs/autopilot.md).
   */
  readonly nodeDrain?: NodeDrainSpec;
  /**
   * The bearer token the drain Job logs in with when the cluster takes tokens (security.tokens): a Secret in the cluster's namespace whose key holds a token of one of the issuers with storage.read, storage.create and storage.modify on every export. Keep it fresh there (each copy reads it again): a drain can outlast a token.
   */
  readonly drainToken?: DrainTokenSpec;
  /**
   * Data servers in maintenance, by ordinal (3 is <name>-worker-3): they serve reads but receive no new files (their exports are announced read-only to the managers), so their node can be drained or their volume looked after. The agent restarts each one as it enters or leaves maintenance (docs/storage.md).
   * @default []
   */
  readonly maintenance?: number[];
  /**
   * Compute resources of each data server container (xrootd; cmsd gets a quarter of the requests).
   * @default {"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"memory":"4Gi"}}
   */
  readonly resources?: ResourceSpec;
  /**
   * Additional configuration directives for the data server pods, one directive per entry, appended after the ones the library renders.
   * @default []
   */
  readonly extraDirectives?: string[];
}

/** The data volume of each data server (a PersistentVolumeClaim from the StatefulSet's volumeClaimTemplates). */
export interface StorageSpec {
  /**
   * StorageClass of the data volumes; the cluster default when omitted.
   * Rule: must be a StorageClass name (a DNS subdomain: lower-case letters, digits, "-" and ".").
   * On change: cannot change: a volume keeps its StorageClass (docs/storage.md: moving data servers to another class).
   */
  readonly class?: string;
  /**
   * Size of each data volume. Also sets the free-space thresholds (cms.space) so that small volumes still receive writes. Raising it expands every data volume in place when the StorageClass allows expansion; it never shrinks (docs/storage.md).
   * Rule: must be a Kubernetes quantity such as 500m, 2Gi or 10G.
   * @default "10Gi"
   */
  readonly capacity?: string;
  /**
   * Access modes of the data volumes.
   * Immutable once set.
   * @default ["ReadWriteOnce"]
   */
  readonly accessModes?: Array<'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany'>;
  /**
   * Existing PersistentVolumeClaims (in the cluster's namespace) whose volumes the data servers take over, by name with {ordinal} for the data server's number, such as old-data-old-xrootd-worker-{ordinal} (the 2020 operator's claims; `xrootd-k8s migrate` sets it). Before a data server's own claim exists, the agent binds a claim of ours to the same PersistentVolume (reclaim policy set to Retain); the old claim is kept, unbound (Lost). Nothing is copied or deleted (docs/migration.md).
   * Rule: must be a claim name (lower-case letters, digits, - and .) with {ordinal} exactly once.
   */
  readonly adoptClaims?: string;
  /**
   * Where an export's files lie on a data volume. LocalRoot: the volume is the data server's local root (oss.localroot), so the file /data/f of the export /data is the volume's data/f, and each export has its directory. ExportRoot: the volume holds the one export's files at its top, so /data/f is the volume's f; the 2020 operator's layout, which `xrootd-k8s migrate` sets so that its volumes serve their files where they were (docs/migration.md). ExportRoot needs exactly one export.
   * Immutable once set.
   * @default "LocalRoot"
   */
  readonly layout?: 'LocalRoot' | 'ExportRoot';
  /**
   * Grow each data server's volume on its own as it fills (with the agent and spec.monitoring, whose collector reports each data server's free space): when a data server's free space falls below freePercent, its claim alone is grown by stepPercent, up to maxCapacity, before XRootD stops placing files on it (cms.space keeps 2% free). The StorageClass must allow expansion. A data server that cannot grow is reported (status.autoExpand, the StorageFull condition). Absent: volumes grow only with capacity (docs/autopilot.md).
   */
  readonly autoExpand?: AutoExpandSpec;
  /**
   * What happens to the data volumes when the data servers are scaled down or the cluster is deleted.
   * @default - every field at its default
   */
  readonly retention?: RetentionSpec;
}

/** Grow each data server's volume on its own as it fills (with the agent and spec.monitoring, whose collector reports each data server's free space): when a data server's free space falls below freePercent, its claim alone is grown by stepPercent, up to maxCapacity, before XRootD stops placing files on it (cms.space keeps 2% free). The StorageClass must allow expansion. A data server that cannot grow is reported (status.autoExpand, the StorageFull condition). Absent: volumes grow only with capacity (docs/autopilot.md). */
export interface AutoExpandSpec {
  /**
   * Grow a data server's volume when less than this share of it is free.
   * Range: 5 to 90.
   * @default 20
   */
  readonly freePercent?: number;
  /**
   * Each growth, in percent of the volume's size (rounded up to whole Gi).
   * Range: 10 to 1000.
   * @default 50
   */
  readonly stepPercent?: number;
  /**
   * The most a data volume grows to; at least capacity.
   * Rule: must be a Kubernetes quantity such as 500m, 2Gi or 10G.
   */
  readonly maxCapacity: string;
}

/** What happens to the data volumes when the data servers are scaled down or the cluster is deleted. */
export interface RetentionSpec {
  /**
   * Keep (Retain) or delete (Delete) the volumes of data servers removed by a scale-down.
   * @default "Retain"
   */
  readonly whenScaled?: 'Retain' | 'Delete';
  /**
   * Keep (Retain) or delete (Delete) the volumes when the cluster is deleted.
   * @default "Retain"
   */
  readonly whenDeleted?: 'Retain' | 'Delete';
}

/** Add and remove data servers on their own as the cluster fills and empties (with the agent and spec.monitoring, whose collector reports each data server's free space; needs scaleDown Drain and storage.retention.whenScaled Delete: a server is removed only once its files are copied to the others, and its volume, holding copies only, goes with it). When the free share of the data servers in service falls below freePercent and no volume is growing (storage.autoExpand grows a filling server's volume first), one data server is added; it receives the new files first (cms.sched selects by free space). One is removed, through a drain, only after the free share the others would have without it has stayed above scaleDownFreePercent for scaleDownAfterSeconds. After each change the agent waits coolDownSeconds, and for every data server to be Ready and reporting. The agent keeps the number it chose in status.autoscale.replicas; replicas is the starting number (docs/autopilot.md). */
export interface AutoscaleSpec {
  /**
   * The fewest data servers.
   * Range: 1 to 4096.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * The most data servers.
   * Range: 1 to 4096.
   */
  readonly maxReplicas: number;
  /**
   * Add a data server when less than this share of the data servers' space is free.
   * Range: 5 to 80.
   * @default 20
   */
  readonly freePercent?: number;
  /**
   * Remove a data server when the others would still have this share free without it; at least freePercent + 10, so that a removal never brings the cluster back below freePercent.
   * Range: 15 to 95.
   * @default 60
   */
  readonly scaleDownFreePercent?: number;
  /**
   * How long that must hold before a data server is removed.
   * Range: 0 to 2592000.
   * @default 3600
   */
  readonly scaleDownAfterSeconds?: number;
  /**
   * After adding or removing a data server, how long before the next change.
   * Range: 0 to 86400.
   * @default 600
   */
  readonly coolDownSeconds?: number;
}

/** Prepare a data server before a node drain takes it away (with the agent and spec.monitoring): the data servers' disruption budget lets no eviction through, so `kubectl drain` (or any eviction) waits; when a data server's node is cordoned, the agent has its cmsd suspend itself at its managers (no new files, no new opens there; writes already open go on), waits until its xrootd reports no file open for writing (at most writesTimeoutSeconds), and then labels the pod out of the budget, so the drain's next eviction takes it. A node only cordoned (no drain) keeps its data servers suspended until it is uncordoned. Drainers that taint nodes without cordoning them are not seen: they wait for the budget until their own timeout. Absent: evictions take one data server at a time, whatever it is writing (docs/autopilot.md). */
export interface NodeDrainSpec {
  /**
   * How long after its node is seen cordoned a data server is released to the drain anyway (not yet suspended, or still writing, or the collector not answering). At least 120: the kubelet takes up to a minute or so to show the pod the cordoned list.
   * Range: 120 to 86400.
   * @default 600
   */
  readonly writesTimeoutSeconds?: number;
}

/** The bearer token the drain Job logs in with when the cluster takes tokens (security.tokens): a Secret in the cluster's namespace whose key holds a token of one of the issuers with storage.read, storage.create and storage.modify on every export. Keep it fresh there (each copy reads it again): a drain can outlast a token. */
export interface DrainTokenSpec {
  /**
   * The Secret.
   * Rule: must be a Secret name.
   */
  readonly secretName: string;
  /**
   * The Secret's key holding the token.
   * Rule: must be a Secret key: letters, digits, "-", "_" and ".", not only dots.
   * @default "token"
   */
  readonly key?: string;
}

/** The supervisor tier, added when there are more data servers than one manager accepts (64). */
export interface SupervisorSpec {
  /**
   * Number of supervisors. Omitted: derived from the number of data servers and redundancy (none up to 64 data servers; at least redundancy beyond).
   * Range: 0 to 64.
   */
  readonly replicas?: number;
  /**
   * How many supervisors each data server below them subscribes to (XRootD's manager redundancy): with 2 or more, losing one supervisor pod leaves every data server reachable through another. Each subscription takes one of a supervisor's 64 slots, so the tier holds 64 / redundancy data servers per supervisor (with 2: 2048 data servers at most; with 1: 4096).
   * Range: 1 to 4.
   * @default 2
   */
  readonly redundancy?: number;
  /**
   * Compute resources of each supervisor container (xrootd; cmsd gets a quarter of the requests).
   * @default {"requests":{"cpu":"100m","memory":"256Mi"},"limits":{"memory":"1Gi"}}
   */
  readonly resources?: ResourceSpec;
  /**
   * Additional configuration directives for the supervisor pods, one directive per entry, appended after the ones the library renders.
   * @default []
   */
  readonly extraDirectives?: string[];
}

/** Settings of the XRootD daemons shared by every role. */
export interface XrootdSettings {
  /**
   * Port of the xrootd protocol (and of HTTP when enabled).
   * Range: 1024 to 65535.
   * @default 1094
   */
  readonly port?: number;
  /**
   * Port of the redirectors' cmsd, which data servers and supervisors subscribe to.
   * Range: 1024 to 65535.
   * @default 1213
   */
  readonly cmsdPort?: number;
  /**
   * Exported path prefixes.
   * @default [{"path":"/data","readOnly":false}]
   */
  readonly exports?: ExportSpec[];
  /**
   * Open file limit of each daemon (xrd.maxfd strict). Memory grows with the limit.
   * Range: 1024 to 1048576.
   * @default 8192
   */
  readonly maxFileDescriptors?: number;
  /**
   * How long a manager waits for data servers after it starts before it redirects (cms.delay startup).
   * Range: 0 to 600.
   * @default 10
   */
  readonly startupDelaySeconds?: number;
  /**
   * How long a manager (or supervisor) keeps a server that went away before dropping it (cms.delay drop; XRootD's default is 10 minutes). While it is kept, new files cannot be created anywhere (it might hold the name) and its files wait for it. A data server or supervisor pod that comes back, whatever its new address, takes its entry over at once (it logs in under its pod name, cms.vnid), so this only matters for a pod that does not come back: keep it short (docs/topologies.md).
   * Range: 10 to 3600.
   * @default 30
   */
  readonly dropDelaySeconds?: number;
  /**
   * Enable third-party copy (ofs.tpc, and HTTP TPC when HTTP is on).
   * @default false
   */
  readonly thirdPartyCopy?: boolean;
  /**
   * Serve HTTP/WebDAV on the xrootd port.
   * @default false
   */
  readonly http?: boolean;
  /**
   * Destination host:port of XRootD summary monitoring packets (xrd.report), sent every 60 s.
   * Rule: must be host:port, the port from 1 to 65535.
   */
  readonly summaryMonitoring?: string;
}

/** An exported path prefix. */
export interface ExportSpec {
  /**
   * Logical path prefix, such as /data.
   * Rule: must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component.
   */
  readonly path: string;
  /**
   * Refuse writes under this path.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Where the pods run. */
export interface SchedulingSpec {
  /**
   * Spread each role's pods across nodes (topology spread, best effort).
   * @default true
   */
  readonly spreadAcrossHosts?: boolean;
  /**
   * Spread each role's pods across zones (topology spread, best effort).
   * @default true
   */
  readonly spreadAcrossZones?: boolean;
  /**
   * Node labels the pods require.
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the pods (Kubernetes Toleration objects).
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Affinity of the pods (a Kubernetes Affinity object); replaces nothing the library sets.
   */
  readonly affinity?: k8s.Affinity;
}

/** Exposure to clients outside the Kubernetes cluster. Redirects send clients to data servers directly, so each data server gets a Service of its own too. */
export interface ExposeSpec {
  /**
   * How outside clients reach the pods. None keeps the cluster internal. LoadBalancer: a Service of that type for the redirectors and one per data server and supervisor; with the agent each pod announces its Service's address to the managers, which redirect clients from public addresses there and in-cluster clients to the pod (docs/topologies.md). NodePort: the same Services as NodePorts, for sites whose pod addresses clients can route to (a node port is not the port XRootD announces). HostNetwork (bare-metal sites): every pod uses its node's network, so redirects name the node's address and its DNS name, as with XRootD outside Kubernetes; at most one pod of the cluster per node (required anti-affinity), and the namespace must allow host networking (Pod Security level privileged).
   * @default "None"
   */
  readonly type?: 'None' | 'NodePort' | 'LoadBalancer' | 'HostNetwork';
  /**
   * Annotations of the exposing Services (for load balancer controllers).
   */
  readonly annotations?: Record<string, string>;
  /**
   * DNS names of the exposed pods, {pod} standing for the pod name as the first label, such as {pod}.xrootd.example.org: set as external-dns's hostname annotation on each pod's Service (the redirectors' Service gets <name>.xrootd.example.org), so external-dns makes the records, and added as a wildcard (*.xrootd.example.org) to the certificate of security.tls.certificate. Clients are redirected to the reverse DNS name of a load balancer's address: give the addresses PTR records with these names.
   * Rule: must be {pod} followed by a lower-case DNS domain, such as {pod}.xrootd.example.org.
   */
  readonly hostnameTemplate?: string;
}

/** Network policy of the cluster's pods. */
export interface NetworkPolicySpec {
  /**
   * Render a NetworkPolicy: the manager cmsd port only from cluster members (on a meta-manager, also from any namespace's redirectors and the clients below: its subscribers), the xrootd port from the clients below.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Who may reach the xrootd port (NetworkPolicyPeer objects), and on a meta-manager its cmsd port too (regional redirectors outside Kubernetes). Omitted: anyone.
   */
  readonly clients?: k8s.NetworkPolicyPeer[];
}

/** Identity the daemons run as (XRootD refuses to run as root), and TLS. */
export interface SecuritySpec {
  /**
   * User id of the daemons.
   * Range: 1 to 2147483647.
   * @default 10940
   */
  readonly runAsUser?: number;
  /**
   * Group id of the daemons.
   * Range: 1 to 2147483647.
   * @default 10940
   */
  readonly runAsGroup?: number;
  /**
   * Group that owns the data volumes.
   * Range: 1 to 2147483647.
   * @default 10940
   */
  readonly fsGroup?: number;
  /**
   * TLS for the xroot protocol (roots://) and HTTPS, both on the xrootd port, with the certificate of a Secret. Omitted: no TLS.
   */
  readonly tls?: TlsSpec;
  /**
   * Bearer tokens (WLCG profile, SciTokens) for the xroot protocol (ztn) and HTTPS (Authorization: Bearer), checked by XRootD's SciTokens plugin: a request is allowed when its token's scopes allow it (storage.read, storage.create, storage.modify, ... under a base path); without a valid token nothing but the daemons' own queries is allowed. Needs tls.
   */
  readonly tokens?: TokensSpec;
  /**
   * X.509 client authentication (GSI, sec.protocol gsi) for the xroot protocol: clients log in with a grid proxy or certificate that the CAs below vouch for; users lists the subjects (DNs) that get a user name, which authorization rules can name. The daemons present the TLS Secret's certificate, whose key must be RSA (XRootD's GSI encrypts with it). Clients that cannot authenticate (no token, no certificate) cannot log in: GSI turns the unix protocol off. Needs tls.
   */
  readonly gsi?: GsiSpec;
  /**
   * Rules for requests that no token authorizes, rendered to XRootD's authorization database (acc.authdb). With tokens, a request without a valid token for its path falls through to these rules; without tokens, these rules are all there is: whatever no rule grants is refused.
   */
  readonly authorization?: AuthorizationSpec;
}

/** TLS for the xroot protocol (roots://) and HTTPS, both on the xrootd port, with the certificate of a Secret. Omitted: no TLS. */
export interface TlsSpec {
  /**
   * Secret (type kubernetes.io/tls) in the cluster's namespace with tls.crt, tls.key and ca.crt, the CA that verifies peers (a cert-manager Certificate writes all three; docs/security.md). Its certificate must name every pod's per-pod host name (a wildcard per role: *.<cluster>-<role>.<namespace>.svc.<domain>) and the names clients use.
   * Rule: must be a Secret name.
   */
  readonly secretName: string;
  /**
   * Which xroot requests must use TLS (xrootd.tls): none (roots:// offered, not required), capable (required from clients that can do TLS), data (logins may be clear, then everything after), all (everything).
   * @default "all"
   */
  readonly require?: 'none' | 'capable' | 'data' | 'all';
  /**
   * Have cert-manager issue the certificate into secretName: a cert-manager Certificate (cert-manager.io/v1) is synthesized with the cluster, naming every pod (a wildcard per role), the client Service and dnsNames. Needs cert-manager in the Kubernetes cluster and an issuer that writes ca.crt (a CA or Vault issuer). Omitted: the Secret is made otherwise.
   */
  readonly certificate?: CertificateSpec;
}

/** Have cert-manager issue the certificate into secretName: a cert-manager Certificate (cert-manager.io/v1) is synthesized with the cluster, naming every pod (a wildcard per role), the client Service and dnsNames. Needs cert-manager in the Kubernetes cluster and an issuer that writes ca.crt (a CA or Vault issuer). Omitted: the Secret is made otherwise. */
export interface CertificateSpec {
  /**
   * The cert-manager issuer that signs the certificate.
   */
  readonly issuerRef: IssuerReference;
  /**
   * More names the certificate carries besides the pods' and the client Service's: the names outside clients use.
   * @default []
   */
  readonly dnsNames?: string[];
  /**
   * How long each certificate is valid, as cert-manager reads it (a Go duration such as 2160h). Omitted: the issuer's default (90 days).
   * Rule: must be a duration such as 2160h or 1h30m.
   */
  readonly duration?: string;
  /**
   * How long before expiry cert-manager renews (a Go duration such as 360h); each renewal rolls the pods. Omitted: a third of the duration.
   * Rule: must be a duration such as 360h or 1h30m.
   */
  readonly renewBefore?: string;
}

/** The cert-manager issuer that signs the certificate. */
export interface IssuerReference {
  /**
   * The issuer's name.
   * Rule: must be an object name.
   */
  readonly name: string;
  /**
   * Issuer (in the cluster's namespace) or ClusterIssuer.
   * @default "Issuer"
   */
  readonly kind?: 'Issuer' | 'ClusterIssuer';
  /**
   * The issuer's API group (another for external issuers).
   * Rule: must be an API group (a DNS subdomain).
   * @default "cert-manager.io"
   */
  readonly group?: string;
}

/** Bearer tokens (WLCG profile, SciTokens) for the xroot protocol (ztn) and HTTPS (Authorization: Bearer), checked by XRootD's SciTokens plugin: a request is allowed when its token's scopes allow it (storage.read, storage.create, storage.modify, ... under a base path); without a valid token nothing but the daemons' own queries is allowed. Needs tls. */
export interface TokensSpec {
  /**
   * The audiences (aud) a token must name, such as https://xrootd.site.example.org:1094. Omitted: the cluster's own names, https:// and roots:// with xrootd.port for each outside name of the redirectors (expose.hostnameTemplate, the certificate's dnsNames that are not wildcards), and the site name (spec.site); at least one of those must then be set.
   */
  readonly audiences?: string[];
  /**
   * The token issuers this cluster trusts.
   */
  readonly issuers: TokenIssuerSpec[];
  /**
   * CA certificates the daemons trust when they fetch an issuer's keys over HTTPS, instead of the image's system bundle: a key of a ConfigMap, mounted over /etc/ssl/certs/ca-certificates.crt. Omitted: the image's bundle (public CAs).
   */
  readonly issuerCaBundle?: CaBundleReference;
}

/** A token issuer. */
export interface TokenIssuerSpec {
  /**
   * A name for the issuer (its section of the plugin's configuration).
   * Rule: must be letters, digits, "_" and "-".
   */
  readonly name: string;
  /**
   * The issuer (iss) as tokens name it: an https:// URL; its /.well-known/openid-configuration gives the keys.
   * Rule: must be an https:// URL (host, optional port from 1 to 65535, and path).
   */
  readonly url: string;
  /**
   * Paths the token's scopes are relative to: storage.read:/x allows reading <basePath>/x.
   */
  readonly basePaths: string[];
  /**
   * If set, tokens of this issuer reach only these paths, whatever their scopes say.
   * @default []
   */
  readonly restrictedPaths?: string[];
  /**
   * Use the token's subject (sub) as the user name in logs and monitoring.
   * @default false
   */
  readonly mapSubject?: boolean;
  /**
   * User name given to requests authorized by scope alone.
   * Rule: must be a user name (lower-case letters, digits, "_" and "-").
   */
  readonly defaultUser?: string;
}

/** CA certificates the daemons trust when they fetch an issuer's keys over HTTPS, instead of the image's system bundle: a key of a ConfigMap, mounted over /etc/ssl/certs/ca-certificates.crt. Omitted: the image's bundle (public CAs). */
export interface CaBundleReference {
  /**
   * The ConfigMap.
   * Rule: must be a ConfigMap name.
   */
  readonly configMapName: string;
  /**
   * The key holding the PEM bundle.
   * Rule: must be a ConfigMap key: letters, digits, "-", "_" and ".", not only dots.
   * @default "ca-certificates.crt"
   */
  readonly key?: string;
}

/** X.509 client authentication (GSI, sec.protocol gsi) for the xroot protocol: clients log in with a grid proxy or certificate that the CAs below vouch for; users lists the subjects (DNs) that get a user name, which authorization rules can name. The daemons present the TLS Secret's certificate, whose key must be RSA (XRootD's GSI encrypts with it). Clients that cannot authenticate (no token, no certificate) cannot log in: GSI turns the unix protocol off. Needs tls. */
export interface GsiSpec {
  /**
   * Directory of the CA certificates (and CRLs) that verify clients, under their hash names (<hash>.0, <hash>.r0), such as the IGTF bundle: the mountPath of one of spec.mounts. Omitted: the TLS Secret's ca.crt.
   * Rule: must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/").
   */
  readonly caDirectory?: string;
  /**
   * Subjects that get a user name (the grid-mapfile): a client whose certificate subject is dn logs in as name. Other subjects log in under a hash of their DN, which no rule can name.
   * @default []
   */
  readonly users?: GsiUser[];
  /**
   * What XRootD does with certificate revocation lists in the CA directory: ignore, ifPresent (use a CA's CRL when there is one), require (refuse clients of a CA without one), requireCurrent (and refuse when it has expired).
   * @default "ifPresent"
   */
  readonly crl?: 'ignore' | 'ifPresent' | 'require' | 'requireCurrent';
  /**
   * VOMS attributes (a VO, its groups and roles: the FQANs) of clients' proxies, read by XRootD's VOMS plugin (libXrdVoms, in the image) at the GSI login and, with xrootd.http, from HTTPS client certificates, so that authorization rules can name them (who: vo). Attributes count only when a VOMS server listed here (or in directory) signed them, a CA of the CA directory vouches for that server, and they are still valid.
   */
  readonly voms?: VomsSpec;
}

/** A certificate subject and its user name. */
export interface GsiUser {
  /**
   * The subject as OpenSSL prints it in the slash form: /DC=org/DC=example/CN=Alice Example.
   * Rule: must be a distinguished name in the slash form (/DC=org/CN=Name) without quotes, backslashes or control characters.
   */
  readonly dn: string;
  /**
   * The user name (letters, digits, "_" and "-"; no ".", so it never equals a DN hash).
   * Rule: must be a user name (lower-case letters, digits, "_" and "-", at most 32).
   */
  readonly name: string;
}

/** VOMS attributes (a VO, its groups and roles: the FQANs) of clients' proxies, read by XRootD's VOMS plugin (libXrdVoms, in the image) at the GSI login and, with xrootd.http, from HTTPS client certificates, so that authorization rules can name them (who: vo). Attributes count only when a VOMS server listed here (or in directory) signed them, a CA of the CA directory vouches for that server, and they are still valid. */
export interface VomsSpec {
  /**
   * The VOs whose attributes are read; those of any other VO are ignored.
   */
  readonly vos: VomsOrganization[];
  /**
   * A vomsdir to trust instead of the listed servers (<vo>/<host>.lsc files, as the wlcg-voms-* packages install them under /etc/grid-security/vomsdir): the mountPath of one of spec.mounts.
   * Rule: must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/").
   */
  readonly directory?: string;
  /**
   * Refuse the login of a client whose proxy has no valid attributes of these VOs (none, another VO's, expired, or signed by an unknown server). Off: such a client logs in by its certificate alone and gets what the rules give anybody and its user name.
   * @default false
   */
  readonly require?: boolean;
}

/** A VO and the VOMS servers that sign its attributes. */
export interface VomsOrganization {
  /**
   * The VO's name, as its FQANs begin (/cms/...): letters, digits, ".", "_" and "-".
   * Rule: must be a VO name: letters, digits, ".", "_" and "-", starting with a letter or digit.
   */
  readonly name: string;
  /**
   * The VOMS servers that sign this VO's attributes, rendered as the vomsdir's <vo>/<host>.lsc files. Omitted: directory holds them.
   * @default []
   */
  readonly servers?: VomsServer[];
}

/** A VOMS server: its host name and its certificate's subject and issuer. */
export interface VomsServer {
  /**
   * The host name of the server, as its attributes name it (vo://host:port).
   * Rule: must be a DNS name (lower-case labels of at most 63 characters).
   */
  readonly host: string;
  /**
   * The subject of the server's certificate in the slash form (/DC=org/CN=voms.example.org).
   * Rule: must be a distinguished name in the slash form (/DC=org/CN=Name) without quotes, backslashes or control characters.
   */
  readonly subject: string;
  /**
   * The subject of the CA that issued it, in the slash form.
   * Rule: must be a distinguished name in the slash form (/DC=org/CN=Name) without quotes, backslashes or control characters.
   */
  readonly issuer: string;
}

/** Rules for requests that no token authorizes, rendered to XRootD's authorization database (acc.authdb). With tokens, a request without a valid token for its path falls through to these rules; without tokens, these rules are all there is: whatever no rule grants is refused. */
export interface AuthorizationSpec {
  /**
   * The rules; privileges add up across the rules that match a path.
   */
  readonly rules: AuthorizationRule[];
}

/** What a kind of client may do under a path. */
export interface AuthorizationRule {
  /**
   * An exported path or one below it.
   * Rule: must be an absolute path of letters, digits, ".", "_" and "-" with no "." or ".." component.
   */
  readonly path: string;
  /**
   * Whom the rule is for. anybody: every client that logged in; user: the client whose certificate security.gsi.users maps to name; vo: a client whose proxy carries valid VOMS attributes of vo (security.gsi.voms), narrowed by group and role. Tokens are authorized by their scopes, not by these rules.
   * @default "anybody"
   */
  readonly who?: 'anybody' | 'user' | 'vo';
  /**
   * The user the rule is for (who: user): a name of security.gsi.users.
   * Rule: must be a user name (lower-case letters, digits, "_" and "-", at most 32).
   */
  readonly name?: string;
  /**
   * The VO the rule is for (who: vo): a name of security.gsi.voms.vos.
   * Rule: must be a VO name: letters, digits, ".", "_" and "-", starting with a letter or digit.
   */
  readonly vo?: string;
  /**
   * Only members of this group of the VO (who: vo), as FQANs name it: /<vo> or below it, such as /cms/uscms. Matched exactly: /cms/uscms is not /cms. Omitted: any group.
   * Rule: must be a VOMS group: /-separated names of letters, digits, ".", "_" and "-".
   */
  readonly group?: string;
  /**
   * Only with this role in the group (who: vo), such as production; NULL is a member without a role. Omitted: any role.
   * Rule: must be a VOMS role: letters, digits, ".", "_" and "-".
   */
  readonly role?: string;
  /**
   * What they may do: read, list (stat, ls, locate), create (new files and directories), write (change existing files), delete, rename. XRootD opens the files it creates or changes read-write, so create and write grant read too.
   */
  readonly privileges: Array<'read' | 'list' | 'create' | 'write' | 'delete' | 'rename'>;
}

/** A Secret or a ConfigMap mounted as a directory. */
export interface MountSpec {
  /**
   * A name for the mount (its volume is extra-<name>).
   * Rule: must be a DNS label.
   */
  readonly name: string;
  /**
   * Where it appears in the containers: an absolute path outside the ones the pods use already (/etc/xrootd/cluster, /etc/xrootd/tls, /var/run/xrootd, /data, /tmp, /etc/ssl/certs).
   * Rule: must be an absolute path of letters, digits, ".", "_" and "-" (no "." or ".." component, no trailing "/").
   */
  readonly mountPath: string;
  /**
   * The Secret to mount (one of secretName and configMapName).
   * Rule: must be a Secret name.
   */
  readonly secretName?: string;
  /**
   * The ConfigMap to mount (one of secretName and configMapName).
   * Rule: must be a ConfigMap name.
   */
  readonly configMapName?: string;
  /**
   * File mode of the files, in decimal (288 = 0440: the daemons read them through the pods' group).
   * Range: 0 to 511.
   * @default 288
   */
  readonly defaultMode?: number;
}

/** Federation with other XRootD clusters through meta-managers (regional or global redirectors, as in the AAA federations): a member cluster's redirectors subscribe to the meta-managers with the cluster's exports, and a meta-manager redirects clients to the member cluster that has the file (docs/topologies.md). */
export interface FederationSpec {
  /**
   * The meta-managers this cluster's redirectors subscribe to (all.manager meta): host:port of each one's cmsd, such as a meta-manager cluster's per-pod names (<name>-redirector-0.<name>-redirector.<namespace>.svc.cluster.local:1213) or a regional redirector's address. The cluster offers the meta-managers the paths it exports (xrootd.exports).
   * @default []
   */
  readonly upstream?: string[];
  /**
   * Meta-manager clusters of this Kubernetes cluster to subscribe to, by their Xrootd resource (one with federation.metaManager): the agent subscribes the redirectors to each of its redirectors' cmsd, and follows it when its redirectors or cmsdPort change. Synthesized outside the agent (an app, `xrootd-k8s synth`), each reference must be resolved: by a resource in the same files, or XrootdClusterProps.decisions.upstreamEndpoints.
   * @default []
   */
  readonly upstreamRefs?: XrootdReference[];
  /**
   * This cluster is a meta-manager: its redirectors (all.role meta manager) take other clusters' redirectors as subscribers and send clients to them. It holds no files: worker.replicas must be 0. Its exports are the paths it federates.
   * @default false
   */
  readonly metaManager?: boolean;
}

/** An Xrootd resource. */
export interface XrootdReference {
  /**
   * Its name.
   * Rule: must be an Xrootd name (a DNS label).
   */
  readonly name: string;
  /**
   * Its namespace. Omitted: this cluster's.
   * Rule: must be a namespace name (a DNS label).
   */
  readonly namespace?: string;
}

/** Makes this a cache cluster (XCache, XRootD's caching proxy): its data servers are cache servers that hold no files of their own but copies of what clients read, fetched from the origin block by block, kept on their data disks and purged when the disks fill (pss and pfc). A cluster without it is a data cluster. Clients read a cache cluster as any cluster, through its redirectors, which send a file's readers to the cache server that holds it or, on a miss, to one that fetches it. Cached files are copies: a cache server needs no drain and its disks no backup (docs/xcache.md). */
export interface CacheSpec {
  /**
   * Where the cache servers fetch files from: exactly one of address, clientNamed and ref.
   * @default - every field at its default
   */
  readonly origin: CacheOriginSpec;
  /**
   * Memory each cache server keeps blocks in (pfc.ram): at least 1Gi (XRootD's floor) and at most 256Gi. Keep worker.resources' memory above it: a cache server uses about this much besides its own needs.
   * Rule: must be a Kubernetes quantity such as 500m, 2Gi or 10G.
   * @default "1Gi"
   */
  readonly ram?: string;
  /**
   * The block a cache server fetches and stores at a time (pfc.blocksize), from 4Ki to 512Mi, rounded up to a multiple of 4Ki. Sites use 128Ki (XRootD's default) to 1Mi; larger blocks suit long sequential reads.
   * Rule: must be a Kubernetes quantity such as 500m, 2Gi or 10G.
   * @default "128Ki"
   */
  readonly blockSize?: string;
  /**
   * Blocks a cache server reads ahead of a client (pfc.prefetch): 0 turns read-ahead off, as sites with sparse reads (ATLAS) do.
   * Range: 0 to 128.
   * @default 10
   */
  readonly prefetch?: number;
  /**
   * How a cache server writes fetched blocks to its data disks (pfc.writequeue): blocks written per pass and the threads writing. More threads for many disks or slow ones.
   * @default - every field at its default
   */
  readonly writeQueue?: CacheWriteQueueSpec;
  /**
   * When a cache server purges (pfc.diskusage): past highPercent of its data disks used it removes the least recently read files until lowPercent.
   * @default - every field at its default
   */
  readonly diskUsage?: CacheDiskUsageSpec;
  /**
   * Each cache server's data disks: claims of their own (separate disks, as sites run them: no RAID), mounted under the server's first volume (worker.storage, which holds the cache's namespace and metadata).
   * @default - every field at its default
   */
  readonly dataDisks?: CacheDataDisksSpec;
}

/** Where the cache servers fetch files from: exactly one of address, clientNamed and ref. */
export interface CacheOriginSpec {
  /**
   * host:port of the origin: a redirector or a data server (pss.origin), such as another cluster's <name>.<namespace>.svc.cluster.local:1094.
   * Rule: must be host:port (a DNS name or an IPv4 address, and a port from 1 to 65535).
   */
  readonly address?: string;
  /**
   * The client names the origin in the path it asks for (root://cache//root://origin:1094//path; pss.origin =), as ATLAS's caches are used. The cluster then exports the origin URLs' schemes (/root:/, /xroot:/, /roots:/, /xroots:/) instead of xrootd.exports, and fetches from any origin a client names: restrict who reaches it (networkPolicy.clients, security).
   */
  readonly clientNamed?: boolean;
  /**
   * The cache servers' own identity at the origin, from Secrets in the cluster's namespace: a bearer token (ztn), an X.509 proxy (gsi), or both (the origin picks by the protocols it offers). Each needs security.tls: ztn sends tokens over TLS only, and the cache servers verify the origin with the TLS Secret's ca.crt. A renewed Secret reaches the running cache servers within a minute, for their next login at the origin: no restart (docs/xcache.md).
   * @default - every field at its default
   */
  readonly credentials?: CacheOriginCredentialsSpec;
  /**
   * Another Xrootd of this Kubernetes cluster, the common cache in front of a site's own storage: its client Service (<name>.<namespace>.svc.<clusterDomain>:<xrootd.port>). The agent follows it when the origin's port changes. Synthesized outside the agent (`xrootd-k8s synth`), it must be resolved by a resource in the same files, or XrootdClusterProps.decisions.originAddress.
   */
  readonly ref?: XrootdReference;
}

/** The cache servers' own identity at the origin, from Secrets in the cluster's namespace: a bearer token (ztn), an X.509 proxy (gsi), or both (the origin picks by the protocols it offers). Each needs security.tls: ztn sends tokens over TLS only, and the cache servers verify the origin with the TLS Secret's ca.crt. A renewed Secret reaches the running cache servers within a minute, for their next login at the origin: no restart (docs/xcache.md). */
export interface CacheOriginCredentialsSpec {
  /**
   * A WLCG bearer token the cache servers log in to the origin with (BEARER_TOKEN_FILE): one of the origin's issuers', with storage.read on what clients read through the cache. Renew it in the Secret before it expires.
   */
  readonly token?: CacheOriginTokenSpec;
  /**
   * An X.509 proxy (certificate, key and chain in one PEM file) the cache servers log in to the origin with (X509_USER_PROXY). XRootD reads a renewed proxy once the one it holds expires.
   */
  readonly x509Proxy?: CacheOriginProxySpec;
}

/** A WLCG bearer token the cache servers log in to the origin with (BEARER_TOKEN_FILE): one of the origin's issuers', with storage.read on what clients read through the cache. Renew it in the Secret before it expires. */
export interface CacheOriginTokenSpec {
  /**
   * The Secret.
   * Rule: must be a Secret name.
   */
  readonly secretName: string;
  /**
   * The Secret's key holding the token.
   * Rule: must be a Secret key: letters, digits, "-", "_" and ".", not only dots.
   * @default "token"
   */
  readonly key?: string;
}

/** An X.509 proxy (certificate, key and chain in one PEM file) the cache servers log in to the origin with (X509_USER_PROXY). XRootD reads a renewed proxy once the one it holds expires. */
export interface CacheOriginProxySpec {
  /**
   * The Secret.
   * Rule: must be a Secret name.
   */
  readonly secretName: string;
  /**
   * The Secret's key holding the proxy.
   * Rule: must be a Secret key: letters, digits, "-", "_" and ".", not only dots.
   * @default "x509up"
   */
  readonly key?: string;
}

/** How a cache server writes fetched blocks to its data disks (pfc.writequeue): blocks written per pass and the threads writing. More threads for many disks or slow ones. */
export interface CacheWriteQueueSpec {
  /**
   * Blocks a writing thread takes from the queue at a time.
   * Range: 1 to 1024.
   * @default 16
   */
  readonly blocks?: number;
  /**
   * Threads writing blocks to disk.
   * Range: 1 to 64.
   * @default 4
   */
  readonly threads?: number;
}

/** When a cache server purges (pfc.diskusage): past highPercent of its data disks used it removes the least recently read files until lowPercent. */
export interface CacheDiskUsageSpec {
  /**
   * The fill level a purge brings the data disks down to.
   * Range: 1 to 99.
   * @default 90
   */
  readonly lowPercent?: number;
  /**
   * The fill level that starts a purge.
   * Range: 2 to 100.
   * @default 95
   */
  readonly highPercent?: number;
  /**
   * How often a cache server checks its fill level.
   * Range: 60 to 3600.
   * @default 300
   */
  readonly purgeIntervalSeconds?: number;
}

/** Each cache server's data disks: claims of their own (separate disks, as sites run them: no RAID), mounted under the server's first volume (worker.storage, which holds the cache's namespace and metadata). */
export interface CacheDataDisksSpec {
  /**
   * Data disks per cache server.
   * Range: 1 to 16.
   * Immutable once set.
   * @default 1
   */
  readonly count?: number;
  /**
   * Size of each data disk.
   * Rule: must be a Kubernetes quantity such as 500m, 2Gi or 10G.
   * @default "100Gi"
   */
  readonly capacity?: string;
  /**
   * StorageClass of the data disks; the cluster default when omitted.
   * Rule: must be a StorageClass name (a DNS subdomain: lower-case letters, digits, "-" and ".").
   * On change: cannot change: a volume keeps its StorageClass.
   */
  readonly class?: string;
}

/** XRootD's own metrics and the cluster's membership: every xrootd and cmsd sends its summary report (xrd.report) to a collector synthesized with the cluster (a Deployment running the agent image's `collector`), which serves Prometheus metrics and tells the agent which data servers each manager has subscribed (docs/monitoring.md). */
export interface MonitoringSpec {
  /**
   * Run the collector and point the daemons' reports at it.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * How often each daemon reports.
   * Range: 1 to 600.
   * @default 10
   */
  readonly reportIntervalSeconds?: number;
  /**
   * Also synthesize a ServiceMonitor for the collector and a PrometheusRule with the cluster's alerts (docs/alerts.md): needs the Prometheus Operator's CRDs.
   * @default false
   */
  readonly prometheusOperator?: boolean;
  /**
   * Also synthesize a Grafana dashboard, in a ConfigMap labelled grafana_dashboard: "1" (what the Grafana Helm chart's sidecar loads).
   * @default false
   */
  readonly grafanaDashboard?: boolean;
  /**
   * The collector's image: the agent's (it holds the collector command).
   * Rule: must be an image reference: [registry[:port]/]repository[:tag][@digest], the repository in lower case.
   * @default "ghcr.io/xrootd-k8s/agent:0.1.0"
   */
  readonly collectorImage?: string;
}

/** How the agent rolls a changed pod template (a new version, a config change) through the cluster: one role at a time, pod by pod, each step gated on readiness. */
export interface UpgradeSpec {
  /**
   * Hold every pod where it is; set back to false to resume.
   * @default false
   */
  readonly paused?: boolean;
  /**
   * The order the roles roll in. Redirectors last keeps a manager for clients throughout.
   * @default ["worker","supervisor","redirector"]
   */
  readonly order?: Array<'worker' | 'supervisor' | 'redirector'>;
  /**
   * Pods of each role replaced at once.
   * @default - every field at its default
   */
  readonly maxUnavailable?: MaxUnavailableSpec;
  /**
   * How long a replaced pod must stay Ready before the next one is replaced.
   * Range: 0 to 3600.
   * @default 10
   */
  readonly minReadySeconds?: number;
  /**
   * How long a replaced pod may take to become Ready before the rollout stops (Degraded).
   * Range: 10 to 86400.
   * @default 600
   */
  readonly stepDeadlineSeconds?: number;
  /**
   * Allow a downgrade the version catalog marks incompatible (incompatibleBelow).
   * @default false
   */
  readonly force?: boolean;
  /**
   * When a step gets stuck, roll the cluster back to the spec it last reached Ready with (status.lastReadySpec) and keep it there until the spec changes again.
   * @default false
   */
  readonly autoRollback?: boolean;
}

/** Pods of each role replaced at once. */
export interface MaxUnavailableSpec {
  /**
   * Redirectors replaced at once.
   * Range: 1 to 4096.
   * @default 1
   */
  readonly redirector?: number;
  /**
   * Supervisors replaced at once.
   * Range: 1 to 4096.
   * @default 1
   */
  readonly supervisor?: number;
  /**
   * Data servers replaced at once.
   * Range: 1 to 4096.
   * @default 1
   */
  readonly worker?: number;
}

/** What the agent restarts on its own (docs/autopilot.md). A daemon that stops answering is restarted by its liveness probe (it asks xrootd a question with a deadline); what no probe sees is healed here. */
export interface HealingSpec {
  /**
   * Restart a data server or supervisor that is Ready but that one of its managers has not listed for unsubscribedSeconds (spec.monitoring tells the agent who is listed): one pod at a time per cluster, never during a rollout, a drain or maintenance, and only while every other pod is Ready. Its volume is kept.
   * @default true
   */
  readonly restartUnsubscribed?: boolean;
  /**
   * How long a Ready server may be missing from a manager's list before it is restarted.
   * Range: 30 to 86400.
   * @default 300
   */
  readonly unsubscribedSeconds?: number;
  /**
   * After restarting a pod, how long before the agent may restart the same pod again; doubled at each further restart of it within a day (at most a day).
   * Range: 30 to 86400.
   * @default 600
   */
  readonly backoffSeconds?: number;
  /**
   * Move pods off a node that stays NotReady (with the agent). A pod of the cluster on a node whose Ready condition has not been True for notReadySeconds is handled by what it holds. Redirectors and supervisors hold no data: each is deleted at once, and its StatefulSet makes it again on another node. A data server whose volume other nodes can mount (network-attached) is moved the same way, but only once its node is fenced (see fencing): a node that is only unreachable may still be writing to it. A data server whose volume only that node reaches (node-local: its PersistentVolume's node affinity matches no other node) is reported as lost, naming its claim (the DataServerLost Event, status.lostNodes); with replaceLocalVolumes it is replaced by an empty one elsewhere. Nothing is done while most of the nodes the cluster runs on are NotReady (the API server's view is then the suspect). Absent: pods on a lost node wait for it, as Kubernetes leaves StatefulSet pods (docs/autopilot.md).
   */
  readonly lostNodes?: LostNodesSpec;
}

/** Move pods off a node that stays NotReady (with the agent). A pod of the cluster on a node whose Ready condition has not been True for notReadySeconds is handled by what it holds. Redirectors and supervisors hold no data: each is deleted at once, and its StatefulSet makes it again on another node. A data server whose volume other nodes can mount (network-attached) is moved the same way, but only once its node is fenced (see fencing): a node that is only unreachable may still be writing to it. A data server whose volume only that node reaches (node-local: its PersistentVolume's node affinity matches no other node) is reported as lost, naming its claim (the DataServerLost Event, status.lostNodes); with replaceLocalVolumes it is replaced by an empty one elsewhere. Nothing is done while most of the nodes the cluster runs on are NotReady (the API server's view is then the suspect). Absent: pods on a lost node wait for it, as Kubernetes leaves StatefulSet pods (docs/autopilot.md). */
export interface LostNodesSpec {
  /**
   * How long a node's Ready condition must have been False or Unknown (and the pod unready) before its pods are handled.
   * Range: 30 to 86400.
   * @default 300
   */
  readonly notReadySeconds?: number;
  /**
   * When a data server on a network-attached volume may move. OutOfServiceTaint: once the node carries the node.kubernetes.io/out-of-service taint, which an administrator or a fencing agent sets after making sure the node is off (Kubernetes then also detaches its volumes at once). NotReady: the site asserts that a node NotReady for notReadySeconds is down (its nodes are fenced outside Kubernetes, or never come back); the volume is detached after Kubernetes' own wait (6 minutes).
   * @default "OutOfServiceTaint"
   */
  readonly fencing?: 'OutOfServiceTaint' | 'NotReady';
  /**
   * Replace a data server whose node-local volume is on a lost, fenced node with an empty one elsewhere: its claim is deleted (its files went with the node) and its StatefulSet makes a new claim and pod. With spec.monitoring the agent first waits until no manager lists the lost server (they drop it xrootd.dropDelaySeconds after losing it), so that the empty one is new to them and no client is sent to it for the lost files. Off: the server is reported lost and left for an administrator.
   * @default false
   */
  readonly replaceLocalVolumes?: boolean;
}

/** Observed state of an XRootD cluster, written by the agent. */
export interface XrootdStatus {
  /**
   * The spec generation this status describes.
   */
  readonly observedGeneration?: number;
  /**
   * Ready, Progressing, Degraded, Stalled (kstatus: True while Degraded, so Flux and kstatus fail fast instead of waiting) Deprecated (the version is deprecated in the catalog), InsecureWritableExport (True while writable exports need no authorization: no spec.security.tokens), MembersMissing (spec.monitoring: a Ready server not subscribed to its managers after a grace period), Healing (True while a server a manager does not list is due for a restart by spec.healing, or was just restarted), StorageFull (spec.worker.storage.autoExpand: True while a data server below the free share cannot grow; spec.worker.autoscale: True while the cluster is below its free share at maxReplicas), Autoscaling (spec.worker.autoscale: True while a data server is being added or removed), NodeDrain (spec.worker.nodeDrain: True while a data server on a cordoned node is being prepared), NodesLost (spec.healing.lostNodes: True while a pod of the cluster is on a node NotReady past notReadySeconds and not yet moved: waiting for the node to be fenced, a data server lost with its node-local volume, or held), VolumesExpanding (True while a data volume is below spec.worker.storage.capacity) and VolumesRetained (True while volumes of removed data servers are kept, their files unserved).
   */
  readonly conditions?: XrootdCondition[];
  /**
   * Pods of one role, as the StatefulSet reports them.
   * @default - every field at its default
   */
  readonly redirectors?: RoleStatus;
  /**
   * Pods of one role, as the StatefulSet reports them.
   * @default - every field at its default
   */
  readonly supervisors?: RoleStatus;
  /**
   * Pods of one role, as the StatefulSet reports them.
   * @default - every field at its default
   */
  readonly workers?: RoleStatus;
  /**
   * The XRootD version every pod runs.
   */
  readonly currentVersion?: string;
  /**
   * The version the spec asks for.
   */
  readonly targetVersion?: string;
  /**
   * The image of the target version.
   */
  readonly image?: string;
  /**
   * Label selector of the data servers (for the scale subresource).
   */
  readonly workerSelector?: string;
  /**
   * Per manager (redirector) and supervisor, the servers subscribed to it against the ones that should be, from the collector's reports (spec.monitoring); empty without monitoring.
   */
  readonly members?: ManagerMembersStatus[];
  /**
   * Where a rolling change of the pod template stands (empty when none runs).
   * @default - every field at its default
   */
  readonly rollout?: RolloutStatus;
  /**
   * The data servers' volumes: the size asked, the ones still growing to it, and the ones kept after a scale-down.
   * @default - every field at its default
   */
  readonly volumes?: VolumesStatus;
  /**
   * spec.worker.storage.autoExpand: the volumes the agent grew as they filled, and the data servers below the free share that cannot grow.
   */
  readonly autoExpand?: AutoExpandStatus;
  /**
   * spec.worker.nodeDrain: the data servers on cordoned nodes, until their pods are released to the drain.
   */
  readonly nodeDrain?: NodeDrainStatus[];
  /**
   * spec.healing.lostNodes: the pods on nodes NotReady past notReadySeconds that are not moved yet.
   */
  readonly lostNodes?: LostNodeStatus[];
  /**
   * spec.worker.autoscale: the number of data servers the agent chose, and why.
   */
  readonly autoscale?: AutoscaleStatus;
  /**
   * A scale-down with spec.worker.scaleDown Drain in progress (absent when none runs): the data server being drained, highest ordinal first.
   */
  readonly drain?: DrainStatus;
  /**
   * spec.expose.type LoadBalancer: the address outside clients reach each data server and supervisor at, as its Service's load balancer reports it; announced to the managers, which redirect clients from public addresses there (docs/topologies.md). A pod made before its address was known is restarted to announce it.
   */
  readonly external?: ExternalAddressStatus[];
  /**
   * A cache cluster's (spec.cache) fill level and hit ratio, from the collector's figures (spec.monitoring); absent without them.
   */
  readonly cache?: CacheStatus;
  /**
   * What spec.healing watches and has done: the Ready servers some manager does not list, and the agent's restarts within the last day (its backoff).
   */
  readonly healing?: HealingStatus;
  /**
   * The data servers (ordinals) the agent has restarted into maintenance: spec.worker.maintenance once every change is carried out.
   */
  readonly maintenance?: number[];
  /**
   * The spec the cluster last reached Ready with: what an automatic rollback returns to.
   */
  readonly lastReadySpec?: Record<string, unknown>;
  /**
   * Set while the cluster runs lastReadySpec because a rollout of the current spec got stuck (spec.upgrade.autoRollback); cleared by the next spec change.
   * @default - every field at its default
   */
  readonly rolledBack?: RollbackStatus;
}

/** A kstatus-compatible condition. */
export interface XrootdCondition {
  /**
   * Ready, Progressing, Degraded or Deprecated.
   */
  readonly type: string;
  /**
   * True, False or Unknown.
   */
  readonly status: 'True' | 'False' | 'Unknown';
  /**
   * One word in CamelCase saying why.
   */
  readonly reason?: string;
  /**
   * What a person reads.
   */
  readonly message?: string;
  /**
   * When the status last changed (RFC 3339).
   */
  readonly lastTransitionTime?: string;
  /**
   * The generation the condition was computed for.
   */
  readonly observedGeneration?: number;
}

/** Pods of one role, as the StatefulSet reports them. */
export interface RoleStatus {
  /**
   * Pods the StatefulSet has.
   */
  readonly replicas?: number;
  /**
   * Pods ready (XRootD up and joined, as the probes define).
   */
  readonly ready?: number;
  /**
   * Pods on the current pod template.
   */
  readonly updated?: number;
  /**
   * The XRootD version every pod of this role runs (the previous one until the role has rolled).
   */
  readonly version?: string;
  /**
   * The version this role is rolling to.
   */
  readonly targetVersion?: string;
}

/** The servers one manager or supervisor has subscribed. */
export interface ManagerMembersStatus {
  /**
   * The manager's or supervisor's pod.
   */
  readonly manager?: string;
  /**
   * redirector or supervisor.
   */
  readonly role?: string;
  /**
   * Servers that should be subscribed to it.
   */
  readonly expected?: number;
  /**
   * Of those, the ones it lists as active.
   */
  readonly subscribed?: number;
  /**
   * Ready pods that should be subscribed and are not.
   */
  readonly missing?: string[];
  /**
   * Since when some are missing (RFC 3339): after a grace period the cluster is MembersMissing.
   */
  readonly missingSince?: string;
}

/** Where a rolling change of the pod template stands (empty when none runs). */
export interface RolloutStatus {
  /**
   * Idle, Rolling, Paused or Stuck.
   */
  readonly phase?: string;
  /**
   * The role being rolled.
   */
  readonly role?: string;
  /**
   * The StatefulSet update revision being rolled out.
   */
  readonly revision?: string;
  /**
   * The StatefulSet partition of that role: pods with this ordinal or above run the new revision.
   */
  readonly partition?: number;
  /**
   * When the rollout started (RFC 3339).
   */
  readonly startedAt?: string;
  /**
   * When the current step started (RFC 3339).
   */
  readonly stepStartedAt?: string;
  /**
   * What the rollout waits for.
   */
  readonly message?: string;
  /**
   * The pod that did not become Ready in time, when Stuck.
   */
  readonly stuckPod?: string;
}

/** The data servers' volumes: the size asked, the ones still growing to it, and the ones kept after a scale-down. */
export interface VolumesStatus {
  /**
   * The size each data volume is asked to have (spec.worker.storage.capacity).
   */
  readonly capacity?: string;
  /**
   * Data volumes of the running data servers.
   */
  readonly claims?: number;
  /**
   * Of those, the ones the storage reports at the size asked.
   */
  readonly atCapacity?: number;
  /**
   * Volumes still below the size asked.
   */
  readonly expanding?: ExpandingVolumeStatus[];
  /**
   * Volumes of data servers removed by a scale-down (spec.worker.storage.retention.whenScaled Retain): kept, but no pod serves their files until the replicas are raised again.
   */
  readonly retained?: RetainedVolumeStatus[];
}

/** A volume being expanded. */
export interface ExpandingVolumeStatus {
  /**
   * The PersistentVolumeClaim.
   */
  readonly claim?: string;
  /**
   * Its size now.
   */
  readonly capacity?: string;
  /**
   * What the expansion waits for.
   */
  readonly waitingFor?: string;
}

/** A kept volume. */
export interface RetainedVolumeStatus {
  /**
   * The PersistentVolumeClaim.
   */
  readonly claim?: string;
  /**
   * The data server that used it.
   */
  readonly pod?: string;
  /**
   * When its files were copied to the data servers that stay (worker.scaleDown: Drain, RFC 3339): it holds copies only.
   */
  readonly drainedAt?: string;
}

/** spec.worker.storage.autoExpand: the volumes the agent grew as they filled, and the data servers below the free share that cannot grow. */
export interface AutoExpandStatus {
  /**
   * The last automatic growth of each volume.
   */
  readonly grown?: AutoExpandedVolumeStatus[];
  /**
   * Data servers below the free share whose volume cannot grow.
   */
  readonly full?: FullVolumeStatus[];
}

/** A volume the agent grew. */
export interface AutoExpandedVolumeStatus {
  /**
   * The PersistentVolumeClaim.
   */
  readonly claim?: string;
  /**
   * Its size before.
   */
  readonly from?: string;
  /**
   * The size asked.
   */
  readonly to?: string;
  /**
   * When (RFC 3339).
   */
  readonly at?: string;
  /**
   * Its free share then, as its data server reported it.
   */
  readonly freePercent?: number;
  /**
   * The size of its file system then, as its data server reported it: the next growth waits for a larger one.
   */
  readonly fileSystemBytes?: number;
}

/** A data server that cannot grow. */
export interface FullVolumeStatus {
  /**
   * The data server.
   */
  readonly pod?: string;
  /**
   * Its PersistentVolumeClaim.
   */
  readonly claim?: string;
  /**
   * Its free share, as it reported it.
   */
  readonly freePercent?: number;
  /**
   * Why it cannot grow.
   */
  readonly reason?: string;
}

/** A data server prepared for its node's drain. */
export interface NodeDrainStatus {
  /**
   * The data server.
   */
  readonly pod?: string;
  /**
   * Its cordoned node.
   */
  readonly node?: string;
  /**
   * Suspending (its cmsd is asked to suspend itself; waiting for its managers to report it suspended), FinishingWrites (suspended; waiting for its files open for writing to close) or Released (its pod deleted: the drain goes on).
   */
  readonly phase?: string;
  /**
   * When its node was first seen cordoned (RFC 3339).
   */
  readonly since?: string;
  /**
   * When its managers first reported it suspended (RFC 3339).
   */
  readonly suspendedAt?: string;
  /**
   * Files it had open for writing at its last report after the suspension.
   */
  readonly openForWrite?: number;
}

/** A pod on a lost node. */
export interface LostNodeStatus {
  /**
   * The pod.
   */
  readonly pod?: string;
  /**
   * Its node.
   */
  readonly node?: string;
  /**
   * When the node's Ready condition last turned False or Unknown (RFC 3339).
   */
  readonly since?: string;
  /**
   * What the pod holds. None (a redirector or supervisor), NetworkAttached (a data volume other nodes can mount) or NodeLocal (a data volume only that node reaches).
   */
  readonly volume?: string;
  /**
   * Its data volume's PersistentVolumeClaim (data servers).
   */
  readonly claim?: string;
  /**
   * AwaitingFence (a data server on a network-attached volume: moved once its node is fenced), Lost (a data server whose node-local volume went with the node; spec.healing.lostNodes.replaceLocalVolumes replaces it), Held (most of the cluster's nodes are NotReady: nothing is moved).
   */
  readonly phase?: string;
  /**
   * What the agent waits for.
   */
  readonly message?: string;
}

/** spec.worker.autoscale: the number of data servers the agent chose, and why. */
export interface AutoscaleStatus {
  /**
   * The data servers the agent chose; the StatefulSet follows (through a drain when it is lower).
   */
  readonly replicas?: number;
  /**
   * The free share of the data servers in service at the last look, from their reports.
   */
  readonly freePercent?: number;
  /**
   * When the agent last added or removed a data server (RFC 3339).
   */
  readonly lastScaledAt?: string;
  /**
   * Since when the data servers but the last would have spec.worker.autoscale.scaleDownFreePercent free without it (RFC 3339).
   */
  readonly aboveSince?: string;
  /**
   * True while the cluster is below freePercent free at maxReplicas.
   */
  readonly atMaximum?: boolean;
  /**
   * What the agent did last or waits for.
   */
  readonly message?: string;
}

/** A scale-down with spec.worker.scaleDown Drain in progress (absent when none runs): the data server being drained, highest ordinal first. */
export interface DrainStatus {
  /**
   * Preparing (entering maintenance), Copying, Refused (the copy cannot be done: nothing removed) or Failed (the Job gave up: nothing removed).
   */
  readonly phase?: string;
  /**
   * The data server being drained.
   */
  readonly pod?: string;
  /**
   * The data servers still to drain after it.
   */
  readonly remaining?: string[];
  /**
   * The data servers its files are copied to.
   */
  readonly targets?: string[];
  /**
   * The Job that copies.
   */
  readonly job?: string;
  /**
   * Files done (copied or found already there with the same checksum), from the Job's log.
   */
  readonly files?: number;
  /**
   * Files it holds.
   */
  readonly totalFiles?: number;
  /**
   * Bytes done.
   */
  readonly bytes?: number;
  /**
   * Bytes it holds.
   */
  readonly totalBytes?: number;
  /**
   * What the drain waits for, or why it stopped.
   */
  readonly message?: string;
}

/** A pod's outside address. */
export interface ExternalAddressStatus {
  /**
   * The pod.
   */
  readonly pod?: string;
  /**
   * The IP address of its load balancer.
   */
  readonly address?: string;
  /**
   * When the agent first saw this address (RFC 3339).
   */
  readonly since?: string;
}

/** A cache cluster's (spec.cache) fill level and hit ratio, from the collector's figures (spec.monitoring); absent without them. */
export interface CacheStatus {
  /**
   * Cache servers the collector has figures of.
   */
  readonly servers?: number;
  /**
   * Data disks used, in percent of their size, over every cache server (a purge starts past spec.cache.diskUsage.highPercent of a server's disks).
   */
  readonly fillPercent?: number;
  /**
   * The fullest cache server's data disks, in percent.
   */
  readonly fullestPercent?: number;
  /**
   * Bytes served from copies, in percent of the bytes sent to clients, since the collector started: 100 less what was fetched from the origin. Absent on releases before 5.7.2, whose file cache does not say what it fetched.
   */
  readonly hitPercent?: number;
  /**
   * Bytes the cache servers sent to clients since the collector started.
   */
  readonly sentBytes?: number;
  /**
   * Bytes they fetched from the origin (kept or passed through) since the collector started.
   */
  readonly fetchedBytes?: number;
  /**
   * Why a cache server needs no drain: it holds copies only.
   */
  readonly disposable?: string;
}

/** What spec.healing watches and has done: the Ready servers some manager does not list, and the agent's restarts within the last day (its backoff). */
export interface HealingStatus {
  /**
   * Servers a manager does not list, watched from the first look at one missing while Ready, since when.
   */
  readonly unsubscribed?: HealingUnsubscribedStatus[];
  /**
   * The agent's restarts within the last day, one entry per pod.
   */
  readonly restarts?: HealingRestartStatus[];
  /**
   * The last restart, or why a server due for one is not restarted now.
   */
  readonly message?: string;
}

/** A server a manager does not list. */
export interface HealingUnsubscribedStatus {
  /**
   * The pod.
   */
  readonly pod?: string;
  /**
   * The pod's uid: a pod made again is watched afresh.
   */
  readonly uid?: string;
  /**
   * Since when (RFC 3339).
   */
  readonly since?: string;
}

/** A pod the agent restarted. */
export interface HealingRestartStatus {
  /**
   * The pod.
   */
  readonly pod?: string;
  /**
   * Why: Unsubscribed.
   */
  readonly reason?: string;
  /**
   * When it was last restarted (RFC 3339).
   */
  readonly at?: string;
  /**
   * Restarts of it within the last day: each doubles the wait before the next.
   */
  readonly count?: number;
}

/** Set while the cluster runs lastReadySpec because a rollout of the current spec got stuck (spec.upgrade.autoRollback); cleared by the next spec change. */
export interface RollbackStatus {
  /**
   * The spec generation whose rollout was rolled back.
   */
  readonly generation?: number;
  /**
   * The version that did not roll out.
   */
  readonly fromVersion?: string;
  /**
   * The version rolled back to.
   */
  readonly toVersion?: string;
  /**
   * The pod that did not become Ready in time.
   */
  readonly stuckPod?: string;
  /**
   * When the rollback started (RFC 3339).
   */
  readonly at?: string;
}

/** One XRootD version of the catalog. */
export interface XrootdVersionSpec {
  /**
   * The version name that Xrootd resources use in spec.version.
   * Rule: must be a version name such as 5.8.1.
   */
  readonly version: string;
  /**
   * Container image of this version (see docs/image.md).
   * Rule: must be an image reference without spaces or control characters.
   */
  readonly image: string;
  /**
   * Why this version should not be used any more; set means deprecated.
   */
  readonly deprecated?: string;
  /**
   * What this version supports, which decides what the library renders.
   * @default []
   */
  readonly features?: Array<'maxfd' | 'identity-env' | 'tls' | 'tokens' | 'udprefresh' | 'http' | 'http-tpc' | 'macaroons' | 'voms' | 'xcache'>;
  /**
   * Versions older than this cannot take over a cluster that has run this one: a downgrade to them is refused unless the Xrootd resource sets spec.upgrade.force.
   */
  readonly incompatibleBelow?: string;
}

/** A path in a Git repository whose Xrootd resources the agent applies and keeps applied. */
export interface XrootdGitSourceSpec {
  /**
   * Repository URL: https://, http://, ssh://user@host[:port]/path or user@host:path.
   * Rule: must be an http(s)://, ssh:// or user@host:path URL without credentials, spaces or control characters in it.
   */
  readonly url: string;
  /**
   * What to follow: one of branch, tag or commit. The branch main when none is given.
   * @default - every field at its default
   */
  readonly ref?: GitRef;
  /**
   * Directory (searched recursively for *.yaml and *.yml) or single file in the repository holding the Xrootd resources.
   * Rule: must be a relative path inside the repository (no "..", no leading "/").
   * @default "."
   */
  readonly path?: string;
  /**
   * Seconds between two fetches.
   * Range: 5 to 86400.
   * @default 60
   */
  readonly intervalSeconds?: number;
  /**
   * How long one fetch may take.
   * Range: 5 to 3600.
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Credentials: a Secret in the source's namespace. HTTPS: `username` and `password` (or `token`, with `username` defaulting to git). SSH: `identity` (a private key) and `known_hosts`.
   */
  readonly secretRef?: LocalSecretReference;
  /**
   * Stop fetching and applying; the clusters stay as they are.
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * Delete the clusters removed from the path. Their data volumes follow each cluster's worker.storage.retention.whenDeleted (Retain by default).
   * @default true
   */
  readonly prune?: boolean;
}

/** What to follow: one of branch, tag or commit. The branch main when none is given. */
export interface GitRef {
  /**
   * A branch; its newest commit is applied.
   * Rule: must be a git ref name (letters, digits, ".", "_", "/" and "-").
   */
  readonly branch?: string;
  /**
   * A tag.
   * Rule: must be a git ref name (letters, digits, ".", "_", "/" and "-").
   */
  readonly tag?: string;
  /**
   * A full commit id.
   * Rule: must be a full commit id (40 lower-case hex digits).
   */
  readonly commit?: string;
}

/** Credentials: a Secret in the source's namespace. HTTPS: `username` and `password` (or `token`, with `username` defaulting to git). SSH: `identity` (a private key) and `known_hosts`. */
export interface LocalSecretReference {
  /**
   * The Secret's name.
   * Rule: must be a Secret name.
   */
  readonly name: string;
}

/** What the agent last fetched and applied, written by the agent. */
export interface XrootdGitSourceStatus {
  /**
   * The spec generation this status describes.
   */
  readonly observedGeneration?: number;
  /**
   * Ready: the newest commit is applied. Stalled: the newest commit is refused or cannot be fetched (the last good one stays applied).
   */
  readonly conditions?: XrootdCondition[];
  /**
   * The commit whose Xrootd resources are applied.
   */
  readonly revision?: string;
  /**
   * The newest commit fetched.
   */
  readonly lastAttemptedRevision?: string;
  /**
   * The clusters this source applies (namespace/name).
   */
  readonly clusters?: string[];
  /**
   * The value of the xrootd.org/sync-requested-at annotation the last sync handled (`xrootd-k8s sync --wait` waits for it).
   */
  readonly lastHandledSyncRequest?: string;
  /**
   * Why the newest commit was not applied (absent once a commit applies).
   * @default - every field at its default
   */
  readonly lastError?: GitSourceError;
}

/** Why the newest commit was not applied (absent once a commit applies). */
export interface GitSourceError {
  /**
   * The commit refused (empty when the fetch failed).
   */
  readonly revision?: string;
  /**
   * The file in the repository, when one is to blame.
   */
  readonly file?: string;
  /**
   * The field, when one is to blame.
   */
  readonly field?: string;
  /**
   * What is wrong.
   */
  readonly message?: string;
}

/** Desired state of an XRootD cluster. (defaults applied) */
export interface ResolvedXrootdSpec {
  readonly version: string;
  readonly image?: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly imagePullSecrets: string[];
  readonly clusterDomain: string;
  readonly site?: string;
  readonly redirector: ResolvedRedirectorSpec;
  readonly worker: ResolvedWorkerSpec;
  readonly supervisor: ResolvedSupervisorSpec;
  readonly xrootd: ResolvedXrootdSettings;
  readonly scheduling: ResolvedSchedulingSpec;
  readonly expose: ResolvedExposeSpec;
  readonly networkPolicy: ResolvedNetworkPolicySpec;
  readonly security: ResolvedSecuritySpec;
  readonly mounts: ResolvedMountSpec[];
  readonly federation: ResolvedFederationSpec;
  readonly cache?: ResolvedCacheSpec;
  readonly monitoring: ResolvedMonitoringSpec;
  readonly upgrade: ResolvedUpgradeSpec;
  readonly healing: ResolvedHealingSpec;
}

/** The redirectors (XRootD managers): clients connect here and are redirected to data servers. (defaults applied) */
export interface ResolvedRedirectorSpec {
  readonly replicas: number;
  readonly resources: ResolvedResourceSpec;
  readonly extraDirectives: string[];
}

/** Compute resources of each redirector container (xrootd; cmsd gets a quarter of the requests). (defaults applied) */
export interface ResolvedResourceSpec {
  readonly requests?: Record<string, string>;
  readonly limits?: Record<string, string>;
}

/** The data servers: they hold the files. (defaults applied) */
export interface ResolvedWorkerSpec {
  readonly replicas: number;
  readonly storage: ResolvedStorageSpec;
  readonly scaleDown: 'Immediate' | 'Drain';
  readonly autoscale?: ResolvedAutoscaleSpec;
  readonly nodeDrain?: ResolvedNodeDrainSpec;
  readonly drainToken?: ResolvedDrainTokenSpec;
  readonly maintenance: number[];
  readonly resources: ResolvedResourceSpec;
  readonly extraDirectives: string[];
}

/** The data volume of each data server (a PersistentVolumeClaim from the StatefulSet's volumeClaimTemplates). (defaults applied) */
export interface ResolvedStorageSpec {
  readonly class?: string;
  readonly capacity: string;
  readonly accessModes: Array<'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany'>;
  readonly adoptClaims?: string;
  readonly layout: 'LocalRoot' | 'ExportRoot';
  readonly autoExpand?: ResolvedAutoExpandSpec;
  readonly retention: ResolvedRetentionSpec;
}

/** Grow each data server's volume on its own as it fills (with the agent and spec.monitoring, whose collector reports each data server's free space): when a data server's free space falls below freePercent, its claim alone is grown by stepPercent, up to maxCapacity, before XRootD stops placing files on it (cms.space keeps 2% free). The StorageClass must allow expansion. A data server that cannot grow is reported (status.autoExpand, the StorageFull condition). Absent: volumes grow only with capacity (docs/autopilot.md). (defaults applied) */
export interface ResolvedAutoExpandSpec {
  readonly freePercent: number;
  readonly stepPercent: number;
  readonly maxCapacity: string;
}

/** What happens to the data volumes when the data servers are scaled down or the cluster is deleted. (defaults applied) */
export interface ResolvedRetentionSpec {
  readonly whenScaled: 'Retain' | 'Delete';
  readonly whenDeleted: 'Retain' | 'Delete';
}

/** Add and remove data servers on their own as the cluster fills and empties (with the agent and spec.monitoring, whose collector reports each data server's free space; needs scaleDown Drain and storage.retention.whenScaled Delete: a server is removed only once its files are copied to the others, and its volume, holding copies only, goes with it). When the free share of the data servers in service falls below freePercent and no volume is growing (storage.autoExpand grows a filling server's volume first), one data server is added; it receives the new files first (cms.sched selects by free space). One is removed, through a drain, only after the free share the others would have without it has stayed above scaleDownFreePercent for scaleDownAfterSeconds. After each change the agent waits coolDownSeconds, and for every data server to be Ready and reporting. The agent keeps the number it chose in status.autoscale.replicas; replicas is the starting number (docs/autopilot.md). (defaults applied) */
export interface ResolvedAutoscaleSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly freePercent: number;
  readonly scaleDownFreePercent: number;
  readonly scaleDownAfterSeconds: number;
  readonly coolDownSeconds: number;
}

/** Prepare a data server before a node drain takes it away (with the agent and spec.monitoring): the data servers' disruption budget lets no eviction through, so `kubectl drain` (or any eviction) waits; when a data server's node is cordoned, the agent has its cmsd suspend itself at its managers (no new files, no new opens there; writes already open go on), waits until its xrootd reports no file open for writing (at most writesTimeoutSeconds), and then labels the pod out of the budget, so the drain's next eviction takes it. A node only cordoned (no drain) keeps its data servers suspended until it is uncordoned. Drainers that taint nodes without cordoning them are not seen: they wait for the budget until their own timeout. Absent: evictions take one data server at a time, whatever it is writing (docs/autopilot.md). (defaults applied) */
export interface ResolvedNodeDrainSpec {
  readonly writesTimeoutSeconds: number;
}

/** The bearer token the drain Job logs in with when the cluster takes tokens (security.tokens): a Secret in the cluster's namespace whose key holds a token of one of the issuers with storage.read, storage.create and storage.modify on every export. Keep it fresh there (each copy reads it again): a drain can outlast a token. (defaults applied) */
export interface ResolvedDrainTokenSpec {
  readonly secretName: string;
  readonly key: string;
}

/** The supervisor tier, added when there are more data servers than one manager accepts (64). (defaults applied) */
export interface ResolvedSupervisorSpec {
  readonly replicas?: number;
  readonly redundancy: number;
  readonly resources: ResolvedResourceSpec;
  readonly extraDirectives: string[];
}

/** Settings of the XRootD daemons shared by every role. (defaults applied) */
export interface ResolvedXrootdSettings {
  readonly port: number;
  readonly cmsdPort: number;
  readonly exports: ResolvedExportSpec[];
  readonly maxFileDescriptors: number;
  readonly startupDelaySeconds: number;
  readonly dropDelaySeconds: number;
  readonly thirdPartyCopy: boolean;
  readonly http: boolean;
  readonly summaryMonitoring?: string;
}

/** An exported path prefix. (defaults applied) */
export interface ResolvedExportSpec {
  readonly path: string;
  readonly readOnly: boolean;
}

/** Where the pods run. (defaults applied) */
export interface ResolvedSchedulingSpec {
  readonly spreadAcrossHosts: boolean;
  readonly spreadAcrossZones: boolean;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
}

/** Exposure to clients outside the Kubernetes cluster. Redirects send clients to data servers directly, so each data server gets a Service of its own too. (defaults applied) */
export interface ResolvedExposeSpec {
  readonly type: 'None' | 'NodePort' | 'LoadBalancer' | 'HostNetwork';
  readonly annotations?: Record<string, string>;
  readonly hostnameTemplate?: string;
}

/** Network policy of the cluster's pods. (defaults applied) */
export interface ResolvedNetworkPolicySpec {
  readonly enabled: boolean;
  readonly clients?: k8s.NetworkPolicyPeer[];
}

/** Identity the daemons run as (XRootD refuses to run as root), and TLS. (defaults applied) */
export interface ResolvedSecuritySpec {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly tls?: ResolvedTlsSpec;
  readonly tokens?: ResolvedTokensSpec;
  readonly gsi?: ResolvedGsiSpec;
  readonly authorization?: ResolvedAuthorizationSpec;
}

/** TLS for the xroot protocol (roots://) and HTTPS, both on the xrootd port, with the certificate of a Secret. Omitted: no TLS. (defaults applied) */
export interface ResolvedTlsSpec {
  readonly secretName: string;
  readonly require: 'none' | 'capable' | 'data' | 'all';
  readonly certificate?: ResolvedCertificateSpec;
}

/** Have cert-manager issue the certificate into secretName: a cert-manager Certificate (cert-manager.io/v1) is synthesized with the cluster, naming every pod (a wildcard per role), the client Service and dnsNames. Needs cert-manager in the Kubernetes cluster and an issuer that writes ca.crt (a CA or Vault issuer). Omitted: the Secret is made otherwise. (defaults applied) */
export interface ResolvedCertificateSpec {
  readonly issuerRef: ResolvedIssuerReference;
  readonly dnsNames: string[];
  readonly duration?: string;
  readonly renewBefore?: string;
}

/** The cert-manager issuer that signs the certificate. (defaults applied) */
export interface ResolvedIssuerReference {
  readonly name: string;
  readonly kind: 'Issuer' | 'ClusterIssuer';
  readonly group: string;
}

/** Bearer tokens (WLCG profile, SciTokens) for the xroot protocol (ztn) and HTTPS (Authorization: Bearer), checked by XRootD's SciTokens plugin: a request is allowed when its token's scopes allow it (storage.read, storage.create, storage.modify, ... under a base path); without a valid token nothing but the daemons' own queries is allowed. Needs tls. (defaults applied) */
export interface ResolvedTokensSpec {
  readonly audiences?: string[];
  readonly issuers: ResolvedTokenIssuerSpec[];
  readonly issuerCaBundle?: ResolvedCaBundleReference;
}

/** A token issuer. (defaults applied) */
export interface ResolvedTokenIssuerSpec {
  readonly name: string;
  readonly url: string;
  readonly basePaths: string[];
  readonly restrictedPaths: string[];
  readonly mapSubject: boolean;
  readonly defaultUser?: string;
}

/** CA certificates the daemons trust when they fetch an issuer's keys over HTTPS, instead of the image's system bundle: a key of a ConfigMap, mounted over /etc/ssl/certs/ca-certificates.crt. Omitted: the image's bundle (public CAs). (defaults applied) */
export interface ResolvedCaBundleReference {
  readonly configMapName: string;
  readonly key: string;
}

/** X.509 client authentication (GSI, sec.protocol gsi) for the xroot protocol: clients log in with a grid proxy or certificate that the CAs below vouch for; users lists the subjects (DNs) that get a user name, which authorization rules can name. The daemons present the TLS Secret's certificate, whose key must be RSA (XRootD's GSI encrypts with it). Clients that cannot authenticate (no token, no certificate) cannot log in: GSI turns the unix protocol off. Needs tls. (defaults applied) */
export interface ResolvedGsiSpec {
  readonly caDirectory?: string;
  readonly users: ResolvedGsiUser[];
  readonly crl: 'ignore' | 'ifPresent' | 'require' | 'requireCurrent';
  readonly voms?: ResolvedVomsSpec;
}

/** A certificate subject and its user name. (defaults applied) */
export interface ResolvedGsiUser {
  readonly dn: string;
  readonly name: string;
}

/** VOMS attributes (a VO, its groups and roles: the FQANs) of clients' proxies, read by XRootD's VOMS plugin (libXrdVoms, in the image) at the GSI login and, with xrootd.http, from HTTPS client certificates, so that authorization rules can name them (who: vo). Attributes count only when a VOMS server listed here (or in directory) signed them, a CA of the CA directory vouches for that server, and they are still valid. (defaults applied) */
export interface ResolvedVomsSpec {
  readonly vos: ResolvedVomsOrganization[];
  readonly directory?: string;
  readonly require: boolean;
}

/** A VO and the VOMS servers that sign its attributes. (defaults applied) */
export interface ResolvedVomsOrganization {
  readonly name: string;
  readonly servers: ResolvedVomsServer[];
}

/** A VOMS server: its host name and its certificate's subject and issuer. (defaults applied) */
export interface ResolvedVomsServer {
  readonly host: string;
  readonly subject: string;
  readonly issuer: string;
}

/** Rules for requests that no token authorizes, rendered to XRootD's authorization database (acc.authdb). With tokens, a request without a valid token for its path falls through to these rules; without tokens, these rules are all there is: whatever no rule grants is refused. (defaults applied) */
export interface ResolvedAuthorizationSpec {
  readonly rules: ResolvedAuthorizationRule[];
}

/** What a kind of client may do under a path. (defaults applied) */
export interface ResolvedAuthorizationRule {
  readonly path: string;
  readonly who: 'anybody' | 'user' | 'vo';
  readonly name?: string;
  readonly vo?: string;
  readonly group?: string;
  readonly role?: string;
  readonly privileges: Array<'read' | 'list' | 'create' | 'write' | 'delete' | 'rename'>;
}

/** A Secret or a ConfigMap mounted as a directory. (defaults applied) */
export interface ResolvedMountSpec {
  readonly name: string;
  readonly mountPath: string;
  readonly secretName?: string;
  readonly configMapName?: string;
  readonly defaultMode: number;
}

/** Federation with other XRootD clusters through meta-managers (regional or global redirectors, as in the AAA federations): a member cluster's redirectors subscribe to the meta-managers with the cluster's exports, and a meta-manager redirects clients to the member cluster that has the file (docs/topologies.md). (defaults applied) */
export interface ResolvedFederationSpec {
  readonly upstream: string[];
  readonly upstreamRefs: ResolvedXrootdReference[];
  readonly metaManager: boolean;
}

/** An Xrootd resource. (defaults applied) */
export interface ResolvedXrootdReference {
  readonly name: string;
  readonly namespace?: string;
}

/** Makes this a cache cluster (XCache, XRootD's caching proxy): its data servers are cache servers that hold no files of their own but copies of what clients read, fetched from the origin block by block, kept on their data disks and purged when the disks fill (pss and pfc). A cluster without it is a data cluster. Clients read a cache cluster as any cluster, through its redirectors, which send a file's readers to the cache server that holds it or, on a miss, to one that fetches it. Cached files are copies: a cache server needs no drain and its disks no backup (docs/xcache.md). (defaults applied) */
export interface ResolvedCacheSpec {
  readonly origin: ResolvedCacheOriginSpec;
  readonly ram: string;
  readonly blockSize: string;
  readonly prefetch: number;
  readonly writeQueue: ResolvedCacheWriteQueueSpec;
  readonly diskUsage: ResolvedCacheDiskUsageSpec;
  readonly dataDisks: ResolvedCacheDataDisksSpec;
}

/** Where the cache servers fetch files from: exactly one of address, clientNamed and ref. (defaults applied) */
export interface ResolvedCacheOriginSpec {
  readonly address?: string;
  readonly clientNamed?: boolean;
  readonly credentials: ResolvedCacheOriginCredentialsSpec;
  readonly ref?: ResolvedXrootdReference;
}

/** The cache servers' own identity at the origin, from Secrets in the cluster's namespace: a bearer token (ztn), an X.509 proxy (gsi), or both (the origin picks by the protocols it offers). Each needs security.tls: ztn sends tokens over TLS only, and the cache servers verify the origin with the TLS Secret's ca.crt. A renewed Secret reaches the running cache servers within a minute, for their next login at the origin: no restart (docs/xcache.md). (defaults applied) */
export interface ResolvedCacheOriginCredentialsSpec {
  readonly token?: ResolvedCacheOriginTokenSpec;
  readonly x509Proxy?: ResolvedCacheOriginProxySpec;
}

/** A WLCG bearer token the cache servers log in to the origin with (BEARER_TOKEN_FILE): one of the origin's issuers', with storage.read on what clients read through the cache. Renew it in the Secret before it expires. (defaults applied) */
export interface ResolvedCacheOriginTokenSpec {
  readonly secretName: string;
  readonly key: string;
}

/** An X.509 proxy (certificate, key and chain in one PEM file) the cache servers log in to the origin with (X509_USER_PROXY). XRootD reads a renewed proxy once the one it holds expires. (defaults applied) */
export interface ResolvedCacheOriginProxySpec {
  readonly secretName: string;
  readonly key: string;
}

/** How a cache server writes fetched blocks to its data disks (pfc.writequeue): blocks written per pass and the threads writing. More threads for many disks or slow ones. (defaults applied) */
export interface ResolvedCacheWriteQueueSpec {
  readonly blocks: number;
  readonly threads: number;
}

/** When a cache server purges (pfc.diskusage): past highPercent of its data disks used it removes the least recently read files until lowPercent. (defaults applied) */
export interface ResolvedCacheDiskUsageSpec {
  readonly lowPercent: number;
  readonly highPercent: number;
  readonly purgeIntervalSeconds: number;
}

/** Each cache server's data disks: claims of their own (separate disks, as sites run them: no RAID), mounted under the server's first volume (worker.storage, which holds the cache's namespace and metadata). (defaults applied) */
export interface ResolvedCacheDataDisksSpec {
  readonly count: number;
  readonly capacity: string;
  readonly class?: string;
}

/** XRootD's own metrics and the cluster's membership: every xrootd and cmsd sends its summary report (xrd.report) to a collector synthesized with the cluster (a Deployment running the agent image's `collector`), which serves Prometheus metrics and tells the agent which data servers each manager has subscribed (docs/monitoring.md). (defaults applied) */
export interface ResolvedMonitoringSpec {
  readonly enabled: boolean;
  readonly reportIntervalSeconds: number;
  readonly prometheusOperator: boolean;
  readonly grafanaDashboard: boolean;
  readonly collectorImage: string;
}

/** How the agent rolls a changed pod template (a new version, a config change) through the cluster: one role at a time, pod by pod, each step gated on readiness. (defaults applied) */
export interface ResolvedUpgradeSpec {
  readonly paused: boolean;
  readonly order: Array<'worker' | 'supervisor' | 'redirector'>;
  readonly maxUnavailable: ResolvedMaxUnavailableSpec;
  readonly minReadySeconds: number;
  readonly stepDeadlineSeconds: number;
  readonly force: boolean;
  readonly autoRollback: boolean;
}

/** Pods of each role replaced at once. (defaults applied) */
export interface ResolvedMaxUnavailableSpec {
  readonly redirector: number;
  readonly supervisor: number;
  readonly worker: number;
}

/** What the agent restarts on its own (docs/autopilot.md). A daemon that stops answering is restarted by its liveness probe (it asks xrootd a question with a deadline); what no probe sees is healed here. (defaults applied) */
export interface ResolvedHealingSpec {
  readonly restartUnsubscribed: boolean;
  readonly unsubscribedSeconds: number;
  readonly backoffSeconds: number;
  readonly lostNodes?: ResolvedLostNodesSpec;
}

/** Move pods off a node that stays NotReady (with the agent). A pod of the cluster on a node whose Ready condition has not been True for notReadySeconds is handled by what it holds. Redirectors and supervisors hold no data: each is deleted at once, and its StatefulSet makes it again on another node. A data server whose volume other nodes can mount (network-attached) is moved the same way, but only once its node is fenced (see fencing): a node that is only unreachable may still be writing to it. A data server whose volume only that node reaches (node-local: its PersistentVolume's node affinity matches no other node) is reported as lost, naming its claim (the DataServerLost Event, status.lostNodes); with replaceLocalVolumes it is replaced by an empty one elsewhere. Nothing is done while most of the nodes the cluster runs on are NotReady (the API server's view is then the suspect). Absent: pods on a lost node wait for it, as Kubernetes leaves StatefulSet pods (docs/autopilot.md). (defaults applied) */
export interface ResolvedLostNodesSpec {
  readonly notReadySeconds: number;
  readonly fencing: 'OutOfServiceTaint' | 'NotReady';
  readonly replaceLocalVolumes: boolean;
}

/** Observed state of an XRootD cluster, written by the agent. (defaults applied) */
export interface ResolvedXrootdStatus {
  readonly observedGeneration?: number;
  readonly conditions?: ResolvedXrootdCondition[];
  readonly redirectors: ResolvedRoleStatus;
  readonly supervisors: ResolvedRoleStatus;
  readonly workers: ResolvedRoleStatus;
  readonly currentVersion?: string;
  readonly targetVersion?: string;
  readonly image?: string;
  readonly workerSelector?: string;
  readonly members?: ResolvedManagerMembersStatus[];
  readonly rollout: ResolvedRolloutStatus;
  readonly volumes: ResolvedVolumesStatus;
  readonly autoExpand?: ResolvedAutoExpandStatus;
  readonly nodeDrain?: ResolvedNodeDrainStatus[];
  readonly lostNodes?: ResolvedLostNodeStatus[];
  readonly autoscale?: ResolvedAutoscaleStatus;
  readonly drain?: ResolvedDrainStatus;
  readonly external?: ResolvedExternalAddressStatus[];
  readonly cache?: ResolvedCacheStatus;
  readonly healing?: ResolvedHealingStatus;
  readonly maintenance?: number[];
  readonly lastReadySpec?: Record<string, unknown>;
  readonly rolledBack: ResolvedRollbackStatus;
}

/** A kstatus-compatible condition. (defaults applied) */
export interface ResolvedXrootdCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
  readonly observedGeneration?: number;
}

/** Pods of one role, as the StatefulSet reports them. (defaults applied) */
export interface ResolvedRoleStatus {
  readonly replicas?: number;
  readonly ready?: number;
  readonly updated?: number;
  readonly version?: string;
  readonly targetVersion?: string;
}

/** The servers one manager or supervisor has subscribed. (defaults applied) */
export interface ResolvedManagerMembersStatus {
  readonly manager?: string;
  readonly role?: string;
  readonly expected?: number;
  readonly subscribed?: number;
  readonly missing?: string[];
  readonly missingSince?: string;
}

/** Where a rolling change of the pod template stands (empty when none runs). (defaults applied) */
export interface ResolvedRolloutStatus {
  readonly phase?: string;
  readonly role?: string;
  readonly revision?: string;
  readonly partition?: number;
  readonly startedAt?: string;
  readonly stepStartedAt?: string;
  readonly message?: string;
  readonly stuckPod?: string;
}

/** The data servers' volumes: the size asked, the ones still growing to it, and the ones kept after a scale-down. (defaults applied) */
export interface ResolvedVolumesStatus {
  readonly capacity?: string;
  readonly claims?: number;
  readonly atCapacity?: number;
  readonly expanding?: ResolvedExpandingVolumeStatus[];
  readonly retained?: ResolvedRetainedVolumeStatus[];
}

/** A volume being expanded. (defaults applied) */
export interface ResolvedExpandingVolumeStatus {
  readonly claim?: string;
  readonly capacity?: string;
  readonly waitingFor?: string;
}

/** A kept volume. (defaults applied) */
export interface ResolvedRetainedVolumeStatus {
  readonly claim?: string;
  readonly pod?: string;
  readonly drainedAt?: string;
}

/** spec.worker.storage.autoExpand: the volumes the agent grew as they filled, and the data servers below the free share that cannot grow. (defaults applied) */
export interface ResolvedAutoExpandStatus {
  readonly grown?: ResolvedAutoExpandedVolumeStatus[];
  readonly full?: ResolvedFullVolumeStatus[];
}

/** A volume the agent grew. (defaults applied) */
export interface ResolvedAutoExpandedVolumeStatus {
  readonly claim?: string;
  readonly from?: string;
  readonly to?: string;
  readonly at?: string;
  readonly freePercent?: number;
  readonly fileSystemBytes?: number;
}

/** A data server that cannot grow. (defaults applied) */
export interface ResolvedFullVolumeStatus {
  readonly pod?: string;
  readonly claim?: string;
  readonly freePercent?: number;
  readonly reason?: string;
}

/** A data server prepared for its node's drain. (defaults applied) */
export interface ResolvedNodeDrainStatus {
  readonly pod?: string;
  readonly node?: string;
  readonly phase?: string;
  readonly since?: string;
  readonly suspendedAt?: string;
  readonly openForWrite?: number;
}

/** A pod on a lost node. (defaults applied) */
export interface ResolvedLostNodeStatus {
  readonly pod?: string;
  readonly node?: string;
  readonly since?: string;
  readonly volume?: string;
  readonly claim?: string;
  readonly phase?: string;
  readonly message?: string;
}

/** spec.worker.autoscale: the number of data servers the agent chose, and why. (defaults applied) */
export interface ResolvedAutoscaleStatus {
  readonly replicas?: number;
  readonly freePercent?: number;
  readonly lastScaledAt?: string;
  readonly aboveSince?: string;
  readonly atMaximum?: boolean;
  readonly message?: string;
}

/** A scale-down with spec.worker.scaleDown Drain in progress (absent when none runs): the data server being drained, highest ordinal first. (defaults applied) */
export interface ResolvedDrainStatus {
  readonly phase?: string;
  readonly pod?: string;
  readonly remaining?: string[];
  readonly targets?: string[];
  readonly job?: string;
  readonly files?: number;
  readonly totalFiles?: number;
  readonly bytes?: number;
  readonly totalBytes?: number;
  readonly message?: string;
}

/** A pod's outside address. (defaults applied) */
export interface ResolvedExternalAddressStatus {
  readonly pod?: string;
  readonly address?: string;
  readonly since?: string;
}

/** A cache cluster's (spec.cache) fill level and hit ratio, from the collector's figures (spec.monitoring); absent without them. (defaults applied) */
export interface ResolvedCacheStatus {
  readonly servers?: number;
  readonly fillPercent?: number;
  readonly fullestPercent?: number;
  readonly hitPercent?: number;
  readonly sentBytes?: number;
  readonly fetchedBytes?: number;
  readonly disposable?: string;
}

/** What spec.healing watches and has done: the Ready servers some manager does not list, and the agent's restarts within the last day (its backoff). (defaults applied) */
export interface ResolvedHealingStatus {
  readonly unsubscribed?: ResolvedHealingUnsubscribedStatus[];
  readonly restarts?: ResolvedHealingRestartStatus[];
  readonly message?: string;
}

/** A server a manager does not list. (defaults applied) */
export interface ResolvedHealingUnsubscribedStatus {
  readonly pod?: string;
  readonly uid?: string;
  readonly since?: string;
}

/** A pod the agent restarted. (defaults applied) */
export interface ResolvedHealingRestartStatus {
  readonly pod?: string;
  readonly reason?: string;
  readonly at?: string;
  readonly count?: number;
}

/** Set while the cluster runs lastReadySpec because a rollout of the current spec got stuck (spec.upgrade.autoRollback); cleared by the next spec change. (defaults applied) */
export interface ResolvedRollbackStatus {
  readonly generation?: number;
  readonly fromVersion?: string;
  readonly toVersion?: string;
  readonly stuckPod?: string;
  readonly at?: string;
}

/** One XRootD version of the catalog. (defaults applied) */
export interface ResolvedXrootdVersionSpec {
  readonly version: string;
  readonly image: string;
  readonly deprecated?: string;
  readonly features: Array<'maxfd' | 'identity-env' | 'tls' | 'tokens' | 'udprefresh' | 'http' | 'http-tpc' | 'macaroons' | 'voms' | 'xcache'>;
  readonly incompatibleBelow?: string;
}

/** A path in a Git repository whose Xrootd resources the agent applies and keeps applied. (defaults applied) */
export interface ResolvedXrootdGitSourceSpec {
  readonly url: string;
  readonly ref: ResolvedGitRef;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly secretRef?: ResolvedLocalSecretReference;
  readonly suspend: boolean;
  readonly prune: boolean;
}

/** What to follow: one of branch, tag or commit. The branch main when none is given. (defaults applied) */
export interface ResolvedGitRef {
  readonly branch?: string;
  readonly tag?: string;
  readonly commit?: string;
}

/** Credentials: a Secret in the source's namespace. HTTPS: `username` and `password` (or `token`, with `username` defaulting to git). SSH: `identity` (a private key) and `known_hosts`. (defaults applied) */
export interface ResolvedLocalSecretReference {
  readonly name: string;
}

/** What the agent last fetched and applied, written by the agent. (defaults applied) */
export interface ResolvedXrootdGitSourceStatus {
  readonly observedGeneration?: number;
  readonly conditions?: ResolvedXrootdCondition[];
  readonly revision?: string;
  readonly lastAttemptedRevision?: string;
  readonly clusters?: string[];
  readonly lastHandledSyncRequest?: string;
  readonly lastError: ResolvedGitSourceError;
}

/** Why the newest commit was not applied (absent once a commit applies). (defaults applied) */
export interface ResolvedGitSourceError {
  readonly revision?: string;
  readonly file?: string;
  readonly field?: string;
  readonly message?: string;
}
