/**
 * The layering, checked in CI (`npm run lint`): no import cycles; the construct library never
 * reaches into the CLI and agent; the generic Kubernetes client knows nothing of the agent or of
 * XRootD; the CLI and agent reach the library only through its entries (index.ts, internal.ts).
 * docs/architecture.md draws the layers.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles, type-only imports included.', from: {}, to: { circular: true } },
    { name: 'library-stays-pure', severity: 'error', comment: 'constructs/ is the library: it never imports the CLI, the agent or Node\'s I/O.',
      from: { path: '^constructs/' }, to: { path: ['^src/', '^bench/', '^test/', '^examples/', '^(node:)?(fs|fs/promises|child_process|http|https|http2|dgram|os|worker_threads)$'] } },
    { name: 'kube-is-generic', severity: 'error', comment: 'src/kube/ is a generic Kubernetes client: applications register their kinds with it.',
      from: { path: '^src/kube/' }, to: { path: '^(src/(agent|cli|apply|git|collector|dist)/|src/(kinds|resources)\\.ts$|constructs/)' } },
    { name: 'library-through-its-entries', severity: 'error',
      comment: 'src/ uses constructs/index.ts (the public API) or constructs/internal.ts, nothing deeper; the collector, constructs/collector-protocol.ts (it imports nothing).',
      from: { path: '^src/' }, to: { path: '^constructs/', pathNot: '^constructs/(index|internal|collector-protocol)\\.ts$' } },
    { name: 'collector-protocol-alone', severity: 'error', comment: 'The collector loads constructs/collector-protocol.ts: it must not pull the library in.',
      from: { path: '^constructs/collector-protocol\\.ts$' }, to: { path: '.' } },
    { name: 'collector-lean', severity: 'error',
      comment: 'The collector is a small long-running process per cluster: its modules reach neither the library nor cdk8s, yaml or the Kubernetes client.',
      from: { path: '^src/(collector/collector|cli/collector)\\.ts$' },
      to: { path: '^(constructs/(?!collector-protocol)|src/(kube|apply|synthesize)|node_modules/(cdk8s|constructs|yaml))', reachable: true } },
    { name: 'generic-below-agent', severity: 'error', comment: 'src/apply/ and src/git/ serve the agent and the CLI; they never import them.',
      from: { path: '^src/(apply|git)/' }, to: { path: '^src/(agent|cli)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(build|lib|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
