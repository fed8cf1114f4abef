/**
 * The CustomResourceDefinitions: Xrootd and XrootdGitSource (xrootd.org/v1alpha1)
 * and XrootdVersion (catalog.xrootd.org/v1alpha1), their OpenAPI schemas derived from the spec
 * schema. Cluster-scoped: put them in a chart without a namespace.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ARGOCD_SYNC_WAVE, CRD_SYNC_WAVE } from '../gitops.js';
import { MANAGED_BY } from '../labels.js';
import { toOpenApi } from '../api/openapi.js';
import { gitSourceSpecSchema, gitSourceStatusSchema } from '../api/git-source.js';
import { xrootdStatusSchema, xrootdVersionSpecSchema } from '../api/resources.js';
import { xrootdSpecSchema } from '../api/schema.js';

export const XROOTD_GROUP = 'xrootd.org';
export const CATALOG_GROUP = 'catalog.xrootd.org';
export const API_VERSION = 'v1alpha1';
/** The longest derived StatefulSet name is the cluster name plus "-redirector" (or "-supervisor"), at most 52. */
export const MAX_CLUSTER_NAME = 41;

const labels = { 'app.kubernetes.io/name': 'xrootd-k8s', 'app.kubernetes.io/managed-by': MANAGED_BY };
/**
 * Argo CD creates the CRDs in a wave before the agent and the resources that need them. Helm keeps
 * them at `helm uninstall` of the agent's chart: deleting a CRD deletes every cluster of its kind.
 */
const annotations = { [ARGOCD_SYNC_WAVE]: CRD_SYNC_WAVE, 'helm.sh/resource-policy': 'keep' };

const envelope = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec,
    // observedGeneration 0 until the agent reports: kstatus (Flux) counts an object without
    // conditions as Current, so a fresh resource would pass a health check before anyone saw it.
    ...(status ? { status: { ...status, default: { observedGeneration: 0 } } } : {}),
  },
  required: ['spec'],
});

export function xrootdCrd(): Record<string, unknown> {
  const schema = envelope(toOpenApi(xrootdSpecSchema), toOpenApi(xrootdStatusSchema)) as Record<string, unknown>;
  schema['x-kubernetes-validations'] = [{
    rule: `self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= ${MAX_CLUSTER_NAME}`,
    message: `metadata.name must be a DNS label (lower-case letters, digits and "-", starting with a letter) of at most ${MAX_CLUSTER_NAME} characters: derived StatefulSet names add 11`,
  }];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `xrootds.${XROOTD_GROUP}`, labels, annotations },
    spec: {
      group: XROOTD_GROUP,
      names: { kind: 'Xrootd', listKind: 'XrootdList', plural: 'xrootds', singular: 'xrootd', shortNames: ['xrd'], categories: ['xrootd-k8s'] },
      scope: 'Namespaced',
      versions: [{
        name: API_VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: schema },
        subresources: {
          status: {},
          // `kubectl scale xrootd/NAME --replicas=N` and autoscalers change the data servers.
          scale: { specReplicasPath: '.spec.worker.replicas', statusReplicasPath: '.status.workers.replicas', labelSelectorPath: '.status.workerSelector' },
        },
        additionalPrinterColumns: [
          { name: 'Redirectors', type: 'integer', jsonPath: '.status.redirectors.ready', description: 'Ready redirectors' },
          { name: 'Workers', type: 'integer', jsonPath: '.status.workers.ready', description: 'Ready data servers' },
          { name: 'Version', type: 'string', jsonPath: '.status.currentVersion', description: 'XRootD version every pod runs' },
          { name: 'Rollout', type: 'string', jsonPath: '.status.rollout.phase', description: 'Rolling, Paused or Stuck while the pod template rolls' },
          { name: 'Target', type: 'string', jsonPath: '.spec.version', priority: 1, description: 'XRootD version asked for' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Step', type: 'string', jsonPath: '.status.rollout.message', priority: 1, description: 'What the rollout waits for' },
        ],
      }],
    },
  };
}

export function xrootdVersionCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `xrootdversions.${CATALOG_GROUP}`, labels, annotations },
    spec: {
      group: CATALOG_GROUP,
      names: { kind: 'XrootdVersion', listKind: 'XrootdVersionList', plural: 'xrootdversions', singular: 'xrootdversion', shortNames: ['xrdv'], categories: ['xrootd-k8s'] },
      scope: 'Cluster',
      versions: [{
        name: API_VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: envelope(toOpenApi(xrootdVersionSpecSchema)) },
        additionalPrinterColumns: [
          { name: 'Version', type: 'string', jsonPath: '.spec.version' },
          { name: 'Image', type: 'string', jsonPath: '.spec.image' },
          { name: 'Deprecated', type: 'string', jsonPath: '.spec.deprecated' },
        ],
      }],
    },
  };
}

export function xrootdGitSourceCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `xrootdgitsources.${XROOTD_GROUP}`, labels, annotations },
    spec: {
      group: XROOTD_GROUP,
      names: { kind: 'XrootdGitSource', listKind: 'XrootdGitSourceList', plural: 'xrootdgitsources', singular: 'xrootdgitsource', shortNames: ['xrdgit'], categories: ['xrootd-k8s'] },
      scope: 'Namespaced',
      versions: [{
        name: API_VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: envelope(toOpenApi(gitSourceSpecSchema), toOpenApi(gitSourceStatusSchema)) },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'URL', type: 'string', jsonPath: '.spec.url' },
          { name: 'Path', type: 'string', jsonPath: '.spec.path', priority: 1 },
          { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'Commit applied' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
        ],
      }],
    },
  };
}

/** The CRDs, in a chart that has no namespace. */
export class XrootdCrds extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    for (const [cid, crd] of [['xrootd', xrootdCrd()], ['xrootd-version', xrootdVersionCrd()], ['xrootd-git-source', xrootdGitSourceCrd()]] as const) {
      const { apiVersion, kind, metadata, ...rest } = crd as { apiVersion: string; kind: string; metadata: Record<string, unknown> };
      new ApiObject(this, cid, { apiVersion, kind, metadata, ...rest });
    }
  }
}
