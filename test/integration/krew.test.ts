/**
 * The kubectl plugin through krew, kubectl's plugin manager (built from its module), the way a
 * site publishes it: images/kubectl-plugin.sh builds the archive (the CLI, its dependencies and
 * its own Node runtime) and the manifest naming it by URL and sha256; the manifest goes into a
 * krew index (a Git repository, served by git's http-backend) and the archive to a download URL
 * (loopback). `kubectl krew update` and `kubectl krew install xrootd` fetch both, after which
 * kubectl finds `kubectl-xrootd` in krew's bin and runs `kubectl xrootd status` against a control
 * plane; an archive that does not match the manifest is refused; `kubectl krew uninstall` removes it.
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ControlPlane, createNamespace } from '../helpers/control-plane.js';
import { deliveryTool } from '../helpers/delivery-tools.js';
import { GitRepo, GitServer } from '../helpers/git-server.js';
import { installCrds } from '../helpers/install.js';
import { run, runAsync } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

let cp: ControlPlane;
let dir: string;
let built: string;
let downloads: Server;
const downloaded: string[] = [];
let git: GitServer;
let index: GitRepo;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'krew-'));
  built = join(dir, 'out');
  // The release's download URL: the archives, by name.
  downloads = createServer((req, res) => {
    const file = join(built, basename(req.url ?? ''));
    downloaded.push(req.url ?? '');
    if (!req.url?.startsWith('/releases/') || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/gzip' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => downloads.listen(0, '127.0.0.1', resolve));
  const { port } = downloads.address() as { port: number };
  // PATH first: npm and the build find the project's Node (24).
  const r = run(['bash', join(repoRoot(), 'images/kubectl-plugin.sh'), built, `http://127.0.0.1:${port}/releases`],
    { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` }, 600_000);
  if (r.code !== 0) throw new Error(`images/kubectl-plugin.sh failed:\n${r.out}`);
  console.log(`krew: ${r.out.trim()}`);
  // The site's krew index: plugins/<name>.yaml in a Git repository.
  git = await GitServer.start();
  index = new GitRepo(git, 'krew-index', 'master');
  index.write('plugins/xrootd.yaml', readFileSync(join(built, 'xrootd.yaml'), 'utf8')).commit('xrootd v0.1.0');
  cp = await ControlPlane.start();
}, 30 * 60_000);
afterAll(async () => {
  await cp?.stop();
  await git?.stop();
  index?.cleanup();
  await new Promise((resolve) => downloads?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test('kubectl krew installs the plugin from a site index and download URL; kubectl runs `kubectl xrootd status`; a changed archive is refused', async () => {
  installCrds(cp);
  createNamespace(cp, 'plugin');
  cp.applyYaml('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: { name: site, namespace: plugin }\nspec: { version: 5.8.1 }\n');
  const status = { observedGeneration: 1, currentVersion: '5.8.1', targetVersion: '5.8.1', conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'every pod is ready', lastTransitionTime: '2026-12-06T10:00:00Z' }] };
  expect(cp.kubectl(['patch', 'xrootd', 'site', '-n', 'plugin', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]).code).toBe(0);

  // krew as kubectl runs it (kubectl-krew on PATH), with a root of its own; no Node on PATH but the system's.
  const krewRoot = join(dir, 'krew-root');
  const bin = join(dir, 'bin');
  run(['mkdir', '-p', bin]);
  symlinkSync(deliveryTool('krew'), join(bin, 'kubectl-krew'));
  const env = {
    HOME: dir, KREW_ROOT: krewRoot, KREW_NO_UPGRADE_CHECK: '1', KREW_DEFAULT_INDEX_URI: git.url('krew-index'), KUBECONFIG: cp.kubeconfig,
    PATH: `${join(krewRoot, 'bin')}:${bin}:/usr/bin:/bin`, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  };
  // Asynchronous: the Git server and the download URL answer from this process.
  const kubectl = (args: string[]) => runAsync([join(cp.bin, 'kubectl'), ...args], env, 120_000);
  const manifest = join(built, 'xrootd.yaml');
  const archive = join(built, 'kubectl-xrootd-v0.1.0-linux-amd64.tar.gz');

  // An archive whose digest is not the manifest's is refused, and nothing is installed.
  const other = join(dir, 'other.tar.gz');
  writeFileSync(other, 'not the plugin');
  const refused = await kubectl(['krew', 'install', `--manifest=${manifest}`, `--archive=${other}`]);
  expect(refused.code).not.toBe(0);
  expect(refused.out).toMatch(/checksum does not match/);
  expect((await kubectl(['plugin', 'list'])).out).not.toContain('kubectl-xrootd');

  expect(await kubectl(['krew', 'update'])).toMatchObject({ code: 0, out: expect.stringContaining('Updated the local copy of plugin index') });
  expect((await kubectl(['krew', 'search', 'xrootd'])).out).toMatch(/^xrootd\s+Inspect and run XRootD clusters/m);
  const installed = await kubectl(['krew', 'install', 'xrootd']);
  expect(installed).toMatchObject({ code: 0, out: expect.stringContaining('Installed plugin: xrootd') });
  expect(downloaded).toEqual([`/releases/${basename(archive)}`]);
  expect((await kubectl(['krew', 'list'])).out.split('\n')).toContain('xrootd');
  expect((await kubectl(['plugin', 'list'])).out).toContain(join(krewRoot, 'bin', 'kubectl-xrootd'));
  expect(await kubectl(['xrootd', 'status', 'site', '-n', 'plugin'])).toEqual({ code: 0, out: expect.stringMatching(/^plugin\/site {2}version 5\.8\.1 {2}Ready\n/) });
  expect((await kubectl(['xrootd', 'status', 'missing', '-n', 'plugin'])).code).toBe(3);
  expect((await kubectl(['xrootd', '--help'])).out).toMatch(/^Usage: kubectl xrootd \[options\] \[command\]/);

  expect(await kubectl(['krew', 'uninstall', 'xrootd'])).toMatchObject({ code: 0, out: expect.stringContaining('Uninstalled plugin: xrootd') });
  expect((await kubectl(['plugin', 'list'])).out).not.toContain('kubectl-xrootd');
}, 300_000);
