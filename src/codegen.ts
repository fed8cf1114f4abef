/**
 * Writes the files derived from the spec schema: the TypeScript types and the
 * reference docs. `npm run codegen` runs it; a unit test fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../constructs/spec/generated-files.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
for (const [path, text] of Object.entries(generatedFiles())) {
  writeFileSync(`${root}/${path}`, text);
  console.log(`wrote ${path}`);
}
