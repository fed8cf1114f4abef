/** `synth`: the manifests of valid resources; nothing at all when any resource is invalid. */
import { App, Chart, YamlOutputType } from 'cdk8s';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XrootdCluster } from '../../constructs/index.js';
import { propsOf } from '../resources.js';
import { formatIssue, loadFiles } from './load.js';

export function synthCommand(files: string[], outdir?: string): number {
  const { valid, issues, unreadable, count } = loadFiles(files, { resolveReferences: true });
  unreadable.forEach((u) => console.error(`cannot read ${u}`));
  issues.forEach((i) => console.error(formatIssue(i)));
  if (unreadable.length) return 2;
  if (issues.length || count === 0) {
    if (count === 0) console.error('no Xrootd resources found');
    return 1;
  }
  for (const { resource, upstreamEndpoints, originAddress } of valid) {
    const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART });
    const props = { ...propsOf(resource), decisions: { upstreamEndpoints, originAddress } };
    new XrootdCluster(new Chart(app, props.name), 'cluster', props);
    const yaml = app.synthYaml();
    if (outdir) {
      const target = join(outdir, `${props.namespace}-${props.name}.k8s.yaml`);
      try {
        mkdirSync(outdir, { recursive: true });
        writeFileSync(target, yaml);
      } catch (e) {
        console.error(`cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return 2;
      }
    } else {
      process.stdout.write(`${yaml}${yaml.endsWith('\n') ? '' : '\n'}---\n`);
    }
  }
  return 0;
}
