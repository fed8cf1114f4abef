/**
 * XrootdCluster: typed props in, every object of a working XRootD cluster out.
 * Pure: no I/O, no clock, no randomness; the same props give the same objects.
 */
import { KubeConfigMap } from './kube.js';
import { Construct } from 'constructs';
import { addCertificate } from './certificate.js';
import { addCollector } from './monitoring.js';
import { addPrometheusObjects } from './prometheus.js';
import { configHash, EXTERNAL_ADDRESSES_KEY, MAINTENANCE_KEY, renderConfigFiles } from './config.js';
import { addDisruptionBudget } from './disruption-budgets.js';
import { clusterLabels } from './labels.js';
import { resolveCluster, type ClusterModel, type XrootdClusterProps } from './model.js';
import { SpecValidationError } from './spec/validate.js';
import { ROLES, type Role } from './names.js';
import { addNetworkPolicy } from './network-policy.js';
import { addClientService, addExternalServices, addHeadlessService, renderExternalAddresses } from './services.js';
import { addStatefulSet, replicasOf } from './stateful-sets.js';

export class XrootdCluster extends Construct {
  /** The validated, defaulted model everything is rendered from. */
  readonly model: ClusterModel;
  /** The files of the cluster's ConfigMap (configuration, start and probe scripts). */
  readonly configFiles: Readonly<Record<string, string>>;
  /** Hash of the configuration, stamped on the pod templates. */
  readonly configHash: string;
  /** The roles this cluster runs (supervisors only when it has any). */
  readonly roles: readonly Role[];

  constructor(scope: Construct, id: string, props: XrootdClusterProps) {
    super(scope, id);
    this.model = resolveCluster(props);
    const model = this.model;
    // Valid on its own, but the configuration needs the meta-managers' addresses.
    if (model.unresolvedUpstreamRefs.length) throw new SpecValidationError([...model.unresolvedUpstreamRefs], `XrootdCluster "${model.name}"`);
    this.configFiles = renderConfigFiles(model);
    this.configHash = configHash(this.configFiles);
    this.roles = ROLES.filter((r) => replicasOf(model, r) > 0);

    // Named by its content and immutable: each revision of the pod templates keeps the configuration
    // it was made with, so a pod of the old revision restarting mid-rollout starts as it ran.
    new KubeConfigMap(this, 'config', {
      metadata: { name: model.names.configMap(this.configHash), namespace: model.namespace, labels: clusterLabels(model.name, model.release.version) },
      data: { ...this.configFiles },
      immutable: true,
    });
    new KubeConfigMap(this, 'maintenance', {
      metadata: { name: model.names.maintenanceConfigMap(), namespace: model.namespace, labels: clusterLabels(model.name, model.release.version) },
      data: { [MAINTENANCE_KEY]: model.spec.worker.maintenance.map((o) => `${o}\n`).join('') },
    });
    if (model.spec.expose.type === 'LoadBalancer') {
      // Not hashed into the configuration: the agent fills it in as the load balancers get their addresses.
      new KubeConfigMap(this, 'external-addresses', {
        metadata: { name: model.names.externalAddressesConfigMap(), namespace: model.namespace, labels: clusterLabels(model.name, model.release.version) },
        data: { [EXTERNAL_ADDRESSES_KEY]: renderExternalAddresses(model) },
      });
    }
    for (const role of this.roles) addHeadlessService(this, model, role);
    addClientService(this, model);
    addExternalServices(this, model);
    for (const role of this.roles) addStatefulSet(this, model, role, this.configHash);
    for (const role of this.roles) addDisruptionBudget(this, model, role);
    addNetworkPolicy(this, model);
    addCertificate(this, model, this.roles);
    addCollector(this, model);
    addPrometheusObjects(this, model);
  }
}
