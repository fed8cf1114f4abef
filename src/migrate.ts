/**
 * Resources of the 2020 Go operator (xrootd/xrootd-k8s-operator) to Xrootd
 * resources. It had two generations of its cluster resource: `XrootdCluster`
 * (xrootd.xrootd.org/v1alpha1), and before it `Xrootd` (xrootd.org/v1alpha1:
 * our group, kind and version with its own schema). Both name in `spec.version`
 * an `XrootdVersion` of their namespace (catalog.xrootd.org, namespaced, where
 * ours is cluster-scoped) that gives the image. Field names of the cluster spec
 * were kept in ours; its defaults were not (1 data server, StorageClass
 * "standard"), so they are written out. Pure: texts in, resources and notes out.
 */
import { BUILT_IN_CATALOG } from '../constructs/index.js';
import { type ObjectField, type StringField, xrootdSpecSchema, isPlainObject as isObject } from '../constructs/internal.js';
import { validateResources, type LoadedResource, type ResourceIssue, type Source, type XrootdResource } from './resources.js';
import { XROOTD_API_VERSION } from './kinds.js';
import { readYamlDocuments } from './yaml-documents.js';

export const MIGRATED_FROM_ANNOTATION = 'xrootd.org/migrated-from';

const OLD_CLUSTER = { apiVersion: 'xrootd.xrootd.org/v1alpha1', kind: 'XrootdCluster' };
const OLD_VERSION = { apiVersion: 'catalog.xrootd.org/v1alpha1', kind: 'XrootdVersion' };
/** The old spec's fields: an Xrootd with others, or with a version of our catalog, is already ours. */
const OLD_SPEC_FIELDS = ['version', 'redirector', 'worker', 'config'];
/** Server-set metadata and the old operator's own annotations: not carried over. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

export interface MigratedResource extends LoadedResource {
  /** What changed for this cluster's users and operators, one line each. */
  readonly notes: readonly string[];
}

export interface Migration {
  readonly migrated: MigratedResource[];
  readonly issues: ResourceIssue[];
}

interface Document { readonly value: Record<string, unknown>; readonly source: Source }
interface OldRelease { readonly version?: string; readonly image?: string }

/** Our defaults, from the schema (the one place they are written). */
const DEFAULT_VERSION = (xrootdSpecSchema.fields.version as StringField).default as string;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DEFAULT_CAPACITY = (((xrootdSpecSchema.fields.worker as ObjectField).fields.storage as ObjectField).fields.capacity as StringField)
  .default as string;
const field = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);

/** Every document of the texts, lists (`kubectl get -o yaml`) opened into their items. */
function documentsOf(files: readonly { text: string | Uint8Array; file: string; bytes?: number }[], issues: ResourceIssue[]): Document[] {
  const docs: Document[] = [];
  for (const { text, file, bytes } of files) {
    readYamlDocuments(text, bytes).forEach((doc, document) => {
      const source = { file, document };
      if ('error' in doc) issues.push(issueAt(source, '', `invalid YAML: ${doc.error}`));
      else if (doc.value === null || doc.value === undefined) return;
      else if (!isObject(doc.value)) issues.push(issueAt(source, '', 'a document must be a mapping (a Kubernetes object)'));
      else if (typeof doc.value.kind === 'string' && doc.value.kind.endsWith('List') && Array.isArray(doc.value.items)) {
        for (const item of doc.value.items) {
          if (isObject(item)) docs.push({ value: item, source });
          else issues.push(issueAt(source, 'items', 'must hold mappings (Kubernetes objects)'));
        }
      } else docs.push({ value: doc.value, source });
    });
  }
  return docs;
}

function issueAt(source: Source, path: string, rule: string, resource?: string): ResourceIssue {
  return { path, rule, message: path ? `${path} ${rule}` : rule, source, resource };
}

const is = (o: Record<string, unknown>, t: { apiVersion: string; kind: string }) => o.apiVersion === t.apiVersion && o.kind === t.kind;

/** An Xrootd of the first generation: only the old fields, and a version that is not one of our catalog's. */
function isOldXrootd(o: Record<string, unknown>): boolean {
  if (o.apiVersion !== XROOTD_API_VERSION || o.kind !== 'Xrootd') return false;
  const spec = isObject(o.spec) ? o.spec : {};
  const version = spec.version;
  return Object.keys(spec).every((k) => OLD_SPEC_FIELDS.includes(k)) && typeof version === 'string' && !BUILT_IN_CATALOG.some((r) => r.version === version);
}

/** The XrootdVersion resources among the documents, by namespace/name (what the old clusters' spec.version names). */
function oldReleases(docs: readonly Document[]): Map<string, OldRelease> {
  const releases = new Map<string, OldRelease>();
  for (const { value } of docs.filter((d) => is(d.value, OLD_VERSION))) {
    const name = field(value, 'metadata', 'name');
    const version = field(value, 'spec', 'version');
    const image = field(value, 'spec', 'image');
    if (typeof name === 'string') {
      releases.set(`${field(value, 'metadata', 'namespace') ?? ''}/${name}`, {
        version: typeof version === 'string' ? version : undefined, image: typeof image === 'string' ? image : undefined,
      });
    }
  }
  return releases;
}

