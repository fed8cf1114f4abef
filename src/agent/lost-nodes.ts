/**
 * spec.healing.lostNodes: pods on a node NotReady past notReadySeconds are handled by what they
 * hold. Redirectors and supervisors hold no data: deleted at once (grace 0, the kubelet cannot
 * answer), their StatefulSet makes them again elsewhere. A data server on a network-attached
 * volume moves the same way once its node is fenced (the out-of-service taint, or the site's
 * word: fencing NotReady); before that the node may still write to the volume. A data server on
 * a node-local volume is lost with its node: reported, naming its claim, or (replaceLocalVolumes)
 * its claim is deleted and it starts empty elsewhere. Nothing is done while most nodes are
 * NotReady. Pure: the decision; the reconciler deletes.
 */
import type { LostNodeStatus, ResolvedLostNodesSpec, Role } from '../../constructs/index.js';
import type { PodView } from './views.js';

/** A node as lost-node handling reads it. */
export interface NodeView {
  readonly name: string;
  /** Not Ready: since its Ready condition last changed (undefined: Ready). */
  readonly notReadySince?: string;
  /** Carries node.kubernetes.io/out-of-service. */
  readonly outOfService: boolean;
  /** No longer in the API (deleted): as fenced as a node can be. */
  readonly gone?: boolean;
}

/** A data server's volume: where it can be mounted. */
export interface DataVolumeView {
  readonly claim: string;
  readonly claimUid?: string;
  /** The one node its PersistentVolume can be mounted on (node-local); undefined: network-attached. */
  readonly localTo?: string;
}

export interface LostNodesPod extends Pick<PodView, 'name' | 'uid' | 'node'> {
  readonly role: Role;
  /** Data servers: their data volume; undefined for a data server: not read, nothing is decided for it. */
  readonly volume?: DataVolumeView;
}

export interface LostNodesInput {
  readonly policy?: ResolvedLostNodesSpec;
  readonly pods: readonly LostNodesPod[];
  /** Every node; undefined: not read (or not needed: no pod unready long enough), nothing is decided. */
  readonly nodes?: ReadonlyMap<string, NodeView>;
  /**
   * The servers some manager still lists (spec.monitoring's collector); 'unknown': monitored, but
   * the collector did not answer; undefined: not monitored. An empty server takes a lost one's name
   * only once no manager lists it: under the same name (cms.vnid) it would take over its entry, and
   * the managers would send clients to it for files it never had.
   */
  readonly listed?: ReadonlySet<string> | 'unknown';
  readonly now: string;
}

export interface LostPodAction {
  readonly pod: string;
  readonly uid?: string;
  readonly node: string;
  readonly message: string;
}

export interface LostNodesStep {
  /** Pods to delete at once: their StatefulSet makes them again on another node. */
  readonly moves: LostPodAction[];
  /** Data servers whose node-local volume is lost: their claim deleted first, then the pod. */
  readonly replacements: (LostPodAction & { readonly claim: string; readonly claimUid?: string })[];
  /** Undefined: not decided (keep what status had). */
  readonly status?: LostNodeStatus[];
  /** Look again after this long (ms) though nothing watched changes: a grace runs, or a node is awaited. */
  readonly recheckInMs?: number;
}

const NONE: LostNodesStep = { moves: [], replacements: [] };

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

