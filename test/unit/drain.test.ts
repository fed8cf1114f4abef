import { DRAIN_GENERATION_ANNOTATION, DRAIN_ORDINAL_LABEL, DRAIN_TARGETS_ANNOTATION, drainJob, parseDrainProgress } from '../../constructs/drain.js';
import { resolveCluster } from '../../constructs/index.js';
import { decideDrain, type DrainInput } from '../../src/agent/drain.js';
import type { JobObject, PodView } from '../../src/agent/views.js';

const pods = (n: number): PodView[] => Array.from({ length: n }, (_, i) => ({ name: `c-worker-${i}`, ordinal: i, revision: 'r1', ready: true, deleting: false }));
const job = (ordinal: number, targets: string, condition?: { type: string; reason?: string }, generation = 1): JobObject => ({
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: `c-drain-${ordinal}-abcdef`, labels: { [DRAIN_ORDINAL_LABEL]: String(ordinal) }, annotations: { [DRAIN_TARGETS_ANNOTATION]: targets, [DRAIN_GENERATION_ANNOTATION]: String(generation) } },
  status: condition ? { conditions: [{ ...condition, status: 'True' }] } : { active: 1 },
});
const input = (over: Partial<DrainInput>): DrainInput => ({
  policy: 'Drain', desired: 2, live: 4, specMaintenance: [], inMaintenance: [], pods: pods(4), jobs: [], generation: 1, podName: (o) => `c-worker-${o}`, ...over,
});

test('without a scale-down, or with Immediate, the spec is synthesized as it is', () => {
  expect(decideDrain(input({ live: 2 }))).toEqual({ replicas: 2, maintenance: [] });
  expect(decideDrain(input({ policy: 'Immediate', specMaintenance: [0] }))).toEqual({ replicas: 2, maintenance: [0] });
  expect(decideDrain(input({ live: undefined }))).toEqual({ replicas: 2, maintenance: [] });
});

test('a scale-down holds the replicas, puts every server to drain in maintenance, and waits for the highest to be in it', () => {
  const d = decideDrain(input({}));
  expect(d).toMatchObject({ replicas: 4, maintenance: [2, 3], status: { phase: 'Preparing', pod: 'c-worker-3', remaining: ['c-worker-2'], targets: ['c-worker-0', 'c-worker-1'] } });
  expect(d.job).toBeUndefined();
  expect(decideDrain(input({ inMaintenance: [2, 3] })).job).toEqual({ ordinal: 3, targets: [0, 1] });
  // Servers the spec has in maintenance take no files.
  expect(decideDrain(input({ inMaintenance: [1, 2, 3], specMaintenance: [1] })).job).toEqual({ ordinal: 3, targets: [0] });
  expect(decideDrain(input({ desired: 1, specMaintenance: [0] })).status).toMatchObject({ phase: 'Refused', message: expect.stringContaining('no data server stays in service') });
});

test('a running Job reports its progress from its log; a succeeded one lowers the replicas by one', () => {
  const running = decideDrain(input({ inMaintenance: [2, 3], jobs: [job(3, '0,1')], jobLog: 'drain: plan: ...\ndrain: progress files=3/10 bytes=300/1000\n' }));
  expect(running).toMatchObject({ replicas: 4, job: { ordinal: 3 }, jobName: 'c-drain-3-abcdef', status: { phase: 'Copying', files: 3, totalFiles: 10, bytes: 300, totalBytes: 1000 } });
  const done = decideDrain(input({ inMaintenance: [2, 3], jobs: [job(3, '0,1', { type: 'Complete' })], jobLog: 'drained x:1094: 10 files, 1000 bytes: 10 copied, 0 already there with the same adler32' }));
  expect(done).toMatchObject({ replicas: 3, maintenance: [2, 3], drained: { pod: 'c-worker-3', summary: expect.stringContaining('10 copied') } });
  expect(done.job).toBeUndefined();
  // A Job for other targets (the spec changed) is not this drain's: a new one is made.
  expect(decideDrain(input({ inMaintenance: [2, 3], jobs: [job(3, '0', { type: 'Complete' })] })).replicas).toBe(4);
});

