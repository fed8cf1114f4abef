/**
 * XrootdCluster: typed props in, every object of a working XRootD cluster out.
 * Pure: no I/O, no clock, no randomness; the same props give the same objects.
 */
import { ApiObject } from 'cdk8s';
import { KubeConfigMap } from './kube.js';
import { Construct } from 'constructs';
import { addCertificate } from './certificate.js';
import { addCollector } from './monitoring.js';
import { addPrometheusObjects } from './prometheus.js';
import { configHash, EXTERNAL_ADDRESSES_KEY, MAINTENANCE_KEY, renderConfigFiles } from './config.js';
import { CORDONED_NODES_KEY } from './node-drain.js';
import { addDisruptionBudget } from './disruption-budgets.js';
import { clusterLabels } from './labels.js';
import { resolveCluster, type ClusterModel, type XrootdClusterProps } from './model.js';
import { SpecValidationError } from './api/validate.js';
import { ROLES, type Role } from './names.js';
import { addNetworkPolicy } from './network-policy.js';
import { addClientService, addExternalServices, addHeadlessService, renderExternalAddresses } from './services.js';
import { addStatefulSet, replicasOf } from './stateful-sets.js';
import { drainJob } from './drain.js';

/** A model resolved beforehand (resolveCluster, withDecisions): rendered as it is, not resolved again. */
export interface ResolvedClusterProps {
  readonly model: ClusterModel;
}

/**
 * Every object of one XRootD cluster. The objects it renders are exposed (`apiObjects`,
 * `statefulSet(role)`, `configMap`, ...) for what the props do not cover: patch them with cdk8s'
 * `addJsonPatch` or their `metadata` (docs/library.md).
 */
export class XrootdCluster extends Construct {
  /** The validated, defaulted model everything is rendered from. */
  readonly model: ClusterModel;
  /** The files of the cluster's ConfigMap (configuration, start and probe scripts). */
  readonly configFiles: Readonly<Record<string, string>>;
  /** Hash of the configuration, stamped on the pod templates. */
  readonly configHash: string;
  /** The roles this cluster runs (supervisors only when it has any). */
  readonly roles: readonly Role[];

  /** The immutable ConfigMap of the configuration and scripts, named by its hash. */
  readonly configMap: ApiObject;
  /** The data servers' maintenance list (spec.worker.maintenance), read by them at start. */
  readonly maintenanceConfigMap: ApiObject;
  /** The Service clients connect to (the redirectors). */
  readonly clientService: ApiObject;
  /** The NetworkPolicy, unless spec.networkPolicy turns it off. */
  readonly networkPolicy?: ApiObject;
  private readonly statefulSets = new Map<Role, ApiObject>();
  private readonly headlessServices = new Map<Role, ApiObject>();
  private readonly disruptionBudgets = new Map<Role, ApiObject>();

  constructor(scope: Construct, id: string, props: XrootdClusterProps | ResolvedClusterProps) {
    super(scope, id);
    this.model = 'model' in props ? props.model : resolveCluster(props);
    const model = this.model;
    // Valid on its own, but the configuration needs the meta-managers' addresses.
    if (model.unresolvedRefs.length) throw new SpecValidationError([...model.unresolvedRefs], `XrootdCluster "${model.name}"`);
    this.configFiles = renderConfigFiles(model);
    this.configHash = configHash(this.configFiles);
    this.roles = ROLES.filter((r) => replicasOf(model, r) > 0);

    // Named by its content and immutable: each revision of the pod templates keeps the configuration
    // it was made with, so a pod of the old revision restarting mid-rollout starts as it ran.
    this.configMap = new KubeConfigMap(this, 'config', {
      metadata: {
        name: model.names.configMap(this.configHash),
        namespace: model.namespace,
        labels: clusterLabels(model.name, model.release.version),
      },
      data: { ...this.configFiles },
      immutable: true,
    });
    this.maintenanceConfigMap = new KubeConfigMap(this, 'maintenance', {
      metadata: {
        name: model.names.maintenanceConfigMap(),
        namespace: model.namespace,
        labels: clusterLabels(model.name, model.release.version),
      },
      data: {
        [MAINTENANCE_KEY]: model.spec.worker.maintenance.map((o) => `${o}\n`).join(''),
        ...(model.spec.worker.nodeDrain ? { [CORDONED_NODES_KEY]: model.cordonedNodes.map((n) => `${n}\n`).join('') } : {}),
      },
    });
    if (model.spec.expose.type === 'LoadBalancer') {
      // Not hashed into the configuration: the agent fills it in as the load balancers get their addresses.
      new KubeConfigMap(this, 'external-addresses', {
        metadata: {
          name: model.names.externalAddressesConfigMap(),
          namespace: model.namespace,
          labels: clusterLabels(model.name, model.release.version),
        },
        data: { [EXTERNAL_ADDRESSES_KEY]: renderExternalAddresses(model) },
      });
    }
    for (const role of this.roles) this.headlessServices.set(role, addHeadlessService(this, model, role));
    this.clientService = addClientService(this, model);
    addExternalServices(this, model);
    for (const role of this.roles) this.statefulSets.set(role, addStatefulSet(this, model, role, this.configHash));
    for (const role of this.roles) this.disruptionBudgets.set(role, addDisruptionBudget(this, model, role));
    this.networkPolicy = addNetworkPolicy(this, model);
    addCertificate(this, model, this.roles);
    addCollector(this, model);
    addPrometheusObjects(this, model);
    // decisions.drain: the copy of a data server's files before a scale-down removes it.
    if (model.drainJob) new ApiObject(this, 'drain-job', drainJob(model, model.drainJob));
  }

  /** A role's StatefulSet; undefined for a role the cluster does not run (supervisors of a small cluster). */
  statefulSet(role: Role): ApiObject | undefined { return this.statefulSets.get(role); }
  /** A role's headless Service (per-pod DNS names). */
  headlessService(role: Role): ApiObject | undefined { return this.headlessServices.get(role); }
  /** A role's PodDisruptionBudget. */
  disruptionBudget(role: Role): ApiObject | undefined { return this.disruptionBudgets.get(role); }
  /** Every object this cluster renders, in the order they are written. */
  get apiObjects(): ApiObject[] { return this.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c)); }
}
