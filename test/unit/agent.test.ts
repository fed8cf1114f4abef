/** The agent's pure parts: drift, stages, diffs, status, the queue, Retry-After, configuration retention, and the install manifests. */
import { Chart, Testing } from 'cdk8s';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveCluster, SpecValidationError, XrootdAgent } from '../../constructs/index.js';
import { isUpToDate, withAppliedHash } from '../../src/apply/drift.js';
import { isSubset } from '../../src/json.js';
import { fieldChanges } from '../../src/apply/diff.js';
import { inStages } from '../../src/apply/stages.js';
import { WorkQueue } from '../../src/kube/queue.js';
import { CancelledError, KubeClient, retryAfterSeconds } from '../../src/kube/client.js';
import type { Connection } from '../../src/kube/kubeconfig.js';
import { retainedConfigMaps } from '../../src/agent/config-retention.js';
import { podEssentials, type PodObject } from '../../src/agent/observe.js';
import { readyPodsOf } from '../../src/agent/membership.js';
import { withPartitions, type RoleView } from '../../src/agent/rollout.js';
import { computeStatus, type StatefulSetView } from '../../src/agent/status.js';
import { sameStatus } from '../../src/agent/conditions.js';
import type { KubeObject } from '../../src/kube/kinds.js';
import { mergePatch } from '../../src/kube/merge-patch.js';
import { fromKubeconfig } from '../../src/kube/kubeconfig.js';
import { formatStatus } from '../../src/cli/status.js';
import { synth } from '../helpers/synth.js';

const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data });

