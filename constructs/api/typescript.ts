/**
 * Renders the TypeScript types of the spec from the schema: `XrootdSpec` (what a
 * user writes, defaults optional) and `ResolvedXrootdSpec` (after defaults).
 */
import { defaultsToEmpty, objectTypes, type Field, type ObjectField } from './dsl.js';

/** A field is always present after defaulting when this holds. */
export function presentAfterDefaults(field: Field, required: boolean): boolean {
  if (required) return true;
  if ('default' in field && field.default !== undefined) return true;
  return field.kind === 'object' && defaultsToEmpty(field);
}

function typeOf(field: Field, resolved: boolean): string {
  switch (field.kind) {
    case 'string':
      return field.enum ? field.enum.map((e) => `'${e}'`).join(' | ') : 'string';
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return resolved ? `Resolved${field.typeName}` : field.typeName;
    case 'array': {
      const item = typeOf(field.items, resolved);
      return item.includes('|') ? `Array<${item}>` : `${item}[]`;
    }
    case 'map':
      return 'Record<string, string>';
    case 'opaque':
      return field.tsType;
  }
}

function docComment(field: Field, indent: string): string[] {
  const lines = [field.description];
  if (field.kind === 'integer' && (field.minimum !== undefined || field.maximum !== undefined)) {
    lines.push(`Range: ${field.minimum ?? '-'} to ${field.maximum ?? '-'}.`);
  }
  if (field.kind === 'string' && field.pattern) lines.push(`Rule: ${field.pattern.rule}.`);
  if (field.immutable) lines.push('Immutable once set.');
  if (field.transition) lines.push(`On change: ${field.transition.rule}.`);
  const dflt = 'default' in field && field.default !== undefined ? JSON.stringify(field.default) : undefined;
  if (dflt !== undefined) lines.push(`@default ${dflt}`);
  else if (field.kind === 'object' && defaultsToEmpty(field)) lines.push('@default - every field at its default');
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

function renderInterface(type: ObjectField, resolved: boolean): string[] {
  const name = resolved ? `Resolved${type.typeName}` : type.typeName;
  const out = [`/** ${type.description}${resolved ? ' (defaults applied)' : ''} */`, `export interface ${name} {`];
  for (const [key, field] of Object.entries(type.fields)) {
    const required = (type.required ?? []).includes(key);
    const optional = resolved ? !presentAfterDefaults(field, required) : !required;
    if (!resolved) out.push(...docComment(field, '  '));
    out.push(`  readonly ${key}${optional ? '?' : ''}: ${typeOf(field, resolved)};`);
  }
  out.push('}', '');
  return out;
}

export function renderTypeScript(roots: readonly ObjectField[]): string {
  const seen = new Set<string>();
  const types = roots.flatMap(objectTypes).filter((t) => !seen.has(t.typeName) && seen.add(t.typeName));
  return [
    '// Generated from constructs/api/schema.ts by `npm run codegen`. Do not edit.',
    "import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s.js';",
    '',
    ...types.flatMap((t) => renderInterface(t, false)),
    ...types.flatMap((t) => renderInterface(t, true)),
  ].join('\n');
}