test('a refused or failed Job holds everything and is made again only once the spec changes', () => {
  const refused = decideDrain(input({ inMaintenance: [2, 3], jobs: [job(3, '0,1', { type: 'Failed', reason: 'PodFailurePolicy' })], jobLog: 'refused: too little space: ...' }));
  expect(refused).toMatchObject({ replicas: 4, job: { ordinal: 3 }, status: { phase: 'Refused', message: expect.stringContaining('refused: too little space') } });
  const failed = decideDrain(input({ inMaintenance: [2, 3], jobs: [job(3, '0,1', { type: 'Failed', reason: 'BackoffLimitExceeded' })] }));
  expect(failed.status?.phase).toBe('Failed');
  const retried = decideDrain(input({ generation: 2, inMaintenance: [2, 3], jobs: [job(3, '0,1', { type: 'Failed', reason: 'PodFailurePolicy' })] }));
  expect(retried.job).toBeUndefined();
  expect(retried.replicas).toBe(4);
});

test('the Job: the cluster\'s image, the servers by their DNS names, a name that changes with its plan', () => {
  const model = resolveCluster({ name: 'c', namespace: 'ns', worker: { replicas: 4, scaleDown: 'Drain', storage: { capacity: '100Gi' } } });
  const a = drainJob(model, { ordinal: 3, targets: [0, 1], generation: 1 });
  const spec = a.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
  const env = Object.fromEntries(spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
  expect(env).toMatchObject({
    XRD_DRAIN_SOURCE: 'c-worker-3.c-worker.ns.svc.cluster.local:1094',
    XRD_DRAIN_TARGETS: 'c-worker-0.c-worker.ns.svc.cluster.local:1094 c-worker-1.c-worker.ns.svc.cluster.local:1094',
    XRD_DRAIN_EXPORTS: '/data', XRD_DRAIN_RESERVE_PERCENT: '4',
    XRD_DRAIN_REDIRECTORS: 'c-redirector-0.c-redirector.ns.svc.cluster.local:1094',
  });
  expect(a.metadata.name).toMatch(/^c-drain-3-[0-9a-f]{6}$/);
  expect(drainJob(model, { ordinal: 3, targets: [0], generation: 1 }).metadata.name).not.toBe(a.metadata.name);
  expect(drainJob(model, { ordinal: 3, targets: [0, 1], generation: 2 }).metadata.name).toBe(a.metadata.name);
});

test('with TLS the Job verifies the servers against the Secret\'s CA only; with tokens it logs in with the drain token, readable by its user alone', () => {
  const model = resolveCluster({
    name: 'c', namespace: 'ns', worker: { replicas: 4, scaleDown: 'Drain', drainToken: { secretName: 'drain-token' } },
    security: { tls: { secretName: 'c-tls' }, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } },
  });
  const pod = (drainJob(model, { ordinal: 3, targets: [0, 1], generation: 1 }).spec as any).template.spec;
  const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
  expect(env).toMatchObject({ XRD_DRAIN_SCHEME: 'roots', XRD_DRAIN_CA_FILE: '/etc/xrootd/tls-ca/ca.crt', BEARER_TOKEN_FILE: '/etc/xrootd/drain-token/token' });
  expect(pod.volumes).toEqual(expect.arrayContaining([
    { name: 'tls-ca', secret: { secretName: 'c-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } },
    { name: 'token', secret: { secretName: 'drain-token', items: [{ key: 'token', path: 'token', mode: 0o400 }] } },
  ]));
});

test('progress lines: the last one counts; anything else is not progress', () => {
  expect(parseDrainProgress('drain: progress files=1/2 bytes=5/9\ndrain: progress files=2/2 bytes=9/9\n')).toEqual({ files: 2, totalFiles: 2, bytes: 9, totalBytes: 9 });
  expect(parseDrainProgress('drain: plan: 2 files\n')).toBeUndefined();
  expect(parseDrainProgress('drain: progress files=1/2 bytes=5/9 extra')).toBeUndefined();
});

test('status --watch shows the drain: the server, where its files go, how far, and who is next', async () => {
  const { formatStatus } = await import('../../src/cli/status.js');
  const text = formatStatus({ metadata: { name: 'big', namespace: 'ns' }, status: { drain: { phase: 'Copying', pod: 'big-worker-3', targets: ['big-worker-0', 'big-worker-1'], remaining: ['big-worker-2'], files: 10, totalFiles: 40, bytes: 250, totalBytes: 1000 } } });
  expect(text).toContain('  drain        Copying big-worker-3 -> big-worker-0, big-worker-1: 10/40 files [#####...............] 250/1000 bytes');
  expect(text).toContain('               then big-worker-2');
  expect(formatStatus({ metadata: { name: 'big', namespace: 'ns' }, status: { drain: { phase: 'Preparing', pod: 'big-worker-3', message: 'waiting for big-worker-3 to be Ready in maintenance' } } }))
    .toContain('  drain        Preparing big-worker-3: waiting for big-worker-3 to be Ready in maintenance');
});
