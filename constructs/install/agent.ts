/**
 * What it takes to run the agent in a cluster: ServiceAccount, least-privilege
 * RBAC (cluster-wide, or namespaced when the agent watches one namespace),
 * the Deployment with probes and a restricted security context, and the
 * metrics Service. The CRDs come from XrootdCrds (a chart without namespace).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';
import { KubeClusterRole, KubeClusterRoleBinding, KubeDeployment, KubeNamespace, KubeRole, KubeRoleBinding, KubeService, KubeServiceAccount, quantity, intOrString } from '../kube.js';
import { CATALOG_GROUP, XROOTD_GROUP } from './crds.js';
import { GIT_SOURCE_LABEL, INVENTORY_LABEL, MANAGED_BY } from '../labels.js';
import { PROMETHEUS_OPERATOR_API_VERSION } from '../prometheus.js';
import { isNamespaceName, isObjectName } from '../names.js';
import { DIRECTIVE_NAME } from '../api/directives.js';
import { SPACE_OR_CONTROL } from '../api/dsl.js';
import { issue, re2, SpecValidationError, type SpecIssue } from '../api/validate.js';
import { quantityValue } from '../quantity.js';

/** A resource name as requests and limits take it: cpu, memory, ephemeral-storage, hugepages-2Mi, example.com/gpu. */
const RESOURCE_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const AGENT_IMAGE_REPOSITORY = 'ghcr.io/xrootd-k8s/agent';
export const AGENT_HTTP_PORT = 8080;
/**
 * Node flags of the agent's container: a small young generation and a capped
 * heap keep the resident set near what the agent really holds (V8 otherwise
 * grows its semi-spaces to 16 MB each and collects late).
 */
export const AGENT_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=160';

/** A Secret the agent may read, by name. */
export interface SecretGrant { readonly namespace: string; readonly secretName: string }

export interface XrootdAgentProps {
  /**
   * Namespace the agent runs in (and holds its leader Lease in).
   * @default "xrootd-system"
   */
  readonly namespace?: string;
  /**
   * Create the namespace too; false when it exists already (`helm install --create-namespace`).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Agent image.
   * @default "ghcr.io/xrootd-k8s/agent:<version>"
   */
  readonly image?: string;
  /**
   * Version of the agent image when `image` is not given.
   * @default "0.1.0"
   */
  readonly version?: string;
  /**
   * Watch only this namespace: RBAC becomes a Role there (plus read access to the cluster-scoped catalog).
   * @default - all namespaces, with a ClusterRole
   */
  readonly watchNamespace?: string;
  /**
   * Replicas; more than one take turns through the leader Lease.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Which `extraDirectives` clusters may carry (`--extra-directives`): whoever can create an Xrootd
   * chooses what its pods' daemons run. `none` or a list of directive names (`['xrootd.trace']`)
   * for agents that serve tenants.
   * @default "all"
   */
  readonly extraDirectives?: 'all' | 'none' | readonly string[];
  /**
   * The Secrets Git sources name in `spec.secretRef`: the agent may read these and no other Secret
   * (a Role per namespace naming them). Others can be granted later with a Role of the same shape.
   * @default - none
   */
  readonly gitCredentials?: readonly SecretGrant[];
  /**
   * The TLS Secrets clusters name in `spec.security.tls.secretName`: the agent reads them (get, by
   * name) to roll the pods when a certificate is renewed. Without the grant a renewal needs a new
   * secretName to reach the pods.
   * @default - none
   */
  readonly tlsSecrets?: readonly SecretGrant[];
  /**
   * A ServiceMonitor of the agent's metrics (the Prometheus Operator's CRDs must be installed): its
   * xrootd_agent_rollout_stuck feeds the clusters' XrootdRolloutStuck alert.
   * @default false
   */
  readonly serviceMonitor?: boolean;
  /**
   * Install the ValidatingAdmissionPolicies that let the agent delete only objects it made, and
   * re-point volumes only within their namespace when adopting them (admissionregistration.k8s.io/v1,
   * Kubernetes 1.30 and later). RBAC cannot say "owned by".
   * @default true
   */
  readonly ownedDeletesPolicy?: boolean;
  /**
   * The agent container's requests and limits (quantities by resource name).
   * @default - requests cpu 50m and memory 128Mi, limit memory 256Mi
   */
  readonly resources?: AgentResources;
}

