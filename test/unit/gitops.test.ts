import { Testing } from 'cdk8s';
import { XrootdCrds } from '../../constructs/index.js';
import { large, minimal } from '../../examples/clusters.js';
import { synth, type Manifest } from '../helpers/synth.js';

describe('GitOps metadata', () => {
  const wave = (s: ReturnType<typeof synth>, role: string): string => s.get('StatefulSet', `${s.cluster.model.name}-${role}`).metadata.annotations['argocd.argoproj.io/sync-wave'];

  test('Argo CD sync waves follow the rollout order: data servers, supervisors, redirectors', () => {
    const big = synth(large);
    expect(['worker', 'supervisor', 'redirector'].map((r) => wave(big, r))).toEqual(['1', '2', '3']);
    const reordered = synth({ ...minimal, upgrade: { order: ['redirector', 'worker', 'supervisor'] } });
    expect(['redirector', 'worker'].map((r) => wave(reordered, r))).toEqual(['1', '2']);
    // Everything else (configuration, Services, budgets, policy) is applied before any StatefulSet.
    expect(reordered.objects.filter((o) => o.kind !== 'StatefulSet').every((o) => !o.metadata.annotations?.['argocd.argoproj.io/sync-wave'])).toBe(true);
  });

  test('the CRDs come a wave before everything else', () => {
    const chart = Testing.chart();
    new XrootdCrds(chart, 'crds');
    const crds = Testing.synth(chart);
    expect(crds.map((c: Manifest) => c.metadata.annotations['argocd.argoproj.io/sync-wave'])).toEqual(['-1', '-1', '-1']);
  });
});
