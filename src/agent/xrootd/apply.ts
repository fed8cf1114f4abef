/**
 * Carrying a plan's objects out: owned by the resource, refused when another controller holds one
 * or a kind's CRD is missing, server-side applied in stages, and what synthesis no longer makes
 * pruned (keeping the configuration of revisions that pods may still start with).
 */
import { MissingKindError, optionalKind, type ApplyResult } from '../../apply/applier.js';
import { controllerOf, type KubeObject, type OwnerReference } from '../../kube/kinds.js';
import { XROOTD_API_VERSION } from '../../kinds.js';
import { withoutRetainedConfigMaps } from '../config-retention.js';
import type { ClusterContext } from './context.js';
import { OwnershipError } from './failures.js';
import type { Plan } from './plan.js';

export function ownerOf(cr: KubeObject): OwnerReference {
  return { apiVersion: XROOTD_API_VERSION, kind: 'Xrootd', name: cr.metadata.name, uid: cr.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Kinds from other projects this cluster needs and that were not served at the last look: asked again now. */
export async function recheckOptionalKinds(ctx: ClusterContext, plan: Plan): Promise<void> {
  const children = ctx.caches.children;
  const absent = new Set(plan.objects.filter((o) => optionalKind(o) && children.get(o.kind)?.served === false).map((o) => o.kind));
  await Promise.all([...absent].map((kind) => children.get(kind)!.recheck()));
}

/**
 * Every object the API server would refuse stops the reconcile before anything changes: a dry run
 * of each, before the phases that grow, adopt or mark volumes (one of which deletes a StatefulSet
 * to recreate it) and before the apply, which then does not check again.
 */
export async function dryRunPlan(ctx: ClusterContext, plan: Plan): Promise<void> {
  await ctx.applier.preflight(desiredObjects(ctx, plan), (o) => ctx.live(o));
}

/** The objects as they should be, owned by the resource; refuses objects another controller holds. */
export function desiredObjects(ctx: ClusterContext, plan: Plan): KubeObject[] {
  const owner = ownerOf(ctx.cr);
  const desired = plan.objects.map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }));
  // Before anything is written: a spec needing a CRD the Kubernetes cluster lacks changes nothing.
  for (const o of desired) {
    const optional = optionalKind(o);
    if (optional && ctx.caches.children.get(o.kind)?.served === false) {
      throw new MissingKindError(o.kind, o.apiVersion, optional.crd, optional.provider);
    }
  }
  const foreign = desired.map((o) => ctx.live(o)).find((l) => l && controllerOf(l) && controllerOf(l)!.uid !== owner.uid);
  if (foreign) {
    const holder = controllerOf(foreign)!;
    throw new OwnershipError(`${foreign.kind} ${foreign.metadata.name} is controlled by ${holder.kind} ${holder.name}; not taking it over`);
  }
  return desired;
}

/**
 * Server-side apply in stages, prune what synthesis no longer makes, delete pods stuck on a
 * revision being rolled back from. `beforeWorkloads` (the finalizer being added) is awaited
 * before the StatefulSets, which make the volumes it guards.
 */
export async function applyPlan(
  ctx: ClusterContext,
  plan: Plan,
  desired: KubeObject[],
  beforeWorkloads: Promise<void> | undefined,
): Promise<ApplyResult[]> {
  // Checked before the phases that change volumes and claims (reconcile.ts): not again.
  const results = await ctx.applier.apply(desired, { live: (o) => ctx.live(o), beforeWorkloads, checked: true });
  results.push(...await ctx.applier.prune(desired, withoutRetainedConfigMaps(ctx.inventory(), plan.roles, ctx.pods())));
  // A StatefulSet never replaces an unready pod itself: one stuck on a revision being replaced waits forever.
  for (const pod of plan.rollout.deletePods) {
    await ctx.restartPod(pod, 'deleted stuck pod', 'DeletedStuckPod', `${pod} was not Ready on a revision being replaced; deleted so it comes back on the current one`);
  }
  return results;
}
