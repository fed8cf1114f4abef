/**
 * `migrate`: the 2020 operator's resources (as `kubectl get -o yaml` prints them) to Xrootd
 * resources on standard output, with what changed on standard error; nothing at all when any
 * document cannot be converted.
 */
import { stringify } from 'yaml';
import { migrateTexts } from '../migrate.js';
import { formatIssue, readFiles } from './load.js';

export function migrateCommand(files: string[], output: string): number {
  const { texts, unreadable } = readFiles(files);
  unreadable.forEach((u) => console.error(`cannot read ${u}`));
  if (unreadable.length) return 2;
  const { migrated, issues } = migrateTexts(texts);
  issues.forEach((i) => console.error(formatIssue(i)));
  if (issues.length) return 1;
  if (!migrated.length) {
    console.error('no XrootdCluster or Xrootd resources of the 2020 operator found');
    return 1;
  }
  for (const m of migrated) {
    for (const note of m.notes) console.error(`${m.source.file}[${m.source.document}] ${m.resource.metadata.namespace ?? '(namespace of the file)'}/${m.resource.metadata.name}: ${note}`);
  }
  if (output === 'json') console.log(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: migrated.map((m) => m.resource) }, null, 2));
  else process.stdout.write(migrated.map((m) => stringify(m.resource)).join('---\n'));
  return 0;
}
