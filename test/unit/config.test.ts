import { BUILT_IN_CATALOG, CONFIG_FILE, renderConfigFiles, resolveCluster } from '../../constructs/index.js';
import { highlyAvailable, minimal, readOnly } from '../../examples/clusters.js';
import { linesOf, synth } from '../helpers/synth.js';
import { container, envOf } from '../helpers/cluster-fixtures.js';

describe('rendered configuration', () => {
  test('every manager is listed by its per-pod DNS name, and every role reads the same list', () => {
    const ha = synth(highlyAvailable);
    const cfg = linesOf(ha.cluster.configFiles['xrootd.cfg']);
    expect(cfg.filter((l) => l.startsWith('all.manager'))).toEqual(['all.manager $(xrdmanager0)', 'all.manager $(xrdmanager1)', 'all.manager $(xrdmanager2)']);
    for (const role of ['redirector', 'worker']) {
      const env = envOf(container(ha.get('StatefulSet', `ha-${role}`), 'xrootd'));
      // The namespace comes from the pod (a kustomize overlay may move it), defined before the names that use it.
      expect([env.XRD_MANAGER_0, env.XRD_MANAGER_1, env.XRD_MANAGER_2]).toEqual([0, 1, 2].map((i) => `ha-redirector-${i}.ha-redirector.$(XRD_NAMESPACE).svc.cluster.local:1213`));
      expect(env.XRD_HOST).toBe(`$(XRD_POD_NAME).ha-${role}.$(XRD_NAMESPACE).svc.cluster.local`);
      const vars = container(ha.get('StatefulSet', `ha-${role}`), 'xrootd').env as Array<{ name: string; valueFrom?: any }>;
      const at = (name: string): number => vars.findIndex((v) => v.name === name);
      expect(vars[at('XRD_NAMESPACE')].valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
      expect(at('XRD_NAMESPACE')).toBeLessThan(at('XRD_HOST'));
      expect(at('XRD_NAMESPACE')).toBeLessThan(at('XRD_MANAGER_0'));
    }
    expect(ha.cluster.configFiles['run.sh']).toContain('require XRD_POD_NAME XRD_HOST XRD_PORT XRD_ADMIN_DIR XRD_MANAGER_0 XRD_MANAGER_1 XRD_MANAGER_2');
  });

  test('cms.space follows the volume size so small volumes still receive writes', () => {
    const space = (capacity: string) => linesOf(synth({ name: 'c', worker: { storage: { capacity } } }).cluster.configFiles['xrootd.cfg']).find((l) => l.startsWith('cms.space'));
    expect(space('64Mi')).toBe('cms.space min 2% 256k 4% 512k');
    // A volume grown in place keeps its configuration (cmsd measures the file system itself): no restart.
    expect(space('10Gi')).toBe(space('64Mi'));
    expect(space('500Gi')).toBe(space('64Mi'));
    expect(space('501Gi')).toBe('cms.space min 10485760k 20971520k');
    expect(space('2Ti')).toBe('cms.space min 10485760k 20971520k');
  });

  test('exports, HTTP, third-party copy and monitoring', () => {
    const ro = linesOf(synth(readOnly).cluster.configFiles['xrootd.cfg']);
    expect(ro).toContain('all.export /store r/o');
    expect(ro).toContain('all.export /scratch');
    const ha = linesOf(synth(highlyAvailable).cluster.configFiles['xrootd.cfg']);
    expect(ha).toEqual(expect.arrayContaining(['if exec xrootd', 'xrd.protocol XrdHttp:$(xrdport) libXrdHttp.so', 'ofs.tpc pgm /usr/bin/xrdcp --server', 'http.exthandler xrdtpc libXrdHttpTPC.so', 'xrd.report xrootd-monitor.monitoring.svc.cluster.local:9931 every 60s all']));
    const plain = linesOf(synth(minimal).cluster.configFiles['xrootd.cfg']);
    expect(plain.some((l) => /^(xrd\.protocol|ofs\.tpc|xrd\.report)/.test(l))).toBe(false);
    // Third-party copy is one template for every release; 5.9.3's guard against copying from or to a loopback or
    // link-local address (lifted by tpc.allow local) stays on: pods' addresses are private, which XRootD allows.
    for (const { version } of BUILT_IN_CATALOG) {
      const tpc = linesOf(synth({ ...highlyAvailable, version }).cluster.configFiles['xrootd.cfg']).filter((l) => /^(ofs\.tpc|http\.exthandler|tpc\.)/.test(l));
      expect({ version, tpc }).toEqual({ version, tpc: ['ofs.tpc pgm /usr/bin/xrdcp --server', 'http.exthandler xrdtpc libXrdHttpTPC.so'] });
    }
  });

  test('data servers create every export (read-only ones too) before the daemons start', () => {
    const script = synth(readOnly).cluster.configFiles['run.sh'];
    expect(script).toContain(`(umask 002 && mkdir -p "$XRD_DATA_DIR"'/store' "$XRD_DATA_DIR"'/scratch')`);
    // Only data servers have a data volume, and the directories exist before either daemon is exec'd.
    expect(script.indexOf('if [ "$role" = worker ]; then\n  (umask')).toBeGreaterThan(-1);
    expect(script.indexOf('mkdir -p "$XRD_DATA_DIR"')).toBeLessThan(script.indexOf('exec "$daemon"'));
  });

  test('managers look up at XRootD\'s one-second floor, forget a missing path after a minute and a server gone after 30 s', () => {
    const cfg = linesOf(synth(minimal).cluster.configFiles['xrootd.cfg']);
    // A server gone for 30 s is dropped: XRootD's 10 minutes would hold every new file's creation that long.
    // A client whose file's server is restarting comes back in 3 s, not XRootD's 15 (30 if it suspended itself).
    expect(cfg).toContain('cms.delay servers 1 startup 10 lookup 1 qdl 1 drop 30 service 3 suspend 3');
    expect(cfg).toContain('cms.fxhold noloc 60s 8h');
    // No reverse lookup of every client on connect: a slow resolver would stall each handshake.
    expect(cfg).toContain('xrd.network dyndns cache 0 nodnr');
  });

  test('data servers and supervisors log in to their managers under their pod\'s name, not their address', () => {
    const text = synth(minimal).cluster.configFiles['xrootd.cfg'];
    expect(linesOf(text)).toContain('set xrdpod = $XRD_POD_NAME');
    // In the supervisor's and the data server's blocks, not the redirector's (a manager has no vnid).
    const [redirector, rest] = text.split('else if named supervisor');
    expect(redirector).not.toContain('cms.vnid');
    expect(rest.match(/^ {2}cms\.vnid =\$\(xrdpod\)$/gm)).toHaveLength(2);
  });

  test('rendering is version-aware: 5.5.3 gets no xrd.maxfd and no XRDNET_IDENTITY', () => {
    const old = synth({ ...minimal, version: '5.5.3' });
    expect(old.cluster.configFiles['xrootd.cfg']).not.toContain('xrd.maxfd');
    expect(old.cluster.configFiles['run.sh']).not.toContain('XRDNET_IDENTITY');
    expect(old.cluster.model.warnings[0]).toMatch(/^version 5.5.3 is deprecated/);
    const current = synth(minimal);
    expect(current.cluster.configFiles['xrootd.cfg']).toContain('xrd.maxfd strict 8192');
    expect(current.cluster.configFiles['run.sh']).toContain('export XRDNET_IDENTITY="$XRD_HOST"');
  });

  test('an explicit image wins over the catalog; a catalog entry can add a version', () => {
    const img = (props: Parameters<typeof synth>[0]) => container(synth(props).get('StatefulSet', 'minimal-worker'), 'xrootd').image;
    expect(img(minimal)).toBe('ghcr.io/xrootd-k8s/xrootd:5.8.1');
    expect(img({ ...minimal, image: 'registry.example.org/xrootd:custom' })).toBe('registry.example.org/xrootd:custom');
    expect(img({ ...minimal, version: '6.1.0', catalog: [{ version: '6.1.0', image: 'example/xrootd:6.1.0', features: ['maxfd'] }] })).toBe('example/xrootd:6.1.0');
  });

  test('extra directives land in their role\'s block only', () => {
    const cfg = synth({ name: 'c', worker: { extraDirectives: ['xrootd.trace emsg'] }, redirector: { extraDirectives: ['cms.trace all'] } }).cluster.configFiles['xrootd.cfg'];
    const workerBlock = cfg.slice(cfg.lastIndexOf('\nelse\n'));
    expect(workerBlock).toContain('  xrootd.trace emsg');
    expect(workerBlock).not.toContain('cms.trace all');
    expect(cfg.slice(cfg.indexOf('if named redirector\n'), cfg.indexOf('else if named supervisor'))).toContain('  cms.trace all');
  });
});

test('redirectors ping a silent server after 10 s and drop it after three pings (a lost node holds creates until then); below a meta-manager, and for every other role, XRootD\'s 60 s stays', () => {
  const config = (props: Record<string, unknown>) => renderConfigFiles(resolveCluster({ name: 'c', namespace: 'ns', ...props } as never))[CONFIG_FILE];
  const block = (cfg: string, start: string, end: string) => cfg.slice(cfg.indexOf(start), cfg.indexOf(end, cfg.indexOf(start)));
  const big = config({ worker: { replicas: 100 } });
  expect(block(big, 'if named redirector\n', 'else if named supervisor')).toContain('  cms.ping 10 usage 6\n');
  expect(block(big, 'else if named supervisor', '\nfi\n')).not.toContain('cms.ping');
  expect((big.match(/cms\.ping/g) ?? []).length).toBe(1);
  // Its cmsd would give up on an outside meta-manager, which pings once a minute, after 30 s of silence.
  expect(config({ federation: { upstream: ['meta.example.org:1213'] } })).not.toContain('cms.ping');
  // A meta-manager's servers are other sites' redirectors, often far away.
  expect(config({ federation: { metaManager: true }, worker: { replicas: 0 } })).not.toContain('cms.ping');
});
