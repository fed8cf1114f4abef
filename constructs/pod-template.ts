/**
 * The pod template of a role: an xrootd and a cmsd container sharing the admin
 * path, the environment the start script expects, probes that ask XRootD
 * itself, and a restricted security context.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import { quantity, intOrString } from './kube.js';
import { CONFIG_DIR, ENV, EXTERNAL_ADDRESSES_KEY, MAINTENANCE_KEY, PROBE_SCRIPT, START_SCRIPT } from './config.js';
import { COLLECTOR_REPORT_PORT } from './monitoring.js';
import { clusterSelector, roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';
import { compareQuantities, scaleQuantity } from './quantity.js';
import type { ResolvedResourceSpec } from './api/types.generated.js';
import { advertisesExternalAddress } from './services.js';
import { cacheDataDisks, originCredentials, originCredentialsVolume } from './cache.js';

/** A cache server's pod with Secrets toward its origin (spec.cache.origin.credentials). */
const hasOriginCredentials = (model: ClusterModel, role: Role): boolean => role === 'worker' && originCredentials(model).length > 0;

export const ADMIN_DIR = '/var/run/xrootd';
export const DATA_DIR = '/data';
export const DATA_VOLUME = 'data';
/** Where the TLS Secret is mounted (xrootd's container only). */
export const TLS_SECRET_DIR = '/etc/xrootd/tls';
/** Data servers: the maintenance ConfigMap (spec.worker.maintenance). */
export const MAINTENANCE_DIR = '/etc/xrootd/maintenance';
/** A cache server's Secrets toward its origin (spec.cache.origin.credentials): `token`, `x509up`. */
export const ORIGIN_CREDENTIALS_DIR = '/etc/xrootd/origin';
/** Data servers and supervisors with expose.type LoadBalancer: the external-addresses ConfigMap. */
export const EXTERNAL_DIR = '/etc/xrootd/external';
/** The system CA bundle (Debian's path) that libcurl in the SciTokens plugin trusts when it fetches issuer keys. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Annotation with the hash of the rendered configuration: a change rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'xrootd.org/config-hash';
/** Annotation with the digest of the TLS Secret's content (model.tlsSecretRevision): a renewal rolls the pods. */
export const TLS_REVISION_ANNOTATION = 'xrootd.org/tls-secret-revision';
/** cmsd needs far less than xrootd: it gets this share of the role's requests. */
const CMSD_SHARE = 0.25;

function quantities(map: Record<string, string> | undefined, factor = 1): Record<string, k8s.Quantity> | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, quantity(factor === 1 ? v : scaleQuantity(k, v, factor))]));
}

function resources(r: ResolvedResourceSpec, requestShare = 1): k8s.ResourceRequirements {
  // A share is rounded up (to 1m, 1Mi): never past the limit, which the API server would refuse.
  const requests = r.requests && Object.fromEntries(Object.entries(r.requests).map(([k, v]) => {
    const share = requestShare === 1 ? v : scaleQuantity(k, v, requestShare);
    const limit = r.limits?.[k];
    const pastLimit = requestShare !== 1 && limit !== undefined && (compareQuantities(share, limit) ?? 0) > 0;
    return [k, pastLimit ? limit : share];
  }));
  return { requests: quantities(requests), limits: quantities(r.limits) };
}

/**
 * The environment contract of docs/image.md, as a pod of this role gets it. Host names take the
 * namespace from the pod itself, so a kustomize overlay may move the cluster to another namespace.
 */