/** Requests and limits by resource name (`cpu`, `memory`), as quantities ("50m", "128Mi"). */
export interface AgentResources {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

const DEFAULT_RESOURCES: AgentResources = { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } };

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const GIT_CACHE_MOUNT = '/var/cache/xrootd-k8s';

/** What the agent does to clusters' objects, and nothing more. */
export function agentRules(): k8s.PolicyRule[] {
  return [
    // create and delete: the Xrootd resources a Git source declares (and prunes).
    { apiGroups: [XROOTD_GROUP], resources: ['xrootds'], verbs: ALL },
    { apiGroups: [XROOTD_GROUP], resources: ['xrootds/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups: [XROOTD_GROUP], resources: ['xrootds/finalizers'], verbs: ['update'] },
    { apiGroups: [XROOTD_GROUP], resources: ['xrootdgitsources'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [XROOTD_GROUP], resources: ['xrootdgitsources/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups: [''], resources: ['configmaps', 'services'], verbs: ALL },
    // Deployments: the clusters' metrics collectors (spec.monitoring).
    { apiGroups: ['apps'], resources: ['statefulsets', 'deployments'], verbs: ALL },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
    // The drain Jobs of spec.worker.scaleDown: Drain, and their logs (how far the copy got).
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ALL },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ALL },
    // spec.security.tls.certificate: cert-manager issues what these ask for (docs/security.md on who may ask).
    { apiGroups: ['cert-manager.io'], resources: ['certificates'], verbs: ALL },
    // spec.monitoring.prometheusOperator: the collector's ServiceMonitor and the cluster's alerts.
    { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors', 'prometheusrules'], verbs: ALL },
    // Volumes are deleted only when a cluster's spec asks for it (retention whenDeleted: Delete);
    // the admission policy refuses deleting any the agent did not make. patch: growing them;
    // create: a claim bound to an adopted volume (spec.worker.storage.adoptClaims).
    { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    // Pods gate rollouts; one stuck on a revision being rolled back from is deleted (a StatefulSet never does that).
    // patch: spec.worker.nodeDrain's label on a data server released to its node's drain.
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch', 'delete'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

export class XrootdAgent extends Construct {
  constructor(scope: Construct, id: string, props: XrootdAgentProps = {}) {
    super(scope, id);
    checkAgentProps(props);
    const namespace = props.namespace ?? 'xrootd-system';
    const name = 'xrootd-k8s-agent';
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': MANAGED_BY };
    const selector = { 'app.kubernetes.io/name': name };
    const image = props.image ?? `${AGENT_IMAGE_REPOSITORY}:${props.version ?? '0.1.0'}`;
    const subject = { kind: 'ServiceAccount', name, namespace };
    const meta = (n: string, ns?: string) => ({ name: n, ...(ns ? { namespace: ns } : {}), labels });

    if (props.createNamespace ?? true) new KubeNamespace(this, 'namespace', { metadata: { name: namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    new KubeServiceAccount(this, 'account', { metadata: meta(name, namespace), automountServiceAccountToken: true });

    // The catalog, StorageClasses (may a volume grow?), Nodes (cordoned?) and PersistentVolumes (adoption) are cluster-scoped: read access needs a ClusterRole in both modes.
    new KubeClusterRole(this, 'catalog-reader', {
      metadata: meta(`${name}-catalog`),
      rules: [
        { apiGroups: [CATALOG_GROUP], resources: ['xrootdversions'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list'] },
        // spec.worker.nodeDrain: which nodes are cordoned; spec.healing.lostNodes: which are NotReady or out of service.
        { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
        // Adopting a volume re-points it to a claim of ours; the volume-adoption policy keeps that within a namespace.
        // get: spec.healing.lostNodes reads which nodes a data volume can be mounted on.
        { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'patch'] },
      ],
    });
    new KubeClusterRoleBinding(this, 'catalog-reader-binding', {
      metadata: meta(`${name}-catalog`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-catalog` },
      subjects: [subject],
    });
    if (props.watchNamespace) {
      new KubeRole(this, 'role', { metadata: meta(name, props.watchNamespace), rules: agentRules() });
      new KubeRoleBinding(this, 'role-binding', {
        metadata: meta(name, props.watchNamespace),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [subject],
      });
    } else {
      new KubeClusterRole(this, 'role', { metadata: meta(name), rules: agentRules() });
      new KubeClusterRoleBinding(this, 'role-binding', {
        metadata: meta(name),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [subject],
      });
    }
    new KubeRole(this, 'leader-role', {
      metadata: meta(`${name}-leader`, namespace),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    });
    new KubeRoleBinding(this, 'leader-binding', {
      metadata: meta(`${name}-leader`, namespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader` },
      subjects: [subject],
    });

    // Secrets by name only, never list or watch: Git sources' credentials, clusters' TLS Secrets.
    grantSecrets(this, `${name}-git-credentials`, 'git-credentials', props.gitCredentials, labels, subject);
    grantSecrets(this, `${name}-tls-secrets`, 'tls-secrets', props.tlsSecrets, labels, subject);
    if (props.ownedDeletesPolicy ?? true) {
      addOwnedDeletesPolicy(this, `${name}-owned-deletes`, `system:serviceaccount:${namespace}:${name}`, labels);
      addVolumeAdoptionPolicy(this, `${name}-volume-adoption`, `system:serviceaccount:${namespace}:${name}`, labels);
    }

    const http = intOrString('http');
    new KubeDeployment(this, 'deployment', {
      metadata: meta(name, namespace),
      spec: {
        replicas: props.replicas ?? 2,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'agent',
              image,
              args: ['agent', `--http-port=${AGENT_HTTP_PORT}`, `--git-cache-dir=${GIT_CACHE_MOUNT}/git`, ...(props.watchNamespace ? [`--namespace=${props.watchNamespace}`] : []),
                ...extraDirectivesArgs(props.extraDirectives)],
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NODE_OPTIONS', value: AGENT_NODE_OPTIONS },
              ],
              ports: [{ name: 'http', containerPort: AGENT_HTTP_PORT, protocol: 'TCP' }],
              livenessProbe: { httpGet: { path: '/healthz', port: http }, periodSeconds: 20 },
              readinessProbe: { httpGet: { path: '/readyz', port: http }, periodSeconds: 10 },
              resources: resourceRequirements(props.resources ?? DEFAULT_RESOURCES),
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              // Shallow Git mirrors and the short-lived SSH key files; the root file system stays read-only.
              volumeMounts: [{ name: 'cache', mountPath: GIT_CACHE_MOUNT }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [
              { name: 'cache', emptyDir: { sizeLimit: quantity('1Gi') } },
              { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: quantity('16Mi') } },
            ],
          },
        },
      },
    });
    new KubeService(this, 'metrics', {
      metadata: { ...meta(`${name}-metrics`, namespace), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(AGENT_HTTP_PORT) } },
      spec: { selector, ports: [{ name: 'http', port: AGENT_HTTP_PORT, targetPort: http, protocol: 'TCP' }] },
    });
    if (props.serviceMonitor) {
      new ApiObject(this, 'service-monitor', {
        apiVersion: PROMETHEUS_OPERATOR_API_VERSION, kind: 'ServiceMonitor', metadata: meta(name, namespace),
        // honorLabels: the rollout gauge's cluster and namespace are the clusters', not the agent's.
        spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'http', path: '/metrics', interval: '30s', honorLabels: true }] },
      });
    }
  }
}

function resourceRequirements(r: AgentResources): k8s.ResourceRequirements {
  const quantities = (m?: Readonly<Record<string, string>>) =>
    (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, quantity(v)])) : undefined);
  return { requests: quantities(r.requests), limits: quantities(r.limits) };
}

/** Roles of one purpose, one per namespace, granting get on the named Secrets. */
function grantSecrets(scope: Construct, roleName: string, id: string, grants: readonly SecretGrant[] | undefined,
  labels: Record<string, string>, subject: { kind: string; name: string; namespace: string }): void {
  const byNamespace = new Map<string, string[]>();
  for (const g of grants ?? []) byNamespace.set(g.namespace, [...byNamespace.get(g.namespace) ?? [], g.secretName]);
  for (const [ns, secrets] of byNamespace) {
    const metadata = { name: roleName, namespace: ns, labels };
    new KubeRole(scope, `${id}-${ns}`, { metadata, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [...new Set(secrets)].sort(), verbs: ['get'] }] });
    new KubeRoleBinding(scope, `${id}-binding-${ns}`, {
      metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }, subjects: [subject],
    });
  }
}

