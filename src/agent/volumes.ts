/**
 * The data volumes of a cluster: what a spec change asks of them (grow, or a
 * change the agent refuses), and what they are now (expanding, kept after a
 * scale-down). Pure: the claims and StatefulSets come in from the watch caches.
 */
import { DRAINED_AT_ANNOTATION, quantityBytes } from '../../constructs/internal.js';
import type { VolumesStatus } from '../../constructs/index.js';
import { withoutUndefined } from '../json.js';
import type { ClaimObject, StatefulSetWithClaims } from './views.js';

/**
 * Where a claim template's settings live in the spec (only data servers have volumes): the first
 * volume's in worker.storage, a cache server's data disks' (cache-data-<n>) in cache.dataDisks.
 */
export const storageField = (template: string): string => (template.startsWith('cache-data-') ? 'spec.cache.dataDisks' : 'spec.worker.storage');

export type VolumeChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly message: string }
  /** Grow the claims of `statefulSet` from the template's `from` to `to`; `storageClass` undefined: the cluster's default. */
  | { readonly kind: 'expand'; readonly statefulSet: string; readonly template: string; readonly from: string; readonly to: string; readonly storageClass?: string };

const bytes = (q: string | undefined): number | undefined => (q === undefined ? undefined : quantityBytes(q));

/**
 * What moving from the live StatefulSet's claim templates to the desired ones asks. The API server
 * forbids any change to a StatefulSet's claim templates, so each is either a growth the agent
 * carries out on the claims themselves, or refused with the field and the way out.
 */
export function volumeChange(desired: StatefulSetWithClaims, live: StatefulSetWithClaims | undefined): VolumeChange {
  for (const want of desired.spec?.volumeClaimTemplates ?? []) {
    const have = live?.spec?.volumeClaimTemplates?.find((t) => t.metadata.name === want.metadata.name);
    if (!have) continue;
    const field = storageField(want.metadata.name);
    const [wantClass, haveClass] = [want.spec.storageClassName, have.spec.storageClassName];
    if (wantClass !== haveClass) {
      return { kind: 'refused', message: `${field}.class cannot change (from ${haveClass ?? 'the cluster default'} to ${wantClass ?? 'the cluster default'}): a volume keeps its StorageClass; docs/storage.md describes moving data servers to another class` };
    }
    if (JSON.stringify(want.spec.accessModes ?? []) !== JSON.stringify(have.spec.accessModes ?? [])) {
      return { kind: 'refused', message: `${field}.accessModes cannot change (from ${(have.spec.accessModes ?? []).join(', ')} to ${(want.spec.accessModes ?? []).join(', ')}): volumes keep their access modes` };
    }
    const [to, from] = [want.spec.resources?.requests?.storage, have.spec.resources?.requests?.storage];
    const [toBytes, fromBytes] = [bytes(to), bytes(from)];
    if (toBytes === undefined || fromBytes === undefined || toBytes === fromBytes) continue;
    if (toBytes < fromBytes) {
      return { kind: 'refused', message: `${field}.capacity may grow but never shrink (from ${from} to ${to}): Kubernetes cannot shrink a volume; docs/storage.md describes moving data to smaller volumes` };
    }
    return { kind: 'expand', statefulSet: desired.metadata.name, template: want.metadata.name, from: from!, to: to!, storageClass: wantClass };
  }
  return { kind: 'none' };
}

/** The claims a StatefulSet made from a template: `<template>-<statefulSet>-<ordinal>`, by ordinal. */
export function claimsOf(claims: readonly ClaimObject[], template: string, statefulSet: string): Map<number, ClaimObject> {
  const prefix = `${template}-${statefulSet}-`;
  const out = new Map<number, ClaimObject>();
  for (const c of claims) {
    const rest = c.metadata.name.startsWith(prefix) ? c.metadata.name.slice(prefix.length) : '';
    if (/^(0|[1-9][0-9]*)$/.test(rest) && !c.metadata.deletionTimestamp) out.set(Number(rest), c);
  }
  return out;
}

/** A claim below the size asked: what the resize waits for, in words. */
function waitingFor(c: ClaimObject): string {
  const types = (c.status?.conditions ?? []).map((x) => x.type);
  if (c.status?.phase !== 'Bound') return 'the claim to be bound (it gets the new size when it is)';
  if (types.includes('FileSystemResizePending')) return 'the kubelet to grow the file system (it does while the pod runs)';
  if (types.includes('ControllerResizeError') || types.includes('NodeResizeError')) return `the storage driver, which reported an error: ${c.status?.conditions?.find((x) => x.type.endsWith('ResizeError'))?.message ?? ''}`;
  return 'the storage driver to grow the volume';
}

export interface VolumesInput {
  /** The data servers' StatefulSet as it should be: its replicas and claim template. */
  readonly desired: StatefulSetWithClaims | undefined;
  readonly claims: readonly ClaimObject[];
}

/**
 * The data volumes now: the size asked, which claims are below it and why, and the claims kept
 * after a scale-down (their files are not served by any pod).
 */
export function volumesStatus({ desired, claims }: VolumesInput): VolumesStatus | undefined {
  const template = desired?.spec?.volumeClaimTemplates?.[0];
  if (!desired || !template) return undefined;
  const capacity = template.spec.resources?.requests?.storage;
  const wanted = bytes(capacity);
  const replicas = desired.spec?.replicas ?? 0;
  const byOrdinal = [...claimsOf(claims, template.metadata.name, desired.metadata.name)].sort(([a], [b]) => a - b);
  const serving = byOrdinal.filter(([ordinal]) => ordinal < replicas).map(([, c]) => c);
  const below = serving.filter((c) => wanted !== undefined && (bytes(c.status?.capacity?.storage) ?? 0) < wanted);
  const retained = byOrdinal.filter(([ordinal]) => ordinal >= replicas)
    .map(([ordinal, c]) => withoutUndefined({ claim: c.metadata.name, pod: `${desired.metadata.name}-${ordinal}`, drainedAt: c.metadata.annotations?.[DRAINED_AT_ANNOTATION] }));
  return withoutUndefined({
    capacity,
    claims: serving.length,
    atCapacity: serving.length - below.length,
    expanding: below.length ? below.map((c) => ({ claim: c.metadata.name, capacity: c.status?.capacity?.storage ?? '0', waitingFor: waitingFor(c) })) : undefined,
    retained: retained.length ? retained : undefined,
  }) as VolumesStatus;
}
