/**
 * The apply engine's order and its all-or-nothing rule, on a fake API server (pure logic: which
 * requests go out, in which round, and what is deleted again). The real API server's refusals are
 * test/integration/agent.test.ts ('a spec whose objects the API server refuses').
 */
import { Applier, RefusedObjectsError } from '../../src/apply/applier.js';
import { ApiError, type KubeClient, type RequestOpts } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/kinds.js';

interface Sent { readonly method: string; readonly path: string; readonly dryRun: boolean; readonly round: number; readonly body?: unknown }

/** Answers server-side applies: 201 for objects it does not hold, 200 for those it does; refuses `refused` (each `resource/name`). */
function fakeServer(existing: readonly string[], refused: readonly string[]) {
  const sent: Sent[] = [];
  const held = new Set(existing);
  let round = 0;
  let inFlight = 0;
  const client = {
    async request(method: string, path: string, opts: RequestOpts = {}) {
      if (inFlight++ === 0) round++;
      const mine = round;
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const dryRun = opts.query?.dryRun === 'All';
      sent.push({ method, path, dryRun, round: mine, body: opts.body });
      const name = path.split('/').slice(-2).join('/');
      if (method === 'DELETE') {
        held.delete(name);
        return {};
      }
      if (refused.includes(name)) throw new ApiError(422, 'Invalid', `${method} ${path}: 422 refused`);
      const existed = held.has(name);
      if (!dryRun) held.add(name);
      opts.onSuccess?.(existed ? 200 : 201);
      return { ...(opts.body as object), metadata: { ...(opts.body as KubeObject).metadata, uid: `uid-${name.split('/')[1]}` } };
    },
  } as unknown as KubeClient;
  return { client, sent, held };
}

const obj = (kind: string, name: string, apiVersion = 'v1'): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'ns' }, data: { x: name } } as KubeObject);
const cluster = [obj('ConfigMap', 'c-config'), obj('NetworkPolicy', 'c', 'networking.k8s.io/v1'), obj('Service', 'c-worker'),
  obj('StatefulSet', 'c-redirector', 'apps/v1'), obj('StatefulSet', 'c-worker', 'apps/v1')];

test('a new cluster: its configuration and policy are created while the StatefulSets and Services are dry-run, then the StatefulSets: two rounds', async () => {
  const { client, sent } = fakeServer([], []);
  const results = await new Applier(client).apply(cluster, { live: () => undefined });
  expect(results.map((r) => r.action)).toEqual(['created', 'created', 'created', 'created', 'created']);
  const first = sent.filter((s) => s.round === 1);
  expect(first.filter((s) => !s.dryRun).map((s) => s.path.split('/').pop()).sort()).toEqual(['c', 'c-config']);
  expect(first.filter((s) => s.dryRun).map((s) => s.path.split('/').slice(-2).join('/')).sort()).toEqual(['services/c-worker', 'statefulsets/c-redirector', 'statefulsets/c-worker']);
  // No StatefulSet is written before the configuration and policy exist; the Services after them.
  const written = (resource: string) => sent.filter((s) => !s.dryRun && s.path.includes(`/${resource}/`)).map((s) => s.round);
  expect(Math.min(...written('statefulsets'))).toBeGreaterThan(Math.max(...written('configmaps'), ...written('networkpolicies')));
  expect(Math.min(...written('services'))).toBeGreaterThan(Math.max(...written('statefulsets')));
});

