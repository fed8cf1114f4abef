/**
 * A small schema language: the one place a spec field is described. The OpenAPI
 * schema of the CRD, the TypeScript types, the defaults, the validation messages
 * and the reference docs are all derived from these descriptions.
 */

interface Described {
  /** What the field means, for docs, TSDoc and the CRD's OpenAPI description. */
  readonly description: string;
  /** Immutable once set: the CRD guards it with a transition rule. */
  readonly immutable?: boolean;
  /**
   * A rule between the old value and the new (CEL over `self` and `oldSelf`), with the rule in
   * words. The API server checks it on every update; the agent checks it against what runs.
   */
  readonly transition?: { readonly cel: string; readonly rule: string };
}

export interface StringField extends Described {
  readonly kind: 'string';
  readonly default?: string;
  readonly enum?: readonly string[];
  /** A regular expression the value must match, with the rule in words. */
  readonly pattern?: { readonly regex: string; readonly rule: string };
  /** A regular expression the value must not match, with the rule in words. */
  readonly notMatching?: { readonly regex: string; readonly rule: string };
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface IntegerField extends Described {
  readonly kind: 'integer';
  readonly default?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BooleanField extends Described {
  readonly kind: 'boolean';
  readonly default?: boolean;
}

/**
 * A rule across fields of one object, stated twice in one place: as a check for
 * the library and as CEL for the API server. `path` is relative to the object.
 */
export interface CrossFieldRule {
  readonly path: string;
  /** What must hold, in words: `<path> <rule>`. */
  readonly rule: string;
  readonly cel: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly check: (self: any) => boolean;
}

export interface ObjectField extends Described {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Field>>;
  readonly rules?: readonly CrossFieldRule[];
  readonly required?: readonly string[];
  /** Name of the generated TypeScript interface. */
  readonly typeName: string;
  /** A switch: absent unless set (GSI), instead of `{}` with its fields' defaults when it has no required fields. */
  readonly presenceMeansOn?: boolean;
  /** Value used when the object is omitted; without it an omitted object is `{}` (so its fields' defaults apply). */
  readonly default?: Readonly<Record<string, unknown>>;
}

export interface ArrayField extends Described {
  readonly kind: 'array';
  readonly items: Field;
  readonly default?: readonly unknown[];
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Item field whose value must be unique across the list. */
  readonly uniqueBy?: string;
  /** Paths: unique also with a trailing slash added or taken away (/data and /data/ are one). */
  readonly uniqueIgnoringTrailingSlash?: boolean;
}

export interface MapField extends Described {
  readonly kind: 'map';
  readonly values: StringField;
  readonly default?: Readonly<Record<string, string>>;
}

/** A Kubernetes structure passed through unchanged (affinity, for example). */
export interface OpaqueField extends Described {
  readonly kind: 'opaque';
  /** The TypeScript type used for it. */
  readonly tsType: string;
}

export type Field = StringField | IntegerField | BooleanField | ObjectField | ArrayField | MapField | OpaqueField;

type Options<F> = Omit<F, 'kind' | 'description'>;

export const str = (description: string, o: Options<StringField> = {}): StringField => ({ kind: 'string', description, ...o });
export const int = (description: string, o: Options<IntegerField> = {}): IntegerField => ({ kind: 'integer', description, ...o });
export const bool = (description: string, o: Options<BooleanField> = {}): BooleanField => ({ kind: 'boolean', description, ...o });
export const obj = (typeName: string, description: string, fields: Record<string, Field>, o: Omit<Options<ObjectField>, 'fields' | 'typeName'> = {}): ObjectField =>
  ({ kind: 'object', typeName, description, fields, ...o });
export const arr = (description: string, items: Field, o: Omit<Options<ArrayField>, 'items'> = {}): ArrayField => ({ kind: 'array', description, items, ...o });
export const map = (description: string, values: StringField, o: Omit<Options<MapField>, 'values'> = {}): MapField => ({ kind: 'map', description, values, ...o });
export const opaque = (tsType: string, description: string): OpaqueField => ({ kind: 'opaque', tsType, description });

/** True when an object gets `{}` as default, so defaults of its fields apply. */
export function defaultsToEmpty(field: ObjectField): boolean {
  return (field.required ?? []).length === 0 && !field.presenceMeansOn;
}

/** Every object type reachable from a field, parents first, each once. */
export function objectTypes(root: Field): ObjectField[] {
  const seen = new Map<string, ObjectField>();
  const visit = (f: Field): void => {
    if (f.kind === 'object') {
      if (seen.has(f.typeName)) return;
      seen.set(f.typeName, f);
      Object.values(f.fields).forEach(visit);
    } else if (f.kind === 'array') {
      visit(f.items);
    }
  };
  visit(root);
  return [...seen.values()];
}

/**
 * In a pattern's character class: every space, line break, control and format character, ASCII
 * or not (RE2's `\s` alone is ASCII only), so "no spaces" means the same to everyone who reads it.
 */
export const SPACE_OR_CONTROL = '\\s\\p{Z}\\p{Cc}\\p{Cf}';
