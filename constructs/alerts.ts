/**
 * The alerts of a monitored cluster (spec.monitoring.prometheusOperator), as Prometheus rules over
 * the collector's metrics and the agent's: each one's expression is written for this cluster
 * (its name, namespace, replica counts, managers and space threshold), and its runbook is what
 * docs/alerts.md prints.
 */
import { expectedMembers } from './members.js';
import type { ClusterModel } from './model.js';
import { ROLES, type Role } from './names.js';
import { replicasOf } from './stateful-sets.js';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertDefinition {
  readonly alert: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  /** What it means and what to do. */
  readonly runbook: string;
}

export const ALERTS: readonly AlertDefinition[] = [
  {
    alert: 'XrootdRedirectorDown', severity: 'critical', summary: 'Fewer redirectors report than the cluster runs',
    runbook: 'Clients reach the cluster through the redirectors; with all of them gone nothing can be opened. Check the redirector pods (`kubectl get pods -l app.kubernetes.io/component=redirector`), their xrootd logs, and the collector (a collector that receives nothing makes every daemon look down).',
  },
  {
    alert: 'XrootdServerNotSubscribed', severity: 'warning', summary: 'A manager or supervisor has fewer servers subscribed than it should',
    runbook: 'A data server that is not subscribed gets no clients, and its files cannot be found through the redirectors. `xrootd-k8s status` names the missing pods (status.members); check their cmsd logs for the manager they try to reach, and the network policy between them.',
  },
  {
    alert: 'XrootdRoleBelowReplicas', severity: 'warning', summary: 'Fewer pods of a role report than the spec asks for',
    runbook: 'Pods are missing or not running xrootd: look at the StatefulSet of the role, the pods\' events (scheduling, volumes), and the rollout (`xrootd-k8s status`).',
  },
  {
    alert: 'XrootdSpaceLow', severity: 'warning', summary: 'A data server has less free space than the cluster\'s minimum',
    runbook: 'Below the minimum (cms.space) the managers stop sending writes to the server; when every server is there, writes fail. Free space, or grow the volumes (spec.worker.storage.capacity) or the cluster (spec.worker.replicas).',
  },
  {
    alert: 'XrootdErrorRate', severity: 'warning', summary: 'More than 5% of a server\'s requests fail',
    runbook: 'Read the xrootd log of the pod for the errors (missing files, permissions, I/O errors); a rise on every server at once points at clients or authorization, on one server at its volume.',
  },
  {
    alert: 'XrootdAuthenticationFailures', severity: 'warning', summary: 'Logins keep failing authentication',
    runbook: 'Clients with expired or untrusted credentials (tokens, certificates), or a wrong CA bundle on the servers after a renewal. The xrootd log names the protocol and the reason.',
  },
  {
    alert: 'XrootdRolloutStuck', severity: 'warning', summary: 'A rollout stopped at a pod that did not become Ready',
    runbook: 'The agent stops a rollout when a replaced pod is not Ready within spec.upgrade.stepDeadlineSeconds. `xrootd-k8s status` names the pod; fix the cause (image, configuration) or roll back by reverting the spec.',
  },
  {
    alert: 'XrootdCacheDiskAboveHighWatermark', severity: 'warning', summary: 'A cache server\'s data disk stays above the purge threshold',
    runbook: 'A cache server purges its least recently read files once its data disks pass spec.cache.diskUsage.highPercent, every purgeIntervalSeconds. A disk that stays above it means the purge cannot keep up (files being written faster than it runs, or files held open) or fails: read the cache server\'s xrootd log for XrdPfc_Purge lines. Lower highPercent, shorten purgeIntervalSeconds, or grow the disks (spec.cache.dataDisks.capacity). When a disk fills up, new files are read from the origin without being kept.',
  },
  {
    alert: 'XrootdCacheOriginUnreachable', severity: 'critical', summary: 'Nearly every open a cache server tries at its origin fails',
    runbook: 'Files not in the cache cannot be had: the origin is down, unreachable (network policy, DNS), or refuses the cache (its credentials: spec.cache.origin). The cache server\'s xrootd log has the reason of each failed open (`Unable to open`); try `xrdfs <origin> stat <path>` from a pod in the cache\'s namespace. Clients asking for files the origin lacks fail too and count here.',
  },
  {
    alert: 'XrootdCacheHitRatioCollapsing', severity: 'warning', summary: 'A cache cluster\'s hit ratio fell to less than half of its daily mean',
    runbook: 'Over the last hour the share of bytes served from copies (sent to clients less fetched from the origin; from XRootD 5.7.2, whose file cache counts what it fetched) fell below half of the last day\'s. A new workload reading files never read before does this, and so do purges removing files still in use (disks too small for the working set: see the fill level in `xrootd-k8s status` and xrootd_cache_disk_used_bytes) and cache servers replaced with empty disks.',
  },
];

