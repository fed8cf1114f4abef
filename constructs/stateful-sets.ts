/** One StatefulSet per role, with per-pod DNS (serviceName) and, for data servers, their volumes. */
import { KubeStatefulSet, quantity } from './kube.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ARGOCD_SYNC_WAVE, roleSyncWave } from './gitops.js';
import { claimLabels, roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';
import { cacheDataDisks } from './cache.js';
import { DATA_VOLUME, podTemplate } from './pod-template.js';

export function replicasOf(model: ClusterModel, role: Role): number {
  const t = model.topology;
  return role === 'redirector' ? t.redirectors : role === 'supervisor' ? t.supervisors : t.workers;
}

export function addStatefulSet(scope: Construct, model: ClusterModel, role: Role, configHash: string): ApiObject {
  const { spec, names } = model;
  const storage = spec.worker.storage;
  return new KubeStatefulSet(scope, `${role}-statefulset`, {
    metadata: {
      name: names.statefulSet(role), namespace: model.namespace, labels: roleLabels(model.name, model.release.version, role),
      annotations: { [ARGOCD_SYNC_WAVE]: roleSyncWave(model, role) },
    },
    spec: {
      replicas: replicasOf(model, role),
      serviceName: names.headlessService(role),
      selector: { matchLabels: roleSelector(model.name, role) },
      // Members join the cluster on their own; starting them one by one would only slow a large cluster down.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: model.partitions[role] } },
      template: podTemplate(model, role, configHash),
      ...(role === 'worker'
        ? {
          persistentVolumeClaimRetentionPolicy: { whenScaled: storage.retention.whenScaled, whenDeleted: storage.retention.whenDeleted },
          volumeClaimTemplates: [{
            metadata: { name: DATA_VOLUME, labels: claimLabels(model.name, role) },
            spec: {
              accessModes: storage.accessModes,
              storageClassName: storage.class,
              resources: { requests: { storage: quantity(storage.capacity) } },
            },
          }, ...cacheDataDisks(model).map((disk) => ({
            // A cache cluster's data disks (spec.cache.dataDisks), one claim each.
            metadata: { name: disk.claim, labels: claimLabels(model.name, role) },
            spec: {
              accessModes: storage.accessModes,
              storageClassName: model.spec.cache!.dataDisks.class,
              resources: { requests: { storage: quantity(model.spec.cache!.dataDisks.capacity) } },
            },
          }))],
        }
        : {}),
    },
  });
}
