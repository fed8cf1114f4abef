/**
 * Generated hostile specs, shared by the tests of every entry point: one field
 * of the Xrootd schema broken (wrong type, outside its bounds, breaking its
 * pattern, or a string an attacker would try), the rest minimal around it.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { Field, ObjectField } from '../../constructs/api/dsl.js';
import { xrootdSpecSchema } from '../../constructs/api/schema.js';
import { characters, re2 } from '../../constructs/api/validate.js';

/** Every field of the schema with its path (list items as `[0]`). */
function fieldsOf(field: Field, path: string): Array<{ path: string; field: Field }> {
  const here = path ? [{ path, field }] : [];
  if (field.kind === 'object') {
    return [...here, ...Object.entries((field as ObjectField).fields).flatMap(([k, f]) => fieldsOf(f, path ? `${path}.${k}` : k))];
  }
  if (field.kind === 'array') return [...here, ...fieldsOf(field.items, `${path}[0]`)];
  return here;
}
export const FIELDS = fieldsOf(xrootdSpecSchema, '');

/** Strings an attacker tries in a config file or a script. */
export const HOSTILE_STRINGS = ['', ' ', '\n', 'a\nb', '\u0000', 'x\\', '../..', '/data/..', '$(reboot)', '`id`', "'", '"', 'all.manager evil:1213',
  'cms.manager evil:1213', 'xrootd.trace all \\', '\u2028', '\ud800', 'a\u00a0b', '\ufeff', '\u3000', 'x\u0085', '😀'.repeat(1100), 'A'.repeat(70000), '-1', '1e309', 'null', '{}'];

/** A value that breaks `field`'s own rule (type, enum, pattern, bounds). */
function wrongValue(field: Field): fc.Arbitrary<unknown> {
  // Plainly fractional numbers: the API server (go-openapi's IsFloat64AJSONInteger) takes a number within
  // about 1e-9 of an integer, or past 2^52, for an integer, where the library does not.
  const notA = (ok: (v: unknown) => boolean) => fc.oneof(fc.integer(), fc.integer({ min: -1e6, max: 1e6 }).map((i) => i + 0.5),
    fc.boolean(), fc.string(), fc.constant([]), fc.constant({ x: 1 }))
    .filter((v) => !ok(v));
  switch (field.kind) {
    case 'string': {
      const bad: Array<fc.Arbitrary<unknown>> = [notA((v) => typeof v === 'string')];
      const breaks = (s: string) => (field.enum && !field.enum.includes(s)) || (field.pattern && !re2(field.pattern.regex).test(s))
        || (field.notMatching && re2(field.notMatching.regex).test(s))
        || (field.maxLength !== undefined && characters(s) > field.maxLength);
      const hostile = HOSTILE_STRINGS.filter((s) => breaks(s));
      if (hostile.length) bad.push(fc.constantFrom(...hostile));
      if (field.enum || field.pattern) bad.push(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !!breaks(s)));
      return fc.oneof(...bad);
    }
    case 'integer': {
      const bad: Array<fc.Arbitrary<unknown>> = [notA((v) => typeof v === 'number' && Number.isInteger(v))];
      if (field.minimum !== undefined) bad.push(fc.integer({ max: field.minimum - 1, min: field.minimum - 1e6 }));
      if (field.maximum !== undefined) bad.push(fc.integer({ min: field.maximum + 1, max: field.maximum + 1e6 }));
      return fc.oneof(...bad);
    }
    case 'boolean': return notA((v) => typeof v === 'boolean');
    case 'object': return fc.oneof(notA((v) => typeof v === 'object' && !Array.isArray(v)), fc.constant({ notAField: 1 }));
    case 'array': return field.maxItems !== undefined
      ? fc.oneof(notA(Array.isArray), fc.constant(Array.from({ length: field.maxItems + 1 }, () => null)))
      : notA(Array.isArray);
    case 'map': return fc.oneof(notA((v) => typeof v === 'object' && !Array.isArray(v)), fc.constant({ key: 7 }), fc.constant({ key: ['x'] }));
    case 'opaque': return field.tsType.endsWith('[]')
      ? fc.oneof(notA(Array.isArray), fc.constant([null]), fc.constant([7]), fc.constant(['x']))
      : notA((v) => typeof v === 'object' && !Array.isArray(v));
  }
}

/** Puts `value` at `path` (`a.b[0].c`) into a copy of `spec`, making the objects and lists on the way. */
export function withValue(spec: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const out = structuredClone(spec);
  const steps = path.replace(/\[0\]/g, '.0').split('.');
  let at: any = out;
  steps.forEach((step, i) => {
    if (i === steps.length - 1) at[step] = value;
    else at = at[step] ??= steps[i + 1] === '0' ? [] : {};
  });
  // A list whose first item is an export needs its required path to reach the rule under test.
  return out;
}

/** Invalid specs: one field of the schema broken, the rest of a minimal valid spec around it. */
export const invalidSpec = fc.constantFrom(...FIELDS)
  .chain(({ path, field }) => wrongValue(field).map((value) => ({ path, spec: withValue({}, path, value) })));

/** The issue must name the broken field, or a field on the way to it (a parent that is not the right type). */
export const names = (issuePaths: string[], path: string, prefix = ''): boolean =>
  issuePaths.some((p) => { const bare = p.slice(prefix.length); return bare === path || path.startsWith(`${bare}.`) || path.startsWith(`${bare}[`) || bare.startsWith(`${path}.`) || bare.startsWith(`${path}[`); });

export const resourceYaml = (spec: unknown): string => stringify({ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'fuzz', namespace: 'physics' }, spec });