describe('drift', () => {
  test('live objects may carry server defaults; zero values the server drops count as equal', () => {
    expect(isSubset({ a: 1, b: { c: [{ d: 'x' }] } }, { a: 1, z: 2, b: { c: [{ d: 'x', protocol: 'TCP' }] } })).toBe(true);
    expect(isSubset({ readOnly: false, list: [], obj: {} }, {})).toBe(true);
    expect(isSubset({ a: 1 }, { a: 2 })).toBe(false);
    expect(isSubset({ c: [1, 2] }, { c: [1, 2, 3] })).toBe(false);
  });

  test('up to date needs the same applied hash and every desired field in place', () => {
    const desired = withAppliedHash(cm({ k: 'v' }));
    expect(isUpToDate(desired, undefined)).toBe(false);
    expect(isUpToDate(desired, { ...desired, metadata: { ...desired.metadata, resourceVersion: '7' } })).toBe(true);
    // A hand edit of a field we own.
    expect(isUpToDate(desired, { ...desired, data: { k: 'hacked' } })).toBe(false);
    // A field we stopped setting is still live: only the hash tells.
    const smaller = withAppliedHash(cm({}));
    expect(isUpToDate(smaller, desired)).toBe(false);
    expect(isUpToDate(desired, { ...desired, metadata: { ...desired.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe(false);
  });
});

test('stages put what others depend on first, and workloads last', () => {
  const objects = synth({ name: 'x', worker: { replicas: 2 } }).objects as KubeObject[];
  const kinds = inStages(objects).map((s) => [...new Set(s.map((o) => o.kind))].sort());
  expect(kinds).toEqual([['ConfigMap', 'NetworkPolicy'], ['StatefulSet'], ['PodDisruptionBudget', 'Service']]);
  expect(() => inStages([{ kind: 'Pod' }])).toThrow('no apply stage for kind Pod');
});

test('field changes name each changed path and ignore what the server owns', () => {
  const live = { metadata: { name: 'a', resourceVersion: '1', managedFields: [] }, spec: { replicas: 2, ports: [{ port: 1 }] }, status: { x: 1 } };
  const after = { metadata: { name: 'a', resourceVersion: '2' }, spec: { replicas: 3, ports: [{ port: 1 }], extra: true }, status: { x: 2 } };
  expect(fieldChanges(live, after)).toEqual([{ path: 'spec.extra', to: true }, { path: 'spec.replicas', from: 2, to: 3 }]);
});

describe('status', () => {
  const model = resolveCluster({ name: 'x', namespace: 'n', worker: { replicas: 2 } });
  const sts = (replicas: number, ready: number, revision = 'r1'): StatefulSetView => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', generation: 1 },
    status: { observedGeneration: 1, replicas, readyReplicas: ready, updatedReplicas: replicas, currentRevision: 'r1', updateRevision: revision },
  });
  const now = '2026-11-23T00:00:00Z';

  test('Ready when every role is ready on its current revision; Progressing otherwise', () => {
    const ready = computeStatus({ generation: 3, model, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 2)]]), now });
    expect(ready.conditions!.map((c) => [c.type, c.status])).toEqual([['Ready', 'True'], ['Progressing', 'False'], ['Degraded', 'False'], ['Stalled', 'False'], ['Deprecated', 'False'], ['InsecureWritableExport', 'True']]);
    expect(ready).toMatchObject({ observedGeneration: 3, workers: { replicas: 2, ready: 2 }, currentVersion: model.spec.version, image: model.image });
    expect(ready.workerSelector).toBe('app.kubernetes.io/name=xrootd,app.kubernetes.io/instance=x,app.kubernetes.io/component=worker');

    const rolling = computeStatus({ generation: 3, model, previous: ready, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 1, 'r2')]]), now: '2026-11-23T01:00:00Z' });
    expect(rolling.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', message: 'waiting for workers 1/2 ready', lastTransitionTime: '2026-11-23T01:00:00Z' });
    // Degraded did not change: its transition time stays.
    expect(rolling.conditions!.find((c) => c.type === 'Degraded')!.lastTransitionTime).toBe(now);
  });

  test('pods that were ready on the current spec and stop being ready are Degraded (not Progressing, not Stalled) until they are back', () => {
    const conds = (x: ReturnType<typeof computeStatus>) => x.conditions!.slice(0, 4).map((c) => [c.type, c.status, c.reason]);
    const map = (workersReady: number) => new Map([['redirector', sts(1, 1)], ['worker', sts(2, workersReady)]] as const);
    // Never all ready yet (a new cluster): still coming up, not degraded.
    const starting = computeStatus({ generation: 3, model, statefulSets: map(1), now });
    expect(conds(starting)).toEqual([['Ready', 'False', 'Progressing'], ['Progressing', 'True', 'RollingOut'], ['Degraded', 'False', 'Healthy'], ['Stalled', 'False', 'Healthy']]);
    const ready = computeStatus({ generation: 3, model, previous: starting, statefulSets: map(2), now });
    const lost = computeStatus({ generation: 3, model, previous: ready, statefulSets: map(1), now });
    expect(conds(lost)).toEqual([['Ready', 'False', 'PodsNotReady'], ['Progressing', 'False', 'PodsNotReady'], ['Degraded', 'True', 'PodsNotReady'], ['Stalled', 'False', 'Recovering']]);
    expect(lost.conditions![2].message).toBe('pods that were ready on the current spec are not: workers 1/2 ready; the kubelet restarts failed containers (see the pods\' events)');
    // It stays Degraded while the pod is down, then recovers.
    const still = computeStatus({ generation: 3, model, previous: lost, statefulSets: map(0), now });
    expect(still.conditions![2]).toMatchObject({ status: 'True', reason: 'PodsNotReady' });
    const back = computeStatus({ generation: 3, model, previous: still, statefulSets: map(2), now });
    expect(conds(back)).toEqual([['Ready', 'True', 'Ready'], ['Progressing', 'False', 'Ready'], ['Degraded', 'False', 'Healthy'], ['Stalled', 'False', 'Healthy']]);
    // A new generation (scaled up) is progress, not loss.
    const scaled = computeStatus({ generation: 4, model, previous: back, statefulSets: new Map([['redirector', sts(1, 1)], ['worker', sts(2, 1, 'r2')]] as const), now });
    expect(scaled.conditions![2]).toMatchObject({ status: 'False' });
  });

  test('a failure is Degraded with its reason, and claims nothing else', () => {
    const s = computeStatus({ generation: 2, failure: { reason: 'InvalidSpec', message: 'spec.version must be in the catalog' }, statefulSets: new Map(), now });
    expect(s.conditions!.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'spec.version must be in the catalog' });
    expect(s.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
  });

  test('Ready remembers the spec it was reached with; a rollback is Degraded until the spec changes', () => {
    const spec = { version: '5.9.1', worker: { replicas: 2 } };
    const steady = new Map([['redirector', sts(1, 1)], ['worker', sts(2, 2)]] as const);
    const ready = computeStatus({ generation: 3, model, statefulSets: steady, spec, now });
    expect(ready.lastReadySpec).toEqual(spec);
    const rolledBack = { generation: 4, fromVersion: '6.0.0', toVersion: '5.9.1', stuckPod: 'x-worker-1', at: now };
    const back = computeStatus({ generation: 4, model, previous: ready, statefulSets: steady, spec: { ...spec, version: '6.0.0' }, rolledBack, now });
    expect(back.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'RolledBack'], ['Progressing', 'False', 'RolledBack'], ['Degraded', 'True', 'RolledBack'], ['Stalled', 'True', 'RolledBack'], ['Deprecated', 'False', 'Supported'], ['InsecureWritableExport', 'True', 'NoAuthorization']]);
    expect(back.conditions![2].message).toBe('rollout of 6.0.0 (generation 4) stopped at x-worker-1; rolled back to 5.9.1 until the spec changes');
    // The spec that failed never becomes the one to return to.
    expect(back.lastReadySpec).toEqual(spec);
    expect(back.rolledBack).toEqual(rolledBack);
  });

  test('a deprecated version is its own condition', () => {
    const old = resolveCluster({ name: 'x', namespace: 'n', version: '5.5.3' });
    const s = computeStatus({ generation: 1, model: old, statefulSets: new Map(), now });
    expect(s.conditions!.find((c) => c.type === 'Deprecated')).toMatchObject({ status: 'True', reason: 'DeprecatedVersion' });
    expect(s.conditions!.find((c) => c.type === 'Deprecated')!.message).toMatch(/^version 5\.5\.3 is deprecated: /);
    expect(s.conditions!.find((c) => c.type === 'Degraded')!.status).toBe('False');
  });

  test('a merge patch sends null for every key that went away, at any depth', () => {
    const before = { rollout: { phase: 'Stuck', stuckPod: 'p' }, rolledBack: { generation: 1 }, spec: { a: [1, 2] }, keep: 1 };
    const after = { rollout: { phase: 'Rolling' }, spec: { a: [1] }, keep: 1 };
    expect(mergePatch(before, after)).toEqual({ rollout: { phase: 'Rolling', stuckPod: null }, rolledBack: null, spec: { a: [1] }, keep: 1 });
    expect(mergePatch(undefined, after)).toEqual(after);
  });

  test('statuses differing only in timestamps or empty objects are the same', () => {
    const a = computeStatus({ generation: 1, model, statefulSets: new Map(), now });
    const b = computeStatus({ generation: 1, model, statefulSets: new Map(), now: '2027-01-01T00:00:00Z' });
    expect(sameStatus({ ...a, supervisors: {} }, b)).toBe(true);
    expect(sameStatus(a, { ...b, observedGeneration: 2 })).toBe(false);
  });
});

