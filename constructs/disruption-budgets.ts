/** A disruption budget per role: voluntary evictions take one pod of a role at a time. */
import { KubePodDisruptionBudget, intOrString } from './kube.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';

export function addDisruptionBudget(scope: Construct, model: ClusterModel, role: Role): ApiObject {
  return new KubePodDisruptionBudget(scope, `${role}-pdb`, {
    metadata: {
      name: model.names.disruptionBudget(role),
      namespace: model.namespace,
      labels: roleLabels(model.name, model.release.version, role),
    },
    spec: {
      maxUnavailable: intOrString(1),
      selector: { matchLabels: roleSelector(model.name, role) },
      // A pod that is not ready serves nobody: evicting it must not wait for the budget.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
