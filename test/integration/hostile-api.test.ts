/**
 * The fourth entry point: Xrootd resources created through the API server, and the library's
 * verdict against the API server's on specs at Kubernetes' edges (below).
 *
 * First:
 * The same generated invalid specs as the other entry points (2,000 per run),
 * each created for real (strict field validation, as kubectl sends it): every
 * one refused by the CRD's schema with a message naming the broken field, the
 * library refusing the same spec, and no object left behind.
 */
import fc from 'fast-check';
import { App, Chart } from 'cdk8s';
import { SpecValidationError, XrootdCluster, type XrootdClusterProps } from '../../constructs/index.js';
import { resolveCluster } from '../../constructs/model.js';
import { ApiError, KubeClient } from '../../src/kube/client.js';
import { collectionPath, kindInfo, type KubeObject } from '../../src/kube/kinds.js';
import '../../src/kinds.js';
import { readResources, validateResources } from '../../src/resources.js';
import { synthesizeCluster } from '../../src/synthesize.js';
import { boundarySpec, EDITED_PATHS, type BoundarySpec } from '../helpers/boundary-specs.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { invalidSpec, names } from '../helpers/hostile-specs.js';
import { installCrds } from '../helpers/install.js';

const RUNS = 2000;
const NS = 'physics';
let cp: ControlPlane;
let client: KubeClient;

beforeAll(async () => {
  cp = await ControlPlane.start();
  installCrds(cp);
  createNamespace(cp, NS);
  client = KubeClient.load(cp.kubeconfig);
}, 20 * 60 * 1000);
afterAll(async () => {
  client?.close();
  await cp?.stop();
});

/** The field paths an API server refusal names (`spec.worker.replicas`, `spec.xrootd.exports[0].path`). */
const fieldsNamed = (e: ApiError): string[] => {
  const causes = ((e.body as { details?: { causes?: { field?: string }[] } } | undefined)?.details?.causes ?? []).map((c) => c.field ?? '');
  return [...causes, ...e.message.match(/spec(\.[A-Za-z0-9_]+|\[\d+\])*/g) ?? []].filter(Boolean);
};

const libraryRefuses = (spec: Record<string, unknown>): boolean => {
  try {
    synthesizeCluster({ ...spec, name: 'fuzz', namespace: NS } as XrootdClusterProps);
    return false;
  } catch (e) {
    if (e instanceof SpecValidationError) return true;
    throw e;
  }
};

/** The value at `a.b[0].c` in `spec`, undefined when the way is missing. */
const valueAt = (spec: unknown, path: string): unknown =>
  path.replace(/\[0\]/g, '.0').split('.').reduce<unknown>((at, step) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[step] : undefined), spec);

