/** A disruption budget per role: voluntary evictions take one pod of a role at a time. */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import type { Construct } from 'constructs';
import { roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';

export function addDisruptionBudget(scope: Construct, model: ClusterModel, role: Role): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, `${role}-pdb`, {
    metadata: { name: model.names.disruptionBudget(role), namespace: model.namespace, labels: roleLabels(model.name, model.release.version, role) },
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: roleSelector(model.name, role) },
      // A pod that is not ready serves nobody: evicting it must not wait for the budget.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
