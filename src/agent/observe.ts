/**
 * What the rollout planner needs to know about each role, read from the
 * watch caches: the live StatefulSet, its pods, and whether the desired pod
 * template differs from the live one.
 */
import { replicasOf, ROLES, type ClusterModel, type ResolvedXrootdSpec, type Role } from '../../constructs/index.js';
import { isSubset } from '../json.js';
import type { KubeObject } from '../kube/kinds.js';
import type { RolloutPolicy } from './rollout.js';
import { podsOf, type PodObject, type RoleView, type StatefulSetView } from './views.js';

export function observeRoles(model: ClusterModel, desired: readonly KubeObject[], live: (role: Role) => StatefulSetView | undefined,
  pods: readonly PodObject[]): RoleView[] {
  return ROLES.filter((role) => replicasOf(model, role) > 0 || live(role)).map((role) => {
    const sts = live(role);
    const want = desired.find((o) => o.kind === 'StatefulSet' && o.metadata.name === model.names.statefulSet(role)) as { spec?: { template?: unknown } } | undefined;
    const liveSpec = sts?.spec as { template?: unknown } | undefined;
    // Until the controller has seen the latest spec, its revisions describe an older template.
    const statusBehind = !!sts && (sts.status?.observedGeneration ?? 0) < (sts.metadata.generation ?? 0);
    return {
      role,
      statefulSet: model.names.statefulSet(role),
      replicas: replicasOf(model, role),
      exists: !!sts,
      templateChanging: !!sts && !isSubset(want?.spec?.template, liveSpec?.template),
      statusBehind,
      partition: sts?.spec?.updateStrategy?.rollingUpdate?.partition ?? 0,
      updateRevision: sts?.status?.updateRevision,
      currentRevision: sts?.status?.currentRevision,
      pods: podsOf(pods, model.names.statefulSet(role)),
    };
  });
}

export function policyOf(spec: ResolvedXrootdSpec): RolloutPolicy {
  const u = spec.upgrade;
  return {
    order: u.order as Role[],
    maxUnavailable: { redirector: u.maxUnavailable.redirector, supervisor: u.maxUnavailable.supervisor, worker: u.maxUnavailable.worker },
    minReadySeconds: u.minReadySeconds,
    stepDeadlineSeconds: u.stepDeadlineSeconds,
    paused: u.paused,
  };
}
