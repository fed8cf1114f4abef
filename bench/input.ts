/**
 * `input`: what hostile or huge resource files cost the one pipeline every file
 * and Git commit goes through (src/yaml-documents.ts, src/resources.ts): wide
 * mappings (the duplicate-key check was quadratic: 40,000 keys took 17.5 s),
 * an alias bomb, and a file at the size limit.
 */
import { performance } from 'node:perf_hooks';
import { readResources, validateResources } from '../src/resources.js';
import { YAML_LIMITS } from '../src/yaml-documents.js';

const header = 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata:\n  name: wide\nspec:\n  scheduling:\n    nodeSelector:\n';

function timed(label: string, text: string): void {
  const t = performance.now();
  const read = readResources(text, 'bench.yaml');
  const checked = validateResources(read.resources);
  const ms = performance.now() - t;
  const outcome = [...read.issues, ...checked.issues][0]?.message.slice(0, 70) ?? `${checked.valid.length} valid`;
  console.log(`  ${label.padEnd(34)} ${(Buffer.byteLength(text) / 2 ** 20).toFixed(2).padStart(5)} MiB  ${ms.toFixed(0).padStart(6)} ms  (${outcome})`);
}

export function inputBench(): void {
  console.log(`input: read + validate one resource file (limit ${YAML_LIMITS.bytes / 2 ** 20} MiB, ${YAML_LIMITS.documents} documents, ${YAML_LIMITS.aliases} aliases, ${YAML_LIMITS.depth} levels)`);
  for (const keys of [10000, 20000, 40000, 80000]) {
    timed(`mapping of ${keys} keys`, header + Array.from({ length: keys }, (_, i) => `      k${i}: v\n`).join(''));
  }
  const levels = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)];
  timed('alias bomb (9^9 nodes if expanded)', `${header.replace('nodeSelector', 'affinity')}${levels.map((l) => `      ${l}\n`).join('')}`);
  timed('lists nested 100,000 levels deep', `${header.replace('nodeSelector', 'affinity')}      a: ${'['.repeat(100000)}${']'.repeat(100000)}\n`);
  const doc = 'apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata:\n  name: c{i}\nspec:\n  worker: {replicas: 3}\n';
  timed(`${YAML_LIMITS.documents} resources in one file`, Array.from({ length: YAML_LIMITS.documents }, (_, i) => doc.replace('{i}', String(i))).join('---\n'));
  const filler = `# ${'x'.repeat(1000)}\n`;
  timed('a file just under the size limit', header + filler.repeat(Math.floor((YAML_LIMITS.bytes - header.length - 20) / filler.length)) + '      k: v\n');
}
