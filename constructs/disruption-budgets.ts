/**
 * A disruption budget per role: voluntary evictions take one pod of a role at a time. With
 * spec.worker.nodeDrain none of a data server, except one the agent has released (suspended, its
 * writes closed): the label leaves it out of the budget, and the drain's next eviction takes it.
 */
import { KubePodDisruptionBudget, intOrString } from './kube.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { RELEASED_TO_DRAIN_LABEL, roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';

export function addDisruptionBudget(scope: Construct, model: ClusterModel, role: Role): ApiObject {
  const prepared = role === 'worker' && !!model.spec.worker.nodeDrain;
  return new KubePodDisruptionBudget(scope, `${role}-pdb`, {
    metadata: {
      name: model.names.disruptionBudget(role),
      namespace: model.namespace,
      labels: roleLabels(model.name, model.release.version, role),
    },
    spec: {
      maxUnavailable: intOrString(prepared ? 0 : 1),
      selector: {
        matchLabels: roleSelector(model.name, role),
        ...(prepared ? { matchExpressions: [{ key: RELEASED_TO_DRAIN_LABEL, operator: 'DoesNotExist' }] } : {}),
      },
      // A pod that is not ready serves nobody: evicting it must not wait for the budget.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}