test('a StatefulSet refused: what was created goes again, by its uid; an object that was there already is not deleted; nothing else is written', async () => {
  // The NetworkPolicy exists though the caches do not show it: the apply answers 200 for it.
  const { client, sent, held } = fakeServer(['networkpolicies/c'], ['statefulsets/c-worker']);
  const error = await new Applier(client).apply(cluster, { live: () => undefined }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RefusedObjectsError);
  const refused = error as RefusedObjectsError;
  expect(refused.message).toMatch(/^nothing was applied: the API server refuses StatefulSet\/ns\/c-worker \(/);
  expect(refused.undone).toEqual(['ConfigMap/ns/c-config']);
  expect(refused.left).toEqual(['NetworkPolicy/ns/c']);
  const deletes = sent.filter((s) => s.method === 'DELETE');
  expect(deletes.map((s) => s.path.split('/').slice(-2).join('/'))).toEqual(['configmaps/c-config']);
  for (const d of deletes) expect(d.body).toMatchObject({ preconditions: { uid: `uid-${d.path.split('/').pop()}` } });
  expect(sent.some((s) => !s.dryRun && s.method === 'PATCH' && s.path.includes('statefulsets'))).toBe(false);
  expect([...held].sort()).toEqual(['networkpolicies/c']);
});

test('two refused at once are both named, the same message as a dry run of everything gives', async () => {
  const { client } = fakeServer([], ['configmaps/c-config', 'statefulsets/c-redirector']);
  const speculative = await new Applier(client).apply(cluster, { live: () => undefined })
    .then(() => undefined, (e: unknown) => e as RefusedObjectsError);
  const checked = await new Applier(fakeServer([], ['configmaps/c-config', 'statefulsets/c-redirector']).client).preflight(cluster, () => undefined)
    .catch((e: unknown) => e as RefusedObjectsError);
  expect(speculative!.message).toBe(checked!.message);
  expect(speculative!.refusals.map((r) => r.key)).toEqual(['ConfigMap/ns/c-config', 'StatefulSet/ns/c-redirector']);
});

test('an update: every change dry-run first; a single change is written as it is', async () => {
  const live = new Map(cluster.map((o) => [o.metadata.name + o.kind, { ...o, data: { x: 'old' } } as KubeObject]));
  const existing = ['configmaps/c-config', 'networkpolicies/c', 'services/c-worker', 'statefulsets/c-redirector', 'statefulsets/c-worker'];
  const server = fakeServer(existing, []);
  await new Applier(server.client).apply(cluster, { live: (o) => live.get(o.metadata.name + o.kind) });
  expect(server.sent.filter((s) => s.dryRun)).toHaveLength(5);
  const rounds = (dryRun: boolean) => server.sent.filter((s) => s.dryRun === dryRun).map((s) => s.round);
  expect(Math.max(...rounds(true))).toBeLessThan(Math.min(...rounds(false)));
  const one = fakeServer(existing, []);
  const upToDate = (o: KubeObject) => (o.kind === 'Service' ? undefined : { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations } } });
  const results = await new Applier(one.client).apply(cluster, { live: upToDate });
  expect(results.filter((r) => r.action !== 'unchanged').map((r) => r.key)).toEqual(['Service/ns/c-worker']);
  expect(one.sent.map((s) => `${s.method}${s.dryRun ? ' dry' : ''}`)).toEqual(['PATCH']);
});

test('new Services alone are created without a trial, unless one is a LoadBalancer: a load balancer would be provisioned and torn down', async () => {
  const services = [obj('Service', 'c-a'), obj('Service', 'c-b')];
  const plain = fakeServer([], []);
  await new Applier(plain.client).apply(services, { live: () => undefined });
  expect(plain.sent.map((s) => `${s.method}${s.dryRun ? ' dry' : ''}`)).toEqual(['PATCH', 'PATCH']);
  const withBalancer = fakeServer([], []);
  await new Applier(withBalancer.client).apply([services[0], { ...services[1], spec: { type: 'LoadBalancer' } } as KubeObject], { live: () => undefined });
  expect(withBalancer.sent.filter((s) => s.dryRun)).toHaveLength(2);
  expect(Math.max(...withBalancer.sent.filter((s) => s.dryRun).map((s) => s.round))).toBe(1);
  expect(Math.min(...withBalancer.sent.filter((s) => !s.dryRun).map((s) => s.round))).toBe(2);
});
