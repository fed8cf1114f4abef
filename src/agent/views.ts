/**
 * The agent's views of the objects it observes: the fields it reads of pods, StatefulSets,
 * claims and Jobs, what its watch caches keep of them (a pod's spec and container statuses are
 * most of its bytes), and the one reading of "Ready".
 */
import { RELEASED_TO_DRAIN_LABEL, type Role } from '../../constructs/index.js';
import { DRAINED_AT_ANNOTATION } from '../../constructs/internal.js';
import { withoutUndefined } from '../json.js';
import type { KubeObject } from '../kube/kinds.js';

/** Whether an object's Ready condition is True (pods, and anything else with conditions). */
export const isReady = (o: { status?: { conditions?: readonly { type: string; status: string }[] } }): boolean =>
  o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export interface PodObject extends KubeObject {
  spec?: { volumes?: { name?: string; configMap?: { name?: string } }[]; nodeName?: string };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[]; podIP?: string };
}

/**
 * What the agent keeps of a pod: who it is, its revision, whether it is Ready (and since when),
 * its address, its node and the ConfigMaps it mounts. A pod's spec and container statuses are most of its
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
    spec: withoutUndefined({ volumes: volumes?.length ? volumes : undefined, nodeName: pod.spec?.nodeName }),
    status: withoutUndefined({
      conditions: ready && [withoutUndefined({ type: ready.type, status: ready.status, lastTransitionTime: ready.lastTransitionTime })],
      podIP: pod.status?.podIP,
    }),
  } as PodObject;
}

function podView(p: PodObject): PodView {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: p.metadata.name,
    uid: p.metadata.uid,
    ordinal: Number(/-(\d+)$/.exec(p.metadata.name)?.[1] ?? -1),
    revision: p.metadata.labels?.['controller-revision-hash'],
    ready: isReady(p),
    readySince: ready?.lastTransitionTime,
    deleting: !!p.metadata.deletionTimestamp,
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    ...(p.metadata.labels?.[RELEASED_TO_DRAIN_LABEL] !== undefined ? { released: true } : {}),
    ...(p.metadata.creationTimestamp ? { createdAt: p.metadata.creationTimestamp } : {}),
  };
}

/** The pods of one StatefulSet, by name (`<statefulSet>-<ordinal>`): not a drain Job's pods, which share the labels. */
export function podsOf(pods: readonly PodObject[], statefulSet: string): PodView[] {
  const prefix = `${statefulSet}-`;
  return pods.filter((p) => p.metadata.name.startsWith(prefix) && /^\d+$/.test(p.metadata.name.slice(prefix.length))).map(podView);
}

/** Ready pods by name, with their addresses (what membersStatus matches members against). */
export function readyPodsOf(pods: readonly PodObject[]): Map<string, string | undefined> {
  return new Map(pods.filter(isReady).map((p) => [p.metadata.name, p.status?.podIP]));
}

export interface StatefulSetView extends KubeObject {
  spec?: { replicas?: number; updateStrategy?: { rollingUpdate?: { partition?: number } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface ClaimTemplate {
  metadata: { name: string };
  spec: { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };
}

export interface StatefulSetWithClaims extends KubeObject {
  spec?: { replicas?: number; volumeClaimTemplates?: ClaimTemplate[] };
}

export interface ClaimObject extends KubeObject {
  spec?: { storageClassName?: string; volumeName?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; capacity?: { storage?: string }; conditions?: { type: string; status: string; message?: string }[] };
}

/** What the agent keeps of a claim: its identity, its size asked and had, and why a resize waits. */
export function claimEssentials(o: KubeObject): ClaimObject {
  const c = o as ClaimObject;
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp } = c.metadata ?? {};
  const drainedAt = c.metadata?.annotations?.[DRAINED_AT_ANNOTATION];
  const resizing = c.status?.conditions?.filter((x) => x.status === 'True').map((x) => withoutUndefined({ type: x.type, status: x.status, message: x.message }));
  return {
    apiVersion: c.apiVersion, kind: c.kind,
    metadata: withoutUndefined({
      name, namespace, uid, resourceVersion, labels, deletionTimestamp,
      annotations: drainedAt ? { [DRAINED_AT_ANNOTATION]: drainedAt } : undefined,
    }),
    spec: withoutUndefined({
      storageClassName: c.spec?.storageClassName,
      volumeName: c.spec?.volumeName,
      resources: c.spec?.resources?.requests?.storage ? { requests: { storage: c.spec.resources.requests.storage } } : undefined,
    }),
    status: withoutUndefined({
      phase: c.status?.phase,
      capacity: c.status?.capacity?.storage ? { storage: c.status.capacity.storage } : undefined,
      conditions: resizing?.length ? resizing : undefined,
    }),
  };
}

export interface JobObject extends KubeObject {
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface PodView {
  readonly ordinal: number;
  readonly name: string;
  readonly uid?: string;
  /** The controller-revision-hash label. */
  readonly revision?: string;
  readonly ready: boolean;
  /** When the Ready condition last changed (ISO). */
  readonly readySince?: string;
  readonly deleting: boolean;
  /** The node it was scheduled to. */
  readonly node?: string;
  /** spec.worker.nodeDrain: labelled out of the disruption budget, released to its node's drain. */
  readonly released?: boolean;
  /** When it was made (ISO): a pod never Ready has been unready since then. */
  readonly createdAt?: string;
}

export interface RoleView {
  readonly role: Role;
  /** The StatefulSet's name: its pods are `<name>-<ordinal>`. */
  readonly statefulSet: string;
  /** Replicas the spec asks for. */
  readonly replicas: number;
  /** Whether the StatefulSet exists yet (a new cluster rolls nothing). */
  readonly exists: boolean;
  /** True when the desired pod template differs from the live one (a new revision is about to appear). */
  readonly templateChanging: boolean;
  /** The StatefulSet controller has not yet seen the latest spec: its revisions and counts are stale. */
  readonly statusBehind?: boolean;
  readonly partition: number;
  readonly updateRevision?: string;
  readonly currentRevision?: string;
  readonly pods: readonly PodView[];
}
