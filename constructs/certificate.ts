/**
 * The cert-manager Certificate of spec.security.tls.certificate: cert-manager issues the cluster's
 * certificate into the Secret the pods mount, and renews it there (the agent then rolls the pods).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { clusterLabels } from './labels.js';
import type { ClusterModel } from './model.js';
import type { Role } from './names.js';
import { externalHostname } from './services.js';

export const CERT_MANAGER_API_VERSION = 'cert-manager.io/v1';

/** Every name the cluster's clients and members use: the pods (a wildcard per role), the client Service, the spec's extra names. */
export function certificateDnsNames(model: ClusterModel, roles: readonly Role[]): string[] {
  const extra = model.spec.security.tls?.certificate?.dnsNames ?? [];
  // expose.hostnameTemplate: the names outside clients use, one wildcard for every pod and the redirectors.
  const outside = model.spec.expose.hostnameTemplate ? [externalHostname(model, '*')] : [];
  return [...new Set([...roles.map((r) => model.names.podWildcard(r)), ...model.names.clientServiceHosts(), ...outside, ...extra])];
}

export function addCertificate(scope: Construct, model: ClusterModel, roles: readonly Role[]): ApiObject | undefined {
  const tls = model.spec.security.tls;
  const wanted = tls?.certificate;
  if (!tls || !wanted) return undefined;
  const labels = clusterLabels(model.name, model.release.version);
  return new ApiObject(scope, 'certificate', {
    apiVersion: CERT_MANAGER_API_VERSION,
    kind: 'Certificate',
    metadata: { name: model.names.certificate(), namespace: model.namespace, labels },
    spec: {
      secretName: tls.secretName,
      // The Secret outlives nothing: it is cert-manager's, named by the spec, and found by its labels.
      secretTemplate: { labels: { 'app.kubernetes.io/name': labels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': model.name } },
      issuerRef: { ...wanted.issuerRef },
      dnsNames: certificateDnsNames(model, roles),
      // Servers present it; the HTTP third-party-copy agent and cmsd peers may present it as clients.
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
      // XRootD's GSI encrypts its handshake with the host key: only RSA works there.
      ...(model.spec.security.gsi ? { privateKey: { algorithm: 'RSA', size: 2048 } } : {}),
      ...(wanted.duration ? { duration: wanted.duration } : {}),
      ...(wanted.renewBefore ? { renewBefore: wanted.renewBefore } : {}),
    },
  });
}
