/** The Git source's pure parts: its spec rules, refs, credentials handed to git, and how a commit's files are read. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../helpers/repo.js';
import { resolveGitSourceSpec, SpecValidationError } from '../../constructs/index.js';
import { Metrics } from '../../src/agent/metrics.js';
import { loadCommit } from '../../src/git/load.js';
import { credentialEnv, GitError, refspecOf } from '../../src/git/repository.js';

const issuesOf = (spec: unknown): string[] => {
  try {
    resolveGitSourceSpec(spec);
    return [];
  } catch (e) {
    if (!(e instanceof SpecValidationError)) throw e;
    return e.issues.map((i) => i.message);
  }
};

describe('XrootdGitSource spec', () => {
  test('defaults: branch main via the refspec, the repository root, a 60 s poll, prune on', () => {
    const s = resolveGitSourceSpec({ url: 'https://git.example.org/site/xrootd.git' });
    expect(s).toMatchObject({ path: '.', intervalSeconds: 60, timeoutSeconds: 60, suspend: false, prune: true });
    expect(refspecOf(s.ref)).toBe('refs/heads/main');
  });

  test('each broken rule is named with its field', () => {
    expect(issuesOf({})).toEqual(['url is required']);
    expect(issuesOf({ url: 'https://user:pw@host/x.git'.replace('https://', 'ftp://') })[0]).toMatch(/^url must be an http\(s\):\/\/, ssh:\/\/ or user@host:path URL/);
    expect(issuesOf({ url: 'https://h/x.git', ref: { branch: 'main', tag: 'v1' } })).toEqual(['ref.branch must be the only one of branch, tag and commit']);
    expect(issuesOf({ url: 'https://h/x.git', ref: { commit: 'abc' } })[0]).toMatch(/^ref\.commit must be a full commit id/);
    expect(issuesOf({ url: 'https://h/x.git', path: '../etc' })[0]).toMatch(/^path must be a relative path inside the repository/);
    expect(issuesOf({ url: 'https://h/x.git', intervalSeconds: 1 })).toEqual(['intervalSeconds must be >= 5, got 1']);
  });

  test('refspecs: tags and commits as git fetches them', () => {
    expect(refspecOf({ tag: 'v2' })).toBe('refs/tags/v2');
    expect(refspecOf({ commit: 'a'.repeat(40) })).toBe('a'.repeat(40));
  });
});

describe('credentials handed to git', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'git-unit-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const config = (env: Record<string, string>) => Object.fromEntries(Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]));

  test('HTTPS: an Authorization header in the environment, never in the URL or the arguments; no credential helper', () => {
    const c = config(credentialEnv('https://h/x.git', { username: 'ops', password: 'tok' }, () => tmp));
    expect(c['http.extraHeader']).toBe(`Authorization: Basic ${Buffer.from('ops:tok').toString('base64')}`);
    expect(c['credential.helper']).toBe('');
    expect(config(credentialEnv('https://h/x.git', { password: 'tok' }, () => tmp))['http.extraHeader']).toBe(`Authorization: Basic ${Buffer.from('git:tok').toString('base64')}`);
    expect(config(credentialEnv('https://h/x.git', undefined, () => tmp))['http.extraHeader']).toBeUndefined();
  });

  test('SSH: the key and known_hosts in private files, host keys always checked', () => {
    const dir = mkdtempSync(join(tmp, 'k-'));
    const c = config(credentialEnv('git@host:site/x.git', { identity: 'KEY', knownHosts: 'host ssh-ed25519 AAA\n' }, () => dir));
    expect(c['core.sshCommand']).toContain('-o StrictHostKeyChecking=yes');
    expect(c['core.sshCommand']).toContain(`-i ${join(dir, 'identity')}`);
    expect(readFileSync(join(dir, 'identity'), 'utf8')).toBe('KEY\n');
    expect(statSync(join(dir, 'identity')).mode & 0o777).toBe(0o600);
    expect(() => credentialEnv('ssh://git@host/x.git', { identity: 'KEY' }, () => tmp)).toThrow(GitError);
    // Without a key, still no host is trusted blindly.
    expect(config(credentialEnv('ssh://git@host/x.git', undefined, () => tmp))['core.sshCommand']).toContain('StrictHostKeyChecking=yes');
    expect(existsSync(join(tmp, 'identity'))).toBe(false);
  });
});

describe('a commit\'s Xrootd resources', () => {
  const doc = (name: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
    stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name, ...extra }, spec });

  test('placed in the source\'s namespace; another namespace, a name given twice or a broken rule is named by file and field', () => {
    const ok = loadCommit([{ file: 'a.yaml', text: `${doc('a')}---\n${stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' } })}` }], 'team', []);
    expect(ok.issues).toEqual([]);
    expect(ok.valid.map((v) => v.resource.metadata.namespace)).toEqual(['team']);

    const bad = loadCommit([
      { file: 'x/a.yaml', text: doc('a', { namespace: 'other' }) },
      { file: 'x/b.yaml', text: `${doc('b')}---\n${doc('b')}` },
      { file: 'x/c.yaml', text: doc('c', {}, { version: '0.0.1' }) },
      { file: 'x/d.yaml', text: 'kind: Xrootd\nmetadata: [\n' },
    ], 'team', []);
    expect(bad.issues.map((i) => [i.source.file, i.source.document, i.path])).toEqual([
      ['x/a.yaml', 0, 'metadata.namespace'],
      ['x/d.yaml', 0, ''],
      ['x/b.yaml', 1, 'metadata.name'],
      ['x/c.yaml', 0, 'spec.version'],
    ]);
    expect(bad.issues[0].message).toBe('metadata.namespace must be the source\'s namespace (team) or omitted, got "other"');
    expect(bad.issues[2].message).toBe('metadata.name must be unique: team/b is already declared in x/b.yaml[0]');
  });

  test('the live catalog decides which versions exist', () => {
    const files = [{ file: 'a.yaml', text: doc('a', {}, { version: '7.0.0-site' }) }];
    expect(loadCommit(files, 'team', []).issues).toHaveLength(1);
    expect(loadCommit(files, 'team', [{ version: '7.0.0-site', image: 'registry.example.org/xrootd:7', features: [] }]).issues).toEqual([]);
  });
});

test('labelled gauges render one series per label set', () => {
  const m = new Metrics();
  m.gauge('g', 'help', () => [[{ source: 'a/b', revision: 'abc' }, 1], [{ source: 'c/d', revision: 'def' }, 1]]);
  expect(m.render()).toContain('g{revision="abc",source="a/b"} 1\ng{revision="def",source="c/d"} 1');
});

test('the example source in examples/git-source is valid', () => {
  const docs = parseAllDocuments(readFileSync(join(repoRoot(), 'examples/git-source/source.yaml'), 'utf8')).map((d) => d.toJS());
  const source = docs.find((d) => d.kind === 'XrootdGitSource');
  expect(resolveGitSourceSpec(source.spec)).toMatchObject({ path: 'clusters', secretRef: { name: docs.find((d) => d.kind === 'Secret').metadata.name } });
  // The agent may read that Secret, and only it.
  expect(docs.find((d) => d.kind === 'Role').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: [source.spec.secretRef.name], verbs: ['get'] }]);
  expect(docs.find((d) => d.kind === 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'xrootd-k8s-agent', namespace: 'xrootd-system' }]);
});
