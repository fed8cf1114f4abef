/** The project's version (package.json): the agent image tag and the OLM bundle's version. */
import { readFileSync } from 'node:fs';

export const version: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
