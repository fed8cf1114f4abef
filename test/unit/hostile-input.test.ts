/**
 * Hostile input through every entry point that reads specs without a cluster:
 * the construct library (props), resource files (the CLI's validate, synth,
 * diff and apply read them this way) and Git commits. Generated invalid specs
 * must each be refused with an issue naming the broken field; arbitrary values
 * anywhere must never end in anything but a validation error.
 */
import fc from 'fast-check';
import { SpecValidationError, type XrootdClusterProps } from '../../constructs/index.js';
import { loadCommit } from '../../src/git/load.js';
import { readResources, validateResources } from '../../src/resources.js';
import { synthesizeCluster } from '../../src/synthesize.js';
import { readYamlDocuments, YAML_LIMITS } from '../../src/yaml-documents.js';
import { FIELDS, invalidSpec, names, resourceYaml, withValue } from '../helpers/hostile-specs.js';

const RUNS = 2000;
const LONE_SURROGATE = /holds a lone UTF-16 surrogate/;

function issuesOfProps(spec: Record<string, unknown>): string[] {
  try {
    synthesizeCluster({ ...spec, name: 'fuzz', namespace: 'physics' } as XrootdClusterProps);
  } catch (e) {
    if (e instanceof SpecValidationError) return e.issues.map((i) => i.path);
    throw e;
  }
  return [];
}

describe(`${RUNS} generated invalid specs per entry point: each refused, naming its field, none crashing`, () => {
  test('construct library (props)', () => {
    fc.assert(fc.property(invalidSpec, ({ path, spec }) => {
      const issues = issuesOfProps(spec);
      expect(issues.length).toBeGreaterThan(0);
      expect(names(issues, path)).toBe(true);
    }), { numRuns: RUNS });
  });

  test('resource files (xrootd-k8s validate, synth, diff, apply)', () => {
    fc.assert(fc.property(invalidSpec, ({ path, spec }) => {
      const read = readResources(resourceYaml(spec), 'fuzz.yaml');
      const { valid, issues } = validateResources(read.resources);
      expect(valid).toEqual([]);
      const all = [...read.issues, ...issues];
      // A lone surrogate is refused with the whole document, as Kubernetes' YAML reader refuses it.
      expect(names(all.map((i) => i.path), path, 'spec.') || all.some((i) => LONE_SURROGATE.test(i.message))).toBe(true);
    }), { numRuns: RUNS });
  });

  test('Git commits (XrootdGitSource)', () => {
    fc.assert(fc.property(invalidSpec, ({ path, spec }) => {
      const { valid, issues } = loadCommit([{ file: 'clusters/fuzz.yaml', text: resourceYaml(spec) }], 'physics', []);
      expect(valid).toEqual([]);
      expect(names(issues.map((i) => i.path), path, 'spec.') || issues.some((i) => LONE_SURROGATE.test(i.message))).toBe(true);
      expect(issues.every((i) => i.source.file === 'clusters/fuzz.yaml')).toBe(true);
    }), { numRuns: RUNS });
  });
});

test('any value at any field, or any document at all, ends in a result or a validation error, never a crash', () => {
  const anyValue = fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: false, withDate: true, withMap: false, withSet: false });
  fc.assert(fc.property(fc.constantFrom(...FIELDS), anyValue, ({ path }, value) => {
    issuesOfProps(withValue({}, path, value));
  }), { numRuns: RUNS });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
    const read = readResources(text, 'any.yaml');
    validateResources(read.resources);
  }), { numRuns: RUNS });
});