describe('work queue', () => {
  test('one key never runs twice at once; an add during a run runs it once more', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const q = new WorkQueue(async (k) => {
      log.push(`start ${k}`);
      if (log.length === 1) await gate;
      log.push(`end ${k}`);
    });
    q.add('a');
    q.add('a');
    await new Promise((r) => setTimeout(r, 10));
    q.add('a');
    q.add('a');
    release();
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'start a', 'end a']);
  });

  test('failures retry with backoff until they succeed', async () => {
    let calls = 0;
    const errors: number[] = [];
    const q = new WorkQueue(async () => { if (++calls < 3) throw new Error('boom'); }, { baseDelayMs: 5 }, (_k, _e, retry) => errors.push(retry));
    q.add('a');
    await q.idle();
    expect(calls).toBe(3);
    expect(errors).toEqual([5, 10]);
  });
});

describe('work queue under leadership changes', () => {
  test('stop with cancel aborts the handlers in flight and forgets what waits; start takes new work', async () => {
    const seen: string[] = [];
    let aborted: unknown;
    const q = new WorkQueue(async (k, signal) => {
      seen.push(k);
      if (k === 'slow') {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => { aborted = signal.reason; resolve(); }));
      }
    }, { concurrency: 1 });
    q.add('slow');
    q.add('waiting');
    await new Promise((r) => setTimeout(r, 10));
    await q.stop({ cancel: true, reason: 'leadership lost' });
    expect(aborted).toBe('leadership lost');
    q.add('while-stopped');
    q.start();
    q.add('after');
    await q.idle();
    expect(seen).toEqual(['slow', 'after']);
  });

  test('a request made inside a cancelled handler is refused before it is sent', async () => {
    const client = new KubeClient({ server: new URL('https://127.0.0.1:1'), headers: async () => ({}) } satisfies Connection);
    let failure: unknown;
    const q = new WorkQueue(async (_k, signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      try {
        await client.request('GET', '/api/v1/namespaces');
      } catch (e) {
        failure = e;
      }
    });
    q.add('a');
    await new Promise((r) => setTimeout(r, 10));
    await q.stop({ cancel: true, reason: 'leadership lost' });
    expect(failure).toBeInstanceOf(CancelledError);
    expect(String((failure as Error).message)).toMatch(/not sent: leadership lost/);
    expect(client.counts.reads).toBe(1);
  });
});

