/**
 * Helm charts generated from the constructs, never written by hand: pure, props in, file texts
 * out (src/dist/main.ts writes them into dist/charts/).
 *
 * - `xrootd-k8s-agent`: the CRDs and the agent. Its templates are XrootdAgent synthesized once
 *   with every value at its default and once per value that changes which objects or lines
 *   there are; each difference becomes a `{{- if }}` (or a `{{- range }}` over a list), and the
 *   values that only fill a field (image, replicas, resources, namespace) are written by marker
 *   strings replaced with the value. With its default values the chart renders dist/crds and
 *   dist/agent, object for object.
 * - `xrootd-cluster`: one `Xrootd` resource whose spec is the chart's values, named after the
 *   release; values.schema.json is the CRD's schema, so `helm install` refuses what the API server
 *   would and names the field.
 */
import { synthesized } from './synthesized.js';
import { stringify } from 'yaml';
import { XrootdAgent, type XrootdAgentProps } from './agent.js';
import { API_VERSION, MAX_CLUSTER_NAME, XROOTD_GROUP, XrootdCrds } from './crds.js';
import { hunks, type Hunk } from './text-diff.js';
import { arr, bool, int, map, obj, str, SPACE_OR_CONTROL, type ObjectField } from '../api/dsl.js';
import { jsonSchemaDocument } from '../api/json-schema.js';
import { QUANTITY, SUBDOMAIN, xrootdSpecSchema } from '../api/schema.js';
import { DIRECTIVE_NAME } from '../api/directives.js';

export const AGENT_CHART = 'xrootd-k8s-agent';
export const CLUSTER_CHART = 'xrootd-cluster';

export interface HelmChartsProps {
  /** The charts' version and the agent's (semver). */
  readonly version: string;
  /** The cluster chart's default values: an Xrootd spec. */
  readonly clusterSpec: Record<string, unknown>;
}

