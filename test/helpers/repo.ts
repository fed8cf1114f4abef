/** The repository root, found from this file whether it runs from source or from build/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'cdk8s.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (with cdk8s.yaml) not found');
    dir = up;
  }
  return dir;
}
