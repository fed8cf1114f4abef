/** Reads resource files for the CLI; unreadable files are usage errors. */
import { readFileSync, statSync } from 'node:fs';
import { YAML_LIMITS } from '../yaml-documents.js';
import { readResources, resolveReferences as referencesOf, toResourceIssue, validateResources, type LoadedResource, type ResourceIssue } from '../resources.js';

export interface Loaded {
  readonly valid: LoadedResource[];
  readonly issues: ResourceIssue[];
  readonly unreadable: string[];
  readonly count: number;
}

/** The files' texts; a file over the size limit is refused by its size, without reading it (its text is empty). */
export function readFiles(files: readonly string[]): { texts: { text: Uint8Array; file: string; bytes: number }[]; unreadable: string[] } {
  const unreadable: string[] = [];
  const texts: { text: Uint8Array; file: string; bytes: number }[] = [];
  for (const file of files) {
    try {
      const bytes = statSync(file).size;
      texts.push({ file, bytes, text: bytes > YAML_LIMITS.bytes ? new Uint8Array() : readFileSync(file) });
    } catch (e) {
      unreadable.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { texts, unreadable };
}

/**
 * With `resolveReferences` (synth, diff, apply: they render the configuration), each federation
 * reference must name a meta-manager among the same files (its addresses become the resource's
 * upstreamEndpoints), and a cache's origin reference a cluster among them (originAddress).
 */
export function loadFiles(files: readonly string[], { resolveReferences = false } = {}): Loaded {
  const { texts, unreadable } = readFiles(files);
  const all: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  for (const { text, file, bytes } of texts) {
    const read = readResources(text, file, bytes);
    all.push(...read.resources);
    issues.push(...read.issues);
  }
  const checked = validateResources(all);
  if (!resolveReferences) return { valid: checked.valid, issues: [...issues, ...checked.issues], unreadable, count: all.length };
  const byKey = new Map(checked.valid.map((l) => [`${l.resource.metadata.namespace ?? 'default'}/${l.resource.metadata.name}`, l.resource]));
  const valid = checked.valid.map((l) => {
    const resolved = referencesOf(l.resource, (key) => byKey.get(key));
    issues.push(...resolved.issues.map((i) => toResourceIssue(i, l.source, `${l.resource.metadata.namespace ?? 'default'}/${l.resource.metadata.name}`)));
    return { ...l, upstreamEndpoints: resolved.endpoints, ...(resolved.originAddress ? { originAddress: resolved.originAddress } : {}) };
  });
  return { valid, issues: [...issues, ...checked.issues], unreadable, count: all.length };
}

export function formatIssue(i: ResourceIssue): string {
  return `${i.source.file}[${i.source.document}]${i.resource ? ` ${i.resource}` : ''}: ${i.message}`;
}