const NAMESPACE = { regex: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', rule: 'a namespace name (lower-case letters, digits and "-")' };
const grant = obj('SecretGrantValue', 'A Secret the agent may read, by name.', {
  namespace: str('Namespace of the Secret.', { pattern: NAMESPACE, maxLength: 63 }),
  secretName: str('Name of the Secret.', { pattern: { regex: SUBDOMAIN.regex, rule: 'a Secret name' }, maxLength: SUBDOMAIN.maxLength }),
}, { required: ['namespace', 'secretName'] });
const quantities = (what: string) => map(what, str('A quantity such as 50m, 128Mi or 1.', { pattern: { regex: QUANTITY, rule: 'a quantity' } }));
const directiveName = DIRECTIVE_NAME.source.slice(1, -1);

/** The agent chart's values: the XrootdAgent construct's props, as Helm users set them. */
const agentChartValues: ObjectField = obj('AgentChartValues', 'Values of the xrootd-k8s-agent chart: the CRDs and the agent.', {
  namespace: str('Namespace the agent runs in and holds its leader Lease in.', { pattern: NAMESPACE, maxLength: 63 }),
  createNamespace: bool('Create that namespace with the chart; false when it exists (helm install --create-namespace).'),
  image: str('Agent image.', { pattern: { regex: `^[^${SPACE_OR_CONTROL}]+$`, rule: 'no spaces' }, minLength: 1 }),
  replicas: int('Agent replicas; more than one take turns through the leader Lease.', { minimum: 1, maximum: 2147483647 }),
  resources: obj('AgentResourcesValue', 'The agent container\'s requests and limits.', {
    requests: quantities('Requests by resource name.'),
    limits: quantities('Limits by resource name.'),
  }),
  watchNamespace: str('Watch only this namespace: RBAC becomes a Role there. Empty: every namespace, with a ClusterRole.', {
    pattern: { regex: `^$|${NAMESPACE.regex}`, rule: 'empty or a namespace name' }, maxLength: 63,
  }),
  extraDirectives: str('Which extraDirectives clusters may carry: all, none, or directive names separated by commas (xrootd.trace,ofs.trace). Whoever can create an Xrootd chooses what its daemons run.', {
    pattern: { regex: `^(all|none|${directiveName}(,${directiveName})*)$`, rule: 'all, none or directive names separated by commas' },
  }),
  gitCredentials: arr('The Secrets Git sources name in spec.secretRef: the agent may read these and no other Secret.', grant),
  tlsSecrets: arr('The TLS Secrets clusters name in spec.security.tls.secretName: the agent reads them to roll the pods when a certificate is renewed.', grant),
  serviceMonitor: bool('A ServiceMonitor of the agent\'s metrics (the Prometheus Operator\'s CRDs must be installed).'),
  ownedDeletesPolicy: bool('The ValidatingAdmissionPolicies that let the agent delete only what it made and re-point volumes only within their namespace (Kubernetes 1.30 and later).'),
}, { required: ['namespace', 'createNamespace', 'image', 'replicas', 'resources', 'watchNamespace', 'extraDirectives', 'gitCredentials', 'tlsSecrets', 'serviceMonitor', 'ownedDeletesPolicy'] });

interface KubeObject { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }

/** Marker strings the construct writes where a value goes; each is valid where it stands. */
const MARK = {
  namespace: 'helm-value-namespace',
  watchNamespace: 'helm-value-watch-namespace',
  extraDirectives: 'helmvalue.extra_directives',
  grantNamespace: 'helm-value-grant-namespace',
  grantSecret: 'helm-value-grant-secret',
  image: 'helm-value-image',
  replicas: 'helm-value-replicas',
  resources: 'helm-value-resources',
};
/** The Go template expression each marker stands for. */
const EXPRESSION: Record<string, string> = {
  [MARK.namespace]: '$.Values.namespace',
  [MARK.watchNamespace]: '$.Values.watchNamespace',
  [MARK.extraDirectives]: '$.Values.extraDirectives',
  [MARK.grantNamespace]: '$namespace',
  [MARK.image]: '$.Values.image',
  [MARK.replicas]: '$.Values.replicas',
  [MARK.resources]: '$.Values.resources',
};

/** A value that changes which objects or lines there are: the props that set it, and the condition. */
interface Variation {
  readonly props: XrootdAgentProps;
  /** Go template condition, true when the variant's objects and lines apply. */
  readonly when: string;
  /** A list value: the variant's objects, for one marker item, repeat for each namespace of the list. */
  readonly each?: string;
}
const markedGrant = [{ namespace: MARK.grantNamespace, secretName: MARK.grantSecret }];
const VARIATIONS: readonly Variation[] = [
  { props: { createNamespace: false }, when: 'not $.Values.createNamespace' },
  { props: { watchNamespace: MARK.watchNamespace }, when: '$.Values.watchNamespace' },
  { props: { extraDirectives: [MARK.extraDirectives] }, when: 'ne $.Values.extraDirectives "all"' },
  { props: { gitCredentials: markedGrant }, when: '$.Values.gitCredentials', each: '$.Values.gitCredentials' },
  { props: { tlsSecrets: markedGrant }, when: '$.Values.tlsSecrets', each: '$.Values.tlsSecrets' },
  { props: { serviceMonitor: true }, when: '$.Values.serviceMonitor' },
  { props: { ownedDeletesPolicy: false }, when: 'not $.Values.ownedDeletesPolicy' },
];

const identity = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const yamlOf = (o: unknown) => stringify(o, { lineWidth: 0 }).trimEnd().split('\n');

/** The agent's objects with the field values replaced by their markers; the defaults read from them. */
function agentObjects(props: XrootdAgentProps, defaults?: Record<string, unknown>): KubeObject[] {
  const objects = synthesized<KubeObject>('helm', (chart) => new XrootdAgent(chart, 'agent', { namespace: MARK.namespace, ...props }));
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { replicas: unknown; template: { spec: { containers: Array<{ image: unknown; resources: unknown }> } } };
  };
  const container = deployment.spec.template.spec.containers[0];
  if (defaults) Object.assign(defaults, { image: container.image, replicas: deployment.spec.replicas, resources: container.resources });
  container.image = MARK.image;
  deployment.spec.replicas = MARK.replicas;
  container.resources = MARK.resources;
  return objects;
}

