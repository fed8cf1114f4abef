/** Reads resource files for the CLI; unreadable files are usage errors. */
import { readFileSync, statSync } from 'node:fs';
import { YAML_LIMITS } from '../yaml-documents.js';
import { readResources, validateResources, type LoadedResource, type ResourceIssue } from '../resources.js';

export interface Loaded { readonly valid: LoadedResource[]; readonly issues: ResourceIssue[]; readonly unreadable: string[]; readonly count: number }

export function loadFiles(files: readonly string[]): Loaded {
  const unreadable: string[] = [];
  const all: LoadedResource[] = [];
  const issues: ResourceIssue[] = [];
  for (const file of files) {
    let text: string;
    let bytes: number;
    try {
      // A file over the limit is refused by its size, without reading it.
      bytes = statSync(file).size;
      text = bytes > YAML_LIMITS.bytes ? '' : readFileSync(file, 'utf8');
    } catch (e) {
      unreadable.push(`${file}: ${(e as Error).message}`);
      continue;
    }
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
