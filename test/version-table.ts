/**
 * The release x scenario table of `npm run test:versions` (test/versions.sh): one row per
 * conformance scenario (test file), one column per XRootD release, each cell its passed tests
 * out of its tests. Exits 1 when any cell has a failure or a release ran nothing.
 *
 *   node build/test/version-table.js REPORT_DIR RELEASE...
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface JestSuite {
  readonly name: string;
  readonly message: string;
  readonly assertionResults: readonly { readonly status: string }[];
}
interface JestResult { readonly testResults: readonly JestSuite[] }

const [dir, ...releases] = process.argv.slice(2);
const cells = new Map<string, Map<string, string>>();
let bad = false;
for (const release of releases) {
  const file = join(dir, `versions-${release}.json`);
  const result: JestResult = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { testResults: [] };
  if (!result.testResults.length) bad = true;
  for (const suite of result.testResults) {
    const scenario = basename(suite.name).replace(/\.test\.ts$/, '');
    const passed = suite.assertionResults.filter((a) => a.status === 'passed').length;
    const total = suite.assertionResults.length;
    const ok = total > 0 && passed === total && !suite.message;
    if (!ok) bad = true;
    if (!cells.has(scenario)) cells.set(scenario, new Map());
    cells.get(scenario)!.set(release, `${ok ? '' : 'FAIL '}${passed}/${total}`);
  }
}
const lines = [`| scenario | ${releases.join(' | ')} |`, `|---|${releases.map(() => '---:').join('|')}|`];
for (const [scenario, row] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
  lines.push(`| ${scenario} | ${releases.map((r) => row.get(r) ?? 'not run').join(' | ')} |`);
}
console.log(lines.join('\n'));
if (bad) process.exit(1);
