import { ALERTS } from '../../constructs/alerts.js';
import { large } from '../../examples/clusters.js';
import { METRICS } from '../../src/collector/metrics.js';
import { synth, type Manifest } from '../helpers/synth.js';

describe('Prometheus Operator objects and the Grafana dashboard (spec.monitoring)', () => {
  const full = synth({ ...large, monitoring: { enabled: true, prometheusOperator: true, grafanaDashboard: true } });
  /** Metric names in a PromQL expression (functions and keywords are not metric names of ours). */
  const metricsIn = (expr: string): string[] => [...expr.matchAll(/\b(xrootd_[a-z_]+)\b/g)].map((m) => m[1]);
  const known = new Set([...METRICS.map((m) => m.name), 'xrootd_agent_rollout_stuck']);

  test('a ServiceMonitor of the collector that keeps the pods\' labels, and a PrometheusRule of this cluster\'s alerts', () => {
    const sm = full.get('ServiceMonitor', 'large-collector');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large', 'app.kubernetes.io/component': 'collector' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s', honorLabels: true }],
    });
    const rules = full.get('PrometheusRule', 'large').spec.groups[0].rules;
    // A data cluster's: every alert but a cache cluster's.
    expect(rules.map((r: Manifest) => r.alert)).toEqual(ALERTS.map((a) => a.alert).filter((a) => !a.startsWith('XrootdCache')));
    const byName = (n: string) => rules.find((r: Manifest) => r.alert === n);
    // Written for this cluster: 2 redirectors, each expecting the direct data servers and the 3 supervisors.
    expect(byName('XrootdRedirectorDown').expr).toBe('(count(xrootd_start_time_seconds{cluster="large",namespace="xrootd",role="redirector",daemon="xrootd"}) < 2) or absent(xrootd_start_time_seconds{cluster="large",namespace="xrootd",role="redirector",daemon="xrootd"})');
    const t = full.cluster.model.topology;
    expect(byName('XrootdServerNotSubscribed').expr).toContain(`xrootd_cms_subscribed_servers{cluster="large",namespace="xrootd",pod="large-redirector-1"} < ${t.directWorkers + t.supervisors}`);
    // cms.space's own rule: 2% of the file system for volumes up to 500 GiB, 10 GiB above.
    const sel = 'cluster="large",namespace="xrootd",role="worker"';
    expect(byName('XrootdSpaceLow').expr).toBe(full.cluster.model.space.minFreePercent === 2
      ? `xrootd_space_free_bytes{${sel}} < 0.02 * xrootd_space_bytes{${sel}}` : `xrootd_space_free_bytes{${sel}} < 10737418240`);
    for (const r of rules) {
      expect(r.labels).toMatchObject({ cluster: 'large', namespace: 'xrootd' });
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.description.length).toBeGreaterThan(40);
      for (const name of metricsIn(r.expr)) {
        expect({ alert: r.alert, name, known: known.has(name) }).toEqual({ alert: r.alert, name, known: true });
      }
    }
  });

  /** Every panel on Grafana's grid, every query over a metric the collector serves, for this cluster. */
  const checkPanels = (panels: Manifest[], selector: string) => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.type).toBe('timeseries');
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.expr).toContain(selector);
        const names = metricsIn(t.expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) {
          expect({ panel: p.title, name, served: METRICS.some((m) => m.name === name) }).toEqual({ panel: p.title, name, served: true });
        }
      }
    }
  };

  test('the dashboard: rows of timeseries panels on Grafana\'s grid, every query over a metric the collector serves, loaded by the sidecar\'s label', () => {
    const cm = full.get('ConfigMap', 'large-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['xrootd-large.json']);
    expect(dashboard).toMatchObject({ title: 'XRootD xrootd/large', schemaVersion: 39, uid: 'xrootd-xrootd-large' });
    checkPanels(dashboard.panels, 'cluster="large",namespace="xrootd"');
    expect(dashboard.panels.some((p: Manifest) => p.title === 'Cache')).toBe(false);
    // A cache cluster's has a Cache row: hit ratio, bytes sent and fetched, disks against its purge thresholds, the origin.
    const edge = synth({ name: 'edge', version: '5.8.1', monitoring: { enabled: true, grafanaDashboard: true }, cache: { origin: { address: 'origin:1094' }, diskUsage: { lowPercent: 70, highPercent: 85 } } });
    const cachePanels = JSON.parse(Object.values(edge.get('ConfigMap', 'edge-dashboard').data as Record<string, string>)[0]).panels as Manifest[];
    checkPanels(cachePanels, 'cluster="edge",namespace="default"');
    const row = cachePanels.findIndex((p) => p.type === 'row' && p.title === 'Cache');
    expect(cachePanels.slice(row + 1, row + 5).map((p) => p.title)).toEqual(['Hit ratio (bytes served from copies, of bytes sent)',
      'Bytes sent to clients and fetched from the origin', 'Data disks used, against the purge thresholds', 'Opens at the origin and their failures']);
    expect(JSON.stringify(cachePanels[row + 3].targets)).toContain('+ 0.85');
    // Off unless asked for: the CRDs of the Prometheus Operator may not be there.
    expect(synth(large).all('ServiceMonitor')).toEqual([]);
    expect(synth(large).all('PrometheusRule')).toEqual([]);
  });
});
