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

/** `bytes`: the size of a file that was not read because of it (the text is then empty). */
export function readYamlDocuments(text: string, fileBytes?: number): YamlDocument[] {
  const bytes = Math.max(fileBytes ?? 0, Buffer.byteLength(text, 'utf8'));
  if (bytes > YAML_LIMITS.bytes) return [{ error: `the file has ${bytes} bytes, more than the ${YAML_LIMITS.bytes} allowed` }];
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
      return { value: doc.toJS({ maxAliasCount: YAML_LIMITS.aliases }) };
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
