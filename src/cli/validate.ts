/** `validate`: every broken rule of every resource, and a non-zero exit when there is one. */
import { formatIssue, loadFiles } from './load.js';

export function validateCommand(files: string[], output: string): number {
  const { valid, issues, unreadable, count } = loadFiles(files);
  if (output === 'json') {
    console.log(JSON.stringify({
      valid: valid.map((v) => ({ name: v.model!.name, namespace: v.model!.namespace, warnings: v.model!.warnings })),
      issues: issues.map((i) => ({
        file: i.source.file, document: i.source.document, resource: i.resource, path: i.path, rule: i.rule, message: i.message,
      })),
      unreadable,
    }, null, 2));
  } else {
    unreadable.forEach((u) => console.error(`cannot read ${u}`));
    issues.forEach((i) => console.error(formatIssue(i)));
    for (const v of valid) for (const w of v.model!.warnings) console.error(`${v.source.file}[${v.source.document}] ${v.model!.namespace}/${v.model!.name}: warning: ${w}`);
    if (!unreadable.length && !issues.length && count === 0) console.error('no Xrootd resources found');
    else if (!issues.length && !unreadable.length) console.log(`${valid.length} Xrootd resource${valid.length === 1 ? '' : 's'} valid`);
  }
  if (unreadable.length) return 2;
  return issues.length || count === 0 ? 1 : 0;
}
