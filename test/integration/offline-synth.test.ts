/**
 * The README's `npx cdk8s synth` on a machine with no route to the npm registry (many HEP sites):
 * run in a network namespace of its own (loopback only, down), in a copy of the project so that
 * dist/ is not rewritten under the suites that read it. cdk8s-cli's upgrade check would print a
 * stack trace there; the project's .npmrc turns it off for what npx starts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrograms, run } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';

let copy: string;
/** A command in a network namespace with no route anywhere, from the copy, with this Node first on PATH. */
const offline = (command: string[], env: NodeJS.ProcessEnv = {}) => run(['unshare', '--net', '--map-root-user', 'bash', '-c', 'cd "$1" && shift && exec "$@"', 'sh', copy, ...command],
  { ...process.env, ...env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` }, 300000);

beforeAll(() => {
  requirePrograms(['unshare'], 'install util-linux (it provides unshare)');
  copy = mkdtempSync(join(tmpdir(), 'offline-synth-'));
  for (const entry of ['.npmrc', 'package.json', 'tsconfig.json', 'cdk8s.yaml', 'constructs', 'src', 'examples', 'imports', 'bench', 'test']) {
    cpSync(join(repoRoot(), entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot(), 'node_modules'), join(copy, 'node_modules'));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

test('without a network, the upgrade check forced on prints a stack trace (what a user saw); the README\'s command prints none and synthesizes', () => {
  // The check alone (a trivial app): it fails on the missing route and says so with a trace.
  const checked = offline(['npx', 'cdk8s', 'synth', '--app', 'true', '--output', 'forced'], { CDK8S_CHECK_UPGRADE: 'true' });
  expect(checked.out).toMatch(/http error: getaddrinfo|ENOTFOUND|EAI_AGAIN|ENETUNREACH/);
  expect(checked.out).toMatch(/\n\s+at .*_loadurl\.mjs/);
  const synth = offline(['npx', 'cdk8s', 'synth']);
  expect(synth.out).not.toMatch(/\n\s+at |http error|A new version/);
  expect(synth.code).toBe(0);
  expect(readFileSync(join(copy, 'dist', 'minimal', 'minimal.k8s.yaml'), 'utf8')).toBe(readFileSync(join(repoRoot(), 'dist', 'minimal', 'minimal.k8s.yaml'), 'utf8'));
});
