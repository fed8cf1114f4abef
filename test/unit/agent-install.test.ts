import { Chart, Testing } from 'cdk8s';
import { SpecValidationError, XrootdAgent } from '../../constructs/index.js';

describe('agent install manifests', () => {
  const install = (props = {}) => {
    const chart = new Chart(Testing.app(), 'agent');
    new XrootdAgent(chart, 'agent', props);
    return Testing.synth(chart);
  };

  test('cluster-wide by default; a watched namespace gets a Role there instead', () => {
    expect(install().filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name).sort()).toEqual(['xrootd-k8s-agent', 'xrootd-k8s-agent-catalog']);
    const namespaced = install({ watchNamespace: 'physics' });
    expect(namespaced.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual(['xrootd-k8s-agent-catalog']);
    expect(namespaced.find((o) => o.kind === 'Role' && o.metadata.namespace === 'physics')).toBeDefined();
    expect(namespaced.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].args).toContain('--namespace=physics');
  });

  test('least privilege: no Secret unless named, pods only read, labelled (worker.nodeDrain) and deleted (stuck rollbacks), volumes only read and deleted', () => {
    const rules = install().find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'xrootd-k8s-agent').rules;
    const verbsOn = (r: string) => rules.filter((x: { resources: string[] }) => x.resources.includes(r))
      .flatMap((x: { verbs: string[] }) => x.verbs);
    expect(verbsOn('secrets')).toEqual([]);
    expect(verbsOn('pods')).toEqual(['get', 'list', 'watch', 'patch', 'delete']);
    expect(verbsOn('persistentvolumeclaims')).toEqual(['get', 'list', 'watch', 'create', 'patch', 'delete']);
    const granted = install({ gitCredentials: [{ namespace: 'physics', secretName: 'b' }, { namespace: 'physics', secretName: 'a' }, { namespace: 'cms', secretName: 'c' }] });
    const roles = granted.filter((o) => o.kind === 'Role' && o.metadata.name === 'xrootd-k8s-agent-git-credentials');
    expect(roles.map((r) => [r.metadata.namespace, r.rules])).toEqual([
      ['physics', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'], verbs: ['get'] }]],
      ['cms', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['c'], verbs: ['get'] }]],
    ]);
    expect(granted.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'xrootd-k8s-agent-git-credentials')).toHaveLength(2);
    // TLS Secrets (renewals roll the pods): a Role of their own, by name too.
    const tls = install({ tlsSecrets: [{ namespace: 'physics', secretName: 'physics-tls' }] });
    expect(tls.filter((o) => o.kind === 'Role' && o.metadata.name === 'xrootd-k8s-agent-tls-secrets').map((r) => [r.metadata.namespace, r.rules]))
      .toEqual([['physics', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['physics-tls'], verbs: ['get'] }]]]);
    expect(tls.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'xrootd-k8s-agent-tls-secrets').subjects)
      .toEqual([{ kind: 'ServiceAccount', name: 'xrootd-k8s-agent', namespace: 'xrootd-system' }]);
  });

  test('deletes are narrowed to the agent\'s own objects by an admission policy for its ServiceAccount only', () => {
    const objects = install({ namespace: 'ops' });
    const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy');
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConditions).toEqual([{ name: 'is-the-agent', expression: "request.userInfo.username == 'system:serviceaccount:ops:xrootd-k8s-agent'" }]);
    expect(policy.spec.matchConstraints.resourceRules.every((r: { operations: string[] }) => r.operations.join() === 'DELETE')).toBe(true);
    expect(objects.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding').spec).toEqual({ policyName: policy.metadata.name, validationActions: ['Deny'] });
    // Volume adoption: volumes re-pointed only within their namespace, only to Retain; claims created only with the agent's labels.
    const adoption = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'xrootd-k8s-agent-volume-adoption');
    expect(adoption.spec.matchConstraints.resourceRules.map((r: { resources: string[]; operations: string[] }) => `${r.operations} ${r.resources}`)).toEqual(['UPDATE persistentvolumes', 'CREATE persistentvolumeclaims']);
    expect(adoption.spec.matchConditions).toEqual(policy.spec.matchConditions);
    expect(install({ ownedDeletesPolicy: false }).some((o) => o.kind.startsWith('ValidatingAdmissionPolicy'))).toBe(false);
  });

  test('hostile install props are refused, each named, before anything reaches a name, the policy\'s CEL or the Deployment', () => {
    const refusal = (props: Record<string, unknown>): string => {
      try {
        install(props);
      } catch (e) {
        expect(e).toBeInstanceOf(SpecValidationError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ namespace: "ops' || true || '" })).toMatch(/namespace must be a namespace name .* got "ops' \|\| true \|\| '"/);
    expect(refusal({ watchNamespace: 'a\nb' })).toContain('watchNamespace must be a namespace name');
    expect(refusal({ gitCredentials: [{ namespace: 'physics', secretName: 'git\u0000auth' }, null] })).toMatch(/gitCredentials\[0\]\.secretName must be a Secret name[\s\S]*gitCredentials\[1\]\.namespace/);
    expect(refusal({ tlsSecrets: [{ namespace: 'phy\nsics', secretName: 'x' }] })).toMatch(/tlsSecrets\[0\]\.namespace must be a namespace name/);
    expect(refusal({ image: 'registry.example.org/agent:1 --privileged' })).toContain('image must be a non-empty string without spaces');
    expect(refusal({ version: '1.0\u2028' })).toContain('version must be a non-empty string');
    expect(refusal({ replicas: 0 })).toContain('replicas must be a whole number >= 1');
    expect(refusal({ namespace: 'ops', watchNamespace: 'physics', gitCredentials: [{ namespace: 'physics', secretName: 'git.auth-1' }], replicas: 3 })).toBe('accepted');
  });

  test('a platform team limits extra directives through the install: the agent gets --extra-directives', () => {
    const args = (extraDirectives?: unknown) => install(extraDirectives === undefined ? {} : { extraDirectives }).find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].args;
    expect(args().some((a: string) => a.startsWith('--extra-directives'))).toBe(false);
    expect(args('none')).toContain('--extra-directives=none');
    expect(args(['xrootd.trace', 'ofs.trace'])).toContain('--extra-directives=xrootd.trace,ofs.trace');
    expect(() => args(['xrootd.trace', 'all.manager x'])).toThrow('extraDirectives must be \'all\', \'none\' or a non-empty list of directive names');
  });

  test('the Deployment runs restricted, with probes on the agent\'s HTTP port', () => {
    const pod = install().find((o) => o.kind === 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
  });
});