/** The agent's template: the base objects, each variation's differences under its condition. */
function agentTemplate(defaults: Record<string, unknown>): string {
  const base = agentObjects({}, defaults);
  const baseDocs = base.map(yamlOf);
  const docChanges: Array<{ variation: Variation; hunk: Hunk<KubeObject> }> = [];
  const lineChanges = new Map<number, Array<{ variation: Variation; hunk: Hunk<string> }>>();
  for (const variation of VARIATIONS) {
    const variant = agentObjects(variation.props);
    for (const hunk of hunks(base, variant, (x, y) => identity(x) === identity(y))) docChanges.push({ variation, hunk });
    // Objects in both whose text differs: line by line.
    const byIdentity = new Map(variant.map((o) => [identity(o), o]));
    base.forEach((o, i) => {
      const other = byIdentity.get(identity(o));
      if (!other) return;
      for (const hunk of hunks(baseDocs[i], yamlOf(other))) lineChanges.set(i, [...lineChanges.get(i) ?? [], { variation, hunk }]);
    });
  }
  checkDisjoint(docChanges, 'objects');
  for (const changes of lineChanges.values()) checkDisjoint(changes, 'lines');

  const out: string[] = [];
  const conditional = (when: string, then: string[], otherwise: string[]) => {
    if (!then.length && !otherwise.length) return;
    out.push(then.length ? `{{- if ${when} }}` : `{{- if ${negated(when)} }}`, ...(then.length ? then : otherwise));
    if (then.length && otherwise.length) out.push('{{- else }}', ...otherwise);
    out.push('{{- end }}');
  };
  const documents = (variation: Variation, objects: readonly KubeObject[]): string[] => {
    const lines = objects.flatMap((o) => ['---', ...yamlOf(o)]);
    return variation.each ? eachNamespace(variation.each, lines) : lines;
  };
  const emitDoc = (i: number) => {
    const lines = baseDocs[i];
    const changes = [...lineChanges.get(i) ?? []].sort((x, y) => x.hunk.from - y.hunk.from);
    let at = 0;
    for (const { variation, hunk } of changes) {
      out.push(...lines.slice(at, hunk.from));
      conditional(variation.when, [...hunk.inserted], lines.slice(hunk.from, hunk.to));
      at = hunk.to;
    }
    out.push(...lines.slice(at));
  };
  const emitted = new Set<number>();
  for (let i = 0; i <= base.length; i++) {
    // Objects a variation adds (or puts in place of base objects) here.
    for (const { variation, hunk } of docChanges.filter((c) => c.hunk.from === i)) {
      const otherwise: string[] = [];
      const before = out.length;
      for (let k = hunk.from; k < hunk.to; k++) { out.push('---'); emitDoc(k); emitted.add(k); }
      otherwise.push(...out.splice(before));
      conditional(variation.when, documents(variation, hunk.inserted), otherwise);
    }
    if (i < base.length && !emitted.has(i)) { out.push('---'); emitDoc(i); }
  }
  return fillMarkers(out.join('\n')) + '\n';
}

const negated = (when: string) => (when.startsWith('not ') ? when.slice(4) : `not (${when})`);

/** Two variations must not change the same objects or lines: their conditions would not compose. */
function checkDisjoint(changes: ReadonlyArray<{ variation: Variation; hunk: Hunk<unknown> }>, what: string): void {
  for (const x of changes) {
    for (const y of changes) {
      if (x === y || x.hunk.to === x.hunk.from) continue;
      const overlaps = y.hunk.from < x.hunk.to && (y.hunk.to > x.hunk.from || (y.hunk.to === y.hunk.from && y.hunk.from > x.hunk.from));
      if (overlaps) throw new Error(`Helm chart generator: "${x.variation.when}" and "${y.variation.when}" change the same ${what}`);
    }
  }
}

