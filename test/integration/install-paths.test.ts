/**
 * The install paths of the README, proven with the tools platform teams use: every dist/ folder
 * is a kustomize base that `kubectl kustomize` builds into exactly its synthesized objects; the
 * platform base and a site overlay (another namespace, the site's registry) apply server-side
 * and run; Argo CD's Applications and Flux's GitRepository and Kustomizations are admitted by
 * those projects' own CRDs (from their Go modules); kstatus (what Flux waits on) follows a cluster
 * applied straight from dist/ from InProgress to Current.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { App, Chart, Testing } from 'cdk8s';
import { examples } from '../../examples/clusters.js';
import { XrootdAgent, XrootdCluster } from '../../constructs/index.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { gitopsTools, kstatus } from '../helpers/gitops-tools.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

let cp: ControlPlane;
const at = (path: string): string => join(repoRoot(), path);
const identities = (yaml: string): string[] =>
  parseAllDocuments(yaml).map((d) => d.toJS()).filter(Boolean).map((o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

function kustomize(dir: string): string {
  const r = cp.kubectl(['kustomize', at(dir)]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.out}`);
  return r.out;
}

function applyKustomization(dir: string): string {
  const r = cp.kubectl(['apply', '--server-side', '--field-manager=kustomize-test', '-k', at(dir)], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`kubectl apply -k ${dir} failed: ${r.out}`);
  return r.out;
}

beforeAll(async () => {
  gitopsTools();
  cp = await ControlPlane.start();
}, 25 * 60_000);
afterAll(async () => { await cp?.stop(); }, 60_000);

test('every dist/ folder is a kustomize base that builds into exactly its synthesized objects, and still applies with -f', () => {
  for (const folder of [...examples.map((e) => e.name), 'crds', 'agent']) {
    const synthesized = readFileSync(at(`dist/${folder}/${folder}.k8s.yaml`), 'utf8');
    expect(identities(kustomize(`dist/${folder}`))).toEqual(identities(synthesized));
    // kubectl apply -f reads only .yaml/.yml/.json files: the base's `Kustomization` file is not taken for an object.
    const dryRun = cp.kubectl(['apply', '--server-side', '--dry-run=server', '-f', at(`dist/${folder}`)]);
    expect(dryRun.out).not.toContain('Kustomization');
  }
  expect(readdirSync(at('dist')).sort()).toEqual([...examples.map((e) => e.name), 'agent', 'charts', 'crds', 'olm'].sort());
});

test('the platform base installs the CRDs and the agent; a site overlay moves a cluster and swaps its image', async () => {
  const platform = applyKustomization('examples/kustomize/platform');
  expect(platform).toContain('customresourcedefinition.apiextensions.k8s.io/xrootds.xrootd.org serverside-applied');
  expect(platform).toContain('deployment.apps/xrootd-k8s-agent serverside-applied');
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/xrootds.xrootd.org', '--timeout=60s']).code).toBe(0);

  const site = applyKustomization('examples/kustomize/site-a');
  expect(site).toContain('namespace/site-a serverside-applied');
  const sets = await waitFor('site-a StatefulSets ready', () => {
    const items = cp.getJson(['statefulsets', '-n', 'site-a']).items as any[];
    return items.length === 2 && items.every((s) => s.status.readyReplicas === s.spec.replicas) ? items : undefined;
  }, 180_000, 1000);
  for (const s of sets) {
    const container = s.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.site-a.example.org/xrootd:5.8.1-site1');
    // Host names come from the pod's own namespace: nothing still names the base's namespace.
    expect(JSON.stringify(container.env)).not.toContain('.xrootd.svc');
    expect(container.env.find((v: any) => v.name === 'XRD_NAMESPACE').valueFrom.fieldRef.fieldPath).toBe('metadata.namespace');
  }
  // The admission of the restricted profile and the pods' own namespace.
  const pods = cp.getJson(['pods', '-n', 'site-a']).items as any[];
  expect(pods.length).toBe(sets.reduce((n, s) => n + s.spec.replicas, 0));
}, 300_000);

test('Argo CD\'s and Flux\'s own CRDs admit the example Applications, GitRepository and Kustomizations', () => {
  const crds = join(gitopsTools(), 'crds');
  for (const file of ['application-crd.yaml', 'source.toolkit.fluxcd.io_gitrepositories.yaml', 'kustomize.toolkit.fluxcd.io_kustomizations.yaml']) {
    const r = cp.kubectl(['apply', '--server-side', '-f', join(crds, file)], { timeoutMs: 120_000 });
    expect(r).toMatchObject({ code: 0 });
  }
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/applications.argoproj.io', 'crd/gitrepositories.source.toolkit.fluxcd.io',
    'crd/kustomizations.kustomize.toolkit.fluxcd.io', '--timeout=60s']).code).toBe(0);
  createNamespace(cp, 'argocd');
  createNamespace(cp, 'flux-system');
  for (const file of ['examples/argocd/applications.yaml', 'examples/argocd/argocd-cm.yaml', 'examples/flux/sync.yaml']) {
    // Strict field validation: a misspelt or misplaced field is an error, not a warning.
    const r = cp.kubectl(['apply', '--server-side', '--field-manager=examples', '--validate=strict', '-f', at(file)]);
    expect({ file, ...r }).toMatchObject({ file, code: 0 });
  }
  const apps = cp.getJson(['applications', '-n', 'argocd']).items.map((a: any) => a.metadata.name).sort();
  expect(apps).toEqual(['xrootd-minimal', 'xrootd-platform', 'xrootd-resources']);
  const ks = cp.getJson(['kustomizations', '-n', 'flux-system']).items as any[];
  expect(ks.find((k) => k.metadata.name === 'xrootd-resources').spec.healthChecks[0]).toMatchObject({ kind: 'Xrootd', name: 'minimal' });
});

test('the Prometheus Operator\'s own CRDs admit a monitored cluster\'s ServiceMonitor and PrometheusRule, and the agent\'s ServiceMonitor', () => {
  const crds = join(gitopsTools(), 'crds');
  for (const file of ['monitoring.coreos.com_servicemonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml']) {
    expect(cp.kubectl(['apply', '--server-side', '-f', join(crds, file)], { timeoutMs: 120_000 })).toMatchObject({ code: 0 });
  }
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com', '--timeout=60s']).code).toBe(0);
  createNamespace(cp, 'observed');
  const app = new App();
  const chart = new Chart(app, 'monitored');
  new XrootdCluster(chart, 'cluster', { name: 'watched', namespace: 'observed', version: '5.8.1', worker: { replicas: 70 }, monitoring: { enabled: true, prometheusOperator: true, grafanaDashboard: true } });
  new XrootdAgent(chart, 'agent', { namespace: 'observed', serviceMonitor: true });
  const objects = Testing.synth(chart);
  const wanted = objects.filter((o: any) => ['ServiceMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.labels?.grafana_dashboard === '1');
  expect(wanted.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ConfigMap/watched-dashboard', 'PrometheusRule/watched', 'ServiceMonitor/watched-collector', 'ServiceMonitor/xrootd-k8s-agent']);
  // Strict field validation: the CRDs' schemas, not just their kinds, take every field.
  const r = cp.kubectl(['apply', '--server-side', '--field-manager=monitoring', '--validate=strict', '-f', '-'], { input: wanted.map((o: any) => stringify(o)).join('---\n') });
  expect(r).toMatchObject({ code: 0 });
  const rule = cp.getJson(['prometheusrule', 'watched', '-n', 'observed']);
  expect(rule.spec.groups[0].rules.map((x: any) => x.alert)).toContain('XrootdServerNotSubscribed');
});

test('kstatus follows a cluster applied straight from dist/: InProgress while its pods cannot start, Current when they are ready', async () => {
  createNamespace(cp, 'xrootd', 'restricted');
  // No pods allowed yet: the StatefulSets exist but stay short of their replicas, whatever the timing.
  cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'hold', namespace: 'xrootd' }, spec: { hard: { pods: '0' } } }));
  const r = cp.kubectl(['apply', '--server-side', '--field-manager=flux-like', '-k', at('dist/minimal')]);
  expect(r).toMatchObject({ code: 0 });
  const worker = (): any => cp.getJson(['statefulset', 'minimal-worker', '-n', 'xrootd']);
  const held = await waitFor('minimal-worker observed by its controller', () => {
    const s = worker();
    return s.status?.observedGeneration === s.metadata.generation ? s : undefined;
  }, 60_000, 250);
  expect(kstatus(held)).toMatchObject({ status: 'InProgress', message: expect.stringMatching(/Replicas|replicas/) });
  expect(cp.kubectl(['delete', 'resourcequota', 'hold', '-n', 'xrootd']).code).toBe(0);
  await waitFor('minimal-worker Current by kstatus', () => (kstatus(worker()).status === 'Current' ? true : undefined), 180_000, 1000);
  const objects = identities(readFileSync(at('dist/minimal/minimal.k8s.yaml'), 'utf8'));
  for (const id of objects) {
    const [kind, namespace, name] = id.split('/');
    expect({ id, ...kstatus(cp.getJson([kind.toLowerCase(), name, '-n', namespace])) }).toMatchObject({ id, status: 'Current' });
  }
}, 300_000);
