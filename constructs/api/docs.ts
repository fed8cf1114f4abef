/** Renders the reference docs of the spec (docs/reference.md) from the schema. */
import { defaultsToEmpty, type Field, type ObjectField } from './dsl.js';

function rules(field: Field): string[] {
  const out: string[] = [];
  if (field.kind === 'string') {
    if (field.enum) out.push(`one of ${field.enum.map((e) => `\`${e}\``).join(', ')}`);
    if (field.pattern) out.push(field.pattern.rule);
    if (field.notMatching) out.push(field.notMatching.rule);
    if (field.maxLength !== undefined) out.push(`at most ${field.maxLength} characters`);
  }
  if (field.kind === 'integer') {
    if (field.minimum !== undefined) out.push(`>= ${field.minimum}`);
    if (field.maximum !== undefined) out.push(`<= ${field.maximum}`);
  }
  if (field.kind === 'array') {
    if (field.minItems !== undefined) out.push(`at least ${field.minItems} entries`);
    if (field.maxItems !== undefined) out.push(`at most ${field.maxItems} entries`);
    if (field.uniqueBy) out.push(`\`${field.uniqueBy}\` unique`);
    out.push(...rules(field.items).map((r) => `each: ${r}`));
  }
  if (field.kind === 'map') out.push(...rules(field.values).map((r) => `each value: ${r}`));
  if (field.immutable) out.push('immutable');
  if (field.transition) out.push(field.transition.rule);
  return out;
}

function typeName(field: Field): string {
  switch (field.kind) {
    case 'object': return 'object';
    case 'array': return `list of ${typeName(field.items)}`;
    case 'map': return 'map of string';
    case 'opaque': return field.tsType.replace('k8s.', '');
    default: return field.kind;
  }
}

function defaultText(field: Field): string {
  if ('default' in field && field.default !== undefined) return `\`${JSON.stringify(field.default)}\``;
  if (field.kind === 'object' && defaultsToEmpty(field)) return 'fields at their defaults';
  return '-';
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function rows(field: ObjectField, prefix: string): string[] {
  return Object.entries(field.fields).flatMap(([key, f]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = (field.required ?? []).includes(key) ? ' (required)' : '';
    const row = `| \`${path}\`${required} | ${typeName(f)} | ${defaultText(f)} | ${cell(rules(f).join('; ') || '-')} | ${cell(f.description)} |`;
    const nested = f.kind === 'object' ? rows(f, path) : f.kind === 'array' && f.items.kind === 'object' ? rows(f.items, `${path}[]`) : [];
    return [row, ...nested];
  });
}

const table = (root: ObjectField): string[] => [
  '| field | type | default | rules | meaning |',
  '| --- | --- | --- | --- | --- |',
  ...rows(root, ''),
  '',
];

/** The cross-field rules of an object and of the objects directly in it, in words. */
const crossFieldRules = (root: ObjectField): string[] => [
  ...(root.rules ?? []).map((r) => `Rule: \`${r.path}\` ${r.rule}.`),
  ...Object.values(root.fields).flatMap((f) => (f.kind === 'object' ? (f.rules ?? []).map((r) => `Rule: \`${r.path}\` ${r.rule} (in \`${f.typeName}\`).`) : [])),
];

export function renderReference(
  spec: ObjectField,
  status: ObjectField,
  versionSpec: ObjectField,
  gitSpec: ObjectField,
  gitStatus: ObjectField,
): string {
  return [
    '<!-- Generated from constructs/api/schema.ts by `npm run codegen`. Do not edit. -->',
    '# Xrootd spec reference',
    '',
    'The same fields are the `spec` of an `Xrootd` custom resource (`xrootd.org/v1alpha1`) and the props of the `XrootdCluster` construct (which adds `name` and `namespace`).',
    'Validation gives every broken rule as `field rule, got value`; the CRD carries the same rules (OpenAPI keywords and CEL).',
    '',
    '## Xrootd spec (xrootd.org/v1alpha1)',
    '',
    ...table(spec),
    ...crossFieldRules(spec),
    '',
    '## Xrootd status (written by the agent)',
    '',
    ...table(status),
    '## XrootdVersion spec (catalog.xrootd.org/v1alpha1, cluster-scoped)',
    '',
    ...table(versionSpec),
    '## XrootdGitSource spec (xrootd.org/v1alpha1)',
    '',
    'The agent fetches the path, validates every Xrootd resource in it and applies them all, or none (see docs/git-source.md).',
    '',
    ...table(gitSpec),
    ...crossFieldRules(gitSpec),
    '',
    '## XrootdGitSource status (written by the agent)',
    '',
    ...table(gitStatus),
  ].join('\n');
}
