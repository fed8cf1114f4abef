/**
 * Growing data volumes in place. A StatefulSet's claim templates cannot change,
 * so the claims are grown one by one and the StatefulSet is re-created around its
 * running pods (deleted with its pods orphaned, applied again: it adopts them on
 * the same revision, so none restarts). Every step is idempotent: an agent
 * stopped half-way finishes at its next reconcile.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { quantityBytes } from '../../constructs/internal.js';
import type { Applier } from '../apply/applier.js';
import { ApiError, type KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/kinds.js';
import { claimsOf, storageField, volumeChange, type VolumeChange } from './volumes.js';
import type { ClaimObject, StatefulSetWithClaims } from './views.js';

/** A volume change that cannot be carried out: the reconcile changes nothing and reports it. */
export class VolumeChangeError extends Error {
  constructor(readonly reason: 'VolumeChangeRefused' | 'VolumeExpansionNotSupported', message: string) {
    super(message);
  }
}

const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const GONE_TIMEOUT_MS = 30_000;

interface StorageClassObject extends KubeObject { allowVolumeExpansion?: boolean }

export interface ExpansionStep {
  /** Claims whose size asked was raised now. */
  readonly grown: string[];
  /** Set when the StatefulSet was deleted (pods orphaned) to be applied with the new template. */
  readonly recreated?: { readonly statefulSet: string; readonly from: string; readonly to: string };
}

export class VolumeExpander {
  constructor(private readonly client: KubeClient, private readonly applier: Applier) {}

  /**
   * Before the StatefulSets are applied: refuses what cannot be done (throws VolumeChangeError,
   * nothing changed), grows every bound claim below its template's size, and deletes a StatefulSet
   * whose claim template must grow so that the apply re-creates it.
   */
  async prepare(desired: readonly StatefulSetWithClaims[], live: (name: string) => StatefulSetWithClaims | undefined,
    claims: readonly ClaimObject[]): Promise<ExpansionStep> {
    const changes = desired.map((d) => [d, volumeChange(d, live(d.metadata.name))] as const);
    const refused = changes.find(([, c]) => c.kind === 'refused')?.[1] as Extract<VolumeChange, { kind: 'refused' }> | undefined;
    if (refused) throw new VolumeChangeError('VolumeChangeRefused', refused.message);
    const expand = changes.map(([, c]) => c).filter((c): c is Extract<VolumeChange, { kind: 'expand' }> => c.kind === 'expand');
    for (const change of expand) await this.checkExpandable(change);

    const grown: string[] = [];
    for (const sts of desired) {
      for (const template of sts.spec?.volumeClaimTemplates ?? []) {
        const size = template.spec.resources?.requests?.storage;
        const want = size === undefined ? undefined : quantityBytes(size);
        if (want === undefined) continue;
        for (const claim of claimsOf(claims, template.metadata.name, sts.metadata.name).values()) {
          // An unbound claim cannot be resized; it is grown once bound (the claim watch brings it back here).
          if (claim.status?.phase !== 'Bound' || (quantityBytes(claim.spec?.resources?.requests?.storage ?? '0') ?? 0) >= want) continue;
          await this.grow(claim, size!);
          grown.push(claim.metadata.name);
        }
      }
    }
    const change = expand[0];
    if (!change) return { grown };
    const sts = live(change.statefulSet)!;
    await this.applier.delete({ ...sts, apiVersion: 'apps/v1', kind: 'StatefulSet' }, { orphan: true });
    await this.waitGone(sts);
    return { grown, recreated: { statefulSet: change.statefulSet, from: change.from, to: change.to } };
  }

  /** Refuses a growth the StorageClass does not allow, before any claim is touched. */
  private async checkExpandable(change: Extract<VolumeChange, { kind: 'expand' }>): Promise<void> {
    const refusal = await this.expansionRefusal(change.storageClass);
    if (refusal) {
      throw new VolumeChangeError('VolumeExpansionNotSupported', `${storageField(change.template)}.capacity cannot grow from ${change.from} to ${change.to}: ${refusal}; nothing was changed. Ask for it to be allowed, or see docs/storage.md`);
    }
  }

  /**
   * Why claims of a StorageClass (undefined: the cluster's default) cannot grow; undefined when
   * they can, or when StorageClasses cannot be read (the API server's own check on the claim decides).
   */
  async expansionRefusal(storageClass: string | undefined): Promise<string | undefined> {
    let name = storageClass;
    try {
      if (!name) {
        const all = await this.client.request<{ items: StorageClassObject[] }>('GET', '/apis/storage.k8s.io/v1/storageclasses');
        name = all.items.find((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')?.metadata.name;
        if (!name) return 'the volumes have no StorageClass and the cluster has no default one to allow expansion';
      }
      const found = await this.client.request<StorageClassObject>('GET', `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(name)}`);
      return found.allowVolumeExpansion === true ? undefined : `StorageClass ${name} does not allow volume expansion (allowVolumeExpansion is not true)`;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return `StorageClass ${name} does not exist`;
      if (e instanceof ApiError && e.status === 403) return undefined;
      throw e;
    }
  }

  /** Asks for a larger claim (the storage driver and the kubelet grow the volume and its file system). */
  async grow(claim: ClaimObject, size: string, field = 'spec.worker.storage.capacity'): Promise<void> {
    try {
      await this.client.request('PATCH', `/api/v1/namespaces/${claim.metadata.namespace}/persistentvolumeclaims/${claim.metadata.name}`, {
        contentType: 'application/merge-patch+json',
        body: { spec: { resources: { requests: { storage: size } } } },
      });
    } catch (e) {
      // The API server's admission refuses claims whose class does not allow expansion.
      if (e instanceof ApiError && (e.status === 403 || e.status === 422)) {
        throw new VolumeChangeError('VolumeExpansionNotSupported', `${field}: the API server refused to grow ${claim.metadata.name} to ${size}: ${e.message}`);
      }
      throw e;
    }
  }

  /** Deleting with orphans takes the garbage collector a moment: apply only once the name is free. */
  private async waitGone(sts: KubeObject): Promise<void> {
    const path = `/apis/apps/v1/namespaces/${sts.metadata.namespace}/statefulsets/${sts.metadata.name}`;
    const deadline = Date.now() + GONE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      try {
        const now = await this.client.request<KubeObject>('GET', path);
        if (now.metadata.uid !== sts.metadata.uid) return;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return;
        throw e;
      }
      await delay(100);
    }
    throw new Error(`StatefulSet ${sts.metadata.namespace}/${sts.metadata.name} still exists ${GONE_TIMEOUT_MS / 1000} s after its deletion; retrying`);
  }
}
