/**
 * spec.monitoring: the cluster's metrics collector, a Deployment of the agent image's `collector`
 * command and its Service. Every xrootd and cmsd sends its summary report there over UDP; the
 * collector serves Prometheus metrics and the membership the agent reports in status.members.
 */
import { KubeDeployment, KubeService, quantity, intOrString } from './kube.js';
import type { Construct } from 'constructs';
import { clusterLabels, clusterSelector } from './labels.js';
import type { ClusterModel } from './model.js';

/** Where the collector receives reports (UDP) and serves /metrics and /membership (HTTP). */
export const COLLECTOR_REPORT_PORT = 9931;
export const COLLECTOR_HTTP_PORT = 9100;
export const COLLECTOR_COMPONENT = 'collector';
/** A small heap: the collector keeps one report per daemon (about 12 KiB each). */
export const COLLECTOR_NODE_OPTIONS = '--max-semi-space-size=1 --max-old-space-size=64';
/** Three report intervals without a report and a daemon's series go (at least 30 s). */
export const staleSeconds = (model: ClusterModel): number => Math.max(30, 3 * model.spec.monitoring.reportIntervalSeconds);

export const collectorSelector = (model: ClusterModel): Record<string, string> =>
  ({ ...clusterSelector(model.name), 'app.kubernetes.io/component': COLLECTOR_COMPONENT });

export function addCollector(scope: Construct, model: ClusterModel): void {
  const { spec } = model;
  if (!spec.monitoring.enabled) return;
  const labels = { ...clusterLabels(model.name, model.release.version), 'app.kubernetes.io/component': COLLECTOR_COMPONENT };
  const metadata = { name: model.names.collector(), namespace: model.namespace, labels };
  new KubeDeployment(scope, 'collector', {
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: collectorSelector(model) },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: COLLECTOR_COMPONENT,
            image: spec.monitoring.collectorImage,
            imagePullPolicy: spec.imagePullPolicy,
            args: ['collector', `--cluster=${model.name}`, '--namespace=$(XRD_NAMESPACE)', `--udp-port=${COLLECTOR_REPORT_PORT}`,
              `--http-port=${COLLECTOR_HTTP_PORT}`, `--stale-seconds=${staleSeconds(model)}`],
            env: [
              { name: 'XRD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'NODE_OPTIONS', value: COLLECTOR_NODE_OPTIONS },
            ],
            ports: [
              { name: 'report', containerPort: COLLECTOR_REPORT_PORT, protocol: 'UDP' },
              { name: 'metrics', containerPort: COLLECTOR_HTTP_PORT, protocol: 'TCP' },
            ],
            livenessProbe: { httpGet: { path: '/healthz', port: intOrString('metrics') }, periodSeconds: 20 },
            readinessProbe: { httpGet: { path: '/healthz', port: intOrString('metrics') }, periodSeconds: 10 },
            resources: {
              requests: { cpu: quantity('10m'), memory: quantity('48Mi') },
              limits: { memory: quantity('128Mi') },
            },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  });
  new KubeService(scope, 'collector-service', {
    metadata,
    spec: {
      type: 'ClusterIP',
      selector: collectorSelector(model),
      ports: [
        { name: 'report', port: COLLECTOR_REPORT_PORT, targetPort: intOrString('report'), protocol: 'UDP' },
        { name: 'metrics', port: COLLECTOR_HTTP_PORT, targetPort: intOrString('metrics'), protocol: 'TCP' },
      ],
    },
  });
}
