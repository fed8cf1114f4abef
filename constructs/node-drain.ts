/** spec.worker.nodeDrain: what it needs, and the data server's side of it (its cmsd suspends itself). */
import type { ResolvedXrootdSpec } from './api/types.generated.js';
import { issue, type SpecIssue } from './api/validate.js';
import { ENV } from './environment.js';

/** The maintenance ConfigMap's key listing the cordoned nodes of data servers being prepared for a drain. */
export const CORDONED_NODES_KEY = 'cordoned-nodes';

/** The agent learns of the writes from the collector; a cache server holds copies only (nothing to prepare). */
export function checkNodeDrain(spec: Pick<ResolvedXrootdSpec, 'worker' | 'monitoring' | 'cache'>, issues: SpecIssue[]): void {
  if (!spec.worker.nodeDrain) return;
  if (!spec.monitoring.enabled) {
    issues.push(issue('worker.nodeDrain', 'needs monitoring.enabled: the agent learns from the collector when a data server is suspended and has no file open for writing'));
  }
  if (spec.cache) issues.push(issue('worker.nodeDrain', 'is for data clusters: a cache server holds copies only and needs no preparation'));
}

/**
 * spec.worker.nodeDrain: while a data server's cmsd runs, a loop looks for the pod's node in the
 * cordoned nodes' file (the maintenance ConfigMap's, updated in place by the kubelet) and tells
 * cmsd on its admin socket to suspend itself at its managers (no new files or opens there; open
 * files go on) or to resume. `t`: a temporary suspension, forgotten by a restarted cmsd. The
 * socket is a Unix one only the daemon's user may open; perl (perl-base, Debian's essential set)
 * speaks to it. A failed attempt is tried again at the next look.
 */
export function nodeDrainSuspender(spec: Pick<ResolvedXrootdSpec, 'worker'>): string[] {
  if (!spec.worker.nodeDrain) return [];
  const say = 'use IO::Socket::UNIX; my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or exit 1; '
    + 'print $s "login u xrootd-k8s\\n$ARGV[1] t\\n"; select(undef, undef, undef, 0.5); close $s';
  return [
    '# spec.worker.nodeDrain: a data server on a cordoned node suspends itself at its managers until its pod is released.',
    `if [ "$daemon" = cmsd ] && [ "$role" = worker ] && [ -n "\${${ENV.nodeName}:-}" ]; then`,
    `  cordoned="$(dirname "$${ENV.maintenanceFile}")/${CORDONED_NODES_KEY}"`,
    `  socket="$${ENV.adminDir}/worker/.olb/olbd.admin"`,
    '  (',
    '    suspended=no',
    '    while kill -0 $$ 2>/dev/null; do',
    `      if [ -r "$cordoned" ] && grep -qxF -- "$${ENV.nodeName}" "$cordoned"; then want=yes; else want=no; fi`,
    '      if [ "$want" != "$suspended" ] && [ -S "$socket" ]; then',
    '        command=resume; [ "$want" = yes ] && command=suspend',
    `        if perl -e '${say}' "$socket" "$command" 2>/dev/null; then`,
    `          suspended=$want; echo "run.sh: $${ENV.podName} on node $${ENV.nodeName}: cmsd asked to $command (spec.worker.nodeDrain)" >&2`,
    '        fi',
    '      fi',
    '      sleep 2',
    '    done',
    '  ) &',
    'fi',
  ];
}
