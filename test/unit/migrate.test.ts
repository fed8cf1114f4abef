/** `migrate`: the 2020 operator's own example resources, both generations, to valid Xrootd resources. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MIGRATED_FROM_ANNOTATION, migrateTexts } from '../../src/migrate.js';
import { repoRoot } from '../helpers/repo.js';

const fixture = (name: string) => {
  const file = join(repoRoot(), 'test/fixtures/old-operator', name);
  return { file, text: readFileSync(file, 'utf8') };
};
const yamlFile = (docs: unknown[], file = 'in.yaml') => ({ file, text: docs.map((d) => stringify(d)).join('---\n') });
const cluster = (spec: Record<string, unknown>, name = 'old', extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'xrootd.xrootd.org/v1alpha1', kind: 'XrootdCluster', metadata: { name, namespace: 'physics', ...extra }, spec });

test('the XrootdCluster sample converts with its XrootdVersion: replicas and volumes kept, the old defaults written out', () => {
  const { migrated, issues } = migrateTexts([fixture('xrootdcluster.yaml'), fixture('xrootdversion.yaml')]);
  expect(issues).toEqual([]);
  expect(migrated.map((m) => m.resource)).toEqual([{
    apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd',
    metadata: { name: 'xrootdcluster-sample', annotations: { [MIGRATED_FROM_ANNOTATION]: 'xrootd.xrootd.org/v1alpha1 XrootdCluster' } },
    spec: {
      version: '5.8.1', redirector: { replicas: 2 },
      // The old data volumes are taken over by name.
      worker: { replicas: 3, storage: { class: 'standard', capacity: '1Gi', adoptClaims: 'xrootdcluster-sample-data-xrootdcluster-sample-xrootd-worker-{ordinal}', layout: 'ExportRoot' } },
    },
  }]);
  // Validated like any resource: the model exists.
  expect(migrated[0].model?.topology.workers).toBe(3);
  const notes = migrated[0].notes.join('\n');
  expect(notes).toContain('XrootdVersion xrootdversion-sample ran qserv/xrootd:latest as version "latest", which the catalog does not know: the cluster runs 5.8.1');
  expect(notes).toContain('xrootdcluster-sample-xrootd-redirector:1094');
});

test('the first generation (Xrootd in xrootd.org, another schema) and the kustomize base convert; absent replicas are the old default, 1', () => {
  const first = migrateTexts([fixture('first-generation-xrootd.yaml'), fixture('first-generation-xrootdversion.yaml')]);
  expect(first.issues).toEqual([]);
  expect(first.migrated[0].resource.metadata.annotations).toEqual({ [MIGRATED_FROM_ANNOTATION]: 'xrootd.org/v1alpha1 Xrootd' });
  const name = first.migrated[0].resource.metadata.name;
  expect(first.migrated[0].resource.spec).toEqual({ version: '5.8.1', redirector: { replicas: 1 }, worker: { replicas: 2, storage: { class: 'standard', capacity: '1Gi', adoptClaims: `${name}-data-${name}-xrootd-worker-{ordinal}`, layout: 'ExportRoot' } } });
  const base = migrateTexts([fixture('kustomize-base-xrootdcluster.yaml'), fixture('kustomize-catalog-latest.yaml')]);
  expect(base.issues).toEqual([]);
  expect(base.migrated[0].resource.spec).toMatchObject({ version: '5.8.1', redirector: { replicas: 1 }, worker: { replicas: 1, storage: { class: 'standard', capacity: '1Gi' } } });
});

test('a kubectl List is opened; an XrootdVersion of a catalog version is kept; labels and user annotations stay, server fields go', () => {
  const list = {
    apiVersion: 'v1', kind: 'List', items: [
      cluster({ version: 'v581', worker: { replicas: 4, storage: { class: 'fast', capacity: '2Gi' } } }, 'old', {
        uid: 'u', resourceVersion: '9', generation: 3, labels: { team: 'physics' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'example.org/owner': 'alice' },
      }),
      { apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion', metadata: { name: 'v581', namespace: 'physics' }, spec: { version: '5.8.1', image: 'example.org/xrootd:5.8.1' } },
    ],
  };
  const { migrated, issues } = migrateTexts([yamlFile([list])]);
  expect(issues).toEqual([]);
  expect(migrated[0].resource.metadata).toEqual({
    name: 'old', namespace: 'physics', labels: { team: 'physics' },
    annotations: { 'example.org/owner': 'alice', [MIGRATED_FROM_ANNOTATION]: 'xrootd.xrootd.org/v1alpha1 XrootdCluster' },
  });
  expect(migrated[0].resource.spec).toMatchObject({ version: '5.8.1', worker: { replicas: 4, storage: { class: 'fast', capacity: '2Gi' } } });
  expect(migrated[0].notes[0]).toContain('XrootdVersion v581 was XRootD 5.8.1');
});

test('a version not among the files is named, and the cluster gets the default version', () => {
  const { migrated } = migrateTexts([yamlFile([cluster({ version: 'gone' })])]);
  expect(migrated[0].notes[0]).toBe('spec.version named XrootdVersion gone, which is not among the files: the cluster runs 5.8.1; add it (kubectl get xrootdversions.catalog.xrootd.org -n physics -o yaml) or set spec.version');
});

test('what is not the old operator\'s, or what our rules refuse, is named, and then nothing is converted', () => {
  const ours = { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'new' }, spec: { version: '5.8.1', worker: { replicas: 2 } } };
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } };
  const bad = [
    cluster({ version: 'v', worker: { replicas: 0 } }, 'zero'),
    cluster({ version: 'v', worker: { replicas: '3; rm -rf /' } }, 'text'),
    cluster({ version: 'v', worker: { storage: { capacity: '1Gi\nxrd.report evil' } } }, 'capacity'),
    cluster({ version: 'v' }, 'Bad_Name'),
  ];
  const { migrated, issues } = migrateTexts([yamlFile([cluster({ version: 'v' }, 'fine'), ours, deployment, ...bad])]);
  expect(migrated).toEqual([]);
  const messages = issues.map((i) => `${i.source.document} ${i.message}`);
  expect(messages).toEqual(expect.arrayContaining([
    '1 xrootd.org/v1alpha1 Xrootd new is already an Xrootd of this project (its version or fields are ours)',
    '2 apps/v1 Deployment d is not a resource of the 2020 operator (XrootdCluster, Xrootd or XrootdVersion)',
    expect.stringMatching(/^3 spec\.worker\.replicas must be >= 1/),
    expect.stringMatching(/^4 spec\.worker\.replicas must be a whole number/),
    expect.stringMatching(/^5 spec\.worker\.storage\.capacity must/),
    expect.stringMatching(/^6 metadata\.name /),
  ]));
  expect(issues).toHaveLength(6);
});

test('broken YAML and non-objects are issues, never exceptions', () => {
  expect(migrateTexts([{ file: 'x.yaml', text: 'a: [' }]).issues[0].message).toMatch(/^invalid YAML/);
  expect(migrateTexts([{ file: 'x.yaml', text: '- 1\n- 2\n' }]).issues[0].message).toBe('a document must be a mapping (a Kubernetes object)');
  expect(migrateTexts([{ file: 'x.yaml', text: 'kind: List\nitems: [1]\n' }]).issues[0].message).toBe('items must hold mappings (Kubernetes objects)');
  expect(migrateTexts([yamlFile([{ apiVersion: 'xrootd.xrootd.org/v1alpha1', kind: 'XrootdCluster', metadata: {} }])]).issues[0].message).toBe('metadata.name is required');
});