const definition = (name: string): AlertDefinition => ALERTS.find((a) => a.alert === name)!;

/** The rules of one cluster. */
export function alertRules(model: ClusterModel): AlertRule[] {
  const sel = `cluster="${model.name}",namespace="${model.namespace}"`;
  const rule = (alert: string, expr: string, forDuration: string): AlertRule => {
    const d = definition(alert);
    return {
      alert, expr, for: forDuration,
      labels: { severity: d.severity, cluster: model.name, namespace: model.namespace },
      annotations: { summary: d.summary, description: d.runbook, runbook: `docs/alerts.md#${alert.toLowerCase()}` },
    };
  };
  const redirectors = `xrootd_start_time_seconds{${sel},role="redirector",daemon="xrootd"}`;
  const managers = [...expectedMembers(model)].filter(([, m]) => m.expected.length > 0);
  const roles = ROLES.filter((r) => replicasOf(model, r) > 0);
  const count = (role: Role) => `count(xrootd_start_time_seconds{${sel},role="${role}",daemon="xrootd"}) < ${replicasOf(model, role)}`;
  return [
    rule('XrootdRedirectorDown', `(${`count(${redirectors})`} < ${model.topology.redirectors}) or absent(${redirectors})`, '2m'),
    ...(managers.length ? [rule('XrootdServerNotSubscribed',
      managers.map(([pod, m]) => `xrootd_cms_subscribed_servers{${sel},pod="${pod}"} < ${m.expected.length}`).join(' or '), '5m')] : []),
    rule('XrootdRoleBelowReplicas', roles.map((r) => `label_replace(${count(r)}, "role", "${r}", "", "")`).join(' or '), '10m'),
    rule('XrootdSpaceLow', model.space.minFreePercent === undefined
      ? `xrootd_space_free_bytes{${sel},role="worker"} < ${model.space.minFreeKiB * 1024}`
      : `xrootd_space_free_bytes{${sel},role="worker"} < ${model.space.minFreePercent / 100} * xrootd_space_bytes{${sel},role="worker"}`, '15m'),
    rule('XrootdErrorRate', `sum by (pod) (rate(xrootd_errors_total{${sel}}[5m])) / sum by (pod) (rate(xrootd_operations_total{${sel}}[5m])) > 0.05`, '10m'),
    rule('XrootdAuthenticationFailures', `sum by (pod) (rate(xrootd_authentication_failures_total{${sel}}[5m])) > 0.5`, '10m'),
    rule('XrootdRolloutStuck', `xrootd_agent_rollout_stuck{${sel}} == 1`, '1m'),
    ...cacheRules(model, sel, rule),
  ];
}

/** A cache cluster's (spec.cache): its disks against the purge threshold, its origin, its hit ratio. */
function cacheRules(model: ClusterModel, sel: string, rule: (alert: string, expr: string, forDuration: string) => AlertRule): AlertRule[] {
  const cache = model.spec.cache;
  if (!cache) return [];
  const rate = (metric: string, range: string) => `sum(rate(${metric}{${sel}}[${range}]))`;
  // Served from copies: sent to clients less fetched from the origin (5.7.2 on: b_todisk).
  const sent = (range: string) => `sum(rate(xrootd_sent_bytes_total{${sel},role="worker",daemon="xrootd"}[${range}]))`;
  const hitRatio = (range: string) => `1 - ${rate('xrootd_cache_fetched_bytes_total', range)} / ${sent(range)}`;
  const byPod = (metric: string) => `sum by (pod) (rate(${metric}{${sel}}[10m]))`;
  // Purges run every purgeIntervalSeconds: above the threshold for two intervals (and 30 minutes at least) is not a purge on its way.
  const stay = Math.max(30, Math.ceil((2 * cache.diskUsage.purgeIntervalSeconds) / 60));
  return [
    rule('XrootdCacheDiskAboveHighWatermark', `xrootd_cache_disk_used_bytes{${sel}} > ${cache.diskUsage.highPercent / 100} * xrootd_cache_disk_bytes{${sel}}`, `${stay}m`),
    rule('XrootdCacheOriginUnreachable', `${byPod('xrootd_cache_origin_open_errors_total')} > 0.9 * ${byPod('xrootd_cache_origin_opens_total')}`
      + ` and ${byPod('xrootd_cache_origin_opens_total')} > 0`, '10m'),
    rule('XrootdCacheHitRatioCollapsing', `(${hitRatio('1h')}) < 0.5 * (${hitRatio('1d')}) and ${sent('1h')} > 0`, '30m'),
  ];
}
