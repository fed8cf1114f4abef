/**
 * What Prometheus and Grafana read of a monitored cluster: a ServiceMonitor and a PrometheusRule
 * for the Prometheus Operator (spec.monitoring.prometheusOperator), and a Grafana dashboard in a
 * ConfigMap the Grafana sidecar loads (spec.monitoring.grafanaDashboard).
 */
import { ApiObject } from 'cdk8s';
import { KubeConfigMap } from './kube.js';
import type { Construct } from 'constructs';
import { alertRules } from './alerts.js';
import { grafanaDashboard } from './dashboard.js';
import { clusterLabels } from './labels.js';
import type { ClusterModel } from './model.js';
import { collectorSelector, COLLECTOR_COMPONENT } from './monitoring.js';

export const PROMETHEUS_OPERATOR_API_VERSION = 'monitoring.coreos.com/v1';
/** The label the Grafana sidecar (kiwigrid k8s-sidecar, in the Grafana Helm chart) loads dashboards by. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

export function addPrometheusObjects(scope: Construct, model: ClusterModel): void {
  const m = model.spec.monitoring;
  if (!m.enabled) return;
  const labels = clusterLabels(model.name, model.release.version);
  const metadata = (name: string) => ({ name, namespace: model.namespace, labels });
  if (m.prometheusOperator) {
    new ApiObject(scope, 'service-monitor', {
      apiVersion: PROMETHEUS_OPERATOR_API_VERSION,
      kind: 'ServiceMonitor',
      metadata: metadata(model.names.collector()),
      spec: {
        selector: { matchLabels: collectorSelector(model) },
        // The series name their pods themselves (labels pod, namespace): not the collector's.
        endpoints: [{ port: 'metrics', path: '/metrics', interval: `${Math.max(15, m.reportIntervalSeconds)}s`, honorLabels: true }],
      },
    });
    new ApiObject(scope, 'prometheus-rule', {
      apiVersion: PROMETHEUS_OPERATOR_API_VERSION,
      kind: 'PrometheusRule',
      metadata: metadata(model.name),
      spec: { groups: [{ name: `xrootd-${model.name}`, rules: alertRules(model).map((r) => ({ ...r })) }] },
    });
  }
  if (m.grafanaDashboard) {
    new KubeConfigMap(scope, 'dashboard', {
      metadata: { ...metadata(`${model.name}-dashboard`), labels: { ...labels, [GRAFANA_DASHBOARD_LABEL]: '1', 'app.kubernetes.io/component': COLLECTOR_COMPONENT } },
      data: { [`xrootd-${model.name}.json`]: `${JSON.stringify(grafanaDashboard(model), null, 2)}\n` },
    });
  }
}
