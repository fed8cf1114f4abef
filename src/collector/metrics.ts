/**
 * The metrics the collector serves: the one list its registry, docs/monitoring.md, the alert
 * rules and the dashboard are checked against. Every series carries cluster, namespace, pod,
 * role and daemon; `labels` are the extra ones.
 */
export interface MetricDefinition {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly labels?: readonly string[];
  /** Which daemons report it. */
  readonly from: string;
}

export const SERIES_LABELS = ['cluster', 'namespace', 'pod', 'role', 'daemon'] as const;

export const METRICS: readonly MetricDefinition[] = [
  { name: 'xrootd_connections', type: 'gauge', help: 'Client and peer connections open now.', from: 'xrootd, cmsd' },
  { name: 'xrootd_connections_max', type: 'gauge', help: 'Most connections open at once since the daemon started.', from: 'xrootd, cmsd' },
  { name: 'xrootd_connections_total', type: 'counter', help: 'Connections accepted.', from: 'xrootd, cmsd' },
  { name: 'xrootd_received_bytes_total', type: 'counter', help: 'Bytes received on all connections.', from: 'xrootd, cmsd' },
  { name: 'xrootd_sent_bytes_total', type: 'counter', help: 'Bytes sent on all connections.', from: 'xrootd, cmsd' },
  { name: 'xrootd_connection_timeouts_total', type: 'counter', help: 'Connections closed for idling past their timeout.', from: 'xrootd, cmsd' },
  { name: 'xrootd_scheduler_jobs_total', type: 'counter', help: 'Jobs the daemon\'s scheduler ran.', from: 'xrootd, cmsd' },
  { name: 'xrootd_scheduler_queued_jobs', type: 'gauge', help: 'Jobs waiting for a thread.', from: 'xrootd, cmsd' },
  { name: 'xrootd_scheduler_threads', type: 'gauge', help: 'Threads of the scheduler.', from: 'xrootd, cmsd' },
  { name: 'xrootd_scheduler_idle_threads', type: 'gauge', help: 'Threads of the scheduler with nothing to do.', from: 'xrootd, cmsd' },
  { name: 'xrootd_cpu_seconds_total', type: 'counter', help: 'CPU time of the daemon.', labels: ['mode'], from: 'xrootd, cmsd' },
  { name: 'xrootd_operations_total', type: 'counter', help: 'Requests of the xroot protocol, by operation.', labels: ['operation'], from: 'xrootd' },
  { name: 'xrootd_errors_total', type: 'counter', help: 'Requests answered with an error.', from: 'xrootd' },
  { name: 'xrootd_redirects_total', type: 'counter', help: 'Requests redirected (a redirector sending clients to data servers).', from: 'xrootd' },
  { name: 'xrootd_delays_total', type: 'counter', help: 'Requests told to wait and retry.', from: 'xrootd' },
  { name: 'xrootd_logins_total', type: 'counter', help: 'Logins.', from: 'xrootd' },
  { name: 'xrootd_authenticated_logins_total', type: 'counter', help: 'Logins that authenticated.', from: 'xrootd' },
  { name: 'xrootd_authentication_failures_total', type: 'counter', help: 'Logins whose authentication failed.', from: 'xrootd' },
  { name: 'xrootd_open_files', type: 'gauge', help: 'Files open now, by mode.', labels: ['mode'], from: 'xrootd' },
  { name: 'xrootd_file_handles', type: 'gauge', help: 'File handles in use.', from: 'xrootd' },
  { name: 'xrootd_third_party_copies_total', type: 'counter', help: 'Third-party copies (ofs.tpc), by result.', labels: ['result'], from: 'xrootd' },
  { name: 'xrootd_space_bytes', type: 'gauge', help: 'Size of the file system under an exported path.', labels: ['path'], from: 'xrootd (data servers)' },
  { name: 'xrootd_space_free_bytes', type: 'gauge', help: 'Free space of the file system under an exported path.', labels: ['path'], from: 'xrootd (data servers)' },
  { name: 'xrootd_cache_fetched_bytes_total', type: 'counter', help: 'Bytes a cache server fetched from its origin (written to its disks, or passed through), counted as each file is closed; with xrootd_sent_bytes_total, the bytes served from copies. From 5.7.2 (b_todisk).', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_hit_bytes_total', type: 'counter', help: 'Bytes of reads the file cache counts as hits (b_hit: blocks it read ahead count too, so it can exceed what clients read), counted as each file is closed.', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_miss_bytes_total', type: 'counter', help: 'Bytes of reads the file cache counts as misses (b_miss: a block not there nor on its way when asked), counted as each file is closed.', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_bypass_bytes_total', type: 'counter', help: 'Bytes of reads passed to the origin without caching (b_bypass), counted as each file is closed.', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_closed_files_total', type: 'counter', help: 'Files a cache server\'s clients closed (the file cache\'s records).', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_origin_opens_total', type: 'counter', help: 'Files a cache server opened at its origin.', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_origin_open_errors_total', type: 'counter', help: 'Opens at the origin that failed (unreachable, refused, missing file).', from: 'xrootd (cache servers)' },
  { name: 'xrootd_cache_disk_bytes', type: 'gauge', help: 'Size of a cache server\'s data disk (spec.cache.dataDisks), by disk.', labels: ['disk'], from: 'xrootd (cache servers, from run.sh)' },
  { name: 'xrootd_cache_disk_used_bytes', type: 'gauge', help: 'Bytes used on a cache server\'s data disk: a purge brings it from above highPercent to below lowPercent of the size.', labels: ['disk'], from: 'xrootd (cache servers, from run.sh)' },
  { name: 'xrootd_cms_selections_total', type: 'counter', help: 'Servers selected for clients by a manager or supervisor.', from: 'cmsd (redirectors, supervisors)' },
  { name: 'xrootd_cms_subscribed_servers', type: 'gauge', help: 'Servers subscribed and active at a manager or supervisor.', from: 'cmsd (redirectors, supervisors)' },
  { name: 'xrootd_cms_member', type: 'gauge', help: 'A server a manager or supervisor lists: 1 while active, 0 while offline, suspended or disabled.', labels: ['member'], from: 'cmsd (redirectors, supervisors)' },
  { name: 'xrootd_site_info', type: 'gauge', help: 'Always 1: the site name the daemon reports (spec.site, all.sitename).', labels: ['site'], from: 'xrootd, cmsd (with spec.site)' },
  { name: 'xrootd_report_timestamp_seconds', type: 'gauge', help: 'When the daemon sent its last report.', from: 'xrootd, cmsd' },
  { name: 'xrootd_start_time_seconds', type: 'gauge', help: 'When the daemon started.', from: 'xrootd, cmsd' },
];

/** The collector's own health, without the per-daemon labels. */
export const COLLECTOR_METRICS: readonly MetricDefinition[] = [
  { name: 'xrootd_collector_packets_total', type: 'counter', help: 'Report packets received, by result: accepted, malformed (not XML the collector reads), foreign (not an XRootD report), oversized.', labels: ['result'], from: 'collector' },
  { name: 'xrootd_collector_reporting_daemons', type: 'gauge', help: 'Daemons whose reports are fresh (not past the stale period).', from: 'collector' },
];