test(`${RUNS} generated invalid resources created through the API server: each refused naming its field, as the library refuses it; none stored`, async () => {
  // What reaches the API server is JSON: NaN and Infinity become null, which is no longer invalid
  // (the server and the library both treat null as absent). Keep the specs JSON leaves invalid.
  // (A null left at the broken field would leave only its required siblings missing, which the server
  // names instead of it: such a sample tests nothing about that field.)
  const samples = fc.sample(invalidSpec, { numRuns: RUNS * 2 })
    .map(({ path, spec }) => ({ path, spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown> }))
    .filter(({ path, spec }) => valueAt(spec, path) !== null && libraryRefuses(spec)).slice(0, RUNS);
  expect(samples).toHaveLength(RUNS);
  const outcomes: { path: string; status?: number; named: boolean; library: boolean }[] = [];
  // In parallel batches: the API server answers each on its own.
  for (let i = 0; i < samples.length; i += 32) {
    outcomes.push(...await Promise.all(samples.slice(i, i + 32).map(async ({ path, spec }, j) => {
      try {
        await client.request('POST', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`, {
          query: { fieldValidation: 'Strict' },
          body: { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: `fuzz-${i + j}`, namespace: NS }, spec },
        });
        return { path: `${path} (accepted: ${JSON.stringify(spec)})`, named: false, library: libraryRefuses(spec) };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return { path, status: e.status, named: names(fieldsNamed(e), path, 'spec.'), library: libraryRefuses(spec) };
      }
    })));
  }
  expect(outcomes).toHaveLength(RUNS);
  expect(outcomes.filter((o) => o.status !== 422 && o.status !== 400)).toEqual([]);
  expect(outcomes.filter((o) => !o.named)).toEqual([]);
  expect(outcomes.filter((o) => !o.library)).toEqual([]);
  const stored = await client.request<{ items: unknown[] }>('GET', `/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`);
  expect(stored.items).toEqual([]);
}, 600000);

// The library against the API server, spec by spec: for thousands of generated specs at Kubernetes'
// edges (test/helpers/boundary-specs.ts), the library (validate, then synthesis) refuses a spec
// exactly when the API server refuses, in server-side dry runs, the Xrootd resource or one of the
// objects the spec synthesizes to. A spec the library took and the API server refused would be
// applied part-way; one the library refused and the API server took is refused for nothing.
const DIFFERENTIAL_RUNS = Number(process.env.XRD_DIFFERENTIAL_RUNS ?? 3000);
const NAME = 'edge';

const props = (spec: Record<string, unknown>): XrootdClusterProps => ({ ...spec, name: NAME, namespace: NS } as XrootdClusterProps);

/** The library's verdict: the first rule a spec breaks, or undefined when it synthesizes. */
function libraryRefusal(spec: Record<string, unknown>): string | undefined {
  try {
    synthesizeCluster(props(spec));
    return undefined;
  } catch (e) {
    if (e instanceof SpecValidationError) return e.issues[0].message;
    throw e;
  }
}

/** The objects the spec synthesizes to without Kubernetes' own rules (the library's schema still applies), or undefined. */
function objectsWithoutKubernetesRules(spec: Record<string, unknown>): KubeObject[] | undefined {
  let model;
  try {
    model = resolveCluster(props(spec), { kubernetesRules: false });
  } catch (e) {
    if (e instanceof SpecValidationError) return undefined;
    throw e;
  }
  const chart = new Chart(new App(), NAME);
  new XrootdCluster(chart, 'cluster', { model });
  return chart.toJson() as KubeObject[];
}

/** The API server's verdict on one object, created as a dry run: its refusal, or undefined. */
async function apiRefusal(path: string, body: unknown): Promise<string | undefined> {
  try {
    await client.request('POST', path, { query: { dryRun: 'All', fieldValidation: 'Strict' }, body });
    return undefined;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 422 || e.status === 400)) return e.message;
    throw e;
  }
}

async function apiVerdict({ spec }: BoundarySpec): Promise<string | undefined> {
  const resource = { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS }, spec };
  const refused = await apiRefusal(`/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`, resource);
  if (refused) return `Xrootd: ${refused}`;
  for (const o of objectsWithoutKubernetesRules(spec) ?? []) {
    const child = await apiRefusal(collectionPath(kindInfo(o.apiVersion, o.kind), NS), o);
    if (child) return `${o.kind} ${o.metadata.name}: ${child}`;
  }
  return undefined;
}

test(`${DIFFERENTIAL_RUNS} generated specs at Kubernetes' edges: the library refuses exactly those the API server refuses (the resource or a child object, in dry runs)`, async () => {
  const samples = fc.sample(boundarySpec, { numRuns: DIFFERENTIAL_RUNS, seed: 20261206 })
    .map((s) => ({ ...s, spec: JSON.parse(JSON.stringify(s.spec)) as Record<string, unknown> }));
  const outcomes: { edited: string[]; spec: Record<string, unknown>; library?: string; api?: string }[] = [];
  // In parallel batches: the API server answers each on its own.
  for (let i = 0; i < samples.length; i += 16) {
    const batch = samples.slice(i, i + 16);
    outcomes.push(...await Promise.all(batch.map(async (s) => ({ ...s, library: libraryRefusal(s.spec), api: await apiVerdict(s) }))));
  }
  const disagreements = outcomes.filter((o) => (o.library === undefined) !== (o.api === undefined));
  const refused = outcomes.filter((o) => o.api !== undefined).length;
  const byPath = Object.fromEntries(EDITED_PATHS.map((p) => [p, outcomes.filter((o) => o.edited.includes(p)).length]));
  console.log(`${outcomes.length} specs (${refused} refused by the API server, ${outcomes.length - refused} taken); disagreements: ${disagreements.length}\n`
    + `values set per path: ${JSON.stringify(byPath)}`);
  const shown = disagreements.slice(0, 10)
    .map((d) => ({ edited: d.edited, spec: JSON.stringify(d.spec).slice(0, 600), library: d.library, api: d.api?.slice(0, 400) }));
  expect(shown).toEqual([]);
  // Both sides of the edge were reached.
  expect(refused).toBeGreaterThan(DIFFERENTIAL_RUNS / 10);
  expect(outcomes.length - refused).toBeGreaterThan(DIFFERENTIAL_RUNS / 10);
}, 30 * 60_000);

test('a resource with no spec, or a null one: the library and the API server agree', async () => {
  for (const spec of [undefined, null]) {
    const resource = { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS }, ...(spec === undefined ? {} : { spec }) };
    const read = readResources(JSON.stringify(resource), 'edge.yaml');
    const library = [...read.issues, ...validateResources(read.resources).issues];
    const api = await apiRefusal(`/apis/xrootd.org/v1alpha1/namespaces/${NS}/xrootds`, resource);
    console.log(`spec ${String(spec)}: library ${library.length ? `refuses (${library[0].message})` : 'takes it'}, API server ${api ? `refuses (${api})` : 'takes it'}`);
    expect({ spec: String(spec), refused: library.length > 0 }).toEqual({ spec: String(spec), refused: api !== undefined });
  }
});