/** The objects of one marker grant, repeated for each namespace of the list with its Secrets' names. */
function eachNamespace(list: string, lines: readonly string[]): string[] {
  const body = lines.flatMap((line) => {
    const item = /^(\s*)- (.*)$/.exec(line);
    if (item?.[2] !== MARK.grantSecret) return [line];
    return ['{{- range $secrets }}', `${item[1]}- {{ toJson . }}`, '{{- end }}'];
  });
  return [`{{- range $namespace, $secrets := include "${AGENT_CHART}.secretsByNamespace" ${list} | fromYaml }}`, ...body, '{{- end }}'];
}

/** Markers to template expressions: a whole YAML value as JSON (any type, quoted), inside a string as it is. */
function fillMarkers(text: string): string {
  const markers = Object.keys(EXPRESSION).sort((a, b) => b.length - a.length);
  let out = text;
  for (const marker of markers) {
    out = out.replace(new RegExp(`(: |- )${marker.replace(/\./g, '\\.')}$`, 'gm'), `$1{{ toJson ${EXPRESSION[marker]} }}`);
    out = out.split(marker).join(`{{ ${EXPRESSION[marker]} }}`);
  }
  if (out.includes('helm-value') || out.includes('helmvalue')) throw new Error('Helm chart generator: a marker was left in the template');
  return out;
}

const HELPERS = `{{/*
Secrets by namespace, each list sorted and without repeats: { namespace: [secretName, ...] }.
Written by src/dist/main.ts from constructs/install/helm-charts.ts.
*/}}
{{- define "${AGENT_CHART}.secretsByNamespace" -}}
{{- $byNamespace := dict -}}
{{- range . -}}
{{- $_ := set $byNamespace .namespace (append (get $byNamespace .namespace | default list) .secretName | uniq | sortAlpha) -}}
{{- end -}}
{{- toYaml $byNamespace -}}
{{- end -}}
`;

const GENERATED = '# Generated by `npx cdk8s synth` from constructs/install/helm-charts.ts: change the constructs, not this file.';

/** values.yaml: each value with its description, at the construct's default. */
function valuesYaml(schema: ObjectField, values: Record<string, unknown>, intro: string): string {
  const lines = [GENERATED, ...intro.split('\n').map((l) => `# ${l}`.trimEnd()), ''];
  for (const [key, field] of Object.entries(schema.fields)) {
    lines.push(...wrap(field.description).map((l) => `# ${l}`), ...stringify({ [key]: values[key] }, { lineWidth: 0 }).trimEnd().split('\n'), '');
  }
  return lines.join('\n');
}

function wrap(text: string, width = 98): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

const chartYaml = (name: string, version: string, description: string, kubeVersion: string) => stringify({
  apiVersion: 'v2',
  name,
  description,
  type: 'application',
  version,
  appVersion: version,
  kubeVersion,
  keywords: ['xrootd', 'wlcg', 'storage', 'operator'],
  sources: ['https://github.com/xrootd-k8s/xrootd-k8s'],
});

/**
 * A chart's values schema: Helm gives a subchart its parent's `global` values, which the closed
 * schema must let through (and the templates leave out).
 */
function valuesSchema(title: string, root: ObjectField): Record<string, unknown> {
  const schema = jsonSchemaDocument(title, root) as { properties: Record<string, unknown> };
  schema.properties.global = { description: 'Helm\'s global values, from a parent chart: not used.', type: 'object' };
  return schema;
}

