#!/usr/bin/env node
/**
 * xrootd-k8s command line: `validate` and `synth` of Xrootd resource files.
 * Exit codes: 0 fine, 1 invalid input, 2 usage or unreadable file.
 */
import { Command, CommanderError } from 'commander';
import { validateCommand } from './validate.js';
import { synthCommand } from './synth.js';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

const program = new Command()
  .name('xrootd-k8s')
  .description('XRootD clusters on Kubernetes: validate and synthesize Xrootd resources')
  .exitOverride()
  .showHelpAfterError();

program.command('validate')
  .description('check Xrootd resources (YAML files, several documents each) against the spec rules')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('-o, --output <format>', 'text or json', 'text')
  .action((files: string[], opts: { output: string }) => { process.exitCode = validateCommand(files, opts.output); });

program.command('synth')
  .description('render the Kubernetes manifests of Xrootd resources')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('-d, --outdir <dir>', 'write <dir>/<namespace>-<name>.k8s.yaml per cluster instead of standard output')
  .action((files: string[], opts: { outdir?: string }) => { process.exitCode = synthCommand(files, opts.outdir); });

try {
  program.parse();
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else throw e;
}