describe('Retry-After', () => {
  test('429 always waits (1 s without the header); a 5xx only when the server says so; capped at 30 s', () => {
    expect(retryAfterSeconds(429, undefined)).toBe(1);
    expect(retryAfterSeconds(429, '5')).toBe(5);
    expect(retryAfterSeconds(429, '0')).toBe(1);
    expect(retryAfterSeconds(429, '3600')).toBe(30);
    expect(retryAfterSeconds(429, 'soon')).toBe(1);
    expect(retryAfterSeconds(503, '2')).toBe(2);
    expect(retryAfterSeconds(503, undefined)).toBeUndefined();
    expect(retryAfterSeconds(409, '2')).toBeUndefined();
    expect(retryAfterSeconds(200, '2')).toBeUndefined();
  });
});

describe('configuration kept for earlier revisions', () => {
  const role = (o: Partial<RoleView> = {}): RoleView => ({ role: 'worker', replicas: 2, exists: true, templateChanging: false, partition: 0,
    updateRevision: 'r2', currentRevision: 'r2', pods: [], ...o });
  const pod = (config: string): PodObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: config } }] } }) as PodObject;

  test('every configuration stays while a role is between revisions, or about to be', () => {
    expect(retainedConfigMaps([role({ currentRevision: 'r1' })], [])).toBe('all');
    expect(retainedConfigMaps([role({ templateChanging: true })], [])).toBe('all');
    expect(retainedConfigMaps([role({ statusBehind: true })], [])).toBe('all');
    expect(retainedConfigMaps([role({ currentRevision: undefined, updateRevision: undefined })], [])).toBe('all');
  });

  test('once every role is settled, only what pods still mount stays', () => {
    expect(retainedConfigMaps([role(), role({ role: 'redirector', exists: false })], [pod('c-config-a'), pod('c-config-b')])).toEqual(new Set(['c-config-a', 'c-config-b']));
    expect(retainedConfigMaps([role()], [])).toEqual(new Set());
  });

  test('the pod cache keeps what the agent reads of a pod, and nothing else', () => {
    const full = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'c-worker-0', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { 'controller-revision-hash': 'r2' }, annotations: { big: 'x'.repeat(1000) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'c-worker', uid: 's', controller: true }], deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: { containers: [{ name: 'xrootd', image: 'i', env: [{ name: 'A', value: 'b' }] }], volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'c-config-r2' } }] },
      status: { phase: 'Running', podIP: '10.0.0.5', containerStatuses: [{ name: 'xrootd', ready: true }],
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    };
    const kept = podEssentials(full);
    expect(kept).toEqual({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'c-worker-0', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { 'controller-revision-hash': 'r2' }, ownerReferences: full.metadata.ownerReferences, deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: { volumes: [{ configMap: { name: 'c-config-r2' } }] },
      status: { podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    });
    // What readers compute from it is what they computed from the whole pod.
    expect(retainedConfigMaps([role()], [kept])).toEqual(retainedConfigMaps([role()], [full as PodObject]));
    expect(readyPodsOf([kept])).toEqual(readyPodsOf([full as PodObject]));
    // A pending pod: no Ready condition and no address.
    expect(podEssentials({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Pending' } })).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, status: {} });
  });

  test('a rollout step changes only the StatefulSets\' partitions', () => {
    const out = synth({ name: 'c', redirector: { replicas: 2 }, worker: { replicas: 3 } });
    const stepped = withPartitions(out.objects, out.cluster.model, { redirector: 2, supervisor: 0, worker: 1 });
    const partition = (o: any) => o.spec.updateStrategy.rollingUpdate.partition;
    expect(stepped.filter((o) => o.kind === 'StatefulSet').map((o) => [o.metadata.name, partition(o)])).toEqual([['c-redirector', 2], ['c-worker', 1]]);
    expect(stepped.filter((o) => o.kind !== 'StatefulSet')).toEqual(out.objects.filter((o) => o.kind !== 'StatefulSet'));
    expect(out.objects.filter((o) => o.kind === 'StatefulSet').map(partition)).toEqual([0, 0]);
  });
});