export function decideLostNodes(input: LostNodesInput): LostNodesStep {
  const { policy, nodes, now } = input;
  if (!policy) return { ...NONE, status: [] };
  if (!nodes) return NONE;
  const lost = (name: string | undefined) => {
    const node = name ? nodes.get(name) : undefined;
    return node?.notReadySince && seconds(node.notReadySince, now) >= policy.notReadySeconds ? node : undefined;
  };
  // Kubernetes' own rule (the node lifecycle controller stops evicting in a full disruption): when
  // most nodes look lost, the view is the suspect, not the nodes. Every node not Ready counts, past
  // its grace or not: in an outage they turn NotReady seconds apart.
  const listedNodes = [...nodes.values()].filter((n) => !n.gone);
  const lostCount = listedNodes.filter((n) => n.notReadySince).length;
  const held = lostCount * 2 > listedNodes.length;
  const step: LostNodesStep = { moves: [], replacements: [], status: [] };
  for (const pod of [...input.pods].sort((a, b) => a.name.localeCompare(b.name))) {
    // A data server not scheduled (made again, waiting for its volume) is where its volume is.
    const node = lost(pod.node) ?? (pod.node ? undefined : lost(pod.volume?.localTo));
    if (!node) continue;
    const since = node.notReadySince!;
    const entry = { pod: pod.name, node: node.name, since };
    const where = `${pod.name} on node ${node.name}, NotReady since ${since}`;
    if (pod.role !== 'worker') {
      const status = { ...entry, volume: 'None' };
      if (held) step.status!.push({ ...status, phase: 'Held', message: heldMessage(lostCount, listedNodes.length) });
      else step.moves.push({ pod: pod.name, uid: pod.uid, node: node.name, message: `${where}: deleted so that its StatefulSet makes it again on another node (it holds no data)` });
      continue;
    }
    if (!pod.volume) {
      step.status!.push({ ...entry, phase: 'Held', message: 'its data volume is not known (its claim not seen or not bound, or its volume not read): nothing is decided for it' });
      continue;
    }
    const { claim, claimUid, localTo } = pod.volume;
    const fenced = node.gone || node.outOfService || policy.fencing === 'NotReady';
    const fence = node.gone ? 'its node is gone (deleted)' : node.outOfService ? 'its node is out of service (node.kubernetes.io/out-of-service)'
      : 'spec.healing.lostNodes.fencing is NotReady';
    const volume = localTo ? 'NodeLocal' : 'NetworkAttached';
    const status = { ...entry, volume, claim };
    if (held) {
      step.status!.push({ ...status, phase: 'Held', message: heldMessage(lostCount, listedNodes.length) });
    } else if (!localTo && fenced) {
      step.moves.push({ pod: pod.name, uid: pod.uid, node: node.name, message: `${where}: ${fence}; deleted so that it starts on another node with its volume (claim ${claim})` });
    } else if (!localTo) {
      step.status!.push({ ...status, phase: 'AwaitingFence', message: `its volume (claim ${claim}) can move, once the node is fenced: taint it node.kubernetes.io/out-of-service when it is off` });
    } else if (policy.replaceLocalVolumes && fenced && input.listed === 'unknown') {
      step.status!.push({ ...status, phase: 'Lost', message: `its node-local volume (claim ${claim}) is on the lost node; replaced by an empty one once its managers' lists can be read (the collector does not answer)` });
    } else if (policy.replaceLocalVolumes && fenced && typeof input.listed === 'object' && input.listed.has(pod.name)) {
      step.status!.push({ ...status, phase: 'Lost', message: `its node-local volume (claim ${claim}) is on the lost node; replaced by an empty one once its managers have dropped it (spec.xrootd.dropDelaySeconds after they lost it)` });
    } else if (policy.replaceLocalVolumes && fenced) {
      step.replacements.push({
        pod: pod.name, uid: pod.uid, node: node.name, claim, claimUid,
        message: `${where}: its node-local volume (claim ${claim}) is lost with the node and ${fence}; the claim is deleted and the data server starts empty on another node (spec.healing.lostNodes.replaceLocalVolumes)`,
      });
    } else {
      const unless = policy.replaceLocalVolumes ? 'it is replaced by an empty one once the node is fenced (node.kubernetes.io/out-of-service)'
        : 'its files are unreachable until the node returns; spec.healing.lostNodes.replaceLocalVolumes would replace it by an empty one';
      step.status!.push({ ...status, phase: 'Lost', message: `its node-local volume (claim ${claim}) is on the lost node: ${unless}` });
    }
  }
  return step;
}

function heldMessage(lost: number, total: number): string {
  return `${lost} of ${total} nodes are NotReady: more likely the API server's view than the nodes; nothing is moved`;
}

/**
 * How long (ms) until a pod has been unready (or unscheduled) for notReadySeconds: 0, one has, and
 * the nodes are read now; undefined, every pod is Ready. Only then are the nodes read: a rollout's
 * pods are unready for seconds, not for notReadySeconds.
 */
export function untilMaybeLost(
  policy: ResolvedLostNodesSpec | undefined, pods: readonly Pick<PodView, 'ready' | 'readySince' | 'createdAt'>[], now: string,
): number | undefined {
  if (!policy) return undefined;
  const waits = pods.filter((p) => !p.ready && (p.readySince ?? p.createdAt) !== undefined)
    .map((p) => Math.max(0, policy.notReadySeconds * 1000 - (Date.parse(now) - Date.parse((p.readySince ?? p.createdAt)!))));
  return waits.length ? Math.min(...waits) : undefined;
}
