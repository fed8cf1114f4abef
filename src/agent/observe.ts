/**
 * What the rollout planner needs to know about each role, read from the
 * watch caches: the live StatefulSet, its pods, and whether the desired pod
 * template differs from the live one.
 */
import { ROLES, type ClusterModel, type ResolvedXrootdSpec, type Role } from '../../constructs/index.js';
import { isSubset, withoutUndefined } from '../json.js';
import type { KubeObject } from '../kube/kinds.js';
import type { PodView, RolloutPolicy, RoleView } from './rollout.js';
import type { StatefulSetView } from './status.js';

export interface PodObject extends KubeObject {
  spec?: { volumes?: { name?: string; configMap?: { name?: string } }[] };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[]; podIP?: string };
}

/**
 * What the agent keeps of a pod: who it is, its revision, whether it is Ready (and since when),
 * its address and the ConfigMaps it mounts. A pod's spec and container statuses are most of its
 * bytes, and with hundreds of pods they were most of the agent's memory.
 */
export function podEssentials(p: KubeObject): PodObject {
  const pod = p as PodObject;
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp, ownerReferences, creationTimestamp } = pod.metadata ?? {};
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const volumes = pod.spec?.volumes?.filter((v) => v.configMap?.name).map((v) => ({ configMap: { name: v.configMap!.name } }));
  return {
    apiVersion: pod.apiVersion, kind: pod.kind,
    metadata: withoutUndefined({ name, namespace, uid, resourceVersion, labels, deletionTimestamp, ownerReferences, creationTimestamp }),
    spec: volumes?.length ? { volumes } : {},
    status: withoutUndefined({ conditions: ready && [withoutUndefined({ type: ready.type, status: ready.status, lastTransitionTime: ready.lastTransitionTime })], podIP: pod.status?.podIP }),
  } as PodObject;
}

const replicasOf = (m: ClusterModel, role: Role): number =>
  role === 'redirector' ? m.topology.redirectors : role === 'supervisor' ? m.topology.supervisors : m.topology.workers;

function podView(p: PodObject): PodView {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: p.metadata.name,
    ordinal: Number(/-(\d+)$/.exec(p.metadata.name)?.[1] ?? -1),
    revision: p.metadata.labels?.['controller-revision-hash'],
    ready: ready?.status === 'True',
    readySince: ready?.lastTransitionTime,
    deleting: !!p.metadata.deletionTimestamp,
  };
}

export function observeRoles(model: ClusterModel, desired: readonly KubeObject[], live: (role: Role) => StatefulSetView | undefined,
  pods: readonly PodObject[]): RoleView[] {
  return ROLES.filter((role) => replicasOf(model, role) > 0 || live(role)).map((role) => {
    const sts = live(role);
    const want = desired.find((o) => o.kind === 'StatefulSet' && o.metadata.name === model.names.statefulSet(role)) as { spec?: { template?: unknown } } | undefined;
    const liveSpec = sts?.spec as { template?: unknown } | undefined;
    // Until the controller has seen the latest spec, its revisions describe an older template.
    const statusBehind = !!sts && (sts.status?.observedGeneration ?? 0) < (sts.metadata.generation ?? 0);
    return {
      role,
      replicas: replicasOf(model, role),
      exists: !!sts,
      templateChanging: !!sts && !isSubset(want?.spec?.template, liveSpec?.template),
      statusBehind,
      partition: sts?.spec?.updateStrategy?.rollingUpdate?.partition ?? 0,
      updateRevision: sts?.status?.updateRevision,
      currentRevision: sts?.status?.currentRevision,
      pods: podsOf(pods, model.names.statefulSet(role)),
    };
  });
}

/** The pods of one StatefulSet, by name (`<statefulSet>-<ordinal>`): not a drain Job's pods, which share the labels. */
export function podsOf(pods: readonly PodObject[], statefulSet: string): PodView[] {
  const prefix = `${statefulSet}-`;
  return pods.filter((p) => p.metadata.name.startsWith(prefix) && /^\d+$/.test(p.metadata.name.slice(prefix.length))).map(podView);
}

export function policyOf(spec: ResolvedXrootdSpec): RolloutPolicy {
  const u = spec.upgrade;
  return {
    order: u.order as Role[],
    maxUnavailable: { redirector: u.maxUnavailable.redirector, supervisor: u.maxUnavailable.supervisor, worker: u.maxUnavailable.worker },
    minReadySeconds: u.minReadySeconds,
    stepDeadlineSeconds: u.stepDeadlineSeconds,
    paused: u.paused,
  };
}