/** The version the new cluster runs, and why, from the XrootdVersion the old one named. */
function versionOf(oldName: unknown, namespace: string, releases: ReadonlyMap<string, OldRelease>): { version: string; note: string } {
  const fallback = DEFAULT_VERSION;
  if (typeof oldName !== 'string' || !oldName) return { version: fallback, note: `spec.version was empty: the cluster runs ${fallback}, the catalog's default` };
  const release = releases.get(`${namespace}/${oldName}`) ?? releases.get(`/${oldName}`);
  if (!release) {
    return { version: fallback, note: `spec.version named XrootdVersion ${oldName}, which is not among the files: the cluster runs ${fallback}; add it (kubectl get xrootdversions.catalog.xrootd.org -n ${namespace} -o yaml) or set spec.version` };
  }
  const ours = BUILT_IN_CATALOG.find((r) => r.version === release.version);
  if (ours) return { version: ours.version, note: `spec.version: XrootdVersion ${oldName} was XRootD ${ours.version}; the cluster runs the catalog's image for it (${ours.image}), not ${release.image ?? 'its image'}` };
  return {
    version: fallback,
    note: `spec.version: XrootdVersion ${oldName} ran ${release.image ?? 'an image'} as version "${release.version ?? ''}", which the catalog does not know: the cluster runs ${fallback} (the old image does not have what the pods need, see docs/image.md); set spec.version to the version you want`,
  };
}

function convert(doc: Document, releases: ReadonlyMap<string, OldRelease>): { resource: XrootdResource; notes: string[] } {
  const o = doc.value;
  const meta = isObject(o.metadata) ? o.metadata : {};
  const name = String(meta.name ?? '');
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const spec = isObject(o.spec) ? o.spec : {};
  const notes: string[] = [];
  const { version, note } = versionOf(spec.version, namespace ?? '', releases);
  notes.push(note);
  // Absent: the old operator's default. Present: carried as it is, for our rules to judge.
  const replicas = (v: unknown) => v ?? 1;
  const storage = isObject(field(spec, 'worker', 'storage')) ? field(spec, 'worker', 'storage') as Record<string, unknown> : {};
  const capacity = storage.capacity === '' ? undefined : storage.capacity;
  if (capacity === undefined) notes.push(`worker.storage.capacity was not set: the data volumes get ${DEFAULT_CAPACITY}, the default`);
  if (isObject(spec.config) && Object.keys(spec.config).length) notes.push('spec.config is not carried over (the old operator ignored it as well)');
  const annotations = Object.fromEntries(Object.entries(isObject(meta.annotations) ? meta.annotations : {})
    .filter(([k, v]) => typeof v === 'string' && !DROPPED_ANNOTATIONS.includes(k)));
  const labels = isObject(meta.labels) ? Object.fromEntries(Object.entries(meta.labels).filter(([, v]) => typeof v === 'string')) : undefined;
  notes.push('worker.storage.layout: ExportRoot, as the old data servers kept files (/data/f at the volume\'s top); it cannot change later');
  notes.push(`clients: the redirectors were ${name}-xrootd-redirector:1094; they are now ${name}:1094 (the client Service) and ${name}-redirector-N.${name}-redirector:1094 each; the cmsd port between daemons is 1213, not 2131`);
  const resource: XrootdResource = {
    apiVersion: XROOTD_API_VERSION,
    kind: 'Xrootd',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels && Object.keys(labels).length ? { labels } : {}),
      annotations: { ...annotations, [MIGRATED_FROM_ANNOTATION]: `${o.apiVersion} ${o.kind}` },
    },
    spec: {
      version,
      redirector: { replicas: replicas(field(spec, 'redirector', 'replicas')) },
      worker: {
        replicas: replicas(field(spec, 'worker', 'replicas')),
        // The old CRD defaulted the class to "standard"; ours leaves it to the cluster's default.
        storage: {
          class: storage.class === undefined || storage.class === '' ? 'standard' : storage.class,
          ...(capacity === undefined ? {} : { capacity }),
          // Both generations named the data claims so; the agent binds ours to their volumes.
          // (A name our rules refuse is reported as such, not through the claims' names.)
          ...(DNS_LABEL.test(name) ? { adoptClaims: `${name}-data-${name}-xrootd-worker-{ordinal}` } : {}),
          // Its data servers exported /data with no local root: /data/f is its volume's f.
          layout: 'ExportRoot',
        },
      },
    },
  };
  return { resource, notes };
}

/**
 * Converts the old operator's clusters among the texts. Anything that is not one of its
 * resources is an issue; so is a converted resource our rules refuse (then nothing is converted).
 */
export function migrateTexts(files: readonly { text: string | Uint8Array; file: string; bytes?: number }[]): Migration {
  const issues: ResourceIssue[] = [];
  const docs = documentsOf(files, issues);
  const releases = oldReleases(docs);
  const converted: { loaded: LoadedResource; notes: string[] }[] = [];
  for (const doc of docs) {
    const o = doc.value;
    if (is(o, OLD_VERSION)) continue;
    if (!is(o, OLD_CLUSTER) && !isOldXrootd(o)) {
      const what = o.apiVersion === XROOTD_API_VERSION && o.kind === 'Xrootd' ? 'is already an Xrootd of this project (its version or fields are ours)' : 'is not a resource of the 2020 operator (XrootdCluster, Xrootd or XrootdVersion)';
      issues.push(issueAt(doc.source, '', `${String(o.apiVersion)} ${String(o.kind)} ${String(field(o, 'metadata', 'name') ?? '')} ${what}`.replace(/ {2,}/g, ' ')));
      continue;
    }
    if (typeof field(o, 'metadata', 'name') !== 'string') {
      issues.push(issueAt(doc.source, 'metadata.name', 'is required'));
      continue;
    }
    const { resource, notes } = convert(doc, releases);
    converted.push({ loaded: { resource, source: doc.source }, notes });
  }
  const checked = validateResources(converted.map((c) => c.loaded));
  issues.push(...checked.issues);
  if (issues.length) return { migrated: [], issues };
  return { migrated: checked.valid.map((v, i) => ({ ...v, notes: converted[i].notes })), issues };
}
