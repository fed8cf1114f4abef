/**
 * Apply order: what others depend on goes first. Definitions and namespaces,
 * then identities, config and the network policy (so no pod ever starts
 * unprotected), then Services and budgets, then the workloads.
 */
import type { KubeObject } from '../kube/kinds.js';

const STAGE_OF_KIND: Record<string, number> = {
  CustomResourceDefinition: 0,
  Namespace: 0,
  ServiceAccount: 1,
  ClusterRole: 1,
  ClusterRoleBinding: 1,
  Role: 1,
  RoleBinding: 1,
  ConfigMap: 1,
  Secret: 1,
  NetworkPolicy: 1,
  // Before the pods: cert-manager has the Secret they mount written while they are created.
  Certificate: 1,
  // After the collector's Service they watch, with the rest of what reads the cluster.
  ServiceMonitor: 2,
  PrometheusRule: 2,
  Service: 2,
  PodDisruptionBudget: 2,
  StatefulSet: 3,
  Deployment: 3,
  XrootdVersion: 4,
  Xrootd: 4,
};

export function stageOf(obj: Pick<KubeObject, 'kind'>): number {
  const stage = STAGE_OF_KIND[obj.kind];
  if (stage === undefined) throw new Error(`no apply stage for kind ${obj.kind}`);
  return stage;
}

/** Objects grouped by stage, stages in order, each group in the input's order. */
export function inStages<T extends Pick<KubeObject, 'kind'>>(objects: readonly T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const o of objects) {
    const s = stageOf(o);
    groups.set(s, [...(groups.get(s) ?? []), o]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((s) => groups.get(s)!);
}
