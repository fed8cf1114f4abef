/**
 * Our finalizer: written before the StatefulSets (which make the volumes it guards); on deletion,
 * data volumes go only when `spec.worker.storage.retention.whenDeleted` is Delete, everything else
 * is garbage-collected through owner references.
 */
import { INVENTORY_LABEL } from '../../../constructs/index.js';
import { collectionPath, kindInfo, objectPath, refOf, type KubeObject } from '../../kube/kinds.js';
import type { ClusterContext } from './context.js';

export const FINALIZER = 'xrootd.org/finalizer';

export async function addFinalizer(ctx: ClusterContext): Promise<void> {
  const { cr } = ctx;
  // The resourceVersion makes this a compare-and-swap: a concurrent change retries instead of being overwritten.
  await ctx.client.request('PATCH', objectPath(refOf(cr)), {
    contentType: 'application/merge-patch+json',
    body: { metadata: { finalizers: [...(cr.metadata.finalizers ?? []), FINALIZER], resourceVersion: cr.metadata.resourceVersion } },
  });
}

export async function finalize(ctx: ClusterContext): Promise<void> {
  const { cr } = ctx;
  if (!cr.metadata.finalizers?.includes(FINALIZER)) return;
  const retention = (cr.spec as { worker?: { storage?: { retention?: { whenDeleted?: string } } } } | undefined)?.worker?.storage?.retention?.whenDeleted ?? 'Retain';
  const pvcs = await ctx.client.request<{ items: KubeObject[] }>('GET', collectionPath(kindInfo('v1', 'PersistentVolumeClaim'), ctx.namespace), {
    query: { labelSelector: `${INVENTORY_LABEL}=${cr.metadata.name}` },
  });
  if (retention === 'Delete') {
    for (const pvc of pvcs.items) await ctx.applier.delete({ ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
  }
  // A finalize run again (its PATCH below lost a race) finds the volumes gone: it has nothing to say (CI saw "deleted 0").
  if (retention !== 'Delete' || pvcs.items.length) {
    await ctx.event('Normal', 'Deleting', retention === 'Delete'
      ? `deleted ${pvcs.items.length} data volumes (whenDeleted: Delete)`
      : `kept ${pvcs.items.length} data volumes (whenDeleted: Retain)`);
  }
  await ctx.client.request('PATCH', objectPath(refOf(cr)), {
    contentType: 'application/merge-patch+json',
    body: { metadata: { finalizers: cr.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: cr.metadata.resourceVersion } },
  });
  ctx.log.info('finalized', { cluster: ctx.key, volumes: retention === 'Delete' ? 'deleted' : 'kept' });
}
