/** The CLI as users run it: a real process, real files, exit codes. `npm test` builds it first. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { formatStatus } from '../../src/cli/status.js';

const root = repoRoot();
const cli = (...args: string[]) => run([process.execPath, join(root, 'build/src/cli/main.js'), ...args], process.env, 60000);
const dir = mkdtempSync(join(tmpdir(), 'cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const bad = `apiVersion: xrootd.org/v1alpha1
kind: Xrootd
metadata: { name: bad, namespace: physics }
spec:
  worker: { replicas: -1 }
  redirector: { replicas: 20, extraDirectives: ["all.role server"] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
`;

test('validate: the example resources are valid', () => {
  const r = cli('validate', join(root, 'examples/resources/minimal.yaml'), join(root, 'examples/resources/ha.yaml'));
  expect(r).toEqual({ code: 0, out: '2 Xrootd resources valid\n' });
});

test('validate: every broken rule, named by file, document, resource and field; exit 1', () => {
  const r = cli('validate', file('bad.yaml', bad));
  expect(r.code).toBe(1);
  const path = join(dir, 'bad.yaml');
  expect(r.out.trim().split('\n')).toEqual([
    `${path}[0] physics/bad: spec.redirector.replicas must be <= 16, got 20`,
    `${path}[0] physics/bad: spec.redirector.extraDirectives[0] must not set a directive the library manages (all.adminpath, all.pidpath, all.sitename, all.export, all.manager, all.role, oss.localroot, cms.delay, cms.fxhold, cms.space, cms.superport, ofs.tpc, xrd.maxfd, xrd.network, xrd.port, xrd.protocol, xrd.report, http.exthandler, ofs.osslib, pss.cachelib, pss.origin, pfc.ram, pfc.blocksize, pfc.prefetch, pfc.writequeue, pfc.diskusage, pfc.spaces), under any spelling XRootD accepts for it (such as cms.manager, olb.role or xrd.adminpath), got "all.role server"`,
    `${path}[0] physics/bad: spec.worker.replicas must be >= 0, got -1`,
  ]);
});

test('validate -o json', () => {
  const r = cli('validate', '-o', 'json', file('bad2.yaml', bad));
  expect(r.code).toBe(1);
  const out = JSON.parse(r.out);
  expect(out.valid).toEqual([]);
  expect(out.issues.map((i: { path: string }) => i.path)).toEqual(['spec.redirector.replicas', 'spec.redirector.extraDirectives[0]', 'spec.worker.replicas']);
});

test('validate: a deprecated version is valid with a warning', () => {
  const r = cli('validate', file('old.yaml', 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: { name: old }\nspec: { version: 5.5.3 }\n'));
  expect(r.code).toBe(0);
  expect(r.out).toContain('default/old: warning: version 5.5.3 is deprecated');
});

test('validate: broken YAML, a wrong apiVersion, a missing name and no resources are errors', () => {
  expect(cli('validate', file('broken.yaml', 'kind: Xrootd\nspec: [\n')).out).toContain('invalid YAML');
  expect(cli('validate', file('v2.yaml', 'apiVersion: xrootd.org/v2\nkind: Xrootd\nmetadata: { name: a }\n')).out).toContain('apiVersion must be xrootd.org/v1alpha1, got "xrootd.org/v2"');
  expect(cli('validate', file('anon.yaml', 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {}\n'))).toMatchObject({ code: 1 });
  expect(cli('validate', file('empty.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n'))).toEqual({ code: 1, out: 'no Xrootd resources found\n' });
});

test('validate: an unreadable file is a usage error (exit 2)', () => {
  const r = cli('validate', join(dir, 'missing.yaml'));
  expect(r.code).toBe(2);
  expect(r.out).toContain('cannot read');
});

test('synth: the resource example renders exactly what the TypeScript example commits to dist/', () => {
  const r = cli('synth', join(root, 'examples/resources/minimal.yaml'));
  expect(r.code).toBe(0);
  expect(r.out).toBe(`${readFileSync(join(root, 'dist/minimal/minimal.k8s.yaml'), 'utf8')}---\n`);
  const out = join(dir, 'out');
  expect(cli('synth', '--outdir', out, join(root, 'examples/resources/ha.yaml')).code).toBe(0);
  expect(readFileSync(join(out, 'xrootd-ha.k8s.yaml'), 'utf8')).toBe(readFileSync(join(root, 'dist/ha/ha.k8s.yaml'), 'utf8'));
});

test('synth resolves a federation reference among the files; a member without its meta-manager is refused by name', () => {
  const federation = join(root, 'examples/resources/federation.yaml');
  expect(cli('validate', federation)).toEqual({ code: 0, out: '2 Xrootd resources valid\n' });
  const r = cli('synth', federation);
  expect(r.code).toBe(0);
  expect(r.out).toContain('all.manager meta global-redirector-0.global-redirector.federation.svc.cluster.local:1213');
  expect(r.out).toContain('all.manager meta global-redirector-1.global-redirector.federation.svc.cluster.local:1213');
  const member = file('member.yaml', readFileSync(federation, 'utf8').split('---\n')[1]);
  // Valid alone (the reference may name a resource in the cluster), but not renderable alone.
  expect(cli('validate', member).code).toBe(0);
  const alone = cli('synth', member);
  expect(alone.code).toBe(1);
  expect(alone.out).toContain('federation/site-a: spec.federation.upstreamRefs[0] must name an existing Xrootd: federation/global was not found');
  expect(alone.out).not.toContain('kind: StatefulSet');
  const notMeta = file('not-meta.yaml', `${readFileSync(join(root, 'examples/resources/minimal.yaml'), 'utf8').replace(/namespace: \S+/, 'namespace: federation').replace(/name: \S+/, 'name: global')}---\n${readFileSync(member, 'utf8')}`);
  expect(cli('synth', notMeta).out).toContain('spec.federation.upstreamRefs[0] must name a meta-manager: federation/global has no spec.federation.metaManager');
});

test('synth resolves a cache\'s origin reference among the files to the origin\'s client Service; a cache without its origin is refused by name', () => {
  const example = join(root, 'examples/resources/xcache.yaml');
  expect(cli('validate', example)).toEqual({ code: 0, out: '2 Xrootd resources valid\n' });
  const r = cli('synth', example);
  expect(r.code).toBe(0);
  expect(r.out).toContain('pss.origin store.physics.svc.cluster.local:1094');
  const cache = file('cache.yaml', readFileSync(example, 'utf8').split('---\n')[1]);
  expect(cli('validate', cache).code).toBe(0);
  const alone = cli('synth', cache);
  expect(alone.code).toBe(1);
  expect(alone.out).toContain('physics/edge: spec.cache.origin.ref must name an existing Xrootd: physics/store was not found');
  const itself = file('itself.yaml', readFileSync(cache, 'utf8').replace('ref: { name: store }', 'ref: { name: edge }'));
  expect(cli('synth', itself).out).toContain('spec.cache.origin.ref must name another cluster: physics/edge is this one');
});

test('synth: one invalid resource means no output at all', () => {
  const mixed = file('mixed.yaml', `${readFileSync(join(root, 'examples/resources/minimal.yaml'), 'utf8')}---\n${bad}`);
  const r = cli('synth', mixed);
  expect(r.code).toBe(1);
  expect(r.out).not.toContain('kind: StatefulSet');
});

test('hostile files end in a named refusal and exit 1, never a stack trace', () => {
  const bomb = file('bomb.yaml', `apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: b}\nspec:\n  scheduling:\n    affinity:\n      a: &a [x,x,x,x,x,x,x,x,x]\n${'bcdefghi'.split('').map((c, i) => `      ${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]\n`).join('')}`);
  const nulls = file('nulls.yaml', 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: n}\nspec:\n  xrootd:\n    exports: [null]\n');
  const typo = file('typo.yaml', 'apiVersion: xrootd.org/v1alpha1\nkind: XRootD\nmetadata: {name: t}\n');
  for (const [f, message] of [[bomb, 'invalid YAML: Excessive alias count'], [nulls, 'spec.xrootd.exports[0] must not be null'], [typo, 'kind must be spelled Xrootd']]) {
    for (const command of ['validate', 'synth']) {
      const r = cli(command, f);
      expect({ command, code: r.code }).toEqual({ command, code: 1 });
      expect(r.out).toContain(message);
      expect(r.out).not.toMatch(/\n\s+at /);
    }
  }
});

test('synth into a directory that cannot be made is a clear error (exit 2)', () => {
  const blocker = file('not-a-dir', 'x');
  const r = cli('synth', join(root, 'examples/resources/minimal.yaml'), '--outdir', join(blocker, 'sub'));
  expect(r.code).toBe(2);
  expect(r.out.trim()).toMatch(/^cannot write .*not-a-dir\/sub\/xrootd-minimal\.k8s\.yaml: ENOTDIR$/);
});

test('a bug (here: a fault injected into the runtime) is exit 70 and one line to report, the stack only with XRD_K8S_DEBUG', () => {
  // Preloaded into the CLI's process: the library's defaulting (structuredClone) fails as a bug would.
  const fault = file('fault.mjs', "globalThis.structuredClone = () => { throw new TypeError('injected fault'); };\n");
  const withFault = (env: NodeJS.ProcessEnv) => run([process.execPath, '--import', fault, join(root, 'build/src/cli/main.js'), 'validate', join(root, 'examples/resources/minimal.yaml')], env, 60000);
  const r = withFault(process.env);
  expect(r).toEqual({ code: 70, out: 'xrootd-k8s: internal error (please report it): TypeError: injected fault\n' });
  const debug = withFault({ ...process.env, XRD_K8S_DEBUG: '1' });
  expect(debug.code).toBe(70);
  expect(debug.out).toMatch(/\n\s+at /);
});

test('--help and unknown commands', () => {
  const help = cli('--help');
  expect(help.code).toBe(0);
  expect(help.out).toContain('validate [options] <files...>');
  expect(cli('frobnicate').code).toBe(2);
});

test('migrate: the 2020 operator\'s samples become Xrootd resources that validate; notes on stderr; bad input prints nothing, exit 1', () => {
  const fixtures = join(root, 'test/fixtures/old-operator');
  const migrate = (...args: string[]) => spawnSync(process.execPath, [join(root, 'build/src/cli/main.js'), 'migrate', ...args], { encoding: 'utf8' });
  const r = migrate(join(fixtures, 'xrootdcluster.yaml'), join(fixtures, 'xrootdversion.yaml'));
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('xrootdcluster-sample: spec.version: XrootdVersion xrootdversion-sample ran qserv/xrootd:latest');
  expect(cli('validate', file('migrated.yaml', r.stdout))).toEqual({ code: 0, out: '1 Xrootd resource valid\n' });
  const refused = migrate(file('mixed.yaml', `${readFileSync(join(fixtures, 'xrootdcluster.yaml'), 'utf8')}---\n${bad}`));
  expect(refused.status).toBe(1);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toContain('xrootd.org/v1alpha1 Xrootd bad is already an Xrootd of this project');
  expect(migrate(join(dir, 'missing.yaml')).status).toBe(2);
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
