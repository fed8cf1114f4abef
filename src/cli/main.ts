#!/usr/bin/env node
/**
 * xrootd-k8s command line: `validate`, `synth`, `diff` and `apply` of Xrootd
 * resource files, `migrate` of the 2020 operator's resources, `status` of a
 * cluster, `sync` of a Git source, `agent`,
 * the in-cluster controller, and `collector`, a cluster's metrics collector.
 * Exit codes: 0 fine, 1 invalid input (diff: differences), 2 usage or
 * unreadable file, 3 the cluster refused or could not be reached, 70 a bug
 * (one line on stderr; XRD_K8S_DEBUG=1 adds the stack).
 */
import { basename } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONCURRENCY, DEFAULT_MEMBERSHIP_URL, MEMBERS_GRACE_SECONDS } from '../agent/defaults.js';
// Each command loads its own modules when it runs: the collector, a small long-running process,
// does not carry the agent's and the synthesizer's code.

export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 70 } as const;

// Installed as kubectl-xrootd too: kubectl runs it for `kubectl xrootd ...` (a kubectl plugin), and its help says so.
// The krew archive's launcher runs main.js on its own Node and says under which name (XRD_CLI_NAME).
const invokedAs = process.env.XRD_CLI_NAME ?? basename(process.argv[1] ?? '');

const program = new Command()
  .name(invokedAs === 'kubectl-xrootd' ? 'kubectl xrootd' : 'xrootd-k8s')
  .description('XRootD clusters on Kubernetes: validate, synthesize, diff and apply Xrootd resources, or run the agent')
  .exitOverride()
  .showHelpAfterError();

program.command('validate')
  .description('check Xrootd resources (YAML files, several documents each) against the spec rules')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('-o, --output <format>', 'text or json', 'text')
  .action(async (files: string[], opts: { output: string }) => { process.exitCode = (await import('./validate.js')).validateCommand(files, opts.output); });

program.command('synth')
  .description('render the Kubernetes manifests of Xrootd resources')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('-d, --outdir <dir>', 'write <dir>/<namespace>-<name>.k8s.yaml per cluster instead of standard output')
  .action(async (files: string[], opts: { outdir?: string }) => { process.exitCode = (await import('./synth.js')).synthCommand(files, opts.outdir); });

program.command('diff')
  .description('show what apply would change in the cluster (server-side dry run); exit 1 when something would')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
  .option('-o, --output <format>', 'text or json', 'text')
  .action(async (files: string[], opts: { kubeconfig?: string; output: string }) => { process.exitCode = await (await import('./cluster.js')).diffCommand(files, opts); });

program.command('apply')
  .description('server-side apply the clusters of Xrootd resources, in stages, pruning what they no longer produce (never volumes)')
  .argument('<files...>', 'YAML files with Xrootd resources')
  .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
  .option('-o, --output <format>', 'text or json', 'text')
  .option('--no-prune', 'keep objects the resources no longer produce')
  .action(async (files: string[], opts: { kubeconfig?: string; output: string; prune: boolean }) => { process.exitCode = await (await import('./cluster.js')).applyCommand(files, opts); });

program.command('migrate')
  .description('convert resources of the 2020 operator (XrootdCluster of xrootd.xrootd.org, its older Xrootd, with the XrootdVersion each names) into Xrootd resources on standard output; what changes goes to standard error')
  .argument('<files...>', 'YAML files, for example from kubectl get xrootdclusters.xrootd.xrootd.org,xrootdversions.catalog.xrootd.org -A -o yaml')
  .option('-o, --output <format>', 'yaml or json', 'yaml')
  .action(async (files: string[], opts: { output: string }) => { process.exitCode = (await import('./migrate.js')).migrateCommand(files, opts.output); });

program.command('status')
  .description('show a cluster\'s roles, versions and rollout progress; exit 0 Ready, 1 Degraded, 3 API failure, 4 in progress')
  .argument('<name>', 'name of the Xrootd resource')
  .option('-n, --namespace <ns>', 'namespace of the resource', 'default')
  .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
  .option('-w, --watch', 'redraw on every change until the cluster is Ready or Degraded', false)
  .option('--timeout <seconds>', 'give up watching after this long (exit 4)', '3600')
  .option('-o, --output <format>', 'text or json (one line per change)', 'text')
  .action(async (name: string, opts) => { process.exitCode = await (await import('./status.js')).statusCommand(name, opts); });

