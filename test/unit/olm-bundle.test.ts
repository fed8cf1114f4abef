import { parse, parseAllDocuments } from 'yaml';
import { olmBundle } from '../../constructs/index.js';
import type { Manifest } from '../helpers/synth.js';

describe('OLM bundle', () => {
  const files = olmBundle({ version: '1.2.3', replaces: '1.2.2', examples: [{ apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'x' }, spec: {} }] });
  const csv = parse(files['manifests/xrootd-k8s.clusterserviceversion.yaml']);

  test('a registry+v1 bundle: CSV, owned CRDs, metadata and Dockerfile with the same annotations', () => {
    expect(Object.keys(files).sort()).toEqual(['bundle.Dockerfile', 'manifests/xrootd-k8s-agent-metrics_v1_service.yaml', 'manifests/xrootd-k8s.clusterserviceversion.yaml',
      'manifests/xrootdgitsources.xrootd.org.crd.yaml', 'manifests/xrootds.xrootd.org.crd.yaml', 'manifests/xrootdversions.catalog.xrootd.org.crd.yaml', 'metadata/annotations.yaml',
      'owned-deletes-policy.yaml']);
    expect(parseAllDocuments(files['owned-deletes-policy.yaml']).map((d) => d.toJS().kind)).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const annotations = parse(files['metadata/annotations.yaml']).annotations;
    for (const [k, v] of Object.entries(annotations)) expect(files['bundle.Dockerfile']).toContain(`LABEL ${k}=${v}`);
    expect(annotations['operators.operatorframework.io.bundle.mediatype.v1']).toBe('registry+v1');
  });

  test('the CSV names its version, what it replaces, the agent image of that version and every owned kind', () => {
    expect(csv.metadata.name).toBe('xrootd-k8s.v1.2.3');
    expect(csv.spec).toMatchObject({ version: '1.2.3', replaces: 'xrootd-k8s.v1.2.2' });
    expect(csv.spec.install.spec.deployments[0].spec.template.spec.containers[0].image).toBe('ghcr.io/xrootd-k8s/agent:1.2.3');
    expect(csv.spec.relatedImages).toEqual([{ name: 'agent', image: 'ghcr.io/xrootd-k8s/agent:1.2.3' }]);
    expect(csv.spec.customresourcedefinitions.owned.map((c: Manifest) => c.kind).sort()).toEqual(['Xrootd', 'XrootdGitSource', 'XrootdVersion']);
    expect(JSON.parse(csv.metadata.annotations['alm-examples'])).toHaveLength(1);
    expect(csv.spec.installModes.filter((m: Manifest) => m.supported).map((m: Manifest) => m.type)).toEqual(['AllNamespaces']);
  });
});
