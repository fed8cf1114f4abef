import { large, minimal } from '../../examples/clusters.js';
import { linesOf, synth } from '../helpers/synth.js';
import { container, envOf } from '../helpers/cluster-fixtures.js';

describe('monitoring (spec.monitoring)', () => {
  const watched = synth(large);

  test('a collector Deployment and Service of the agent image, restricted like the agent, with its report and metrics ports', () => {
    const deployment = watched.get('Deployment', 'large-collector');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large', 'app.kubernetes.io/component': 'collector' });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.image).toBe('ghcr.io/xrootd-k8s/agent:0.1.0');
    expect(c.args).toEqual(['collector', '--cluster=large', '--namespace=$(XRD_NAMESPACE)', '--udp-port=9931', '--http-port=9100', '--stale-seconds=30']);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(watched.get('Service', 'large-collector').spec.ports).toEqual([
      { name: 'report', port: 9931, targetPort: 'report', protocol: 'UDP' }, { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    // Not a pod any StatefulSet, budget or client Service selects.
    for (const sts of watched.all('StatefulSet')) expect(sts.spec.selector.matchLabels['app.kubernetes.io/component']).not.toBe('collector');
  });

  test('every daemon reports to the collector by its Service name; the network policy lets members report and anyone scrape', () => {
    const cfg = linesOf(watched.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toEqual(expect.arrayContaining(['set xrdcollector = $XRD_COLLECTOR', 'xrd.report $(xrdcollector) every 10s all']));
    for (const role of ['redirector', 'supervisor', 'worker']) {
      for (const name of ['xrootd', 'cmsd']) {
        expect(envOf(container(watched.get('StatefulSet', `large-${role}`), name)).XRD_COLLECTOR).toBe('large-collector.$(XRD_NAMESPACE).svc.cluster.local:9931');
      }
    }
    expect(watched.cluster.configFiles['run.sh']).toMatch(/^require XRD_POD_NAME .* XRD_COLLECTOR$/m);
    const ingress = watched.get('NetworkPolicy', 'large').spec.ingress;
    expect(ingress).toEqual(expect.arrayContaining([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large' } } }], ports: [{ port: 9931, protocol: 'UDP' }] },
      { ports: [{ port: 9100, protocol: 'TCP' }] },
    ]));
    // With summaryMonitoring too, both destinations; without monitoring, nothing of it.
    const both = linesOf(synth({ ...large, xrootd: { summaryMonitoring: 'monitor.example.org:9931' }, monitoring: { enabled: true, reportIntervalSeconds: 30 } }).cluster.configFiles['xrootd.cfg']);
    expect(both).toContain('xrd.report $(xrdcollector),monitor.example.org:9931 every 30s all');
    const off = synth(minimal);
    expect(off.all('Deployment')).toEqual([]);
    expect(off.cluster.configFiles['xrootd.cfg']).not.toContain('xrd.report');
  });
});