program.command('agent')
  .description('run the controller: reconcile Xrootd resources into clusters until SIGTERM')
  .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
  .option('-n, --namespace <ns>', 'watch only this namespace (for namespaced RBAC); default all namespaces')
  .option('--no-leader-election', 'run without the leader Lease (one replica only)')
  .option('--lease-namespace <ns>', 'namespace of the leader Lease (default $POD_NAMESPACE, else --namespace, else default)')
  .option('--http-port <port>', 'port of /healthz, /readyz and /metrics', '8080')
  .option('--http-host <addr>', 'address of the HTTP server', '0.0.0.0')
  .option('--resync <seconds>', 'seconds between full resyncs', '300')
  .option('--log-level <level>', 'debug, info, warn or error', 'info')
  .option('--git-cache-dir <dir>', 'where the shallow mirrors of Git sources are kept (default: a directory under the system temporary directory)')
  .option('--lease-duration <seconds>', 'leader election: how long standbys wait after they last saw the Lease change before taking it', '15')
  .option('--renew-deadline <seconds>', 'leader election: the leader stops leading (writes refused, queues hold) when it has not renewed for this long; shorter than the lease', '10')
  .option('--retry-period <seconds>', 'leader election: time between attempts to acquire or renew the Lease', '2')
  .option('--concurrency <n>', 'clusters reconciled at once (each waits on the API server most of its time)', String(DEFAULT_CONCURRENCY))
  .option('--extra-directives <policy>', 'which extraDirectives clusters may carry: all, none, or a comma-separated list of directive names such as xrootd.trace,ofs.trace (docs/agent.md, security model)', 'all')
  .option('--membership-url <url>', 'where a cluster\'s collector answers /membership, {cluster} and {namespace} filled in (spec.monitoring)', DEFAULT_MEMBERSHIP_URL)
  .option('--members-grace <seconds>', 'how long a Ready server may be missing from its manager\'s list before the cluster is MembersMissing', String(MEMBERS_GRACE_SECONDS))
  .action(async (opts) => { process.exitCode = await (await import('./agent.js')).agentCommand(opts); });

program.command('collector')
  .description('receive a cluster\'s XRootD summary reports (xrd.report, UDP) and serve them as Prometheus metrics (/metrics) and its membership (/membership) until SIGTERM')
  .requiredOption('--cluster <name>', 'the cluster\'s name (label cluster)')
  .requiredOption('--namespace <ns>', 'the cluster\'s namespace (label namespace)')
  .option('--udp-port <port>', 'where the reports arrive', '9931')
  .option('--http-port <port>', 'port of /metrics, /membership and /healthz', '9100')
  .option('--address <addr>', 'address of both', '0.0.0.0')
  .option('--stale-seconds <seconds>', 'forget a daemon that has not reported for this long', '35')
  .action(async (opts) => { process.exitCode = await (await import('./collector.js')).collectorCommand(opts); });

program.command('sync')
  .description('ask the agent to sync an XrootdGitSource now (sets its sync-requested-at annotation); with --wait, wait for the result: exit 0 applied, 1 refused')
  .argument('<name>', 'name of the XrootdGitSource')
  .option('-n, --namespace <ns>', 'namespace of the source', 'default')
  .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG or ~/.kube/config)')
  .option('--wait', 'wait until the agent has handled the request', false)
  .option('--timeout <seconds>', 'give up waiting after this long (exit 4)', '120')
  .action(async (name: string, opts) => { process.exitCode = await (await import('./sync.js')).syncCommand(name, opts); });

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else {
    // A bug, not bad input: one line to report, the stack only when asked for (XRD_K8S_DEBUG=1).
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(`xrootd-k8s: internal error (please report it): ${what.split('\n')[0]}`);
    if (process.env.XRD_K8S_DEBUG) console.error(e);
    process.exitCode = EXIT.internal;
  }
}