describe('agent install manifests', () => {
  const install = (props = {}) => {
    const chart = new Chart(Testing.app(), 'agent');
    new XrootdAgent(chart, 'agent', props);
    return Testing.synth(chart);
  };

  test('cluster-wide by default; a watched namespace gets a Role there instead', () => {
    expect(install().filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name).sort()).toEqual(['xrootd-k8s-agent', 'xrootd-k8s-agent-catalog']);
    const namespaced = install({ watchNamespace: 'physics' });
    expect(namespaced.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual(['xrootd-k8s-agent-catalog']);
    expect(namespaced.find((o) => o.kind === 'Role' && o.metadata.namespace === 'physics')).toBeDefined();
    expect(namespaced.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].args).toContain('--namespace=physics');
  });

  test('least privilege: no Secret unless named, pods only read and deleted (stuck rollbacks), volumes only read and deleted', () => {
    const rules = install().find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'xrootd-k8s-agent').rules;
    const verbsOn = (r: string) => rules.filter((x: { resources: string[] }) => x.resources.includes(r)).flatMap((x: { verbs: string[] }) => x.verbs);
    expect(verbsOn('secrets')).toEqual([]);
    expect(verbsOn('pods')).toEqual(['get', 'list', 'watch', 'delete']);
    expect(verbsOn('persistentvolumeclaims')).toEqual(['get', 'list', 'watch', 'create', 'patch', 'delete']);
    const granted = install({ gitCredentials: [{ namespace: 'physics', secretName: 'b' }, { namespace: 'physics', secretName: 'a' }, { namespace: 'cms', secretName: 'c' }] });
    const roles = granted.filter((o) => o.kind === 'Role' && o.metadata.name === 'xrootd-k8s-agent-git-credentials');
    expect(roles.map((r) => [r.metadata.namespace, r.rules])).toEqual([
      ['physics', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'], verbs: ['get'] }]],
      ['cms', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['c'], verbs: ['get'] }]],
    ]);
    expect(granted.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'xrootd-k8s-agent-git-credentials')).toHaveLength(2);
    // TLS Secrets (renewals roll the pods): a Role of their own, by name too.
    const tls = install({ tlsSecrets: [{ namespace: 'physics', secretName: 'physics-tls' }] });
    expect(tls.filter((o) => o.kind === 'Role' && o.metadata.name === 'xrootd-k8s-agent-tls-secrets').map((r) => [r.metadata.namespace, r.rules]))
      .toEqual([['physics', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['physics-tls'], verbs: ['get'] }]]]);
    expect(tls.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'xrootd-k8s-agent-tls-secrets').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'xrootd-k8s-agent', namespace: 'xrootd-system' }]);
  });

  test('deletes are narrowed to the agent\'s own objects by an admission policy for its ServiceAccount only', () => {
    const objects = install({ namespace: 'ops' });
    const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConditions).toEqual([{ name: 'is-the-agent', expression: "request.userInfo.username == 'system:serviceaccount:ops:xrootd-k8s-agent'" }]);
    expect(policy.spec.matchConstraints.resourceRules.every((r: { operations: string[] }) => r.operations.join() === 'DELETE')).toBe(true);
    expect(objects.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding').spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
    // Volume adoption: volumes re-pointed only within their namespace, only to Retain; claims created only with the agent's labels.
    const adoption = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'xrootd-k8s-agent-volume-adoption');
    expect(adoption.spec.matchConstraints.resourceRules.map((r: { resources: string[]; operations: string[] }) => `${r.operations} ${r.resources}`)).toEqual(['UPDATE persistentvolumes', 'CREATE persistentvolumeclaims']);
    expect(adoption.spec.matchConditions).toEqual(policy.spec.matchConditions);
    expect(install({ ownedDeletesPolicy: false }).some((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toBe(false);
  });

  test('hostile install props are refused, each named, before anything reaches a name, the policy\'s CEL or the Deployment', () => {
    const refusal = (props: Record<string, unknown>): string => {
      try {
        install(props);
      } catch (e) {
        expect(e).toBeInstanceOf(SpecValidationError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ namespace: "ops' || true || '" })).toMatch(/namespace must be a namespace name .* got "ops' \|\| true \|\| '"/);
    expect(refusal({ watchNamespace: 'a\nb' })).toContain('watchNamespace must be a namespace name');
    expect(refusal({ gitCredentials: [{ namespace: 'physics', secretName: 'git\u0000auth' }, null] })).toMatch(/gitCredentials\[0\]\.secretName must be a Secret name[\s\S]*gitCredentials\[1\]\.namespace/);
    expect(refusal({ tlsSecrets: [{ namespace: 'phy\nsics', secretName: 'x' }] })).toMatch(/tlsSecrets\[0\]\.namespace must be a namespace name/);
    expect(refusal({ image: 'registry.example.org/agent:1 --privileged' })).toContain('image must be a non-empty string without spaces');
    expect(refusal({ version: '1.0\u2028' })).toContain('version must be a non-empty string');
    expect(refusal({ replicas: 0 })).toContain('replicas must be a whole number >= 1');
    expect(refusal({ namespace: 'ops', watchNamespace: 'physics', gitCredentials: [{ namespace: 'physics', secretName: 'git.auth-1' }], replicas: 3 })).toBe('accepted');
  });

  test('a platform team limits extra directives through the install: the agent gets --extra-directives', () => {
    const args = (extraDirectives?: unknown) => install(extraDirectives === undefined ? {} : { extraDirectives }).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args().some((a: string) => a.startsWith('--extra-directives'))).toBe(false);
    expect(args('none')).toContain('--extra-directives=none');
    expect(args(['xrootd.trace', 'ofs.trace'])).toContain('--extra-directives=xrootd.trace,ofs.trace');
    expect(() => args(['xrootd.trace', 'all.manager x'])).toThrow('extraDirectives must be \'all\', \'none\' or a non-empty list of directive names');
  });

  test('the Deployment runs restricted, with probes on the agent\'s HTTP port', () => {
    const pod = install().find((o) => o.kind === 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
  });
});

