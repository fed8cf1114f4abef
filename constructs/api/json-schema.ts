/**
 * A Helm chart's values.schema.json from the spec schema (JSON Schema 2020-12), so that
 * `helm install` refuses what the CRD refuses and names the field; the CRD's CEL rules have no
 * JSON Schema keyword, and the API server still checks them when Helm applies the resource.
 */
import type { Field } from './dsl.js';
import { toOpenApi, type JsonSchema } from './openapi.js';

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** One field's schema (objects refuse fields they do not describe). */
export const toJsonSchema = (field: Field): JsonSchema => toOpenApi(field, 'json-schema');

/** A whole document: the dialect, a title and the root field's schema. */
export function jsonSchemaDocument(title: string, root: Field): JsonSchema {
  return { $schema: JSON_SCHEMA_DIALECT, title, ...toJsonSchema(root) };
}