describe('hostile YAML', () => {
  const resource = (specYaml: string) => `apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata:\n  name: x\nspec:\n${specYaml}`;
  const messages = (text: string) => readResources(text, 'f.yaml').issues.map((i) => i.message);

  test('bytes that are not UTF-8, and escapes of lone surrogates, are refused with the document, not read as U+FFFD', () => {
    const head = Buffer.from('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: x}\nspec:\n  expose: {type: LoadBalancer, annotations: {a: "x');
    const bytes = (...tail: number[]) => readResources(Buffer.concat([head, Buffer.from(tail), Buffer.from('"}}\n')]), 'f.yaml').issues.map((i) => i.message);
    const at = head.length;
    for (const malformed of [[0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]]) {
      expect(bytes(...malformed)).toEqual([`invalid YAML: the file is not UTF-8: a malformed byte sequence at byte ${at}`]);
    }
    // A sequence cut off by the end of the file.
    expect(readResources(Buffer.concat([head, Buffer.from([0xe2, 0x80])]), 'f.yaml').issues.map((i) => i.message))
      .toEqual([`invalid YAML: the file is not UTF-8: a malformed byte sequence at byte ${at}`]);
    // Well-formed: two, three and four bytes.
    expect(bytes(0xc3, 0xbc, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toEqual([]);
    expect(messages('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: x}\nspec:\n  site: "a\\ud800"\n'))
      .toEqual(['invalid YAML: "a\\ud800" holds a lone UTF-16 surrogate, which is no character']);
  });

  test('an XrootdVersion or XrootdGitSource beside the clusters is checked by its CRD\'s schema too', () => {
    const version = 'apiVersion: catalog.xrootd.org/v1alpha1\nkind: XrootdVersion\nmetadata: {name: v}\nspec: {version: 7}\n---\n';
    expect(messages(`${version}apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: x}\n`)).toEqual(['spec.image is required', 'spec.version must be a string']);
  });

  test('an alias bomb is refused as YAML, not expanded', () => {
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)];
    expect(messages(resource(`  scheduling:\n    affinity:\n${levels.map((l) => `      ${l}`).join('\n')}\n`))[0]).toMatch(/^invalid YAML: Excessive alias count/);
  });

  test('nesting deeper than the limit is refused with one clear line, at any depth (the parser itself overflows near 800)', () => {
    const lists = (n: number) => `a: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    expect(readYamlDocuments(lists(YAML_LIMITS.depth - 1))[0]).toHaveProperty('value');
    for (const n of [YAML_LIMITS.depth, 1000, 100000]) {
      expect(readYamlDocuments(lists(n))).toEqual([{ error: `the document is nested deeper than ${YAML_LIMITS.depth} levels` }]);
    }
    const maps = Array.from({ length: YAML_LIMITS.depth + 1 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(readYamlDocuments(`${maps} 1\n`)).toEqual([{ error: `the document is nested deeper than ${YAML_LIMITS.depth} levels` }]);
  });

  test('a key given twice in one mapping is refused (found in linear time)', () => {
    expect(messages(resource('  version: 5.9.1\n  version: 5.8.4\n'))).toEqual(['invalid YAML: the key "version" appears twice in one mapping']);
    expect(readYamlDocuments('a: {b: 1, c: 2}\nd: {b: 1}\n')).toEqual([{ value: { a: { b: 1, c: 2 }, d: { b: 1 } } }]);
    expect(readYamlDocuments('? [a]\n: 1\n')).toEqual([{ error: 'mapping keys must be plain values' }]);
  });

  test('a file over the size limit, or with too many documents, is refused before it is parsed', () => {
    expect(readYamlDocuments('', YAML_LIMITS.bytes + 1)).toEqual([{ error: `the file has ${YAML_LIMITS.bytes + 1} bytes, more than the ${YAML_LIMITS.bytes} allowed` }]);
    // A blob of a commit over the limit is not even read from Git: its size alone refuses it.
    expect(loadCommit([{ file: 'big.yaml', text: '', bytes: YAML_LIMITS.bytes + 1 }], 'physics', []).issues.map((i) => [i.source.file, i.message]))
      .toEqual([['big.yaml', `invalid YAML: the file has ${YAML_LIMITS.bytes + 1} bytes, more than the ${YAML_LIMITS.bytes} allowed`]]);
    expect(readYamlDocuments('---\na: 1\n'.repeat(YAML_LIMITS.documents + 1))[0]).toEqual({ error: `the file has ${YAML_LIMITS.documents + 1} documents, more than the ${YAML_LIMITS.documents} allowed` });
  });

  test('kinds are matched exactly, and our API groups hold only our kinds', () => {
    expect(messages('apiVersion: xrootd.org/v1alpha1\nkind: XRootD\nmetadata: {name: x}\n')).toEqual(['kind must be spelled Xrootd, got "XRootD"']);
    expect(messages('apiVersion: xrootd.org/v1alpha1\nkind: Xrotd\nmetadata: {name: x}\n')).toEqual(['kind must be one of Xrootd, XrootdGitSource, XrootdVersion in xrootd.org/v1alpha1, got "Xrotd"']);
    // Other objects in the same file are someone else's: left alone. Our other kinds are checked by their CRDs' schemas.
    expect(messages('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: xrootd.org/v1alpha1\nkind: XrootdGitSource\nmetadata: {name: y}\n')).toEqual(['spec is required']);
  });

  test('fields the CRD does not have are refused: a file cannot choose its own catalog or rollout partitions', () => {
    expect(messages(resource("  catalog: [{version: '9.0.0', image: evil}]\n  partitions: {worker: 1}\n")).map((m) => m.split(' (')[0]))
      .toEqual(['spec.catalog is not a known field', 'spec.partitions is not a known field']);
    expect(messages('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: x}\nspec: {}\nimage: evil\n')[0]).toMatch(/^image is not a known field/);
    expect(messages('apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: x}\nspec: [1]\n')).toEqual(['spec must be an object, got a list']);
    expect(messages('- a\n- b\n')).toEqual(['a document must be a mapping (a Kubernetes object)']);
  });

  test('null or non-object items of lists of Kubernetes objects are refused, as the API server would', () => {
    const { issues } = validateResources(readResources(resource('  scheduling:\n    tolerations: [null]\n  networkPolicy:\n    clients: [7]\n'), 'f.yaml').resources);
    expect(issues.map((i) => i.message)).toEqual(['spec.scheduling.tolerations[0] must be an object, got null', 'spec.networkPolicy.clients[0] must be an object, got 7']);
  });
});
