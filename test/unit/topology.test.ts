import { capacity, supervisorsOf, supervisorsNeeded, topology } from '../../constructs/topology.js';
import { metaManagerEndpoints, resolveCluster } from '../../constructs/index.js';
import { large } from '../../examples/clusters.js';
import { linesOf, synth } from '../helpers/synth.js';
import { container, envOf } from '../helpers/cluster-fixtures.js';

describe('supervisor tier', () => {
  test.each([
    [1, 0], [64, 0], [65, 2], [126, 2], [127, 3], [140, 3], [200, 5], [1000, 31], [2048, 64],
  ])('%i data servers need %i supervisors, each data server below them subscribing to two', (workers, supervisors) => {
    expect(supervisorsNeeded(workers)).toBe(supervisors);
    expect(capacity(supervisors)).toBeGreaterThanOrEqual(workers);
    if (supervisors > 2) expect(capacity(supervisors - 1)).toBeLessThan(workers);
  });

  test.each([
    [65, 1], [127, 1], [128, 2], [200, 3], [1000, 15], [4096, 64],
  ])('with redundancy 1, %i data servers need %i supervisors', (workers, supervisors) => {
    expect(supervisorsNeeded(workers, 1)).toBe(supervisors);
    expect(capacity(supervisors, 1)).toBeGreaterThanOrEqual(workers);
    expect(capacity(supervisors - 1, 1)).toBeLessThan(workers);
  });

  test.each([1, 2, 3])('with redundancy %i no manager or supervisor ever gets more than 64 subscribers, and each data server below the managers has that many distinct supervisors', (redundancy) => {
    for (const workers of [64, 65, 128, 200, 1000, capacity(64, redundancy)]) {
      const t = topology(3, workers, undefined, redundancy);
      const perSupervisor = new Array<number>(t.supervisors).fill(0);
      let direct = 0;
      for (let n = 0; n < workers; n++) {
        const s = supervisorsOf(t, n);
        if (s.length === 0) direct++;
        else expect(new Set(s).size).toBe(redundancy);
        for (const i of s) perSupervisor[i]++;
      }
      expect(direct + t.supervisors).toBeLessThanOrEqual(64);
      for (const count of perSupervisor) expect(count).toBeLessThanOrEqual(64);
      expect(direct + perSupervisor.reduce((a, b) => a + b, 0) / Math.max(redundancy, 1)).toBe(workers);
    }
  });

  test('an explicit supervisor count overrides the derived one', () => {
    expect(topology(1, 10, 2)).toEqual({ redirectors: 1, supervisors: 2, workers: 10, directWorkers: 10, redundancy: 2 });
    expect(topology(1, 200, 5).supervisors).toBe(5);
  });

  test('the first 64 - S data servers subscribe to the managers, each of the rest to consecutive supervisors', () => {
    const t = topology(1, 70);
    expect(t).toMatchObject({ supervisors: 2, directWorkers: 62, redundancy: 2 });
    expect(supervisorsOf(t, 61)).toEqual([]);
    expect(supervisorsOf(t, 62)).toEqual([0, 1]);
    expect(supervisorsOf(t, 63)).toEqual([1, 0]);
    const big = topology(1, 200);
    expect([58, 59, 60, 63].map((n) => supervisorsOf(big, n))).toEqual([[], [0, 1], [1, 2], [4, 0]]);
    expect(supervisorsOf(topology(1, 70, 1, 1), 69)).toEqual([0]);
  });
});

