/**
 * The CRDs on a real API server: they establish, the server's defaulting gives
 * exactly the library's defaults, and invalid resources are refused at
 * admission with the rules' own words.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BUILT_IN_CATALOG, resolveGitSourceSpec } from '../../constructs/index.js';
import { xrootdSpecSchema } from '../../constructs/api/schema.js';
import { applySchema } from '../../constructs/api/validate.js';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { waitFor } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'crd-test';
let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start();
  createNamespace(cp, NS);
  const r = cp.kubectl(['apply', '--server-side', '-f', join(repoRoot(), 'dist/crds/crds.k8s.yaml')]);
  if (r.code !== 0) throw new Error(r.out);
  await waitFor('the CRDs to be established', () => {
    const r = cp.kubectl(['wait', '--for=condition=Established', 'crd/xrootds.xrootd.org', 'crd/xrootdversions.catalog.xrootd.org', 'crd/xrootdgitsources.xrootd.org', '--timeout=5s']);
    return r.code === 0 ? true : undefined;
  }, 60000, 500);
}, 20 * 60 * 1000);
afterAll(async () => { await cp?.stop(); });

const xrootd = (name: string, spec: Record<string, unknown>): string =>
  stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, namespace: NS }, spec });

function create(name: string, spec: Record<string, unknown>): { code: number; out: string } {
  return cp.kubectl(['create', '-f', '-'], { input: xrootd(name, spec) });
}

test('the API server defaults an Xrootd exactly as the library does', () => {
  for (const [name, spec] of [['empty', {}], ['partial', { worker: { replicas: 7, storage: { capacity: '1Gi' } }, xrootd: { http: true } }],
    ['secure', { security: { tls: { secretName: 'secure-tls' }, tokens: { audiences: ['https://x.example.org'], issuers: [{ name: 'wlcg', url: 'https://i.example.org', basePaths: ['/data'] }] } } }],
    ['sited', { site: 'T2_XK_Test', security: { tls: { secretName: 'sited-tls' }, tokens: { issuers: [{ name: 'wlcg', url: 'https://i.example.org', basePaths: ['/data'] }] } } }]] as const) {
    expect(create(name, spec)).toMatchObject({ code: 0 });
    const stored = cp.getJson(['xrootd', name, '-n', NS]).spec;
    expect(stored).toEqual(applySchema(xrootdSpecSchema, structuredClone(spec), '', []));
  }
});

test.each<[string, string, Record<string, unknown>, string]>([
  ['no data server', 'bad-replicas', { worker: { replicas: 0 } }, 'spec.worker.replicas: Invalid value: worker.replicas must be >= 1 (0 only in a meta-manager'],
  ['17 redirectors', 'bad-redirectors', { redirector: { replicas: 17 } }, 'should be less than or equal to 16'],
  ['a managed directive', 'bad-directive', { worker: { extraDirectives: ['all.manager evil:1213'] } }, 'must not set a directive the library manages'],
  ['two directives in one', 'bad-newline', { worker: { extraDirectives: ['xrootd.trace all\nall.role manager'] } }, 'spec.worker.extraDirectives[0]: Invalid value'],
  ['a managed directive under another prefix', 'bad-alias', { worker: { extraDirectives: ['cms.manager evil:1213'] } }, 'under any spelling XRootD accepts for it'],
  ['a directive continued on the next line', 'bad-continuation', { redirector: { extraDirectives: ['xrootd.trace all \\'] } }, 'spec.redirector.extraDirectives[0]: Invalid value'],
  ['a NUL in a directive', 'bad-nul', { worker: { extraDirectives: ['xrootd.trace all\u0000all.role manager'] } }, 'spec.worker.extraDirectives[0]: Invalid value'],
  ['equal ports', 'bad-ports', { xrootd: { port: 2000, cmsdPort: 2000 } }, 'cmsdPort must differ from xrootd.port'],
  ['too few supervisors', 'bad-supervisors', { worker: { replicas: 200 }, supervisor: { replicas: 4 } }, 'supervisor.replicas is too small for worker.replicas'],
  ['one supervisor where each data server takes two', 'bad-redundancy', { worker: { replicas: 70 }, supervisor: { replicas: 1 } }, 'supervisor.replicas is too small for worker.replicas'],
  ['more data servers than redundant supervisors hold', 'bad-tier', { worker: { replicas: 2049 } }, 'worker.replicas is more than one supervisor tier holds'],
  ['a meta-manager with data servers', 'bad-meta', { federation: { metaManager: true } }, 'federation.metaManager needs worker.replicas 0'],
  ['a meta-manager subscribing upward', 'bad-meta-upstream', { worker: { replicas: 0 }, federation: { metaManager: true, upstream: ['meta.example.org:1213'] } }, 'spec.federation.upstream: Invalid value: upstream cannot be set on a meta-manager'],
  ['a meta-manager subscribing upward by reference', 'bad-meta-ref', { worker: { replicas: 0 }, federation: { metaManager: true, upstreamRefs: [{ name: 'global' }] } }, 'spec.federation.upstreamRefs: Invalid value: upstreamRefs cannot be set on a meta-manager'],
  ['a reference to a name that is not a resource name', 'bad-ref', { federation: { upstreamRefs: [{ name: 'Global Meta' }] } }, 'spec.federation.upstreamRefs[0].name: Invalid value'],
  ['an upstream meta-manager with a directive after it', 'bad-upstream', { federation: { upstream: ['meta.example.org:1213 if exec xrootd'] } }, 'spec.federation.upstream[0]: Invalid value'],
  ['a site name with a line break', 'bad-site', { site: 'CERN\nall.role manager' }, 'spec.site: Invalid value'],
  ['a host name template that does not start with {pod}', 'bad-hostnames', { expose: { type: 'LoadBalancer', hostnameTemplate: 'xrootd.example.org' } }, 'spec.expose.hostnameTemplate: Invalid value'],
  ['Service annotations on the nodes\' network', 'bad-annotations', { expose: { type: 'HostNetwork', annotations: { a: 'b' } } }, 'annotations need type LoadBalancer or NodePort'],
  ['a duplicate export', 'bad-exports', { xrootd: { exports: [{ path: '/a' }, { path: '/a' }] } }, 'path must be unique in the list'],
  ['an export climbing out of the volume', 'bad-export-path', { xrootd: { exports: [{ path: '/data/../etc' }] } }, 'spec.xrootd.exports[0].path: Invalid value: "/data/../etc"'],
  ['a bad capacity', 'bad-capacity', { worker: { storage: { capacity: '10 GB' } } }, 'spec.worker.storage.capacity: Invalid value: "10 GB"'],
  ['an unknown pull policy', 'bad-policy', { imagePullPolicy: 'Sometimes' }, 'supported values: "Always", "IfNotPresent", "Never"'],
  ['tokens without TLS', 'bad-tokens', { security: { tokens: { audiences: ['https://x.example.org'], issuers: [{ name: 'a', url: 'https://i.example.org', basePaths: ['/data'] }] } } }, 'tokens needs tls'],
  ['an http:// token issuer', 'bad-issuer', { security: { tls: { secretName: 't' }, tokens: { audiences: ['a'], issuers: [{ name: 'a', url: 'http://i.example.org', basePaths: ['/data'] }] } } }, 'spec.security.tokens.issuers[0].url: Invalid value'],
  ['tokens with no audiences and nothing to default them to', 'no-audience', { security: { tls: { secretName: 't' }, tokens: { issuers: [{ name: 'a', url: 'https://i.example.org', basePaths: ['/data'] }] } } }, 'spec.security.tokens.audiences: Invalid value: security.tokens.audiences is required unless spec.site'],
  ['an audience that would start an INI section', 'bad-audience', { security: { tls: { secretName: 't' }, tokens: { audiences: ['x\n[Issuer e]'], issuers: [{ name: 'a', url: 'https://i.example.org', basePaths: ['/data'] }] } } }, 'spec.security.tokens.audiences[0]: Invalid value'],
  ['a mount over the pods\' own paths', 'bad-mount', { mounts: [{ name: 'a', mountPath: '/var/run/xrootd', secretName: 's' }] }, 'mountPath must not be, contain or lie under a path the pods use'],
  ['a mount of a Secret and a ConfigMap at once', 'bad-mount-source', { mounts: [{ name: 'a', mountPath: '/etc/a', secretName: 's', configMapName: 'c' }] }, 'secretName or configMapName must be set, not both'],
  ['an unknown authorization privilege', 'bad-privilege', { security: { authorization: { rules: [{ path: '/data', privileges: ['chown'] }] } } }, 'spec.security.authorization.rules[0].privileges[0]: Unsupported value'],
  ['an unknown TLS level', 'bad-tls', { security: { tls: { secretName: 't', require: 'sometimes' } } }, 'supported values: "none", "capable", "data", "all"'],
])('admission refuses %s with a message naming the field', (_why, name, spec, message) => {
  const r = create(name, spec);
  expect(r.code).not.toBe(0);
  expect(r.out).toContain(message);
  expect(cp.kubectl(['get', 'xrootd', name, '-n', NS]).code).not.toBe(0);
});

test('the library and the API server give the same verdict on Unicode: spaces, controls, format characters, lengths in code points', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['plain image', { image: 'registry.example.org/xrootd:5.9.1' }],
    ['no-break space in an image', { image: 'registry.example.org/xrootd:5.9.1\u00a0x' }],
    ['ideographic space in an image', { image: 'a\u3000b' }],
    ['byte-order mark in an image', { image: 'a\ufeffb' }],
    ['next-line control in an image', { image: 'a\u0085b' }],
    ['line separator in an image', { image: 'a\u2028b' }],
    ['non-ASCII letters in an image', { image: 'registry.example.org/xrööt:5' }],
    ['1,024 code points of directive (emoji: 2 UTF-16 units each)', { worker: { extraDirectives: [`xrootd.trace ${'😀'.repeat(1011)}`] } }],
    ['1,025 code points of directive', { worker: { extraDirectives: [`xrootd.trace ${'😀'.repeat(1012)}`] } }],
    ['a non-ASCII directive argument', { worker: { extraDirectives: ['ofs.trace é'] } }],
    ['a directive with a no-break space before its end', { worker: { extraDirectives: ['xrootd.trace all\u00a0'] } }],
  ];
  const verdicts = cases.map(([why, spec], i) => {
    const issues: unknown[] = [];
    applySchema(xrootdSpecSchema, structuredClone(spec), '', issues as never[]);
    const server = cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: xrootd(`unicode-${i}`, spec) });
    return [why, issues.length === 0, server.code === 0];
  });
  expect(verdicts.filter(([, library, server]) => library !== server)).toEqual([]);
  // Both directions occur: the cases test something.
  expect(new Set(verdicts.map(([, library]) => library))).toEqual(new Set([true, false]));
});

test('a meta-manager without data servers, a member of a federation on its nodes\' network and 140 data servers on three supervisors are admitted', () => {
  expect(create('meta', { worker: { replicas: 0 }, federation: { metaManager: true } }).code).toBe(0);
  expect(create('member', { site: 'T2_XK_Test', expose: { type: 'HostNetwork' }, federation: { upstream: ['regional.example.org:1213'], upstreamRefs: [{ name: 'meta' }] } }).code).toBe(0);
  expect(create('wide', { worker: { replicas: 140 }, supervisor: { replicas: 3 } }).code).toBe(0);
});

test('a name too long for the derived StatefulSet names is refused', () => {
  const r = create('a'.repeat(42), {});
  expect(r.code).not.toBe(0);
  expect(r.out).toContain('metadata.name must be a DNS label');
  expect(create('a'.repeat(41), {}).code).toBe(0);
});

test('the StorageClass and access modes of the data volumes cannot change; their capacity can (the agent grows them)', () => {
  expect(create('immutable', { worker: { storage: { class: 'fast', capacity: '1Gi' } } }).code).toBe(0);
  const change = (storage: Record<string, unknown>) => cp.kubectl(['patch', 'xrootd', 'immutable', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { worker: { storage } } })]);
  const otherClass = change({ class: 'slow' });
  expect(otherClass.code).not.toBe(0);
  expect(otherClass.out).toContain('spec.worker.storage.class: Invalid value');
  expect(otherClass.out).toContain('cannot change: a volume keeps its StorageClass');
  expect(change({ accessModes: ['ReadWriteMany'] }).out).toContain('is immutable once set');
  expect(change({ capacity: '2Gi' }).code).toBe(0);
  // Other fields still change.
  expect(cp.kubectl(['patch', 'xrootd', 'immutable', '-n', NS, '--type=merge', '-p', '{"spec":{"worker":{"replicas":3}}}']).code).toBe(0);
});

test('kubectl scale changes the data servers through the scale subresource', () => {
  expect(create('scalable', {}).code).toBe(0);
  const r = cp.kubectl(['scale', 'xrootd/scalable', '-n', NS, '--replicas=5']);
  expect(r).toMatchObject({ code: 0 });
  expect(cp.getJson(['xrootd', 'scalable', '-n', NS]).spec.worker.replicas).toBe(5);
});

test('kubectl get xrootd shows the printer columns', () => {
  const header = cp.kubectl(['get', 'xrootd', '-n', NS]).out.split('\n')[0];
  expect(header.split(/\s+/)).toEqual(['NAME', 'REDIRECTORS', 'WORKERS', 'VERSION', 'ROLLOUT', 'READY', 'AGE']);
  const wide = cp.kubectl(['get', 'xrd', '-n', NS, '-o', 'wide']).out.split('\n')[0];
  expect(wide).toContain('TARGET');
  expect(wide).toContain('STEP');
});

test('every built-in catalog entry is a valid XrootdVersion', () => {
  const objects = BUILT_IN_CATALOG.map((r) => stringify({
    apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: r.version }, spec: { ...r, features: [...r.features] },
  })).join('---\n');
  const r = cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: objects });
  expect(r).toMatchObject({ code: 0 });
  const bad = cp.kubectl(['create', '--dry-run=server', '-f', '-'], {
    input: stringify({ apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'x' }, spec: { version: '9.9.9', image: 'a b', features: ['teleport'] } }),
  });
  expect(bad.code).not.toBe(0);
  expect(bad.out).toContain('spec.features[0]: Unsupported value: "teleport"');
});

test('XrootdGitSource: the server defaults it as the library does and refuses what the library refuses', () => {
  const source = (name: string, spec: Record<string, unknown>) => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'XrootdGitSource', metadata: { name, namespace: NS }, spec });
  const spec = { url: 'https://git.example.org/site/xrootd.git', ref: { tag: 'v1' } };
  expect(cp.kubectl(['create', '-f', '-'], { input: source('ok', spec) }).code).toBe(0);
  expect(cp.getJson(['xrootdgitsource', 'ok', '-n', NS]).spec).toEqual(resolveGitSourceSpec(structuredClone(spec)));
  for (const [bad, message] of [
    [{ ...spec, ref: { branch: 'main', tag: 'v1' } }, 'must be the only one of branch, tag and commit'],
    [{ ...spec, path: '/etc' }, 'spec.path: Invalid value: "/etc"'],
    [{ ...spec, url: 'ftp://host/x' }, 'spec.url: Invalid value: "ftp://host/x"'],
  ] as const) {
    const r = cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: source('bad', bad) });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(message);
  }
});
