/**
 * The status of an Xrootd resource and the spec of an XrootdVersion, in the
 * same schema language as the Xrootd spec: one source for the CRDs and the types.
 */
import { ALL_FEATURES } from '../catalog.js';
import { arr, bool, int, obj, opaque, SPACE_OR_CONTROL, str } from './dsl.js';

const roleStatus = obj('RoleStatus', 'Pods of one role, as the StatefulSet reports them.', {
  replicas: int('Pods the StatefulSet has.'),
  ready: int('Pods ready (XRootD up and joined, as the probes define).'),
  updated: int('Pods on the current pod template.'),
  version: str('The XRootD version every pod of this role runs (the previous one until the role has rolled).'),
  targetVersion: str('The version this role is rolling to.'),
});

export const conditionSchema = obj('XrootdCondition', 'A kstatus-compatible condition.', {
  type: str('Ready, Progressing, Degraded or Deprecated.'),
  status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
  reason: str('One word in CamelCase saying why.'),
  message: str('What a person reads.'),
  lastTransitionTime: str('When the status last changed (RFC 3339).'),
  observedGeneration: int('The generation the condition was computed for.'),
}, { required: ['type', 'status'] });

export const xrootdStatusSchema = obj('XrootdStatus', 'Observed state of an XRootD cluster, written by the agent.', {
  observedGeneration: int('The spec generation this status describes.'),
  conditions: arr('Ready, Progressing, Degraded, Stalled (kstatus: True while Degraded, so Flux and kstatus fail fast instead of waiting) Deprecated (the version is deprecated in the catalog), InsecureWritableExport (True while writable exports need no authorization: no spec.security.tokens), MembersMissing (spec.monitoring: a Ready server not subscribed to its managers after a grace period), Healing (True while a server a manager does not list is due for a restart by spec.healing, or was just restarted), StorageFull (spec.worker.storage.autoExpand: True while a data server below the free share cannot grow; spec.worker.autoscale: True while the cluster is below its free share at maxReplicas), Autoscaling (spec.worker.autoscale: True while a data server is being added or removed), NodeDrain (spec.worker.nodeDrain: True while a data server on a cordoned node is being prepared), NodesLost (spec.healing.lostNodes: True while a pod of the cluster is on a node NotReady past notReadySeconds and not yet moved: waiting for the node to be fenced, a data server lost with its node-local volume, or held), VolumesExpanding (True while a data volume is below spec.worker.storage.capacity) and VolumesRetained (True while volumes of removed data servers are kept, their files unserved).', conditionSchema),
  redirectors: roleStatus,
  supervisors: roleStatus,
  workers: roleStatus,
  currentVersion: str('The XRootD version every pod runs.'),
  targetVersion: str('The version the spec asks for.'),
  image: str('The image of the target version.'),
  workerSelector: str('Label selector of the data servers (for the scale subresource).'),
  members: arr('Per manager (redirector) and supervisor, the servers subscribed to it against the ones that should be, from the collector\'s reports (spec.monitoring); empty without monitoring.', obj('ManagerMembersStatus', 'The servers one manager or supervisor has subscribed.', {
    manager: str('The manager\'s or supervisor\'s pod.'),
    role: str('redirector or supervisor.'),
    expected: int('Servers that should be subscribed to it.'),
    subscribed: int('Of those, the ones it lists as active.'),
    missing: arr('Ready pods that should be subscribed and are not.', str('A pod.')),
    missingSince: str('Since when some are missing (RFC 3339): after a grace period the cluster is MembersMissing.'),
  })),
  rollout: obj('RolloutStatus', 'Where a rolling change of the pod template stands (empty when none runs).', {
    phase: str('Idle, Rolling, Paused or Stuck.'),
    role: str('The role being rolled.'),
    revision: str('The StatefulSet update revision being rolled out.'),
    partition: int('The StatefulSet partition of that role: pods with this ordinal or above run the new revision.'),
    startedAt: str('When the rollout started (RFC 3339).'),
    stepStartedAt: str('When the current step started (RFC 3339).'),
    message: str('What the rollout waits for.'),
    stuckPod: str('The pod that did not become Ready in time, when Stuck.'),
  }),
  volumes: obj('VolumesStatus', 'The data servers\' volumes: the size asked, the ones still growing to it, and the ones kept after a scale-down.', {
    capacity: str('The size each data volume is asked to have (spec.worker.storage.capacity).'),
    claims: int('Data volumes of the running data servers.'),
    atCapacity: int('Of those, the ones the storage reports at the size asked.'),
    expanding: arr('Volumes still below the size asked.', obj('ExpandingVolumeStatus', 'A volume being expanded.', {
      claim: str('The PersistentVolumeClaim.'),
      capacity: str('Its size now.'),
      waitingFor: str('What the expansion waits for.'),
    })),
    retained: arr('Volumes of data servers removed by a scale-down (spec.worker.storage.retention.whenScaled Retain): kept, but no pod serves their files until the replicas are raised again.', obj('RetainedVolumeStatus', 'A kept volume.', {
      claim: str('The PersistentVolumeClaim.'),
      pod: str('The data server that used it.'),
      drainedAt: str('When its files were copied to the data servers that stay (worker.scaleDown: Drain, RFC 3339): it holds copies only.'),
    })),
  }),
  autoExpand: obj('AutoExpandStatus', 'spec.worker.storage.autoExpand: the volumes the agent grew as they filled, and the data servers below the free share that cannot grow.', {
    grown: arr('The last automatic growth of each volume.', obj('AutoExpandedVolumeStatus', 'A volume the agent grew.', {
      claim: str('The PersistentVolumeClaim.'),
      from: str('Its size before.'),
      to: str('The size asked.'),
      at: str('When (RFC 3339).'),
      freePercent: int('Its free share then, as its data server reported it.'),
      fileSystemBytes: int('The size of its file system then, as its data server reported it: the next growth waits for a larger one.'),
    })),
    full: arr('Data servers below the free share whose volume cannot grow.', obj('FullVolumeStatus', 'A data server that cannot grow.', {
      pod: str('The data server.'),
      claim: str('Its PersistentVolumeClaim.'),
      freePercent: int('Its free share, as it reported it.'),
      reason: str('Why it cannot grow.'),
    })),
  }, { presenceMeansOn: true }),
  nodeDrain: arr('spec.worker.nodeDrain: the data servers on cordoned nodes, until their pods are released to the drain.', obj('NodeDrainStatus', 'A data server prepared for its node\'s drain.', {
    pod: str('The data server.'),
    node: str('Its cordoned node.'),
    phase: str('Suspending (its cmsd is asked to suspend itself; waiting for its managers to report it suspended), FinishingWrites (suspended; waiting for its files open for writing to close) or Released (its pod deleted: the drain goes on).'),
    since: str('When its node was first seen cordoned (RFC 3339).'),
    suspendedAt: str('When its managers first reported it suspended (RFC 3339).'),
    openForWrite: int('Files it had open for writing at its last report after the suspension.'),
  })),
  lostNodes: arr('spec.healing.lostNodes: the pods on nodes NotReady past notReadySeconds that are not moved yet.', obj('LostNodeStatus', 'A pod on a lost node.', {
    pod: str('The pod.'),
    node: str('Its node.'),
    since: str('When the node\'s Ready condition last turned False or Unknown (RFC 3339).'),
    volume: str('What the pod holds. None (a redirector or supervisor), NetworkAttached (a data volume other nodes can mount) or NodeLocal (a data volume only that node reaches).'),
    claim: str('Its data volume\'s PersistentVolumeClaim (data servers).'),
    phase: str('AwaitingFence (a data server on a network-attached volume: moved once its node is fenced), Lost (a data server whose node-local volume went with the node; spec.healing.lostNodes.replaceLocalVolumes replaces it), Held (most of the cluster\'s nodes are NotReady: nothing is moved).'),
    message: str('What the agent waits for.'),
  })),
  autoscale: obj('AutoscaleStatus', 'spec.worker.autoscale: the number of data servers the agent chose, and why.', {
    replicas: int('The data servers the agent chose; the StatefulSet follows (through a drain when it is lower).'),
    freePercent: int('The free share of the data servers in service at the last look, from their reports.'),
    lastScaledAt: str('When the agent last added or removed a data server (RFC 3339).'),
    aboveSince: str('Since when the data servers but the last would have spec.worker.autoscale.scaleDownFreePercent free without it (RFC 3339).'),
    atMaximum: bool('True while the cluster is below freePercent free at maxReplicas.'),
    message: str('What the agent did last or waits for.'),
  }, { presenceMeansOn: true }),
  drain: obj('DrainStatus', 'A scale-down with spec.worker.scaleDown Drain in progress (absent when none runs): the data server being drained, highest ordinal first.', {
    phase: str('Preparing (entering maintenance), Copying, Refused (the copy cannot be done: nothing removed) or Failed (the Job gave up: nothing removed).'),
    pod: str('The data server being drained.'),
    remaining: arr('The data servers still to drain after it.', str('A pod.')),
    targets: arr('The data servers its files are copied to.', str('A pod.')),
    job: str('The Job that copies.'),
    files: int('Files done (copied or found already there with the same checksum), from the Job\'s log.'),
    totalFiles: int('Files it holds.'),
    bytes: int('Bytes done.'),
    totalBytes: int('Bytes it holds.'),
    message: str('What the drain waits for, or why it stopped.'),
    // No default: the API server would turn a drain the agent cleared into `{}`.
  }, { presenceMeansOn: true }),
  external: arr('spec.expose.type LoadBalancer: the address outside clients reach each data server and supervisor at, as its Service\'s load balancer reports it; announced to the managers, which redirect clients from public addresses there (docs/topologies.md). A pod made before its address was known is restarted to announce it.', obj('ExternalAddressStatus', 'A pod\'s outside address.', {
    pod: str('The pod.'),
    address: str('The IP address of its load balancer.'),
    since: str('When the agent first saw this address (RFC 3339).'),
  })),
  cache: obj('CacheStatus', 'A cache cluster\'s (spec.cache) fill level and hit ratio, from the collector\'s figures (spec.monitoring); absent without them.', {
    servers: int('Cache servers the collector has figures of.'),
    fillPercent: int('Data disks used, in percent of their size, over every cache server (a purge starts past spec.cache.diskUsage.highPercent of a server\'s disks).'),
    fullestPercent: int('The fullest cache server\'s data disks, in percent.'),
    hitPercent: int('Bytes served from copies, in percent of the bytes sent to clients, since the collector started: 100 less what was fetched from the origin. Absent on releases before 5.7.2, whose file cache does not say what it fetched.'),
    sentBytes: int('Bytes the cache servers sent to clients since the collector started.'),
    fetchedBytes: int('Bytes they fetched from the origin (kept or passed through) since the collector started.'),
    disposable: str('Why a cache server needs no drain: it holds copies only.'),
  }, { presenceMeansOn: true }),
  healing: obj('HealingStatus', 'What spec.healing watches and has done: the Ready servers some manager does not list, and the agent\'s restarts within the last day (its backoff).', {
    unsubscribed: arr('Servers a manager does not list, watched from the first look at one missing while Ready, since when.', obj('HealingUnsubscribedStatus', 'A server a manager does not list.', {
      pod: str('The pod.'),
      uid: str('The pod\'s uid: a pod made again is watched afresh.'),
      since: str('Since when (RFC 3339).'),
    })),
    restarts: arr('The agent\'s restarts within the last day, one entry per pod.', obj('HealingRestartStatus', 'A pod the agent restarted.', {
      pod: str('The pod.'),
      reason: str('Why: Unsubscribed.'),
      at: str('When it was last restarted (RFC 3339).'),
      count: int('Restarts of it within the last day: each doubles the wait before the next.'),
    })),
    message: str('The last restart, or why a server due for one is not restarted now.'),
  }, { presenceMeansOn: true }),
  maintenance: arr('The data servers (ordinals) the agent has restarted into maintenance: spec.worker.maintenance once every change is carried out.', int('An ordinal.')),
  lastReadySpec: opaque('Record<string, unknown>', 'The spec the cluster last reached Ready with: what an automatic rollback returns to.'),
  rolledBack: obj('RollbackStatus', 'Set while the cluster runs lastReadySpec because a rollout of the current spec got stuck (spec.upgrade.autoRollback); cleared by the next spec change.', {
    generation: int('The spec generation whose rollout was rolled back.'),
    fromVersion: str('The version that did not roll out.'),
    toVersion: str('The version rolled back to.'),
    stuckPod: str('The pod that did not become Ready in time.'),
    at: str('When the rollback started (RFC 3339).'),
  }),
});

export const xrootdVersionSpecSchema = obj('XrootdVersionSpec', 'One XRootD version of the catalog.', {
  version: str('The version name that Xrootd resources use in spec.version.', {
    pattern: { regex: '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,62}$', rule: 'must be a version name such as 5.8.1' },
  }),
  image: str('Container image of this version (see docs/image.md).', { pattern: { regex: `^[^${SPACE_OR_CONTROL}]+$`, rule: 'must be an image reference without spaces or control characters' } }),
  deprecated: str('Why this version should not be used any more; set means deprecated.'),
  features: arr('What this version supports, which decides what the library renders.', str('A feature.', { enum: ALL_FEATURES }), { default: [] }),
  incompatibleBelow: str('Versions older than this cannot take over a cluster that has run this one: a downgrade to them is refused unless the Xrootd resource sets spec.upgrade.force.'),
}, { required: ['version', 'image'] });
