/**
 * `apply` and `diff` against a cluster, with the agent's engine. Nothing is
 * applied unless every resource is valid; objects controlled by an Xrootd
 * resource (the agent's) are left to the agent.
 */
import { INVENTORY_LABEL, MANAGED_BY, type ClusterModel } from '../../constructs/index.js';
import { withoutRetainedConfigMaps } from '../agent/config-retention.js';
import { observeRoles } from '../agent/observe.js';
import { Applier, type ApplyResult, type LiveLookup } from '../apply/applier.js';
import { diffObjects, formatDiff, type ObjectDiff } from '../apply/diff.js';
import { KubeClient } from '../kube/client.js';
import { controllerOf, kindInfo, refKey, refOf, type KubeObject } from '../kube/kinds.js';
import { propsOf } from '../resources.js';
import { synthesizeCluster } from '../synthesize.js';
import { formatIssue, loadFiles } from './load.js';

export const CLUSTER_EXIT = { ok: 0, invalid: 1, usage: 2, failed: 3 } as const;

interface ClusterPlan { readonly name: string; readonly namespace: string; readonly model: ClusterModel; readonly desired: KubeObject[] }

function plans(files: string[]): ClusterPlan[] | number {
  const { valid, issues, unreadable, count } = loadFiles(files, { resolveReferences: true });
  unreadable.forEach((u) => console.error(`cannot read ${u}`));
  issues.forEach((i) => console.error(formatIssue(i)));
  if (unreadable.length) return CLUSTER_EXIT.usage;
  if (issues.length || count === 0) {
    if (count === 0) console.error('no Xrootd resources found');
    return CLUSTER_EXIT.invalid;
  }
  return valid.map(({ resource, upstreamEndpoints, originAddress }) => {
    const props = { ...propsOf(resource), decisions: { upstreamEndpoints, originAddress } };
    const { cluster, objects } = synthesizeCluster(props);
    return { name: props.name, namespace: props.namespace!, model: cluster.model, desired: objects };
  });
}

/** Live objects of the plan; refuses those another controller (the agent) owns. */
async function live(applier: Applier, plan: ClusterPlan): Promise<{ lookup: LiveLookup; prunable: KubeObject[] }> {
  const byKey = new Map<string, KubeObject>();
  for (const d of plan.desired) {
    const l = await applier.get(d);
    if (!l) continue;
    const owner = controllerOf(l);
    if (owner) throw new Error(`${refKey(refOf(l))} is controlled by ${owner.kind} ${owner.name}: change that resource instead (one applier per object)`);
    byKey.set(refKey(refOf(d)), l);
  }
  const selector = `${INVENTORY_LABEL}=${plan.name},app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const inventory = await applier.listInventory(plan.namespace, selector);
  // The configuration of a revision stays while pods may still start with it (as the agent keeps it).
  const pods = await applier.list(kindInfo('v1', 'Pod'), plan.namespace, selector);
  const m = plan.model;
  const roles = observeRoles(m, plan.desired, (role) => byKey.get(refKey({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: m.namespace, name: m.names.statefulSet(role) })), pods);
  const keep = new Set(plan.desired.map((d) => refKey(refOf(d))));
  const prunable = withoutRetainedConfigMaps(inventory, roles, pods).filter((o) => !controllerOf(o) && !keep.has(refKey(refOf(o))));
  return { lookup: (o) => byKey.get(refKey(refOf(o))), prunable };
}

/** Runs `body` with a client for the cluster; an API failure is reported as `<verb> failed` and exit 3. */
async function againstCluster(
  verb: string,
  kubeconfig: string | undefined,
  body: (client: KubeClient, applier: Applier) => Promise<number>,
): Promise<number> {
  const client = KubeClient.load(kubeconfig);
  try {
    return await body(client, new Applier(client));
  } catch (e) {
    console.error(`${verb} failed: ${(e as Error).message}`);
    return CLUSTER_EXIT.failed;
  } finally {
    client.close();
  }
}

export async function applyCommand(files: string[], opts: { kubeconfig?: string; output: string; prune: boolean }): Promise<number> {
  const p = plans(files);
  if (typeof p === 'number') return p;
  return againstCluster('apply', opts.kubeconfig, async (client, applier) => {
    const results: ApplyResult[] = [];
    for (const plan of p) {
      const state = await live(applier, plan);
      results.push(...await applier.apply(plan.desired, { live: state.lookup }));
      if (opts.prune) results.push(...await applier.prune(plan.desired, state.prunable));
    }
    if (opts.output === 'json') console.log(JSON.stringify({ results, writes: client.counts.writes }, null, 2));
    else for (const r of results) console.log(`${r.key} ${r.action}`);
    return CLUSTER_EXIT.ok;
  });
}

/** Exit 0 when the cluster matches, 1 when something would change (like diff(1)), 2 bad input, 3 API failure. */
export async function diffCommand(files: string[], opts: { kubeconfig?: string; output: string }): Promise<number> {
  const p = plans(files);
  if (typeof p === 'number') return p === CLUSTER_EXIT.invalid ? CLUSTER_EXIT.usage : p;
  return againstCluster('diff', opts.kubeconfig, async (_client, applier) => {
    const diffs: ObjectDiff[] = [];
    for (const plan of p) {
      const state = await live(applier, plan);
      diffs.push(...await diffObjects(applier, plan.desired, state.lookup, state.prunable));
    }
    if (opts.output === 'json') console.log(JSON.stringify(diffs, null, 2));
    else if (diffs.length) console.log(formatDiff(diffs));
    return diffs.length ? 1 : CLUSTER_EXIT.ok;
  });
}
