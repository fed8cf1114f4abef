/** Containers and their plain environment in a synthesized StatefulSet, for the construct library's tests. */
import type { Manifest } from './synth.js';

export const containers = (sts: Manifest): Manifest[] => sts.spec.template.spec.containers;
export const container = (sts: Manifest, name: string): Manifest => containers(sts).find((c: Manifest) => c.name === name);
export const envOf = (c: Manifest): Record<string, string> => Object.fromEntries(c.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]));
