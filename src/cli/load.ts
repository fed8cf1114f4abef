/** Reads resource files for the CLI; unreadable files are usage errors. */
import { readFileSync, statSync } from 'node:fs';
import { YAML_LIMITS } from '../yaml-documents.js';
import { readResources, validateResources, type LoadedResource, type ResourceIssue } from '../resources.js';

export interface Loaded { readonly valid: LoadedResource[]; readonly issues: ResourceIssue[]; readonly unreadable: string[]; readonly count: number }

/** The files' texts; a file over the size limit is refused by its size, without reading it (its text is empty). */
export function readFiles(files: readonly string[]): { texts: { text: string; file: string; bytes: number }[]; unreadable: string[] } {
  const unreadable: string[] = [];
  const texts: { text: string; file: string; bytes: number }[] = [];
  for (const file of files) {
    try {
      const bytes = statSync(file).size;
      texts.push({ file, bytes, text: bytes > YAML_LIMITS.bytes ? '' : readFileSync(file, 'utf8') });
    } catch (e) {
      unreadable.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { texts, unreadable };
}

export function loadFiles(files: readonly string[]): Loaded {
  const { texts, unreadable } = readFiles(files);
  const all: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  for (const { text, file, bytes } of texts) {
    const read = readResources(text, file, bytes);
    all.push(...read.resources);
    issues.push(...read.issues);
  }
  const checked = validateResources(all);
  return { valid: checked.valid, issues: [...issues, ...checked.issues], unreadable, count: all.length };
}

export function formatIssue(i: ResourceIssue): string {
  return `${i.source.file}[${i.source.document}]${i.resource ? ` ${i.resource}` : ''}: ${i.message}`;
}
