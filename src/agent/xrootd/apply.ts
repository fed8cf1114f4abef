/**
 * Carrying a plan's objects out: owned by the resource, refused when another controller holds one
 * or a kind's CRD is missing, server-side applied in stages, and what synthesis no longer makes
 * pruned (keeping the configuration of revisions that pods may still start with).
 */
import { MissingKindError, optionalKind, RefusedObjectsError, type ApplyResult } from '../../apply/applier.js';
import { controllerOf, type KubeObject, type OwnerReference } from '../../kube/kinds.js';
import { XROOTD_API_VERSION } from '../../kinds.js';
import { withoutRetainedConfigMaps } from '../config-retention.js';
import type { ClusterContext } from './context.js';
import { OwnershipError } from './failures.js';
import type { Plan } from './plan.js';
import type { StatefulSetWithClaims } from '../views.js';
import { statefulSetsWithClaims } from './volumes.js';

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
 * Every object the API server would refuse stops the reconcile before anything changes. When the
 * volume phases may act (adopt claims, mark a drained volume, grow claim templates: one of them
 * deletes a StatefulSet to recreate it), every object is dry-run before them, and the apply does
 * not check again. Otherwise the apply checks as it writes (Applier.apply), a round trip less.
 */
export async function dryRunPlan(ctx: ClusterContext, plan: Plan): Promise<void> {
  if (!volumesMayChange(ctx, plan) && !refusedBefore(ctx)) return;
  await ctx.applier.preflight(desiredObjects(ctx, plan), (o) => ctx.live(o));
  ctx.checked = true;
}

/** This generation was refused by the API server already (ReconcilerDeps.refusedGenerations). */
function refusedBefore(ctx: ClusterContext): boolean {
  return ctx.deps.refusedGenerations.get(ctx.cr.metadata.uid!) === ctx.cr.metadata.generation;
}

const claimSizes = (sts: StatefulSetWithClaims | undefined): string =>
  JSON.stringify(sts?.spec?.volumeClaimTemplates?.map((t) => [t.metadata.name, t.spec.resources?.requests?.storage]) ?? []);

/** Whether the phases before the apply may change volumes, claims or StatefulSets (./volumes.ts, ./drain.ts). */
function volumesMayChange(ctx: ClusterContext, plan: Plan): boolean {
  if (plan.model.spec.worker.storage.adoptClaims || plan.drain?.drained) return true;
  return statefulSetsWithClaims(plan.objects).some((sts) => {
    const live = ctx.liveStatefulSet(sts.metadata.name) as StatefulSetWithClaims | undefined;
    return live !== undefined && claimSizes(live) !== claimSizes(sts);
  });
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
  // Checked before the phases that change volumes and claims when they may act (dryRunPlan), else as it writes.
  const checked = ctx.checked;
  const uid = ctx.cr.metadata.uid!;
  const results = await ctx.applier.apply(desired, { live: (o) => ctx.live(o), beforeWorkloads, checked }).catch((e: unknown) => {
    if (e instanceof RefusedObjectsError) {
      ctx.deps.refusedGenerations.set(uid, ctx.cr.metadata.generation ?? 0);
      if (e.undone.length) ctx.log.info('created alongside the checks, deleted again', { cluster: ctx.key, objects: e.undone });
      if (e.left.length) ctx.log.warn('created or taken over alongside the checks, and not deleted again: pruned once a spec applies', { cluster: ctx.key, objects: e.left });
    }
    throw e;
  });
  ctx.deps.refusedGenerations.delete(uid);
  results.push(...await ctx.applier.prune(desired, withoutRetainedConfigMaps(ctx.inventory(), plan.roles, ctx.pods())));
  // A StatefulSet never replaces an unready pod itself: one stuck on a revision being replaced waits forever.
  for (const pod of plan.rollout.deletePods) {
    await ctx.restartPod(pod, 'deleted stuck pod', 'DeletedStuckPod', `${pod} was not Ready on a revision being replaced; deleted so it comes back on the current one`);
  }
  return results;
}
