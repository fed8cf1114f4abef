/**
 * Renders the OpenAPI v3 schema of the CRD from the spec schema, with CEL rules
 * (`x-kubernetes-validations`) where OpenAPI keywords cannot say the rule; or, in the
 * `json-schema` dialect, the JSON Schema of a Helm chart's values.schema.json: the rules JSON
 * Schema has a keyword for (a pattern not to match), objects closed to fields they do not
 * describe (a typo is an error, not a silent drop), and no CEL (the API server still checks it).
 */
import { defaultsToEmpty, type Field } from './dsl.js';

export type JsonSchema = Record<string, unknown>;

const celString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export type SchemaDialect = 'openapi' | 'json-schema';

export function toOpenApi(field: Field, dialect: SchemaDialect = 'openapi'): JsonSchema {
  const json = dialect === 'json-schema';
  const out: JsonSchema = { description: field.description };
  const validations: Array<{ rule: string; message: string; fieldPath?: string }> = [];
  switch (field.kind) {
    case 'string':
      out.type = 'string';
      if (field.enum) out.enum = [...field.enum];
      if (field.pattern) out.pattern = field.pattern.regex;
      if (field.minLength !== undefined) out.minLength = field.minLength;
      if (field.maxLength !== undefined) out.maxLength = field.maxLength;
      if (field.notMatching && json) out.not = { pattern: field.notMatching.regex };
      else if (field.notMatching) validations.push({ rule: `!self.matches(${celString(field.notMatching.regex)})`, message: field.notMatching.rule });
      break;
    case 'integer':
      out.type = 'integer';
      if (field.minimum !== undefined) out.minimum = field.minimum;
      if (field.maximum !== undefined) out.maximum = field.maximum;
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'object':
      out.type = 'object';
      out.properties = Object.fromEntries(Object.entries(field.fields).map(([k, f]) => [k, toOpenApi(f, dialect)]));
      if (json) out.additionalProperties = false;
      if (field.required?.length) out.required = [...field.required];
      for (const r of field.rules ?? []) validations.push({ rule: r.cel, message: `${r.path} ${r.rule}`, fieldPath: `.${r.path}` });
      break;
    case 'array':
      out.type = 'array';
      out.items = toOpenApi(field.items, dialect);
      if (field.minItems !== undefined) out.minItems = field.minItems;
      if (field.maxItems !== undefined) out.maxItems = field.maxItems;
      if (field.uniqueBy) {
        const key = (v: string) => (field.uniqueIgnoringTrailingSlash ? `${v}.${field.uniqueBy} + (${v}.${field.uniqueBy}.endsWith('/') ? '' : '/')` : `${v}.${field.uniqueBy}`);
        validations.push({
          rule: `self.all(a, self.exists_one(b, ${key('b')} == ${key('a')}))`,
          message: `${field.uniqueBy} must be unique in the list${field.uniqueIgnoringTrailingSlash ? ' (a trailing slash makes no difference)' : ''}`,
        });
      }
      break;
    case 'map':
      out.type = 'object';
      out.additionalProperties = toOpenApi(field.values, dialect);
      break;
    case 'opaque':
      out.type = field.tsType.endsWith('[]') ? 'array' : 'object';
      // Kubernetes types passed through (tolerations, affinity, ...): their own schema is Kubernetes'.
      if (json) break;
      if (out.type === 'array') out.items = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      else out['x-kubernetes-preserve-unknown-fields'] = true;
      break;
  }
  if ('default' in field && field.default !== undefined) out.default = field.default;
  else if (field.kind === 'object' && defaultsToEmpty(field)) out.default = {};
  if (field.immutable) validations.push({ rule: 'self == oldSelf', message: 'is immutable once set' });
  if (field.transition) validations.push({ rule: field.transition.cel, message: field.transition.rule });
  if (validations.length && !json) out['x-kubernetes-validations'] = validations;
  return out;
}
