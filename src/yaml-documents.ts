/**
 * YAML texts from outside (CLI files, Git commits) to plain values, within
 * limits and at a cost linear in the input: the size is checked before parsing,
 * aliases are capped (an alias bomb expands exponentially), and duplicate keys
 * are found with one set per mapping (the parser's own check compares every
 * pair of keys: 40,000 keys took 17 s). Every problem is an error of its
 * document, never an exception.
 */
import { isCollection, isMap, isScalar, parseAllDocuments, visit } from 'yaml';

export const YAML_LIMITS = {
  /** Larger than any sensible file of resources; the API server takes at most 3 MiB per request. */
  bytes: 4 * 2 ** 20,
  documents: 1000,
  /** Alias uses per document, as the parser counts them. */
  aliases: 100,
  /** Nesting of mappings and lists: Kubernetes objects need about 20; the parser itself overflows near 800. */
  depth: 64,
} as const;

export type YamlDocument = { readonly value: unknown } | { readonly error: string };

/**
 * The offset of the first byte that is not well-formed UTF-8 (a 0xFE, a sequence cut short or
 * overlong, an encoded surrogate), or undefined. Kubernetes' YAML reader refuses such a file;
 * decoding it would turn the bytes into U+FFFD and let them through.
 */
export function malformedUtf8At(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const [length, min, max] = b < 0x80 ? [1, 0, 0] : b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf] : b === 0xed ? [3, 0x80, 0x9f] : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf] : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] : b === 0xf4 ? [4, 0x80, 0x8f] : [0, 0, 0];
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range excludes overlong forms and surrogates; the rest are continuation bytes.
    if (length > 1 && (bytes[i + 1] < min || bytes[i + 1] > max)) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}

/** A lone UTF-16 surrogate (from an escape such as "\ud800"): no character, which Kubernetes' reader refuses. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function loneSurrogateIn(value: unknown): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? value : undefined;
  if (Array.isArray(value)) {
    for (const v of value) { const found = loneSurrogateIn(v); if (found !== undefined) return found; }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = loneSurrogateIn(k) ?? loneSurrogateIn(v);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * `text`: the file's bytes (checked to be UTF-8) or its text. `fileBytes`: the size of a file
 * that was not read because of it (the text is then empty).
 */
export function readYamlDocuments(input: string | Uint8Array, fileBytes?: number): YamlDocument[] {
  const bytes = Math.max(fileBytes ?? 0, typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length);
  if (bytes > YAML_LIMITS.bytes) return [{ error: `the file has ${bytes} bytes, more than the ${YAML_LIMITS.bytes} allowed` }];
  const malformed = typeof input === 'string' ? undefined : malformedUtf8At(input);
  if (malformed !== undefined) return [{ error: `the file is not UTF-8: a malformed byte sequence at byte ${malformed}` }];
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  // A text the parser cannot split into documents at all comes back as one empty stream.
  const list = Array.isArray(docs) ? docs : [];
  if (list.length > YAML_LIMITS.documents) return [{ error: `the file has ${list.length} documents, more than the ${YAML_LIMITS.documents} allowed` }];
  return list.map((doc): YamlDocument => {
    if (doc.errors.length) {
      const first = doc.errors[0].message;
      return { error: /call stack/i.test(first) ? tooDeep : first.split('\n')[0] };
    }
    const duplicate = firstDuplicateKey(doc);
    if (duplicate) return { error: duplicate };
    try {
      const value: unknown = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
      const lone = loneSurrogateIn(value);
      if (lone !== undefined) return { error: `${JSON.stringify(lone)} holds a lone UTF-16 surrogate, which is no character` };
      return { value };
    } catch (e) {
      return { error: (e as Error).message.split('\n')[0] };
    }
  });
}

const tooDeep = `the document is nested deeper than ${YAML_LIMITS.depth} levels`;
/** How deep a collection sits: the collections on its path, itself included. */
const levels = (path: readonly unknown[]): number => path.filter((n) => isCollection(n)).length + 1;

/** The first mapping key given twice, a key that is not a plain value (Kubernetes keys are strings), or nesting too deep. */
function firstDuplicateKey(doc: Parameters<typeof visit>[0]): string | undefined {
  let problem: string | undefined;
  visit(doc, {
    Seq(_, _seq, path) {
      if (levels(path) > YAML_LIMITS.depth) {
        problem = tooDeep;
        return visit.BREAK;
      }
      return undefined;
    },
    Map(_, map, path) {
      if (!isMap(map)) return undefined;
      if (levels(path) > YAML_LIMITS.depth) {
        problem = tooDeep;
        return visit.BREAK;
      }
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) {
          problem = 'mapping keys must be plain values';
          return visit.BREAK;
        }
        const key = String(pair.key.value);
        if (seen.has(key)) {
          problem = `the key ${JSON.stringify(key)} appears twice in one mapping`;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return problem;
}
