import { Testing } from 'cdk8s';
import { examples } from '../../examples/clusters.js';
import { intOrString, KubeConfigMap, KubeService } from '../../constructs/kube.js';
import { synth } from '../helpers/synth.js';

describe('Kubernetes objects on ApiObject with the generated types only (constructs/kube.ts)', () => {
  test('props the generator renamed get their API names back, outside maps of user keys only', () => {
    const chart = Testing.chart();
    new KubeService(chart, 's', { metadata: { name: 's', labels: { hostIp: 'kept' } }, spec: { clusterIp: 'None', selector: { clusterIp: 'kept' }, ports: [{ port: 1, targetPort: intOrString('x') }] } });
    new KubeConfigMap(chart, 'c', { metadata: { name: 'c' }, data: { clusterIp: 'kept', loadBalancerIp: 'kept' } });
    const [service, config] = Testing.synth(chart);
    expect(service).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { hostIp: 'kept' } }, spec: { clusterIP: 'None', selector: { clusterIp: 'kept' }, ports: [{ port: 1, targetPort: 'x' }] } });
    expect(config.data).toEqual({ clusterIp: 'kept', loadBalancerIp: 'kept' });
  });

  test('no example object carries a renamed prop name', () => {
    const renamed = /"(clusterIp|hostIp|hostIpc|hostPid|loadBalancerIp|setHostnameAsFqdn|nonResourceUrLs|podCidrs?|providerId|volumeId)"/;
    for (const example of examples) expect(JSON.stringify(synth(example).objects)).not.toMatch(renamed);
  });
});
