import { parse } from 'yaml';
import { helmCharts } from '../../constructs/index.js';
import { toJsonSchema } from '../../constructs/api/json-schema.js';
import { arr, int, obj, str } from '../../constructs/api/dsl.js';
import { xrootdCrd } from '../../constructs/install/crds.js';
import { hunks } from '../../constructs/install/text-diff.js';
import { minimal } from '../../examples/clusters.js';

const { name: _name, namespace: _namespace, ...clusterSpec } = minimal;
const charts = helmCharts({ version: '0.1.0', clusterSpec });

describe('hunks (what the chart generator puts under a condition)', () => {
  test('insertions, deletions and replacements as contiguous runs of the base', () => {
    expect(hunks(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
    expect(hunks(['a', 'c'], ['a', 'b', 'c'])).toEqual([{ from: 1, to: 1, inserted: ['b'] }]);
    expect(hunks(['a', 'b', 'c'], ['a', 'c'])).toEqual([{ from: 1, to: 2, inserted: [] }]);
    expect(hunks(['a', 'b', 'c'], ['x', 'b', 'y', 'z'])).toEqual([{ from: 0, to: 1, inserted: ['x'] }, { from: 2, to: 3, inserted: ['y', 'z'] }]);
    expect(hunks([], ['a'])).toEqual([{ from: 0, to: 0, inserted: ['a'] }]);
  });
});

describe('the charts', () => {
  test('both charts\' files; every template value is the construct\'s, no marker left', () => {
    expect(Object.keys(charts).sort()).toEqual([
      'xrootd-cluster/Chart.yaml', 'xrootd-cluster/templates/NOTES.txt', 'xrootd-cluster/templates/xrootd.yaml', 'xrootd-cluster/values.schema.json', 'xrootd-cluster/values.yaml',
      'xrootd-k8s-agent/Chart.yaml', 'xrootd-k8s-agent/templates/NOTES.txt', 'xrootd-k8s-agent/templates/_helpers.tpl', 'xrootd-k8s-agent/templates/agent.yaml',
      'xrootd-k8s-agent/templates/crds.yaml', 'xrootd-k8s-agent/values.schema.json', 'xrootd-k8s-agent/values.yaml',
    ]);
    const agent = charts['xrootd-k8s-agent/templates/agent.yaml'];
    expect(agent).not.toMatch(/helm-?value/);
    // Whole values are written as JSON, so a value never becomes YAML of its own.
    expect(agent).toContain('image: {{ toJson $.Values.image }}');
    expect(agent).toContain('replicas: {{ toJson $.Values.replicas }}');
    expect(agent).toContain('{{- if $.Values.watchNamespace }}');
    expect(parse(charts['xrootd-k8s-agent/Chart.yaml'])).toMatchObject({ apiVersion: 'v2', name: 'xrootd-k8s-agent', version: '0.1.0', appVersion: '0.1.0' });
  });

  test('values.yaml holds every value the schema names, at the construct\'s defaults; the schema requires each', () => {
    const values = parse(charts['xrootd-k8s-agent/values.yaml']);
    const schema = JSON.parse(charts['xrootd-k8s-agent/values.schema.json']);
    // global: what a parent chart gives a subchart, let through and unused.
    const named = Object.keys(schema.properties).filter((k) => k !== 'global').sort();
    expect(Object.keys(values).sort()).toEqual(named);
    expect(schema.required.sort()).toEqual(named);
    expect(values).toMatchObject({
      namespace: 'xrootd-system', createNamespace: true, image: 'ghcr.io/xrootd-k8s/agent:0.1.0', replicas: 2, watchNamespace: '', extraDirectives: 'all',
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } }, ownedDeletesPolicy: true, serviceMonitor: false,
    });
    expect(parse(charts['xrootd-cluster/values.yaml'])).toEqual(clusterSpec);
  });

  test('the cluster chart\'s schema has every field of the CRD\'s spec, and refuses fields the CRD does not know', () => {
    const crdSpec = (xrootdCrd() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    const values = JSON.parse(charts['xrootd-cluster/values.schema.json']);
    const paths = (s: any, at = ''): string[] => Object.entries(s.properties ?? {}).flatMap(([k, v]: [string, any]) =>
      [`${at}.${k}`, ...paths(v, `${at}.${k}`), ...(v.items ? paths(v.items, `${at}.${k}[]`) : [])]);
    expect(paths(values).filter((p) => p !== '.global').sort()).toEqual(paths(crdSpec).sort());
    expect(values.additionalProperties).toBe(false);
    expect(values.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('toJsonSchema', () => {
  test('types, bounds, patterns and the rules OpenAPI says with CEL where JSON Schema has a keyword', () => {
    const field = obj('T', 'a thing', {
      name: str('a name', { pattern: { regex: '^[a-z]+$', rule: 'letters' }, notMatching: { regex: '^x', rule: 'no x first' }, maxLength: 5 }),
      count: int('how many', { minimum: 0, default: 1 }),
      tags: arr('tags', str('a tag'), { maxItems: 3 }),
    }, { required: ['name'] });
    expect(toJsonSchema(field)).toEqual({
      description: 'a thing', type: 'object', additionalProperties: false, required: ['name'],
      properties: {
        name: { description: 'a name', type: 'string', pattern: '^[a-z]+$', not: { pattern: '^x' }, maxLength: 5 },
        count: { description: 'how many', type: 'integer', minimum: 0, default: 1 },
        tags: { description: 'tags', type: 'array', items: { description: 'a tag', type: 'string' }, maxItems: 3 },
      },
    });
  });
});
