import { directivePolicyIssues, parseDirectivePolicy } from '../../src/directive-policy.js';
import { validateResources, type LoadedResource } from '../../src/resources.js';

const spec = {
  redirector: { extraDirectives: ['xrootd.trace emsg'] },
  worker: { extraDirectives: ['ofs.trace open', 'sec.protocol ztn'] },
};

test('the policy is all, none, or a list of directive names; anything else is refused naming the flag', () => {
  expect(parseDirectivePolicy('all')).toBe('all');
  expect(parseDirectivePolicy('none')).toBe('none');
  expect(parseDirectivePolicy('xrootd.trace, ofs.trace')).toEqual(['xrootd.trace', 'ofs.trace']);
  expect(() => parseDirectivePolicy('xrootd.trace,all.manager x')).toThrow('--extra-directives must be all, none, or a comma-separated list of directive names such as xrootd.trace,ofs.trace; not a directive name: "all.manager x"');
  expect(() => parseDirectivePolicy('')).toThrow('not a directive name: ""');
});

test('all accepts every directive; none refuses each, naming its field', () => {
  expect(directivePolicyIssues(spec, 'all')).toEqual([]);
  expect(directivePolicyIssues(spec, 'none').map((i) => i.message)).toEqual([
    'redirector.extraDirectives[0] is not allowed: this agent accepts no extra directives (--extra-directives none), got "xrootd.trace emsg"',
    'worker.extraDirectives[0] is not allowed: this agent accepts no extra directives (--extra-directives none), got "ofs.trace open"',
    'worker.extraDirectives[1] is not allowed: this agent accepts no extra directives (--extra-directives none), got "sec.protocol ztn"',
  ]);
  expect(directivePolicyIssues({ worker: { replicas: 2 } }, 'none')).toEqual([]);
});

test('a list accepts the directives it names, by name, whatever their arguments', () => {
  const issues = directivePolicyIssues(spec, ['xrootd.trace', 'ofs.trace']);
  expect(issues.map((i) => i.path)).toEqual(['worker.extraDirectives[1]']);
  expect(issues[0].message).toBe('worker.extraDirectives[1] is not allowed: this agent accepts only the extra directives xrootd.trace, ofs.trace, got "sec.protocol ztn"');
  // A value that is not a string is refused, not a crash.
  expect(directivePolicyIssues({ worker: { extraDirectives: [null, 7] } }, ['xrootd.trace']).map((i) => i.path)).toEqual(['worker.extraDirectives[0]', 'worker.extraDirectives[1]']);
});

test('resources (CLI files, Git commits) are refused under the policy with file, resource and field', () => {
  const loaded: LoadedResource[] = [{
    resource: { apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'tenant', namespace: 'physics' }, spec },
    source: { file: 'clusters/tenant.yaml', document: 0 },
  }];
  expect(validateResources(loaded).valid).toHaveLength(1);
  const { valid, issues } = validateResources(loaded, undefined, ['xrootd.trace']);
  expect(valid).toEqual([]);
  expect(issues.map((i) => [i.source.file, i.resource, i.path])).toEqual([
    ['clusters/tenant.yaml', 'physics/tenant', 'spec.worker.extraDirectives[0]'],
    ['clusters/tenant.yaml', 'physics/tenant', 'spec.worker.extraDirectives[1]'],
  ]);
});