/** Both charts' files by their path under dist/charts/. */
export function helmCharts(props: HelmChartsProps): Record<string, string> {
  const { version } = props;
  const defaults: Record<string, unknown> = {};
  const agent = agentTemplate(defaults);
  const agentValues = {
    namespace: 'xrootd-system', createNamespace: true, ...defaults, watchNamespace: '', extraDirectives: 'all',
    gitCredentials: [], tlsSecrets: [], serviceMonitor: false, ownedDeletesPolicy: true,
  };
  const crds = synthesized<KubeObject>('helm', (chart) => new XrootdCrds(chart, 'crds')).flatMap((o) => ['---', ...yamlOf(o)]).join('\n');
  if (crds.includes('{{')) throw new Error('Helm chart generator: the CRDs hold "{{", which Helm would read as a template');
  const clusterValues = valuesSchema('Values of the xrootd-cluster chart: the spec of an Xrootd resource.', xrootdSpecSchema);
  return {
    [`${AGENT_CHART}/Chart.yaml`]: `${GENERATED}\n${chartYaml(AGENT_CHART, version, 'The xrootd-k8s agent and its CRDs: XRootD clusters from Xrootd resources, with gated rollouts', '>=1.30.0-0')}`,
    [`${AGENT_CHART}/values.yaml`]: valuesYaml(agentChartValues, agentValues,
      'The defaults render what dist/crds and dist/agent hold. The CRDs are kept at helm uninstall.'),
    [`${AGENT_CHART}/values.schema.json`]: JSON.stringify(valuesSchema('Values of the xrootd-k8s-agent chart.', agentChartValues), null, 2) + '\n',
    [`${AGENT_CHART}/templates/_helpers.tpl`]: HELPERS,
    [`${AGENT_CHART}/templates/crds.yaml`]: `${GENERATED}\n${crds}\n`,
    [`${AGENT_CHART}/templates/agent.yaml`]: `${GENERATED}\n${agent}`,
    [`${AGENT_CHART}/templates/NOTES.txt`]: `The xrootd-k8s agent runs in namespace {{ .Values.namespace }}{{ if .Values.watchNamespace }}, watching namespace {{ .Values.watchNamespace }}{{ end }}.
Create clusters with the ${CLUSTER_CHART} chart, or with Xrootd resources (kubectl explain xrootd.spec).
Its CRDs stay at helm uninstall: deleting them would delete every cluster.
`,
    [`${CLUSTER_CHART}/Chart.yaml`]: `${GENERATED}\n${chartYaml(CLUSTER_CHART, version, 'An XRootD cluster: one Xrootd resource, its spec the values (the xrootd-k8s-agent chart runs the agent)', '>=1.27.0-0')}`,
    [`${CLUSTER_CHART}/values.yaml`]: `${GENERATED}\n# The spec of the Xrootd resource this release makes (docs/reference.md; kubectl explain xrootd.spec).\n`
      + '# values.schema.json is the CRD\'s schema: helm refuses what the API server would, naming the field.\n'
      + stringify(props.clusterSpec, { lineWidth: 0 }),
    [`${CLUSTER_CHART}/values.schema.json`]: JSON.stringify(clusterValues, null, 2) + '\n',
    [`${CLUSTER_CHART}/templates/xrootd.yaml`]: `${GENERATED}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" .Release.Name) }}
{{- fail "the release name names the cluster: it must start with a letter and hold only lower-case letters, digits and \\"-\\"" }}
{{- end }}
{{- if gt (len .Release.Name) ${MAX_CLUSTER_NAME} }}
{{- fail "the release name names the cluster: at most ${MAX_CLUSTER_NAME} characters (derived StatefulSet names add 11)" }}
{{- end }}
apiVersion: ${XROOTD_GROUP}/${API_VERSION}
kind: Xrootd
metadata:
  name: {{ toJson .Release.Name }}
  namespace: {{ toJson .Release.Namespace }}
spec: {{ toJson (omit .Values "global") }}
`,
    [`${CLUSTER_CHART}/templates/NOTES.txt`]: `Xrootd {{ .Release.Namespace }}/{{ .Release.Name }} is the agent's to run (the xrootd-k8s-agent chart).
  kubectl get xrootd {{ .Release.Name }} -n {{ .Release.Namespace }}        # Ready once every pod is
  kubectl xrootd status {{ .Release.Name }} -n {{ .Release.Namespace }}
Clients connect to root://{{ .Release.Name }}.{{ .Release.Namespace }}.svc:1094 (the redirectors).
Data volumes stay at helm uninstall unless spec.worker.storage.retention says Delete.
`,
  };
}
