/**
 * The OLM bundle of the agent (registry+v1): a ClusterServiceVersion whose install strategy is
 * the Deployment, ServiceAccount permissions and metrics Service that XrootdAgent synthesizes
 * for dist/agent, the CRDs of XrootdCrds as owned CRDs, and the bundle's metadata and
 * Dockerfile. Pure: props in, file texts out (src/dist/main.ts writes them into dist/olm/).
 *
 * What OLM does itself is left out of the install: the Namespace (an OperatorGroup's), and the
 * ValidatingAdmissionPolicy narrowing the agent's deletes (not a kind a bundle may carry: it is
 * written beside the bundle, owned-deletes-policy.yaml, see docs/install.md).
 */
import { synthesized } from './synthesized.js';
import { stringify } from 'yaml';
import { XrootdAgent, type XrootdAgentProps } from './agent.js';
import { XrootdCrds } from './crds.js';

export const OLM_PACKAGE = 'xrootd-k8s';
export const OLM_CHANNEL = 'alpha';

/** What the bundle reads of the synthesized objects: Deployment, roles, CRDs, Service. */
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: unknown[];
  spec?: {
    template?: { spec: { serviceAccountName: string; containers: Array<{ image: string }> } };
    names?: { kind: string };
    versions?: Array<{ name: string }>;
  };
}

export interface OlmBundleProps {
  /** The operator's version (semver): the CSV is `xrootd-k8s.v<version>`, the agent image tag the same. */
  readonly version: string;
  /** Example resources shown by consoles (`alm-examples`). */
  readonly examples: readonly Record<string, unknown>[];
  /** The version this one replaces in the channel. @default - none (the first) */
  readonly replaces?: string;
  /** Agent props (image, replicas, extraDirectives); namespace and watchNamespace are OLM's. */
  readonly agent?: Omit<XrootdAgentProps, 'namespace' | 'watchNamespace' | 'gitCredentials' | 'ownedDeletesPolicy'>;
}

const descriptor = (path: string, displayName: string, description: string, ...xDescriptors: string[]) =>
  ({ path, displayName, description, 'x-descriptors': xDescriptors });
const UI = 'urn:alm:descriptor:com.tectonic.ui';

/** Console descriptors of the fields administrators set and read most. */
const OWNED = {
  Xrootd: {
    displayName: 'XRootD cluster',
    description: 'Redirectors (managers) and data servers with a cmsd beside every xrootd, rolled out by the agent.',
    resources: ['StatefulSet', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'NetworkPolicy'].map((kind) => ({ kind, name: '', version: 'v1' })),
    specDescriptors: [
      descriptor('version', 'XRootD version', 'A version of the catalog (XrootdVersion resources and the built-in ones).', `${UI}:text`),
      descriptor('redirector.replicas', 'Redirectors', 'Managers clients connect to.', 'urn:alm:descriptor:com.tectonic.ui:podCount'),
      descriptor('worker.replicas', 'Data servers', 'Data servers holding the exported paths.', 'urn:alm:descriptor:com.tectonic.ui:podCount'),
      descriptor('worker.storage.capacity', 'Volume size', 'Size of each data server\'s volume.', `${UI}:text`),
      descriptor('worker.storage.class', 'Storage class', 'StorageClass of the data volumes.', 'urn:alm:descriptor:io.kubernetes:StorageClass'),
      descriptor('upgrade.paused', 'Pause rollout', 'Hold every pod where it is.', `${UI}:booleanSwitch`),
    ],
    statusDescriptors: [
      descriptor('conditions', 'Conditions', 'Ready, Progressing, Degraded, Stalled, Deprecated.', 'urn:alm:descriptor:io.kubernetes.conditions'),
      descriptor('currentVersion', 'Running version', 'The version every pod runs.', `${UI}:text`),
      descriptor('targetVersion', 'Target version', 'The version the spec asks for.', `${UI}:text`),
      descriptor('redirectors.ready', 'Ready redirectors', 'Redirector pods ready.', `${UI}:podCount`),
      descriptor('workers.ready', 'Ready data servers', 'Data server pods ready.', `${UI}:podCount`),
    ],
  },
  XrootdVersion: {
    displayName: 'XRootD version',
    description: 'A catalog entry: version name, image, deprecation and what the version supports.',
    resources: [],
    specDescriptors: [descriptor('image', 'Image', 'Container image of this version.', `${UI}:text`)],
    statusDescriptors: [],
  },
  XrootdGitSource: {
    displayName: 'XRootD clusters from Git',
    description: 'A Git path of Xrootd resources the agent applies all together, or not at all.',
    resources: [{ kind: 'Xrootd', name: '', version: 'v1alpha1' }],
    specDescriptors: [
      descriptor('url', 'Repository', 'Repository URL.', `${UI}:text`),
      descriptor('path', 'Path', 'Folder of Xrootd resources.', `${UI}:text`),
      descriptor('suspend', 'Suspend', 'Stop fetching and applying.', `${UI}:booleanSwitch`),
    ],
    statusDescriptors: [
      descriptor('conditions', 'Conditions', 'Ready, Stalled.', 'urn:alm:descriptor:io.kubernetes.conditions'),
      descriptor('revision', 'Revision', 'Commit applied.', `${UI}:text`),
    ],
  },
} as const;

