/**
 * spec.healing.lostNodes, observed and carried out (the decision is ../lost-nodes.ts). The nodes
 * are read only when a pod of the cluster has been unready for notReadySeconds, and the data
 * volumes' PersistentVolumes only for data servers whose node is NotReady or that wait unscheduled.
 * A move deletes the pod at once (grace 0: its kubelet cannot confirm); a replacement deletes the
 * claim first (it goes once the pod is gone, and the StatefulSet makes neither again before).
 */
import { ClusterNames, ROLES, type ResolvedLostNodesSpec } from '../../../constructs/index.js';
import { ApiError } from '../../kube/client.js';
import { decideLostNodes, untilMaybeLost, type LostNodesPod, type LostNodesStep, type NodeView } from '../lost-nodes.js';
import type { MembershipReport } from '../membership.js';
import { pinnedNode, type NodeLabels, type VolumePlacement } from '../node-affinity.js';
import { podsOf, type ClaimObject } from '../views.js';
import type { ClusterContext } from './context.js';

/** While a pod may be on a lost node: how often the nodes are read again. */
const LOST_NODE_POLL_MS = 10_000;

const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

interface NodeObject {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { taints?: { key?: string }[] };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

interface VolumeObject {
  spec?: VolumePlacement;
}

/** The decision, from the pods in the caches and, when one may be on a lost node, the nodes and volumes read now. */
export async function readLostNodes(
  ctx: ClusterContext, policy: ResolvedLostNodesSpec | undefined,
  observed: {
    readonly monitored: boolean; readonly membership?: Pick<MembershipReport, 'managers'>;
    /** The data servers' claims by ordinal, as the other decisions read them. */
    readonly claims: ReadonlyMap<number, ClaimObject>;
  },
): Promise<LostNodesStep> {
  const now = new Date().toISOString();
  const names = new ClusterNames(ctx.cr.metadata.name, ctx.namespace, '');
  const pods = ROLES.flatMap((role) => podsOf(ctx.pods(), names.statefulSet(role)).map((p) => ({ ...p, role })));
  const wait = untilMaybeLost(policy, pods, now);
  // Looked at again while anything was reported: the report follows the nodes, not a pod's clock.
  const reported = (ctx.cr.status?.lostNodes?.length ?? 0) > 0;
  if (!reported && (wait === undefined || wait > 0)) {
    return { ...decideLostNodes({ policy, pods: [], nodes: new Map(), now }), recheckInMs: wait && wait + 1000 };
  }
  let listedNodes: (NodeView & NodeLabels)[];
  try {
    const list = await ctx.client.request<{ items?: NodeObject[] }>('GET', '/api/v1/nodes');
    listedNodes = (list.items ?? []).filter((n) => n.metadata?.name).map(nodeView);
  } catch (e) {
    ctx.log.warn('nodes not read: no pod is moved off a lost node now', { cluster: ctx.key, error: e });
    return { ...decideLostNodes({ policy, pods: [], now }), recheckInMs: LOST_NODE_POLL_MS };
  }
  const nodes = new Map<string, NodeView>(listedNodes.map((n) => [n.name, n]));
  // A node deleted from the API: gone, and so fenced; since when is not known, so from its pod's clock.
  const gone = (name: string, since?: string) => {
    if (!nodes.has(name)) nodes.set(name, { name, outOfService: false, gone: true, notReadySince: since ?? now });
  };
  for (const p of pods) if (p.node) gone(p.node, p.readySince ?? p.createdAt);
  const { claims } = observed;
  const withVolumes: LostNodesPod[] = await Promise.all(pods.map(async (pod) => {
    const notReady = pod.node ? nodes.get(pod.node)?.notReadySince !== undefined : true;
    if (pod.role !== 'worker' || !notReady) return pod;
    const claim = claims.get(pod.ordinal);
    // Not seen or not bound: nothing is decided for it (it is held).
    if (!claim?.spec?.volumeName) return pod;
    try {
      const pv = await ctx.client.request<VolumeObject>('GET', `/api/v1/persistentvolumes/${encodeURIComponent(claim.spec.volumeName)}`);
      const localTo = pinnedNode(pv.spec ?? {}, listedNodes, pod.node);
      if (localTo) gone(localTo, pod.readySince ?? pod.createdAt);
      return { ...pod, volume: { claim: claim.metadata.name, claimUid: claim.metadata.uid, ...(localTo ? { localTo } : {}) } };
    } catch (e) {
      ctx.log.warn('a data server\'s volume not read: nothing is decided for it on its lost node', { cluster: ctx.key, pod: pod.name, error: e });
      return pod;
    }
  }));
  const { monitored, membership } = observed;
  const listed = !monitored ? undefined : membership
    ? new Set(membership.managers.flatMap((m) => m.members.flatMap((x) => [x.pod, ...(x.host ? [x.host.split('.')[0]] : [])]))) : 'unknown' as const;
  // Read again every 10 s while a node of the cluster's is NotReady (a fence, a taint, is no event the agent watches).
  const incident = pods.some((p) => p.node && nodes.get(p.node)?.notReadySince) || [...nodes.values()].some((n) => n.gone);
  return { ...decideLostNodes({ policy, pods: withVolumes, nodes, listed, now }), recheckInMs: incident ? LOST_NODE_POLL_MS : undefined };
}

function nodeView(n: NodeObject): NodeView & NodeLabels {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  // Never reported Ready (no condition yet) is not lost: it is still joining.
  const notReadySince = ready && ready.status !== 'True' ? ready.lastTransitionTime : undefined;
  return {
    name: n.metadata!.name!, labels: n.metadata?.labels ?? {},
    outOfService: (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT),
    ...(notReadySince ? { notReadySince } : {}),
  };
}

/** Deleted now, unless it is gone or already another pod of the same name (the uid). */
async function deleteNow(ctx: ClusterContext, kind: 'Pod' | 'PersistentVolumeClaim', name: string, uid?: string): Promise<boolean> {
  try {
    await ctx.applier.delete({ apiVersion: 'v1', kind, metadata: { name, namespace: ctx.namespace, uid } }, kind === 'Pod' ? { gracePeriodSeconds: 0 } : {});
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) return false;
    throw e;
  }
}

/** Whether a pod was deleted. */
export async function moveFromLostNodes(ctx: ClusterContext, plan: { readonly lostNodes?: LostNodesStep }): Promise<boolean> {
  const step = plan.lostNodes;
  if (!step) return false;
  let moved = false;
  for (const move of step.moves) {
    if (!await deleteNow(ctx, 'Pod', move.pod, move.uid)) continue;
    moved = true;
    ctx.deps.metrics.inc('xrootd_agent_lost_node_actions_total', { action: 'moved' });
    ctx.log.warn('moved a pod off a lost node', { cluster: ctx.key, pod: move.pod, node: move.node });
    await ctx.event('Warning', 'MovedFromLostNode', move.message);
  }
  for (const r of step.replacements) {
    // The claim first: the StatefulSet makes the pod again only once the old claim is gone.
    if (!await deleteNow(ctx, 'PersistentVolumeClaim', r.claim, r.claimUid)) continue;
    await deleteNow(ctx, 'Pod', r.pod, r.uid);
    moved = true;
    ctx.deps.metrics.inc('xrootd_agent_lost_node_actions_total', { action: 'replaced' });
    ctx.log.warn('replaced a data server whose node-local volume was lost with its node', { cluster: ctx.key, pod: r.pod, node: r.node, claim: r.claim });
    await ctx.event('Warning', 'DataServerReplaced', r.message);
  }
  return moved;
}
