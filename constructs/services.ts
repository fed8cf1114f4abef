/**
 * Services: a headless one per role (per-pod DNS names, published before the
 * pods are ready so peers resolve each other while booting), the client
 * Service on the redirectors, and optional exposure outside the cluster.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import { KubeService, intOrString } from './kube.js';
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { roleLabels, roleSelector } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';

function ports(model: ClusterModel, role: Role): k8s.ServicePort[] {
  const x = model.spec.xrootd;
  const xrootd: k8s.ServicePort = { name: 'xrootd', port: x.port, targetPort: intOrString('xrootd'), protocol: 'TCP' };
  const cmsd: k8s.ServicePort = { name: 'cmsd', port: x.cmsdPort, targetPort: intOrString('cmsd'), protocol: 'TCP' };
  return role === 'worker' ? [xrootd] : [xrootd, cmsd];
}

export function addHeadlessService(scope: Construct, model: ClusterModel, role: Role): ApiObject {
  return new KubeService(scope, `${role}-headless`, {
    metadata: { name: model.names.headlessService(role), namespace: model.namespace, labels: roleLabels(model.name, model.release.version, role) },
    spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: roleSelector(model.name, role), ports: ports(model, role) },
  });
}

export function addClientService(scope: Construct, model: ClusterModel): ApiObject {
  return new KubeService(scope, 'client', {
    metadata: { name: model.names.clientService(), namespace: model.namespace, labels: roleLabels(model.name, model.release.version, 'redirector') },
    spec: { type: 'ClusterIP', selector: roleSelector(model.name, 'redirector'), ports: ports(model, 'worker') },
  });
}

/** Exposure through Services (NodePort, LoadBalancer); None and HostNetwork have none. */
export const exposesPerPodServices = (type: string): type is 'NodePort' | 'LoadBalancer' => type === 'NodePort' || type === 'LoadBalancer';

/** Redirects send clients to data servers directly, so each data server needs an address of its own outside. */
export function addExternalServices(scope: Construct, model: ClusterModel): void {
  const { expose } = model.spec;
  if (!exposesPerPodServices(expose.type)) return;
  const type = expose.type;
  const metadata = (name: string, role: Role): k8s.ObjectMeta => ({
    name, namespace: model.namespace, labels: roleLabels(model.name, model.release.version, role),
    annotations: expose.annotations && Object.keys(expose.annotations).length ? expose.annotations : undefined,
  });
  new KubeService(scope, 'external', {
    metadata: metadata(model.names.externalRedirectorService(), 'redirector'),
    spec: { type, externalTrafficPolicy: 'Local', selector: roleSelector(model.name, 'redirector'), ports: ports(model, 'worker') },
  });
  for (let i = 0; i < model.topology.workers; i++) {
    new KubeService(scope, `external-worker-${i}`, {
      metadata: metadata(model.names.externalWorkerService(i), 'worker'),
      spec: {
        type,
        externalTrafficPolicy: 'Local',
        selector: { ...roleSelector(model.name, 'worker'), 'statefulset.kubernetes.io/pod-name': model.names.pod('worker', i) },
        ports: ports(model, 'worker'),
      },
    });
  }
}