export function roleEnv(model: ClusterModel, role: Role): k8s.EnvVar[] {
  const { names, spec, topology } = model;
  const namespace = `$(${ENV.namespace})`;
  const env: k8s.EnvVar[] = [
    { name: ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: ENV.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: ENV.host, value: `$(${ENV.podName}).${names.headlessService(role)}.${namespace}.svc.${spec.clusterDomain}` },
    { name: ENV.port, value: String(spec.xrootd.port) },
    { name: ENV.adminDir, value: ADMIN_DIR },
  ];
  if (role === 'worker') env.push({ name: ENV.dataDir, value: DATA_DIR }, { name: ENV.maintenanceFile, value: `${MAINTENANCE_DIR}/${MAINTENANCE_KEY}` });
  else env.push({ name: ENV.cmsdPort, value: String(spec.xrootd.cmsdPort) });
  if (role === 'worker' && spec.worker.nodeDrain) env.push({ name: ENV.nodeName, valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  if (spec.security.tls) env.push({ name: ENV.tlsDir, value: TLS_SECRET_DIR });
  if (hasOriginCredentials(model, role)) env.push({ name: ENV.originCredentialsDir, value: ORIGIN_CREDENTIALS_DIR });
  if (advertisesExternalAddress(model, role)) env.push({ name: ENV.externalFile, value: `${EXTERNAL_DIR}/${EXTERNAL_ADDRESSES_KEY}` });
  for (let i = 0; i < topology.redirectors; i++) {
    env.push({ name: `${ENV.managerPrefix}${i}`, value: `${names.podHost('redirector', i, namespace)}:${spec.xrootd.cmsdPort}` });
  }
  if (role === 'worker' && topology.supervisors > 0) {
    env.push({ name: ENV.supervisorAddress, value: `${names.podHostPattern('supervisor', namespace)}:${spec.xrootd.cmsdPort}` });
  }
  if (spec.monitoring.enabled) env.push({ name: ENV.collector, value: `${names.collector()}.${namespace}.svc.${spec.clusterDomain}:${COLLECTOR_REPORT_PORT}` });
  env.push({ name: 'HOME', value: '/tmp' });
  return env;
}

/** spec.mounts volumes are prefixed so they never meet the pods' own volume names. */
const extraVolume = (name: string): string => `extra-${name}`;

const execProbe = (args: string[], o: Partial<k8s.Probe>): k8s.Probe =>
  ({ exec: { command: ['/bin/sh', `${CONFIG_DIR}/${PROBE_SCRIPT}`, ...args] }, ...o });
const tcpProbe = (port: number, o: Partial<k8s.Probe>): k8s.Probe =>
  ({ tcpSocket: { port: intOrString(port) }, ...o });

/** Every container of a cluster: non-root, read-only root, no capabilities. */
export const containerSecurity: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * expose.type HostNetwork: the pod on its node's network, resolving cluster names still, and no two
 * pods of the cluster on one node (a redirector and a data server would both bind the xrootd port).
 */
function hostNetworkSettings(model: ClusterModel, affinity: k8s.Affinity | undefined): Pick<k8s.PodSpec, 'hostNetwork' | 'dnsPolicy' | 'affinity'> {
  const onePerNode: k8s.PodAffinityTerm = { labelSelector: { matchLabels: clusterSelector(model.name) }, topologyKey: 'kubernetes.io/hostname' };
  const anti = affinity?.podAntiAffinity;
  return {
    hostNetwork: true,
    dnsPolicy: 'ClusterFirstWithHostNet',
    affinity: {
      ...affinity,
      podAntiAffinity: {
        ...anti,
        requiredDuringSchedulingIgnoredDuringExecution: [...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []), onePerNode],
      },
    },
  };
}

/**
 * Where a data server's volume is mounted. DATA_DIR is always its local root (oss.localroot):
 * with storage.layout ExportRoot the volume is the one export's directory under it, so a file
 * lies at the volume's top, as the 2020 operator (no local root) put it.
 */
export function dataMountPath(model: ClusterModel): string {
  const { storage } = model.spec.worker;
  return storage.layout === 'ExportRoot' ? `${DATA_DIR}${model.spec.xrootd.exports[0].path}`.replace(/\/+$/, '') : DATA_DIR;
}

export function podTemplate(model: ClusterModel, role: Role, configHash: string): k8s.PodTemplateSpec {
  const { spec } = model;
  const x = spec.xrootd;
  const managesPeers = role !== 'worker';
  // The manager must wait cms.delay startup before it serves; give the startup probe that and a minute.
  const startup = { periodSeconds: 2, failureThreshold: Math.ceil((x.startupDelaySeconds + 60) / 2) };
  const mounts: k8s.VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'admin', mountPath: ADMIN_DIR },
    { name: 'tmp', mountPath: '/tmp' },
    ...(role === 'worker' ? [{ name: DATA_VOLUME, mountPath: dataMountPath(model) }, { name: 'maintenance', mountPath: MAINTENANCE_DIR, readOnly: true }] : []),
    ...(role === 'worker' ? cacheDataDisks(model).map((disk) => ({ name: disk.claim, mountPath: `${DATA_DIR}/${disk.below}` })) : []),
    ...(advertisesExternalAddress(model, role) ? [{ name: 'external-addresses', mountPath: EXTERNAL_DIR, readOnly: true }] : []),
    ...spec.mounts.map((m) => ({ name: extraVolume(m.name), mountPath: m.mountPath, readOnly: true })),
  ];
  const env = roleEnv(model, role);
  const command = (daemon: string): string[] => ['/bin/sh', `${CONFIG_DIR}/${START_SCRIPT}`, daemon, role];

  const tls = spec.security.tls;
  const caBundle = spec.security.tokens?.issuerCaBundle;
  const xrootd: k8s.Container = {
    name: 'xrootd',
    image: model.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: command('xrootd'),
    env,
    ports: [{ name: 'xrootd', containerPort: x.port, protocol: 'TCP' }],
    volumeMounts: [
      ...mounts,
      ...(tls ? [{ name: 'tls', mountPath: TLS_SECRET_DIR, readOnly: true }] : []),
      ...(caBundle ? [{ name: 'issuer-ca', mountPath: SYSTEM_CA_BUNDLE, subPath: caBundle.key, readOnly: true }] : []),
      ...(hasOriginCredentials(model, role) ? [{ name: 'origin-credentials', mountPath: ORIGIN_CREDENTIALS_DIR, readOnly: true }] : []),
    ],
    resources: resources(spec[role].resources),
    securityContext: containerSecurity,
    startupProbe: tcpProbe(x.port, startup),
    readinessProbe: execProbe(['ready', role], { periodSeconds: 10, timeoutSeconds: 8, failureThreshold: 3 }),
    // A real question with a deadline: a hung xrootd keeps its port open. Restarted after about a minute without an answer.
    // A hung xrootd ignores SIGTERM: 10 s, not the pod's 30, before the kubelet kills it.
    livenessProbe: execProbe(['alive', role], { periodSeconds: 10, timeoutSeconds: 8, failureThreshold: 6, terminationGracePeriodSeconds: 10 }),
  };
  const cmsd: k8s.Container = {
    name: 'cmsd',
    image: model.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: command('cmsd'),
    env,
    ports: managesPeers ? [{ name: 'cmsd', containerPort: x.cmsdPort, protocol: 'TCP' }] : undefined,
    volumeMounts: mounts,
    resources: resources(spec[role].resources, CMSD_SHARE),
    securityContext: containerSecurity,
    // A data server's cmsd has no port of its own: its health is what its xrootd reports.
    ...(managesPeers
      ? {
        startupProbe: tcpProbe(x.cmsdPort, startup),
        readinessProbe: tcpProbe(x.cmsdPort, { periodSeconds: 10, timeoutSeconds: 5 }),
        livenessProbe: tcpProbe(x.cmsdPort, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }),
      }
      : { livenessProbe: execProbe(['cmsd-alive', role], { initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 8, failureThreshold: 3 }) }),
  };

  const sched = spec.scheduling;
  const spread: k8s.TopologySpreadConstraint[] = [];
  const selector = { matchLabels: roleSelector(model.name, role) };
  if (sched.spreadAcrossHosts) spread.push({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector });
  if (sched.spreadAcrossZones) spread.push({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector });

  return {
    metadata: {
      labels: roleLabels(model.name, model.release.version, role),
      annotations: {
        [CONFIG_HASH_ANNOTATION]: configHash, 'kubectl.kubernetes.io/default-container': 'xrootd',
        ...(model.tlsSecretRevision ? { [TLS_REVISION_ANNOTATION]: model.tlsSecretRevision } : {}),
      },
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // The pause container is pid 1, so SIGTERM reaches xrootd and cmsd with its default action:
      // as pid 1 (the pod's command replaces the image's tini) they ignore it and wait for SIGKILL.
      shareProcessNamespace: true,
      terminationGracePeriodSeconds: 30,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: spec.security.runAsUser,
        runAsGroup: spec.security.runAsGroup,
        fsGroup: spec.security.fsGroup,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      imagePullSecrets: spec.imagePullSecrets.length ? spec.imagePullSecrets.map((name) => ({ name })) : undefined,
      containers: [xrootd, cmsd],
      volumes: [
        { name: 'config', configMap: { name: model.names.configMap(configHash), defaultMode: 0o555 } },
        { name: 'admin', emptyDir: {} },
        // Optional: a pod starts even before the agent has made it (or after someone deleted it).
        ...(role === 'worker' ? [{ name: 'maintenance', configMap: { name: model.names.maintenanceConfigMap(), optional: true, defaultMode: 0o444 } }] : []),
        ...(advertisesExternalAddress(model, role) ? [{ name: 'external-addresses', configMap: { name: model.names.externalAddressesConfigMap(), optional: true, defaultMode: 0o444 } }] : []),
        { name: 'tmp', emptyDir: {} },
        // Readable by the pod's group (fsGroup); run.sh copies the key to a file only the daemon's user reads.
        ...(tls ? [{ name: 'tls', secret: { secretName: tls.secretName, defaultMode: 0o440 } }] : []),
        ...(caBundle ? [{ name: 'issuer-ca', configMap: { name: caBundle.configMapName, defaultMode: 0o444 } }] : []),
        ...(hasOriginCredentials(model, role) ? [originCredentialsVolume(model)] : []),
        ...spec.mounts.map((m) => ({
          name: extraVolume(m.name),
          ...(m.secretName
            ? { secret: { secretName: m.secretName, defaultMode: m.defaultMode } }
            : { configMap: { name: m.configMapName!, defaultMode: m.defaultMode } }),
        })),
      ],
      nodeSelector: sched.nodeSelector && Object.keys(sched.nodeSelector).length ? sched.nodeSelector : undefined,
      tolerations: sched.tolerations,
      ...(spec.expose.type === 'HostNetwork' ? hostNetworkSettings(model, sched.affinity) : { affinity: sched.affinity }),
      topologySpreadConstraints: spread.length ? spread : undefined,
    },
  };
}