describe('supervisor tier in the manifests', () => {
  test.each([[64, 0], [65, 2], [128, 3], [200, 5], [1000, 31]])('%i data servers -> %i supervisors', (workers, supervisors) => {
    const c = synth({ name: 'big', worker: { replicas: workers } });
    const sts = c.all('StatefulSet').find((o) => o.metadata.name === 'big-supervisor');
    if (supervisors === 0) {
      expect(sts).toBeUndefined();
      expect(c.cluster.configFiles['run.sh']).not.toContain('XRD_SUPERVISOR_ADDRESS');
    } else {
      expect(sts.spec.replicas).toBe(supervisors);
      expect(c.get('Service', 'big-supervisor').spec.publishNotReadyAddresses).toBe(true);
      expect(c.cluster.configFiles['run.sh']).toContain(`if [ "$ordinal" -ge ${64 - supervisors} ]; then`);
      const env = envOf(container(c.get('StatefulSet', 'big-worker'), 'xrootd'));
      expect(env.XRD_SUPERVISOR_ADDRESS).toBe('big-supervisor-{ordinal}.big-supervisor.$(XRD_NAMESPACE).svc.cluster.local:1213');
      // Each data server below the managers subscribes to two consecutive supervisors.
      expect(linesOf(c.cluster.configFiles['xrootd.cfg']).filter((l) => l.startsWith('all.manager $(xrdsupervisor'))).toEqual(['all.manager $(xrdsupervisor0)', 'all.manager $(xrdsupervisor1)']);
      expect(c.cluster.configFiles['run.sh']).toContain(`sed "s/{ordinal}/$(( (ordinal - ${64 - supervisors} + 1) % ${supervisors} ))/g"`);
      expect(c.get('PodDisruptionBudget', 'big-supervisor').spec.maxUnavailable).toBe(1);
    }
  });

  test('a member of a federation subscribes its redirectors to the meta-managers; a meta-manager runs no data servers and its xrootd finds its cmsd through meta lines', () => {
    const member = synth({ name: 'a', federation: { upstream: ['meta-redirector-0.meta-redirector.fed.svc.cluster.local:1213', 'regional.example.org:1094'] } });
    const block = member.cluster.configFiles['xrootd.cfg'].split('if named redirector\n')[1].split('else if named supervisor')[0];
    expect(linesOf(block).filter((l) => l && !l.startsWith('xrd.sched') && !l.startsWith('xrd.buffers'))).toEqual(['all.role manager', 'xrd.port $(xrdcmsdport) if exec cmsd', 'all.manager meta meta-redirector-0.meta-redirector.fed.svc.cluster.local:1213', 'all.manager meta regional.example.org:1094']);
    expect(linesOf(member.cluster.configFiles['xrootd.cfg']).filter((l) => l.startsWith('all.manager meta'))).toHaveLength(2);

    const meta = synth({ name: 'meta', worker: { replicas: 0 }, federation: { metaManager: true } });
    const cfg = linesOf(meta.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toContain('all.role meta manager');
    expect(cfg).toContain('all.manager meta $(xrdmanager0)');
    expect(cfg).not.toContain('all.manager $(xrdmanager0)');
    expect(meta.all('StatefulSet').map((o) => o.metadata.name)).toEqual(['meta-redirector']);
    expect(meta.all('PersistentVolumeClaim')).toEqual([]);
  });

  test('a meta-manager named by reference is subscribed to at each of its redirectors, from the endpoints its model gives', () => {
    const meta = resolveCluster({ name: 'global', namespace: 'fed', redirector: { replicas: 2 }, worker: { replicas: 0 }, xrootd: { cmsdPort: 2131 }, federation: { metaManager: true } });
    expect(metaManagerEndpoints(meta)).toEqual(['global-redirector-0.global-redirector.fed.svc.cluster.local:2131', 'global-redirector-1.global-redirector.fed.svc.cluster.local:2131']);
    expect(metaManagerEndpoints(resolveCluster({ name: 'a' }))).toBeUndefined();
    const member = synth({
      name: 'a', namespace: 'site', federation: { upstream: ['regional.example.org:1094'], upstreamRefs: [{ name: 'global', namespace: 'fed' }] },
      decisions: { upstreamEndpoints: { 'fed/global': metaManagerEndpoints(meta)! } },
    });
    expect(linesOf(member.cluster.configFiles['xrootd.cfg']).filter((l) => l.startsWith('all.manager meta'))).toEqual([
      'all.manager meta regional.example.org:1094', 'all.manager meta global-redirector-0.global-redirector.fed.svc.cluster.local:2131', 'all.manager meta global-redirector-1.global-redirector.fed.svc.cluster.local:2131',
    ]);
  });

  test('a reference without endpoints validates but does not synthesize; endpoints that would inject a directive are refused', () => {
    const props = { name: 'a', federation: { upstreamRefs: [{ name: 'global' }] } };
    expect(resolveCluster(props).unresolvedRefs.map((i) => i.message)).toEqual([
      'federation.upstreamRefs[0] must name a meta-manager whose addresses are known: default/global is not resolved (the agent resolves it from the Xrootd resources; an app passes decisions.upstreamEndpoints["default/global"])',
    ]);
    expect(() => synth(props)).toThrow('federation.upstreamRefs[0] must name a meta-manager whose addresses are known');
    expect(() => synth({ ...props, decisions: { upstreamEndpoints: { 'default/global': ['g:1213\nall.export /'] } } })).toThrow('decisions.upstreamEndpoints.default/global must be a non-empty list of host:port');
    expect(() => synth({ ...props, decisions: { upstreamEndpoints: { 'default/global': [] } } })).toThrow('decisions.upstreamEndpoints.default/global must be a non-empty list');
    expect(() => synth({ ...props, decisions: { upstreamEndpoints: ['g:1213'] as never } })).toThrow('decisions.upstreamEndpoints must be an object');
    expect(() => synth({ name: 'm', worker: { replicas: 0 }, federation: { metaManager: true, upstreamRefs: [{ name: 'global' }] } })).toThrow('federation.upstreamRefs cannot be set on a meta-manager');
    expect(() => synth({ name: 'a', federation: { upstreamRefs: [{ name: 'Global' }] } })).toThrow('federation.upstreamRefs[0].name must be an Xrootd name');
  });

  test('spec.site is the daemons\' all.sitename', () => {
    expect(linesOf(synth({ name: 'c', site: 'T2_XK_Test' }).cluster.configFiles['xrootd.cfg'])).toContain('all.sitename T2_XK_Test');
    expect(synth({ name: 'c' }).cluster.configFiles['xrootd.cfg']).not.toContain('sitename');
  });

  test('with redundancy 1 each data server below the managers subscribes to one supervisor', () => {
    const c = synth({ name: 'big', worker: { replicas: 200 }, supervisor: { redundancy: 1 } });
    expect(c.get('StatefulSet', 'big-supervisor').spec.replicas).toBe(3);
    expect(linesOf(c.cluster.configFiles['xrootd.cfg']).filter((l) => l.startsWith('all.manager $(xrdsupervisor'))).toEqual(['all.manager $(xrdsupervisor0)']);
  });

  test('the large example has five supervisors', () => {
    expect(synth(large).get('StatefulSet', 'large-supervisor').spec.replicas).toBe(5);
  });
});
