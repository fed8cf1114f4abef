/**
 * The Kubernetes objects the constructs make, typed by cdk8s-plus-28's generated props but built
 * on cdk8s' ApiObject directly. Its generated classes live in one 2.7 MB module whose loading
 * alone held 14 MiB of the agent's memory, for the 14 kinds used here; the types cost nothing.
 * Output is the same: ApiObject drops undefined values and sorts keys, Quantity and
 * IntOrString are plain values in JSON, and the few props whose names the generator changed
 * (clusterIp for clusterIP) get their API names back.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';

type KubeKind<P> = new (scope: Construct, id: string, props: P) => ApiObject;

/** The generated props' names that differ from the API's (acronyms), as cdk8s-plus-28's toJson_ functions map them. */
const API_NAMES: Record<string, string> = {
  clusterIp: 'clusterIP', datasetUuid: 'datasetUUID', diskUri: 'diskURI', externalId: 'externalID', hostIp: 'hostIP',
  hostIpc: 'hostIPC', hostPid: 'hostPID', insecureSkipTlsVerify: 'insecureSkipTLSVerify', loadBalancerIp: 'loadBalancerIP', nodeId: 'nodeID',
  nonResourceUrLs: 'nonResourceURLs', pdId: 'pdID', podCidr: 'podCIDR', podCidRs: 'podCIDRs', providerId: 'providerID',
  setHostnameAsFqdn: 'setHostnameAsFQDN', storagePolicyId: 'storagePolicyID', targetCpuUtilizationPercentage: 'targetCPUUtilizationPercentage',
  targetWwNs: 'targetWWNs', volumeId: 'volumeID',
};
/** Maps of user keys (a ConfigMap may well hold a key "hostIp"): never renamed inside. */
const FREE_FORM = new Set(['labels', 'annotations', 'data', 'binaryData', 'stringData', 'matchLabels', 'nodeSelector', 'selector']);

function withApiNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withApiNames);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [API_NAMES[k] ?? k, FREE_FORM.has(k) ? v : withApiNames(v)]));
}

function kubeKind<P extends object>(apiVersion: string, kind: string): KubeKind<P> {
  return class extends ApiObject {
    constructor(scope: Construct, id: string, props: P) {
      super(scope, id, { apiVersion, kind, ...props });
    }

    override toJson(): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- ApiObject's own signature
      return withApiNames(super.toJson());
    }
  };
}

export const KubeNamespace = kubeKind<k8s.KubeNamespaceProps>('v1', 'Namespace');
export const KubeServiceAccount = kubeKind<k8s.KubeServiceAccountProps>('v1', 'ServiceAccount');
export const KubeConfigMap = kubeKind<k8s.KubeConfigMapProps>('v1', 'ConfigMap');
export const KubeService = kubeKind<k8s.KubeServiceProps>('v1', 'Service');
export const KubeClusterRole = kubeKind<k8s.KubeClusterRoleProps>('rbac.authorization.k8s.io/v1', 'ClusterRole');
export const KubeClusterRoleBinding = kubeKind<k8s.KubeClusterRoleBindingProps>('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding');
export const KubeRole = kubeKind<k8s.KubeRoleProps>('rbac.authorization.k8s.io/v1', 'Role');
export const KubeRoleBinding = kubeKind<k8s.KubeRoleBindingProps>('rbac.authorization.k8s.io/v1', 'RoleBinding');
export const KubeDeployment = kubeKind<k8s.KubeDeploymentProps>('apps/v1', 'Deployment');
export const KubeStatefulSet = kubeKind<k8s.KubeStatefulSetProps>('apps/v1', 'StatefulSet');
export const KubePodDisruptionBudget = kubeKind<k8s.KubePodDisruptionBudgetProps>('policy/v1', 'PodDisruptionBudget');
export const KubeNetworkPolicy = kubeKind<k8s.KubeNetworkPolicyProps>('networking.k8s.io/v1', 'NetworkPolicy');

/** A quantity ("1Gi", "500m") where the generated types want their Quantity. */
export const quantity = (value: string): k8s.Quantity => value as unknown as k8s.Quantity;
/** A port number or name where the generated types want their IntOrString. */
export const intOrString = (value: number | string): k8s.IntOrString => value as unknown as k8s.IntOrString;