/**
 * The props end up in names, a CEL expression (the admission policy's user name) and the
 * Deployment: each is checked against Kubernetes' own rule, every broken one named.
 */
function checkAgentProps(props: XrootdAgentProps): void {
  const issues: SpecIssue[] = [];
  for (const field of ['namespace', 'watchNamespace'] as const) {
    if (props[field] !== undefined && !isNamespaceName(props[field])) issues.push(issue(field, 'must be a namespace name (lower-case letters, digits and "-", at most 63)', props[field]));
  }
  for (const field of ['gitCredentials', 'tlsSecrets'] as const) (props[field] ?? []).forEach((c, i) => {
    if (!isNamespaceName(c?.namespace)) issues.push(issue(`${field}[${i}].namespace`, 'must be a namespace name (lower-case letters, digits and "-", at most 63)', c?.namespace));
    if (!isObjectName(c?.secretName)) issues.push(issue(`${field}[${i}].secretName`, 'must be a Secret name (lower-case letters, digits, "-" and ".", at most 253)', c?.secretName));
  });
  for (const field of ['image', 'version'] as const) {
    const v = props[field];
    if (v !== undefined && (typeof v !== 'string' || !re2(`^[^${SPACE_OR_CONTROL}]+$`).test(v))) issues.push(issue(field, 'must be a non-empty string without spaces or control characters', v));
  }
  if (props.replicas !== undefined && !(Number.isInteger(props.replicas) && props.replicas >= 1)) issues.push(issue('replicas', 'must be a whole number >= 1', props.replicas));
  for (const kind of ['requests', 'limits'] as const) {
    for (const [resource, value] of Object.entries(props.resources?.[kind] ?? {})) {
      if (!RESOURCE_NAME.test(resource)) issues.push(issue(`resources.${kind}`, 'keys must be resource names such as cpu, memory or ephemeral-storage', resource));
      if (typeof value !== 'string' || quantityValue(value) === undefined) issues.push(issue(`resources.${kind}.${resource}`, 'must be a quantity such as 50m, 128Mi or 1', value));
    }
  }
  if (issues.length) throw new SpecValidationError(issues, 'XrootdAgent props');
}

