/**
 * NetworkPolicy: the cmsd ports only from members of the cluster (and, on a
 * meta-manager, from the redirectors of member clusters in any namespace and the
 * configured clients), the xrootd port from members and from the configured
 * clients (anyone when none are given), the collector's report port from members
 * and its metrics port from anyone.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import { KubeNetworkPolicy, intOrString } from './kube.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { clusterLabels, clusterSelector } from './labels.js';
import type { Role } from './names.js';
import type { ClusterModel } from './model.js';
import { COLLECTOR_HTTP_PORT, COLLECTOR_REPORT_PORT } from './monitoring.js';

export function addNetworkPolicy(scope: Construct, model: ClusterModel): ApiObject | undefined {
  const policy = model.spec.networkPolicy;
  if (!policy.enabled) return undefined;
  const x = model.spec.xrootd;
  const members: k8s.NetworkPolicyPeer = { podSelector: { matchLabels: clusterSelector(model.name) } };
  const port = (p: number, protocol = 'TCP'): k8s.NetworkPolicyPort => ({ port: intOrString(p), protocol });
  const clients = policy.clients;
  // A meta-manager's subscribers are other clusters' redirectors (all.manager meta): any namespace's,
  // and those outside Kubernetes that networkPolicy.clients admits.
  const subscribers: k8s.NetworkPolicyPeer[] = model.spec.federation.metaManager
    ? [{ namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/component': 'redirector' satisfies Role } } }, ...(clients ?? [])]
    : [];
  return new KubeNetworkPolicy(scope, 'network-policy', {
    metadata: { name: model.names.networkPolicy(), namespace: model.namespace, labels: clusterLabels(model.name, model.release.version) },
    spec: {
      podSelector: { matchLabels: clusterSelector(model.name) },
      policyTypes: ['Ingress'],
      ingress: [
        // Data servers' cmsd ports are ephemeral; they only connect out, so the manager port is all there is to open.
        { from: [members, ...subscribers], ports: [port(x.cmsdPort)] },
        clients && clients.length ? { from: [members, ...clients], ports: [port(x.port)] } : { ports: [port(x.port)] },
        // spec.monitoring: reports only from members; metrics for whoever scrapes them (Prometheus). Pods on
        // their nodes' network (expose.type HostNetwork) report from the nodes' addresses, which no selector names.
        ...(model.spec.monitoring.enabled
          ? [{ ...(model.spec.expose.type === 'HostNetwork' ? {} : { from: [members] }), ports: [port(COLLECTOR_REPORT_PORT, 'UDP')] }, { ports: [port(COLLECTOR_HTTP_PORT)] }]
          : []),
      ],
    },
  });
}