const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#1f5fa8"/>'
  + '<path d="M18 20l28 24M46 20L18 44" stroke="#fff" stroke-width="7" stroke-linecap="round"/></svg>';

/** The bundle's files by their path under the bundle directory. */
export function olmBundle(props: OlmBundleProps): Record<string, string> {
  const { version } = props;
  const agent = synthesized<KubeObject>('olm', (chart) => new XrootdAgent(chart, 'agent', { ...props.agent, version: props.agent?.version ?? version }));
  const crds = synthesized<KubeObject>('olm', (chart) => new XrootdCrds(chart, 'crds'));
  const of = (kind: string): KubeObject[] => agent.filter((o) => o.kind === kind);
  const deployment = of('Deployment')[0];
  const pod = deployment.spec!.template!.spec;
  const serviceAccount = pod.serviceAccountName;
  // Every rule the agent is bound to: cluster-wide by ClusterRoles, in its own namespace by Roles (the Lease).
  const rulesOf = (kind: 'ClusterRole' | 'Role'): unknown[] => of(kind).flatMap((r) => r.rules ?? []);
  const csvName = `${OLM_PACKAGE}.v${version}`;
  const image = pod.containers[0].image;

  const csv = {
    apiVersion: 'operators.coreos.com/v1alpha1',
    kind: 'ClusterServiceVersion',
    metadata: {
      name: csvName,
      namespace: 'placeholder',
      annotations: {
        'alm-examples': JSON.stringify(props.examples, null, 2),
        capabilities: 'Seamless Upgrades',
        categories: 'Storage',
        containerImage: image,
        description: 'XRootD clusters (redirectors, data servers, supervisors) with gated rolling upgrades and clusters from Git.',
        repository: 'https://github.com/xrootd-k8s/xrootd-k8s',
        support: 'xrootd-k8s',
        'operators.operatorframework.io/suggested-namespace': 'xrootd-system',
      },
      labels: { 'operatorframework.io/arch.amd64': 'supported', 'operatorframework.io/os.linux': 'supported' },
    },
    spec: {
      displayName: 'XRootD',
      description: [
        'Runs XRootD clusters: redirectors (managers) that send clients to data servers, with a cmsd beside every xrootd,',
        'a supervisor tier past 64 data servers, per-pod DNS, disruption budgets, network policy and a restricted security context.',
        '',
        'The agent turns each `Xrootd` resource into StatefulSets, Services and configuration with server-side apply,',
        'reports status (Ready, Progressing, Degraded) and rolls version and configuration changes pod by pod,',
        'data servers first and redirectors last, each step gated on readiness, with pause and automatic rollback.',
        'An `XrootdGitSource` applies a Git path of `Xrootd` resources all together or not at all.',
      ].join('\n'),
      version,
      ...(props.replaces ? { replaces: `${OLM_PACKAGE}.v${props.replaces}` } : {}),
      maturity: OLM_CHANNEL,
      minKubeVersion: '1.30.0',
      keywords: ['xrootd', 'wlcg', 'storage', 'data access', 'cmsd'],
      maintainers: [{ name: 'xrootd-k8s maintainers', email: 'maintainers@xrootd-k8s.example.org' }],
      provider: { name: 'xrootd-k8s' },
      links: [{ name: 'Source', url: 'https://github.com/xrootd-k8s/xrootd-k8s' }, { name: 'XRootD', url: 'https://xrootd.org' }],
      icon: [{ base64data: Buffer.from(ICON_SVG).toString('base64'), mediatype: 'image/svg+xml' }],
      // The agent watches every namespace; the namespaced mode of dist/agent (watchNamespace) is not offered through OLM.
      installModes: [
        { type: 'OwnNamespace', supported: false },
        { type: 'SingleNamespace', supported: false },
        { type: 'MultiNamespace', supported: false },
        { type: 'AllNamespaces', supported: true },
      ],
      install: {
        strategy: 'deployment',
        spec: {
          clusterPermissions: [{ serviceAccountName: serviceAccount, rules: rulesOf('ClusterRole') }],
          permissions: [{ serviceAccountName: serviceAccount, rules: rulesOf('Role') }],
          deployments: [{ name: deployment.metadata.name, label: deployment.metadata.labels, spec: deployment.spec }],
        },
      },
      customresourcedefinitions: {
        owned: crds.map((crd) => {
          const kind = crd.spec!.names!.kind as keyof typeof OWNED;
          return { name: crd.metadata.name, version: crd.spec!.versions![0].name, kind, ...OWNED[kind] };
        }),
      },
      relatedImages: [{ name: 'agent', image }],
    },
  };

  const annotations = {
    'operators.operatorframework.io.bundle.mediatype.v1': 'registry+v1',
    'operators.operatorframework.io.bundle.manifests.v1': 'manifests/',
    'operators.operatorframework.io.bundle.metadata.v1': 'metadata/',
    'operators.operatorframework.io.bundle.package.v1': OLM_PACKAGE,
    'operators.operatorframework.io.bundle.channels.v1': OLM_CHANNEL,
    'operators.operatorframework.io.bundle.channel.default.v1': OLM_CHANNEL,
  };
  const header = '# Generated by `npx cdk8s synth` (constructs/install/olm-bundle.ts): do not edit.\n';
  const files: Record<string, string> = {
    [`manifests/${OLM_PACKAGE}.clusterserviceversion.yaml`]: header + stringify(csv, { lineWidth: 0 }),
    'metadata/annotations.yaml': header + stringify({ annotations }),
    'bundle.Dockerfile': [
      '# The bundle image: `docker build -f bundle.Dockerfile -t ghcr.io/xrootd-k8s/agent-bundle:v<version> .` in dist/olm.',
      'FROM scratch',
      ...Object.entries(annotations).map(([k, v]) => `LABEL ${k}=${v}`),
      'COPY manifests /manifests/',
      'COPY metadata /metadata/',
      '',
    ].join('\n'),
  };
  for (const crd of crds) files[`manifests/${crd.metadata.name}.crd.yaml`] = header + stringify(crd, { lineWidth: 0 });
  // Not a kind a bundle may carry: beside the bundle, for the administrator to apply after installing.
  const policy = agent.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'));
  files['owned-deletes-policy.yaml'] = '# Generated by `npx cdk8s synth`: the agent\'s delete and volume-adoption guards (dist/agent has them too), which OLM cannot install.\n'
    + '#   kubectl apply --server-side -f dist/olm/owned-deletes-policy.yaml\n' + policy.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
  // The metrics Service ships as a bundle manifest (a kind OLM installs beside the CSV).
  for (const service of of('Service')) {
    const { namespace: _ns, ...metadata } = service.metadata;
    files[`manifests/${service.metadata.name}_v1_service.yaml`] = header + stringify({ ...service, metadata }, { lineWidth: 0 });
  }
  return files;
}