/** The agent's `--extra-directives` argument; none for the default (all). */
function extraDirectivesArgs(policy: XrootdAgentProps['extraDirectives'] = 'all'): string[] {
  if (policy === 'all') return [];
  if (policy === 'none') return ['--extra-directives=none'];
  const bad = policy.filter((n) => !DIRECTIVE_NAME.test(n));
  if (!policy.length || bad.length) throw new Error(`extraDirectives must be 'all', 'none' or a non-empty list of directive names such as xrootd.trace, got ${JSON.stringify(policy)}`);
  return [`--extra-directives=${policy.join(',')}`];
}

/** What the agent may delete, by kind: objects of its clusters (by label); Xrootd resources only those a Git source applied. */
const DELETABLE = [
  { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'configmaps', 'services'] },
  { apiGroups: ['apps'], resources: ['statefulsets'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
  { apiGroups: ['batch'], resources: ['jobs'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'] },
  { apiGroups: [XROOTD_GROUP], resources: ['xrootds'] },
];

/**
 * RBAC cannot narrow a patch of PersistentVolumes or a create of claims: this policy lets the agent
 * only re-point a volume to a claim in the namespace it was bound in, only set Retain, and only
 * create claims labelled as its own. A compromised agent cannot move a volume to another namespace.
 */
function addVolumeAdoptionPolicy(scope: Construct, name: string, username: string, labels: Record<string, string>): void {
  addAgentPolicy(scope, 'volume-adoption', { name, username, labels }, [
    { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['persistentvolumes'] },
    { apiGroups: [''], apiVersions: ['*'], operations: ['CREATE'], resources: ['persistentvolumeclaims'] },
  ], [
    {
      expression: `request.resource.resource != 'persistentvolumes' || (has(oldObject.spec.claimRef) && has(object.spec.claimRef) && object.spec.claimRef.namespace == oldObject.spec.claimRef.namespace)`,
      messageExpression: `'the xrootd-k8s agent re-points a volume only to a claim in the namespace it was bound in: ' + request.name`,
    },
    {
      expression: `request.resource.resource != 'persistentvolumes' || object.spec.persistentVolumeReclaimPolicy == oldObject.spec.persistentVolumeReclaimPolicy || object.spec.persistentVolumeReclaimPolicy == 'Retain'`,
      messageExpression: `'the xrootd-k8s agent sets no reclaim policy but Retain: ' + request.name`,
    },
    {
      expression: `request.resource.resource != 'persistentvolumeclaims' || (has(object.metadata.labels) && '${INVENTORY_LABEL}' in object.metadata.labels && object.metadata.labels['app.kubernetes.io/managed-by'] == '${MANAGED_BY}')`,
      messageExpression: `'the xrootd-k8s agent creates only claims labelled ${INVENTORY_LABEL} and managed-by ${MANAGED_BY}: ' + request.namespace + '/' + object.metadata.name`,
    },
  ]);
}

/** A ValidatingAdmissionPolicy for the agent's ServiceAccount only, and its binding (Deny). */
function addAgentPolicy(scope: Construct, id: string, who: { name: string; username: string; labels: Record<string, string> },
  resourceRules: Record<string, unknown>[], validations: { expression: string; messageExpression: string }[]): void {
  const { name, username, labels } = who;
  new ApiObject(scope, id, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules },
      matchConditions: [{ name: 'is-the-agent', expression: `request.userInfo.username == '${username}'` }],
      validations: validations.map((v) => ({ ...v, reason: 'Forbidden' })),
    },
  });
  new ApiObject(scope, `${id}-binding`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  });
}

/**
 * RBAC grants delete on a kind; this admission policy narrows the agent's deletes to what it made,
 * so a compromised or confused agent cannot delete anyone else's pods, volumes or clusters.
 */
function addOwnedDeletesPolicy(scope: Construct, name: string, username: string, labels: Record<string, string>): void {
  const label = (key: string) => `(has(oldObject.metadata.labels) && '${key}' in oldObject.metadata.labels)`;
  addAgentPolicy(scope, 'owned-deletes', { name, username, labels }, DELETABLE.map((r) => ({ ...r, apiVersions: ['*'], operations: ['DELETE'] })), [{
    expression: `request.resource.resource == 'xrootds' ? ${label(GIT_SOURCE_LABEL)} : (${label(INVENTORY_LABEL)} && ${label('app.kubernetes.io/managed-by')} && oldObject.metadata.labels['app.kubernetes.io/managed-by'] == '${MANAGED_BY}')`,
    messageExpression: `'the xrootd-k8s agent deletes only what it made: ' + request.resource.resource + ' ' + request.namespace + '/' + request.name + (request.resource.resource == 'xrootds' ? ' was not applied by a Git source' : ' is not labelled ${INVENTORY_LABEL} and managed-by ${MANAGED_BY}')`,
  }]);
}
