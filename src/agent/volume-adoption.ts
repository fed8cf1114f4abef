/**
 * Taking over the volumes of other claims (spec.worker.storage.adoptClaims: the
 * 2020 operator's, after `migrate`). Before a data server's own claim exists, a
 * claim of ours is made naming the old claim's PersistentVolume, and the volume
 * is re-pointed to it (pre-binding, which the PersistentVolume controller
 * completes). The volume's reclaim policy becomes Retain first, so no step can
 * lose it; the old claim is kept (unbound: Lost) for the administrator to delete.
 * Nothing is copied or deleted. Each step can be repeated.
 */
import { INVENTORY_LABEL, MANAGED_BY } from '../../constructs/index.js';
import { ApiError, type KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/kinds.js';
import type { ClaimObject, StatefulSetWithClaims } from './views.js';

/** Where the volume came from: a record on the volume, and for the administrator. */
export const ADOPTED_FROM_ANNOTATION = 'xrootd.org/adopted-from-claim';
export const RECLAIM_POLICY_BEFORE_ANNOTATION = 'xrootd.org/reclaim-policy-before-adoption';

interface VolumeObject extends KubeObject {
  spec?: {
    claimRef?: { namespace?: string; name?: string; uid?: string };
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    accessModes?: string[];
    capacity?: { storage?: string };
    volumeMode?: string;
  };
}

interface PodWithVolumes extends KubeObject {
  spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
  status?: { phase?: string };
}

interface OldClaim extends KubeObject { spec?: { volumeName?: string }; status?: { phase?: string } }

export interface Adoption { readonly claim: string; readonly from: string; readonly volume: string }

export class VolumeAdoptionError extends Error {}

const claimPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims/${encodeURIComponent(name)}`;
const volumePath = (name: string) => `/api/v1/persistentvolumes/${encodeURIComponent(name)}`;

export class VolumeAdopter {
  constructor(private readonly client: KubeClient) {}

  /**
   * For every data server (ordinal below the replicas) whose claim does not exist yet and whose
   * old claim does: binds a new claim to the old claim's volume. Each adoption is told as it is done,
   * so one that succeeded is reported even when a later data server's claim is refused.
   */
  async adopt(sts: StatefulSetWithClaims, pattern: string, existing: readonly ClaimObject[], labels: Record<string, string>,
    adopted: (a: Adoption) => Promise<void>): Promise<void> {
    const template = sts.spec?.volumeClaimTemplates?.[0];
    const ns = sts.metadata.namespace!;
    if (!template) return;
    const have = new Set(existing.map((c) => c.metadata.name));
    for (let ordinal = 0; ordinal < (sts.spec?.replicas ?? 0); ordinal++) {
      const name = `${template.metadata.name}-${sts.metadata.name}-${ordinal}`;
      if (have.has(name)) continue;
      const from = pattern.replace('{ordinal}', String(ordinal));
      const old = await this.get<OldClaim>(claimPath(ns, from));
      // No old claim for this data server: the StatefulSet makes a new volume, as for any cluster.
      if (!old) continue;
      if (old.metadata.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY) {
        throw new VolumeAdoptionError(`spec.worker.storage.adoptClaims: claim ${from} is a data volume of cluster ${old.metadata.labels[INVENTORY_LABEL] ?? '(unknown)'}, managed by this project; not taking it`);
      }
      const user = await this.podUsing(ns, from);
      if (user) throw new VolumeAdoptionError(`spec.worker.storage.adoptClaims: claim ${from} is in use by pod ${user}; stop the old cluster first (docs/migration.md)`);
      const volumeName = old.spec?.volumeName;
      if (!volumeName) throw new VolumeAdoptionError(`spec.worker.storage.adoptClaims: claim ${from} has no volume (phase ${old.status?.phase ?? 'unknown'}); ${name} is not made until it has one`);
      const volume = await this.get<VolumeObject>(volumePath(volumeName));
      if (!volume) throw new VolumeAdoptionError(`spec.worker.storage.adoptClaims: the volume ${volumeName} of claim ${from} does not exist`);
      const ref = volume.spec?.claimRef;
      const ours = ref?.namespace === ns && ref?.name === name;
      if (!ours && !(ref?.namespace === ns && ref?.name === from)) {
        throw new VolumeAdoptionError(`spec.worker.storage.adoptClaims: volume ${volumeName} is bound to ${ref?.namespace}/${ref?.name}, not to ${ns}/${from}; not taking it`);
      }
      await this.retain(volume, from);
      const claim = await this.createClaim(ns, name, volume, labels);
      await this.client.request('PATCH', volumePath(volumeName), {
        contentType: 'application/merge-patch+json',
        body: { spec: { claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid: claim.metadata.uid, resourceVersion: null } } },
      });
      await adopted({ claim: name, from, volume: volumeName });
    }
  }

  /** Retain before anything else: the old claim may be deleted at any time after. */
  private async retain(volume: VolumeObject, from: string): Promise<void> {
    const policy = volume.spec?.persistentVolumeReclaimPolicy;
    if (policy === 'Retain' && volume.metadata.annotations?.[ADOPTED_FROM_ANNOTATION]) return;
    await this.client.request('PATCH', volumePath(volume.metadata.name), {
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { annotations: { [ADOPTED_FROM_ANNOTATION]: `${volume.spec?.claimRef?.namespace}/${from}`, ...(policy !== 'Retain' ? { [RECLAIM_POLICY_BEFORE_ANNOTATION]: policy ?? '' } : {}) } },
        spec: { persistentVolumeReclaimPolicy: 'Retain' },
      },
    });
  }

  /** Our claim, naming the volume: the same size, class, modes; the StatefulSet finds it by name. */
  private async createClaim(ns: string, name: string, volume: VolumeObject, labels: Record<string, string>): Promise<KubeObject> {
    const body = {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: ns, labels },
      spec: {
        accessModes: volume.spec?.accessModes,
        // '' (not absent) for a volume without class: absent would get the default class and never bind.
        storageClassName: volume.spec?.storageClassName ?? '',
        volumeMode: volume.spec?.volumeMode,
        resources: { requests: { storage: volume.spec?.capacity?.storage } },
        volumeName: volume.metadata.name,
      },
    };
    try {
      return await this.client.request<KubeObject>('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, { body });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return (await this.get<KubeObject>(claimPath(ns, name)))!;
      throw e;
    }
  }

  /** A pod (not finished) that mounts the claim: two servers must never write one volume. */
  private async podUsing(ns: string, claim: string): Promise<string | undefined> {
    const pods = await this.client.request<{ items: PodWithVolumes[] }>('GET', `/api/v1/namespaces/${ns}/pods`);
    return pods.items.find((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')
      && p.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === claim))?.metadata.name;
  }

  private async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }
}
