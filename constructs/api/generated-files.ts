/** The files derived from the spec schema, keyed by their path in the repository. */
import { renderReference } from './docs.js';
import { gitSourceSpecSchema, gitSourceStatusSchema } from './git-source.js';
import { xrootdStatusSchema, xrootdVersionSpecSchema } from './resources.js';
import { xrootdSpecSchema } from './schema.js';
import { renderTypeScript } from './typescript.js';

export function generatedFiles(): Record<string, string> {
  return {
    'constructs/api/types.generated.ts': renderTypeScript([xrootdSpecSchema, xrootdStatusSchema, xrootdVersionSpecSchema, gitSourceSpecSchema, gitSourceStatusSchema]),
    'docs/reference.md': renderReference(xrootdSpecSchema, xrootdStatusSchema, xrootdVersionSpecSchema, gitSourceSpecSchema, gitSourceStatusSchema),
  };
}
