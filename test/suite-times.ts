/**
 * The time table `npm test` (test/run.sh) prints at its end: each phase, each build step and
 * each suite with its project and test count, from the phases' and build steps' TSV lines and
 * jest's JSON results. Its last line is the run's count, `tests: N passed, N failed`.
 *
 *   node build/test/suite-times.js REPORT_DIR BUILD_TIMES_TSV TOTAL_SECONDS
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface JestSuite {
  readonly name: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly assertionResults: readonly unknown[];
}
interface JestResult {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numRuntimeErrorTestSuites: number;
  readonly testResults: readonly JestSuite[];
}

const tsv = (file: string): string[][] => (existsSync(file)
  ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.split('\t'))
  : []);
const minutes = (seconds: number): string => `${(seconds / 60).toFixed(1)}`;

const [dir, buildTimes, total] = process.argv.slice(2);
const lines: string[] = [];
lines.push('| phase | s | min | exit |', '|---|---:|---:|---:|');
for (const [name, s, code] of tsv(join(dir, 'phases.tsv'))) lines.push(`| ${name} | ${s} | ${minutes(Number(s))} | ${code} |`);
lines.push(`| whole run | ${total} | ${minutes(Number(total))} | |`, '');

lines.push('| build step (background, lowest priority) | started by | s | exit |', '|---|---|---:|---:|');
for (const [name, s, code, caller] of tsv(buildTimes)) lines.push(`| ${name} | ${caller} | ${s} | ${code} |`);
lines.push('');

let passed = 0, failed = 0, skipped = 0, broken = 0;
const suites: { project: string; file: string; seconds: number; tests: number }[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JestResult;
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests;
  broken += result.numRuntimeErrorTestSuites;
  for (const s of result.testResults) {
    const path = relative(process.cwd(), s.name);
    // npm run test:versions' reports: the conformance suites on one XRootD release.
    const project = file.startsWith('versions-') ? `conformance@${file.slice('versions-'.length, -'.json'.length)}` : path.split('/')[1] ?? '';
    suites.push({ project, file: path, seconds: (s.endTime - s.startTime) / 1000, tests: s.assertionResults.length });
  }
}
lines.push('| suite | project | s | tests |', '|---|---|---:|---:|');
for (const s of suites.sort((a, b) => b.seconds - a.seconds)) lines.push(`| ${s.file} | ${s.project} | ${s.seconds.toFixed(1)} | ${s.tests} |`);
lines.push('');
if (broken) lines.push(`${broken} suites failed to run`);
// The closing line CI reads: failures include suites that failed to run.
lines.push(`tests: ${passed} passed, ${failed + broken} failed${skipped ? `, ${skipped} skipped` : ''}`);
console.log(lines.join('\n'));
