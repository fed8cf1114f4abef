/**
 * Stable, readable object names derived from the cluster name, and the checks
 * that keep each of them within Kubernetes' length and character rules.
 */
import { issue, type SpecIssue } from './api/validate.js';

export type Role = 'redirector' | 'supervisor' | 'worker';
export const ROLES: readonly Role[] = ['redirector', 'supervisor', 'worker'];

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A StatefulSet's pods carry `controller-revision-hash: <name>-<10 chars>`, a label value of at most 63. */
const STATEFULSET_NAME_MAX = 52;
const LABEL_MAX = 63;
const FQDN_MAX = 253;
/** Object names such as a ConfigMap's are DNS subdomains. */
const SUBDOMAIN_MAX = 253;
const CONFIG_HASH_CHARS = 10;
/** Drain Jobs are named `<cluster>-drain-<ordinal>-<digest>`. */
export const DRAIN_DIGEST_CHARS = 6;
const MAX_WORKER_ORDINAL = 4095;

/** A namespace's name: a DNS-1123 label. */
export const isNamespaceName = (s: unknown): boolean => typeof s === 'string' && s.length <= LABEL_MAX && DNS_1123_LABEL.test(s);
/** An object's name, such as a Secret's: a DNS-1123 subdomain. */
export const isObjectName = (s: unknown): boolean => typeof s === 'string' && s.length <= SUBDOMAIN_MAX && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s);

export class ClusterNames {
  constructor(readonly cluster: string, readonly namespace: string, readonly clusterDomain: string) {}

  statefulSet(role: Role): string { return `${this.cluster}-${role}`; }
  /** Headless Service that gives each pod of a role its DNS name (the StatefulSet's serviceName). */
  headlessService(role: Role): string { return `${this.cluster}-${role}`; }
  /** The Service clients use: the redirectors. */
  clientService(): string { return this.cluster; }
  externalRedirectorService(): string { return `${this.cluster}-external`; }
  /** A data server's or supervisor's own Service outside (expose.type NodePort, LoadBalancer): named as its pod. */
  externalPodService(role: 'worker' | 'supervisor', ordinal: number): string { return this.pod(role, ordinal); }
  /** The addresses outside clients reach each pod at (expose.type LoadBalancer), as the agent reads them from the Services. */
  externalAddressesConfigMap(): string { return `${this.cluster}-external-addresses`; }
  /** One ConfigMap per configuration: `<cluster>-config-<first 10 hex digits of its hash>`. */
  configMap(configHash: string): string { return `${this.cluster}-config-${configHash.slice(0, CONFIG_HASH_CHARS)}`; }
  /** The data servers in maintenance: outside the hashed configuration, so a change restarts only those it concerns. */
  maintenanceConfigMap(): string { return `${this.cluster}-maintenance`; }
  /** The Job that copies data server `ordinal`'s files away before a scale-down removes it; `digest` names its plan. */
  drainJob(ordinal: number, digest: string): string { return `${this.cluster}-drain-${ordinal}-${digest}`; }
  disruptionBudget(role: Role): string { return `${this.cluster}-${role}`; }
  networkPolicy(): string { return this.cluster; }
  /** The metrics collector's Deployment and Service (spec.monitoring). */
  collector(): string { return `${this.cluster}-collector`; }
  /** The cert-manager Certificate of spec.security.tls.certificate. */
  certificate(): string { return `${this.cluster}-tls`; }
  /** A name covering every pod of a role in a certificate: `*.<service>.<namespace>.svc.<domain>`. */
  podWildcard(role: Role): string { return `*.${this.headlessService(role)}.${this.namespace}.svc.${this.clusterDomain}`; }
  /** The client Service's names, fully qualified and as pods of the namespace's neighbours write it. */
  clientServiceHosts(): string[] { return [`${this.clientService()}.${this.namespace}.svc.${this.clusterDomain}`, `${this.clientService()}.${this.namespace}.svc`]; }
  pod(role: Role, ordinal: number): string { return `${this.statefulSet(role)}-${ordinal}`; }
  /** The per-pod DNS name, `<pod>.<service>.<namespace>.svc.<domain>` (`namespace` may be a `$(VAR)` reference). */
  podHost(role: Role, ordinal: number, namespace = this.namespace): string {
    return `${this.pod(role, ordinal)}.${this.headlessService(role)}.${namespace}.svc.${this.clusterDomain}`;
  }
  /** The per-pod host name with a placeholder for the ordinal, resolved by the start script. */
  podHostPattern(role: Role, namespace = this.namespace): string {
    return `${this.statefulSet(role)}-{ordinal}.${this.headlessService(role)}.${namespace}.svc.${this.clusterDomain}`;
  }

  /** Every rule a derived name breaks, given the highest pod ordinal of each role. */
  check(maxOrdinal: Record<Role, number>, exposePerPod: boolean, drains = false): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (!DNS_LABEL.test(this.cluster) || this.cluster.length > LABEL_MAX) {
      issues.push(issue('name', 'must be a DNS label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)', this.cluster));
      return issues;
    }
    if (!DNS_1123_LABEL.test(this.namespace) || this.namespace.length > LABEL_MAX) {
      issues.push(issue('namespace', 'must be a DNS label (lower-case letters, digits and "-", at most 63 characters)', this.namespace));
    }
    const tooLong = (what: string, name: string, max: number, why = ''): void => {
      if (name.length > max) {
        issues.push(issue('name', `is too long: the ${what} "${name}" has ${name.length} characters, at most ${max} allowed${why}`));
      }
    };
    for (const role of ROLES) {
      if (maxOrdinal[role] < 0) continue;
      tooLong('StatefulSet name', this.statefulSet(role), STATEFULSET_NAME_MAX, ' (its pods\' controller-revision-hash label adds 11)');
      tooLong('pod name', this.pod(role, maxOrdinal[role]), LABEL_MAX, ' (a pod name is its DNS host label)');
      tooLong('per-pod DNS name', this.podHost(role, maxOrdinal[role]), FQDN_MAX);
    }
    if (exposePerPod && maxOrdinal.worker >= 0) {
      tooLong('per-pod Service name', this.externalPodService('worker', maxOrdinal.worker), LABEL_MAX);
    }
    // Any data server may be drained (its Job's name becomes its pods' job-name label).
    if (drains) tooLong('drain Job name', this.drainJob(MAX_WORKER_ORDINAL, '0'.repeat(DRAIN_DIGEST_CHARS)), LABEL_MAX, ' (worker.scaleDown: Drain)');
    tooLong('ConfigMap name', this.configMap('0'.repeat(CONFIG_HASH_CHARS)), SUBDOMAIN_MAX);
    tooLong('external Service name', this.externalRedirectorService(), LABEL_MAX);
    return issues;
  }
}

/** `namespace/name` of an upstream reference, its namespace defaulting to the referring cluster's. */
export const upstreamRefKey = (ref: { name: string; namespace?: string }, namespace: string): string => `${ref.namespace ?? namespace}/${ref.name}`;
