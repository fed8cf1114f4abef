/**
 * The OLM bundle in dist/olm: valid by operator-framework's own validator (with the OperatorHub
 * checks), its CSV admitted by OLM's ClusterServiceVersion CRD, built from the same objects as
 * dist/agent, and its install strategy enough for the agent: installed as OLM would install it
 * (ServiceAccount, cluster and namespace permissions from the CSV), the agent acting as that
 * ServiceAccount turns an alm-example into a Ready cluster.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { AgentProcess } from '../helpers/agent.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { gitopsTools, operatorVerify } from '../helpers/gitops-tools.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const bundle = join(repoRoot(), 'dist/olm');
const csvFile = join(bundle, 'manifests/xrootd-k8s.clusterserviceversion.yaml');
const csv = parse(readFileSync(csvFile, 'utf8'));
const OPERATOR_NS = 'xrootd-system';
let cp: ControlPlane;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  gitopsTools();
  cp = await ControlPlane.start();
}, 25 * 60_000);
afterAll(async () => {
  await agent?.stop();
  await cp?.stop();
}, 60_000);

test('operator-framework\'s validator passes the bundle with its OperatorHub checks, no errors or warnings', () => {
  const r = operatorVerify(bundle);
  expect(r.code).toBe(0);
  expect(r.out).not.toMatch(/level=(error|warning|fatal)/);
  // The validator answers: a broken CSV is reported (it exits 0 even then, so the output is what counts).
  expect(readdirSync(join(bundle, 'manifests')).sort()).toEqual([
    'xrootd-k8s-agent-metrics_v1_service.yaml', 'xrootd-k8s.clusterserviceversion.yaml',
    'xrootdgitsources.xrootd.org.crd.yaml', 'xrootds.xrootd.org.crd.yaml', 'xrootdversions.catalog.xrootd.org.crd.yaml',
  ]);
  expect(readFileSync(join(bundle, 'metadata/annotations.yaml'), 'utf8')).toContain('operators.operatorframework.io.bundle.package.v1: xrootd-k8s');
});

test('the CSV installs what dist/agent installs: the same Deployment, the same rules', () => {
  const agentObjects = parseAllDocuments(readFileSync(join(repoRoot(), 'dist/agent/agent.k8s.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = agentObjects.find((o) => o.kind === 'Deployment');
  const strategy = csv.spec.install.spec;
  expect(strategy.deployments[0].spec).toEqual(deployment.spec);
  expect(strategy.clusterPermissions[0].rules).toEqual(agentObjects.filter((o) => o.kind === 'ClusterRole').flatMap((r) => r.rules));
  expect(strategy.permissions[0].rules).toEqual(agentObjects.filter((o) => o.kind === 'Role' && o.metadata.namespace === OPERATOR_NS).flatMap((r) => r.rules));
  const owned = csv.spec.customresourcedefinitions.owned.map((c: any) => c.name).sort();
  expect(owned).toEqual(['xrootdgitsources.xrootd.org', 'xrootds.xrootd.org', 'xrootdversions.catalog.xrootd.org']);
});

test('OLM\'s CRD admits the CSV; installed as OLM would, the CSV\'s permissions let the agent run an alm-example to Ready', async () => {
  cp.applyYaml(readFileSync(join(gitopsTools(), 'crds/operators.coreos.com_clusterserviceversions.yaml'), 'utf8'));
  for (const f of readdirSync(join(bundle, 'manifests')).filter((n) => n.endsWith('.crd.yaml'))) cp.applyYaml(readFileSync(join(bundle, 'manifests', f), 'utf8'));
  expect(cp.kubectl(['wait', '--for=condition=Established', 'crd/clusterserviceversions.operators.coreos.com', 'crd/xrootds.xrootd.org', '--timeout=60s']).code).toBe(0);
  createNamespace(cp, OPERATOR_NS);
  // OLM copies the CSV into the namespace it installs in (the file says `placeholder`, as bundles do).
  const admitted = cp.kubectl(['apply', '--server-side', '--validate=strict', '-f', '-'],
    { input: stringify({ ...csv, metadata: { ...csv.metadata, namespace: OPERATOR_NS } }) });
  expect(admitted).toMatchObject({ out: expect.stringContaining('serverside-applied'), code: 0 });

  // What OLM's install strategy creates: the ServiceAccount, and the CSV's rules bound to it.
  const sa = csv.spec.install.spec.clusterPermissions[0].serviceAccountName;
  const bind = (kind: 'ClusterRole' | 'Role', rules: unknown[], namespace?: string) => {
    const meta = { name: `olm-${kind.toLowerCase()}`, ...(namespace ? { namespace } : {}) };
    return [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: meta, rules },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: `${kind}Binding`, metadata: meta,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: meta.name }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: OPERATOR_NS }] },
    ];
  };
  cp.applyYaml([
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: OPERATOR_NS } },
    ...bind('ClusterRole', csv.spec.install.spec.clusterPermissions[0].rules),
    ...bind('Role', csv.spec.install.spec.permissions[0].rules, OPERATOR_NS),
  ].map((o) => stringify(o)).join('---\n'));

  // The delete guard OLM cannot carry, applied beside the bundle as docs/install.md says.
  cp.applyYaml(readFileSync(join(bundle, 'owned-deletes-policy.yaml'), 'utf8'));
  agent = await AgentProcess.start(cp.serviceAccountKubeconfig(OPERATOR_NS, sa), join(cp.dir, 'agent.log'), [`--lease-namespace=${OPERATOR_NS}`]);
  createNamespace(cp, 'olm-example', 'restricted');
  const example = JSON.parse(csv.metadata.annotations['alm-examples']).find((e: any) => e.kind === 'Xrootd');
  cp.applyYaml(stringify({ ...example, metadata: { ...example.metadata, namespace: 'olm-example' } }));
  await waitFor('the alm-example Ready', () => {
    const x = cp.tryGetJson(['xrootd', example.metadata.name, '-n', 'olm-example']);
    return x?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' ? x : undefined;
  }, 180_000, 500).catch((e) => { throw new Error(`${(e as Error).message}\n${agent?.logs(60)}`); });
}, 300_000);
