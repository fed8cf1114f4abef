/**
 * Defaults and validation of a spec, both read off the schema. One function
 * serves the construct props, the Xrootd custom resource and Git-sourced specs.
 */
import { defaultsToEmpty, type Field, type ObjectField } from './dsl.js';

export interface SpecIssue {
  /** Dotted path of the offending field, such as `worker.replicas`. */
  readonly path: string;
  /** The rule that was broken, in words. */
  readonly rule: string;
  /** `path rule, got value`: what a person reads. */
  readonly message: string;
}

/** A string's length as the API server counts it for maxLength: Unicode code points, not UTF-16 units. */
export function characters(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const compiled = new Map<string, RegExp>();

/**
 * A CRD pattern (RE2, as the API server runs it) as a JavaScript RegExp that accepts exactly the
 * same strings: matched by code point (flag u), `.` is any character but a newline (JavaScript's
 * also stops at \r, U+2028 and U+2029), `\s` and `\S` are ASCII only (JavaScript's include
 * every Unicode space), `\x{...}` is a code point. Other syntax means the same in both.
 */
export function re2(source: string): RegExp {
  let re = compiled.get(source);
  if (re) return re;
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[++i];
      if (next === 's') out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      else if (next === 'S' && !inClass) out += '[^\\t\\n\\f\\r ]';
      else if (next === 'S') throw new Error(`pattern ${source}: \\S inside a character class is not supported`);
      else if (next === 'x' && source[i + 1] === '{') {
        const end = source.indexOf('}', i);
        out += `\\u{${source.slice(i + 2, end)}}`;
        i = end;
      } else out += c + next;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') out += source[++i];
      // RE2 reads a "]" right after "[" or "[^" as a literal.
      if (source[i + 1] === ']') { out += '\\]'; i++; }
    } else out += c === '.' ? '[^\\n]' : c;
  }
  re = new RegExp(out, 'u');
  compiled.set(source, re);
  return re;
}

/** Thrown for a spec that breaks a rule; lists every broken rule, not only the first. */
export class SpecValidationError extends Error {
  constructor(readonly issues: readonly SpecIssue[], subject = 'spec') {
    super(`invalid ${subject}:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`);
    this.name = 'SpecValidationError';
  }
}

export function issue(path: string, rule: string, value?: unknown): SpecIssue {
  const got = value === undefined ? '' : `, got ${show(value)}`;
  return { path, rule, message: `${path} ${rule}${got}` };
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

/**
 * Applies the schema's defaults to `value` and collects every rule it breaks.
 * `path` prefixes the reported field paths (`spec` for a custom resource).
 */
export function applySchema(field: Field, value: unknown, path: string, issues: SpecIssue[]): unknown {
  if (value === undefined || value === null) {
    if ('default' in field && field.default !== undefined) return applySchema(field, clone(field.default), path, issues);
    if (field.kind === 'object' && defaultsToEmpty(field)) return applySchema(field, {}, path, issues);
    return undefined;
  }
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string') return void issues.push(issue(path, 'must be a string', value));
      if (field.enum && !field.enum.includes(value)) issues.push(issue(path, `must be one of ${field.enum.join(', ')}`, value));
      if (field.minLength !== undefined && characters(value) < field.minLength) issues.push(issue(path, `must be at least ${field.minLength} characters long`, value));
      if (field.maxLength !== undefined && characters(value) > field.maxLength) issues.push(issue(path, `must be at most ${field.maxLength} characters long`, value));
      if (field.pattern && !re2(field.pattern.regex).test(value)) issues.push(issue(path, field.pattern.rule, value));
      if (field.notMatching && re2(field.notMatching.regex).test(value)) issues.push(issue(path, field.notMatching.rule, value));
      return value;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return void issues.push(issue(path, 'must be a whole number', value));
      if (field.minimum !== undefined && value < field.minimum) issues.push(issue(path, `must be >= ${field.minimum}`, value));
      if (field.maximum !== undefined && value > field.maximum) issues.push(issue(path, `must be <= ${field.maximum}`, value));
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return void issues.push(issue(path, 'must be true or false', value));
      return value;
    case 'object':
      return applyObject(field, value, path, issues);
    case 'array': {
      if (!Array.isArray(value)) return void issues.push(issue(path, 'must be a list', value));
      if (field.minItems !== undefined && value.length < field.minItems) issues.push(issue(path, `must have at least ${field.minItems} entries`, value.length));
      if (field.maxItems !== undefined && value.length > field.maxItems) issues.push(issue(path, `must have at most ${field.maxItems} entries`, value.length));
      // A list item gets no default: null is an error, as the API server finds it.
      const items = value.map((v, i) => (v === null || v === undefined
        ? void issues.push(issue(`${path}[${i}]`, 'must not be null'))
        : applySchema(field.items, v, `${path}[${i}]`, issues)));
      if (field.uniqueBy) checkUnique(items, field.uniqueBy, path, issues, field.uniqueIgnoringTrailingSlash);
      return items;
    }
    case 'map': {
      if (!isPlainObject(value)) return void issues.push(issue(path, 'must be a map of names to strings', value));
      // A null value is dropped, as the API server takes and drops it (test/integration/input-differential.test.ts).
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, applySchema(field.values, v, join(path, k), issues)]));
    }
    case 'opaque': {
      const wantsList = field.tsType.endsWith('[]');
      if (wantsList !== Array.isArray(value) || (!wantsList && !isPlainObject(value))) {
        return void issues.push(issue(path, wantsList ? 'must be a list' : 'must be an object', value));
      }
      // The CRD types each item as an object, as the API server will check.
      if (wantsList) (value as unknown[]).forEach((v, i) => { if (!isPlainObject(v)) issues.push(issue(`${path}[${i}]`, 'must be an object', v)); });
      // Kubernetes objects are JSON data: what props may hold besides (class instances, objects
      // without a prototype, undefined) is turned into the JSON it stands for.
      return JSON.parse(JSON.stringify(value));
    }
  }
}

function applyObject(field: ObjectField, value: unknown, path: string, issues: SpecIssue[]): unknown {
  if (!isPlainObject(value)) return void issues.push(issue(path || 'spec', 'must be an object', value));
  const known = Object.keys(field.fields);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issues.push(issue(join(path, key), `is not a known field (known here: ${known.join(', ')})`));
  }
  for (const key of field.required ?? []) {
    if (value[key] === undefined || value[key] === null) issues.push(issue(join(path, key), 'is required'));
  }
  const out: Record<string, unknown> = {};
  const before = issues.length;
  for (const key of known) {
    const v = applySchema(field.fields[key], value[key], join(path, key), issues);
    if (v !== undefined) out[key] = v;
  }
  // Cross-field rules read defaulted values, and only once the fields themselves are valid.
  if (issues.length === before) {
    for (const r of field.rules ?? []) {
      if (!r.check(out)) issues.push({ path: join(path, r.path), rule: r.rule, message: `${join(path, r.path)} ${r.rule}` });
    }
  }
  return out;
}

function checkUnique(items: unknown[], key: string, path: string, issues: SpecIssue[], ignoringTrailingSlash = false): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    const v = isPlainObject(item) ? item[key] : undefined;
    if (v === undefined) return;
    const k = ignoringTrailingSlash && typeof v === 'string' ? v.replace(/\/?$/, '/') : v;
    if (seen.has(k)) issues.push(issue(`${path}[${i}].${key}`, `must be unique in the list${ignoringTrailingSlash ? ' (a trailing slash makes no difference)' : ''}`, v));
    seen.add(k);
  });
}
