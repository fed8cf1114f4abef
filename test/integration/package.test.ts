/**
 * The npm package as a user gets it: `npm pack` of this project installed into
 * a fresh cdk8s app (its own package.json, tsconfig and cdk8s.yaml), a cluster
 * written with typed props, `npx cdk8s synth`, and the result applied to the
 * real control plane; a plain Node ESM script as a second consumer; the
 * package's `xrootd-k8s` command, and the same as a kubectl plugin (`kubectl xrootd`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { installCrds } from '../helpers/install.js';
import { run } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

const NS = 'from-package';
const ours = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
const version = (name: string): string => ours.devDependencies[name] ?? ours.dependencies[name];
let cp: ControlPlane;
let dir: string;
let app: string;
let tarball: string;

const sh = (command: string[], cwd: string, timeoutMs = 300000) => {
  // PATH first: npx and the app's scripts find this Node (24), not the system's.
  const r = run(['bash', '-c', `cd "$1" && shift && exec "$@"`, 'sh', cwd, ...command],
    { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` }, timeoutMs);
  return r;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'package-'));
  // npm pack runs prepack: the library and CLI compiled with declarations into lib/.
  const packed = sh(['npm', 'pack', '--json', '--pack-destination', dir], repoRoot());
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.out}`);
  const info = JSON.parse(packed.out.slice(packed.out.indexOf('['), packed.out.lastIndexOf(']') + 1))[0];
  tarball = join(dir, info.filename);
  app = join(dir, 'site-app');
  run(['mkdir', '-p', join(app, 'bad')]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'site-xrootd', private: true, type: 'module',
    dependencies: { 'xrootd-k8s': `file:${tarball}`, cdk8s: version('cdk8s'), 'cdk8s-plus-28': version('cdk8s-plus-28'), constructs: version('constructs') },
    devDependencies: { typescript: version('typescript'), 'cdk8s-cli': version('cdk8s-cli'), '@types/node': version('@types/node') },
  }, null, 2));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'], outDir: 'build' },
    include: ['main.ts'],
  }, null, 2));
  writeFileSync(join(app, 'cdk8s.yaml'), `language: typescript\napp: npx tsc -p tsconfig.json && node build/main.js\noutput: dist\n`);
  writeFileSync(join(app, 'main.ts'), `import { App, Chart } from 'cdk8s';
import { XrootdCluster, type XrootdClusterProps } from 'xrootd-k8s';

const props: XrootdClusterProps = { name: 'site', namespace: '${NS}', worker: { replicas: 2, storage: { capacity: '1Gi' } }, xrootd: { http: true } };
const app = new App();
new XrootdCluster(new Chart(app, 'site'), 'cluster', props);
app.synth();
`);
  // A typed prop of the wrong type must not compile: the declarations reach the user.
  writeFileSync(join(app, 'bad', 'main.ts'), `import type { XrootdClusterProps } from 'xrootd-k8s';
export const props: XrootdClusterProps = { name: 'site', worker: { replicas: 'two' } };
`);
  writeFileSync(join(app, 'bad', 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true }, include: ['main.ts'] }));
  writeFileSync(join(app, 'consumer.mjs'), `import { App, Chart } from 'cdk8s';
import { XrootdCluster } from 'xrootd-k8s';
const app = new App();
const cluster = new XrootdCluster(new Chart(app, 'plain'), 'cluster', { name: 'plain', namespace: 'physics' });
console.log(JSON.stringify({ version: cluster.model.spec.version, yaml: app.synthYaml() }));
`);
  const installed = sh(['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline'], app, 600000);
  if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.out}`);
  cp = await ControlPlane.start();
}, 20 * 60 * 1000);
afterAll(async () => {
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the built library with its declarations and the CLI, not sources or tests', () => {
  const listed = run(['tar', '-tzf', tarball]).out.trim().split('\n').map((f) => f.replace(/^package\//, ''));
  expect(listed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'lib/constructs/index.js', 'lib/constructs/index.d.ts', 'lib/src/cli/main.js', 'docs/api/README.md']));
  expect(listed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(listed.filter((f) => /^(test|bench|build|examples|dist)\//.test(f))).toEqual([]);
});

test('a fresh cdk8s app synthesizes a cluster from typed props, and the result applies to a real control plane', () => {
  const synth = sh(['npx', 'cdk8s', 'synth', '--check-upgrade=false'], app);
  expect(synth.code).toBe(0);
  const yaml = readFileSync(join(app, 'dist', 'site.k8s.yaml'), 'utf8');
  const kinds = parseAllDocuments(yaml).map((d) => d.toJS()).map((o) => `${o.kind}/${o.metadata.name}`);
  expect(kinds).toEqual(expect.arrayContaining(['StatefulSet/site-redirector', 'StatefulSet/site-worker', 'Service/site']));
  createNamespace(cp, NS);
  cp.applyYaml(yaml);
  expect(cp.getJson(['statefulset', 'site-worker', '-n', NS]).spec.replicas).toBe(2);
});

test('the declarations type the props: a wrong type does not compile, naming the field', () => {
  const r = sh(['npx', 'tsc', '-p', 'bad/tsconfig.json'], app);
  expect(r.code).not.toBe(0);
  expect(r.out).toMatch(/bad\/main\.ts.*Type 'string' is not assignable to type 'number'/);
});

test('a plain Node ESM script uses the library without the cdk8s CLI', () => {
  const r = sh([process.execPath, 'consumer.mjs'], app);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.out);
  expect(out.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(parseAllDocuments(out.yaml).map((d) => d.toJS().kind)).toContain('StatefulSet');
});

test('the package\'s xrootd-k8s command validates a resource', () => {
  writeFileSync(join(app, 'cluster.yaml'), 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: { name: c, namespace: physics }\nspec: { worker: { replicas: 2 } }\n');
  // The command npm linked for the package (npx would add npm's own warnings to the output).
  expect(sh([process.execPath, 'node_modules/.bin/xrootd-k8s', 'validate', 'cluster.yaml'], app)).toEqual({ code: 0, out: '1 Xrootd resource valid\n' });
});

test('installed, the package is a kubectl plugin: kubectl finds kubectl-xrootd and runs `kubectl xrootd status NAME -n NS` against the cluster', () => {
  installCrds(cp);
  createNamespace(cp, 'plugin');
  cp.applyYaml('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: { name: site, namespace: plugin }\nspec: { version: 5.8.1 }\n');
  // The status an agent would have written: Ready at 5.8.1.
  const status = { observedGeneration: 1, currentVersion: '5.8.1', targetVersion: '5.8.1', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'every pod is ready', lastTransitionTime: '2026-12-06T10:00:00Z' }] };
  expect(cp.kubectl(['patch', 'xrootd', 'site', '-n', 'plugin', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]).code).toBe(0);
  // On PATH as npm links it (node_modules/.bin here, a global prefix's bin for `npm install -g`).
  const env = { ...process.env, KUBECONFIG: cp.kubeconfig, PATH: `${join(app, 'node_modules', '.bin')}:${join(process.execPath, '..')}:${process.env.PATH}` };
  const kubectl = (args: string[]) => run([join(cp.bin, 'kubectl'), ...args], env);
  expect(kubectl(['plugin', 'list']).out).toContain(join(app, 'node_modules', '.bin', 'kubectl-xrootd'));
  expect(kubectl(['xrootd', 'status', 'site', '-n', 'plugin'])).toEqual({ code: 0, out: expect.stringMatching(/^plugin\/site {2}version 5\.8\.1 {2}Ready\n/) });
  expect(kubectl(['xrootd', 'status', 'missing', '-n', 'plugin']).code).toBe(3);
  expect(kubectl(['xrootd', '--help']).out).toMatch(/^Usage: kubectl xrootd \[options\] \[command\]/);
});
