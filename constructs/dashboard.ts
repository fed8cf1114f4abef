/**
 * The Grafana dashboard of a monitored cluster: a row per concern (clients, data, cluster
 * membership, space, a cache cluster's cache, daemons), panels split by role or pod, every query over the collector's
 * metrics for this cluster. A Prometheus data source is chosen when the dashboard is opened.
 */
import type { ClusterModel } from './model.js';

export interface DashboardPanel {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
}

/** The panels, in rows; `{sel}` is this cluster's selector. */
function panels(model: ClusterModel): [row: string, panels: DashboardPanel[]][] {
  const sel = `cluster="${model.name}",namespace="${model.namespace}"`;
  const cache = model.spec.cache;
  return [
    ['Clients', [
      { title: 'Connections by pod', unit: 'short', queries: [{ expr: `sum by (pod) (xrootd_connections{${sel},daemon="xrootd"})`, legend: '{{pod}}' }] },
      { title: 'Requests by operation', unit: 'reqps', queries: [{ expr: `sum by (operation) (rate(xrootd_operations_total{${sel}}[5m]))`, legend: '{{operation}}' }] },
      { title: 'Errors, redirects and delays by role', unit: 'reqps', queries: [
        { expr: `sum by (role) (rate(xrootd_errors_total{${sel}}[5m]))`, legend: 'errors {{role}}' },
        { expr: `sum by (role) (rate(xrootd_redirects_total{${sel}}[5m]))`, legend: 'redirects {{role}}' },
        { expr: `sum by (role) (rate(xrootd_delays_total{${sel}}[5m]))`, legend: 'delays {{role}}' },
      ] },
      { title: 'Logins and authentication failures', unit: 'short', queries: [
        { expr: `sum by (role) (rate(xrootd_logins_total{${sel}}[5m]))`, legend: 'logins {{role}}' },
        { expr: `sum by (role) (rate(xrootd_authentication_failures_total{${sel}}[5m]))`, legend: 'failures {{role}}' },
      ] },
    ]],
    ['Data', [
      { title: 'Throughput by role', unit: 'Bps', queries: [
        { expr: `sum by (role) (rate(xrootd_sent_bytes_total{${sel},daemon="xrootd"}[5m]))`, legend: 'sent {{role}}' },
        { expr: `sum by (role) (rate(xrootd_received_bytes_total{${sel},daemon="xrootd"}[5m]))`, legend: 'received {{role}}' },
      ] },
      { title: 'Open files by mode', unit: 'short', queries: [{ expr: `sum by (mode) (xrootd_open_files{${sel}})`, legend: '{{mode}}' }] },
      { title: 'Third-party copies by result', unit: 'short', queries: [{ expr: `sum by (result) (rate(xrootd_third_party_copies_total{${sel}}[5m]))`, legend: '{{result}}' }] },
    ]],
    ['Cluster', [
      { title: 'Servers subscribed per manager', unit: 'short', queries: [{ expr: `xrootd_cms_subscribed_servers{${sel}}`, legend: '{{pod}}' }] },
      { title: 'Server selections', unit: 'reqps', queries: [{ expr: `sum by (pod) (rate(xrootd_cms_selections_total{${sel}}[5m]))`, legend: '{{pod}}' }] },
      { title: 'Daemons reporting by role', unit: 'short', queries: [{ expr: `count by (role, daemon) (xrootd_start_time_seconds{${sel}})`, legend: '{{role}} {{daemon}}' }] },
    ]],
    ['Space', [
      { title: 'Free space by data server', unit: 'bytes', queries: [{ expr: `xrootd_space_free_bytes{${sel},role="worker"}`, legend: '{{pod}} {{path}}' }] },
      { title: 'Space used', unit: 'percentunit', queries: [{ expr: `1 - sum(xrootd_space_free_bytes{${sel},role="worker"}) / sum(xrootd_space_bytes{${sel},role="worker"})`, legend: 'used' }] },
    ]],
    ...(cache ? [['Cache', [
      { title: 'Hit ratio (bytes served from copies, of bytes sent)', unit: 'percentunit', queries: [{
        expr: `1 - sum(rate(xrootd_cache_fetched_bytes_total{${sel}}[15m])) / sum(rate(xrootd_sent_bytes_total{${sel},role="worker",daemon="xrootd"}[15m]))`,
        legend: 'hit ratio',
      }] },
      { title: 'Bytes sent to clients and fetched from the origin', unit: 'Bps', queries: [
        { expr: `sum(rate(xrootd_sent_bytes_total{${sel},role="worker",daemon="xrootd"}[5m]))`, legend: 'sent to clients' },
        { expr: `sum(rate(xrootd_cache_fetched_bytes_total{${sel}}[5m]))`, legend: 'fetched from the origin' },
      ] },
      { title: 'Data disks used, against the purge thresholds', unit: 'percentunit', queries: [
        { expr: `xrootd_cache_disk_used_bytes{${sel}} / xrootd_cache_disk_bytes{${sel}}`, legend: '{{pod}} disk {{disk}}' },
        // The thresholds as flat lines, over the cluster's disks (there while they report).
        { expr: `max(0 * xrootd_cache_disk_bytes{${sel}}) + ${cache.diskUsage.highPercent / 100}`, legend: 'purge above (highPercent)' },
        { expr: `max(0 * xrootd_cache_disk_bytes{${sel}}) + ${cache.diskUsage.lowPercent / 100}`, legend: 'purge down to (lowPercent)' },
      ] },
      { title: 'Opens at the origin and their failures', unit: 'reqps', queries: [
        { expr: `sum by (pod) (rate(xrootd_cache_origin_opens_total{${sel}}[5m]))`, legend: 'opens {{pod}}' },
        { expr: `sum by (pod) (rate(xrootd_cache_origin_open_errors_total{${sel}}[5m]))`, legend: 'failed {{pod}}' },
      ] },
    ]] as [string, DashboardPanel[]]] : []),
    ['Daemons', [
      { title: 'CPU by pod', unit: 'percentunit', queries: [{ expr: `sum by (pod, daemon) (rate(xrootd_cpu_seconds_total{${sel}}[5m]))`, legend: '{{pod}} {{daemon}}' }] },
      { title: 'Scheduler threads and queue by role', unit: 'short', queries: [
        { expr: `sum by (role) (xrootd_scheduler_threads{${sel}})`, legend: 'threads {{role}}' },
        { expr: `sum by (role) (xrootd_scheduler_idle_threads{${sel}})`, legend: 'idle {{role}}' },
        { expr: `sum by (role) (xrootd_scheduler_queued_jobs{${sel}})`, legend: 'queued {{role}}' },
      ] },
    ]],
  ];
}

export const dashboardPanels = (model: ClusterModel): DashboardPanel[] => panels(model).flatMap(([, p]) => p);

/** Grafana's dashboard JSON (schemaVersion 39): rows and timeseries panels on a 24-column grid. */
export function grafanaDashboard(model: ClusterModel): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const out: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const [row, list] of panels(model)) {
    out.push({ id: id++, type: 'row', title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
    list.forEach((p, i) => {
      out.push({
        id: id++, type: 'timeseries', title: p.title, datasource,
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'none' } },
        targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
      });
    });
    y += Math.ceil(list.length / 2) * 8;
  }
  return {
    uid: `xrootd-${model.namespace}-${model.name}`.slice(0, 40),
    title: `XRootD ${model.namespace}/${model.name}`,
    tags: ['xrootd'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    annotations: { list: [] },
    panels: out,
  };
}
