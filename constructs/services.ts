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
import { exposesPerPodServices, podsWithOwnService } from './topology.js';

function ports(model: ClusterModel, role: Role): k8s.ServicePort[] {
  const x = model.spec.xrootd;
  const xrootd: k8s.ServicePort = { name: 'xrootd', port: x.port, targetPort: intOrString('xrootd'), protocol: 'TCP' };
  const cmsd: k8s.ServicePort = { name: 'cmsd', port: x.cmsdPort, targetPort: intOrString('cmsd'), protocol: 'TCP' };
  return role === 'worker' ? [xrootd] : [xrootd, cmsd];
}

export function addHeadlessService(scope: Construct, model: ClusterModel, role: Role): ApiObject {
  return new KubeService(scope, `${role}-headless`, {
    metadata: {
      name: model.names.headlessService(role),
      namespace: model.namespace,
      labels: roleLabels(model.name, model.release.version, role),
    },
    spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: roleSelector(model.name, role), ports: ports(model, role) },
  });
}

export function addClientService(scope: Construct, model: ClusterModel): ApiObject {
  return new KubeService(scope, 'client', {
    metadata: { name: model.names.clientService(), namespace: model.namespace, labels: roleLabels(model.name, model.release.version, 'redirector') },
    spec: { type: 'ClusterIP', selector: roleSelector(model.name, 'redirector'), ports: ports(model, 'worker') },
  });
}

/** The annotation external-dns reads a Service's DNS name from. */
export const EXTERNAL_DNS_HOSTNAME = 'external-dns.alpha.kubernetes.io/hostname';

/** expose.hostnameTemplate with {pod} replaced. */
export const externalHostname = (model: ClusterModel, pod: string): string => model.spec.expose.hostnameTemplate!.replace('{pod}', pod);

/** Redirects send clients to data servers directly, so each data server needs an address of its own outside. */
export function addExternalServices(scope: Construct, model: ClusterModel): void {
  const { expose } = model.spec;
  if (!exposesPerPodServices(expose.type)) return;
  const type = expose.type;
  // external-dns names each Service after the pod (or, for the redirectors, the cluster) it exposes.
  const metadata = (name: string, role: Role): k8s.ObjectMeta => {
    const annotations = { ...expose.annotations, ...(expose.hostnameTemplate ? { [EXTERNAL_DNS_HOSTNAME]: externalHostname(model, role === 'redirector' ? model.name : name) } : {}) };
    return {
      name,
      namespace: model.namespace,
      labels: roleLabels(model.name, model.release.version, role),
      annotations: Object.keys(annotations).length ? annotations : undefined,
    };
  };
  new KubeService(scope, 'external', {
    metadata: metadata(model.names.externalRedirectorService(), 'redirector'),
    spec: { type, externalTrafficPolicy: 'Local', selector: roleSelector(model.name, 'redirector'), ports: ports(model, 'worker') },
  });
  // Supervisors too: a manager sends clients to a supervisor, which sends them on to a data server.
  for (const { role, ordinal, pod } of podsWithOwnService(model.names, model.topology)) {
    new KubeService(scope, `external-${role}-${ordinal}`, {
      metadata: metadata(model.names.externalPodService(role, ordinal), role),
      spec: {
        type,
        externalTrafficPolicy: 'Local',
        selector: { ...roleSelector(model.name, role), 'statefulset.kubernetes.io/pod-name': pod },
        // The pod's own port: XRootD announces it, with the Service's address, to the managers.
        ports: ports(model, 'worker'),
      },
    });
  }
}

/** The pods whose addresses outside clients are redirected to: data servers and supervisors. */
export const advertisesExternalAddress = (model: ClusterModel, role: Role): boolean => model.spec.expose.type === 'LoadBalancer' && role !== 'redirector';

/** expose.type LoadBalancer: `<pod> <address>` per line, from XrootdClusterProps.externalAddresses (the agent's reading of the Services). */
export function renderExternalAddresses(model: ClusterModel): string {
  return Object.entries(model.externalAddresses).sort(([a], [b]) => a.localeCompare(b)).map(([pod, address]) => `${pod} ${address}\n`).join('');
}