test('data volume labels carry no version: volumeClaimTemplates are immutable, upgrades must not touch them', () => {
  const a = synth({ name: 'x', version: '5.8.4', worker: { replicas: 1 } }).get('StatefulSet', 'x-worker');
  const b = synth({ name: 'x', version: '5.9.1', worker: { replicas: 1 } }).get('StatefulSet', 'x-worker');
  expect(a.spec.volumeClaimTemplates).toEqual(b.spec.volumeClaimTemplates);
  expect(a.spec.volumeClaimTemplates[0].metadata.labels['xrootd.org/cluster']).toBe('x');
});

describe('kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, user: Record<string, unknown>): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }));
    return path;
  };

  test('token, token file and client certificates are read directly', async () => {
    const token = fromKubeconfig(write('token', { token: 't0k' }));
    expect(token.server.href).toBe('https://127.0.0.1:6443/');
    expect(token.ca?.toString()).toBe('CA');
    expect(await token.headers()).toEqual({ Authorization: 'Bearer t0k' });
    writeFileSync(join(dir, 'tokenfile'), 'rotated\n');
    expect(await fromKubeconfig(write('tf', { tokenFile: join(dir, 'tokenfile') })).headers()).toEqual({ Authorization: 'Bearer rotated' });
    const cert = fromKubeconfig(write('cert', { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }));
    expect([cert.cert?.toString(), cert.key?.toString()]).toEqual(['CERT', 'KEY']);
  });

  test('an exec credential plugin goes through client-node, which runs it', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const path = write('exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `echo '${credential}'`], interactiveMode: 'Never' } });
    expect(await fromKubeconfig(path).headers()).toEqual({ Authorization: 'Bearer from-exec' });
  });

  test('a context naming a missing cluster is an error that says so', () => {
    const path = join(dir, 'broken');
    writeFileSync(path, stringify({ 'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'nope', user: 'u' } }] }));
    expect(() => fromKubeconfig(path)).toThrow('context c names a missing cluster nope');
  });
});

test('status text shows versions, per-role progress and the rollout step', () => {
  const text = formatStatus({
    metadata: { name: 'up', namespace: 'physics', generation: 4 },
    status: {
      observedGeneration: 4, currentVersion: '5.8.4', targetVersion: '5.9.1',
      conditions: [{ type: 'Ready', status: 'False' }, { type: 'Degraded', status: 'False' }],
      redirectors: { replicas: 2, ready: 2, updated: 0, version: '5.8.4', targetVersion: '5.9.1' }, workers: { replicas: 12, ready: 11, updated: 5, version: '5.8.4', targetVersion: '5.9.1' },
      rollout: { phase: 'Rolling', message: 'workers 5/12 updated; waiting for up-worker-7', startedAt: '2026-11-23T12:00:00Z' },
    },
  });
  expect(text.split('\n')).toEqual([
    'physics/up  version 5.8.4 -> 5.9.1  Rolling',
    '  redirectors     2/2 ready     0/2 updated [....................]  5.8.4 -> 5.9.1',
    '  data servers   11/12 ready     5/12 updated [########............]  5.8.4 -> 5.9.1',
    '  rollout      Rolling: workers 5/12 updated; waiting for up-worker-7',
    '  started      2026-11-23T12:00:00Z',
  ]);
});
