import { resolveCluster } from '../../constructs/index.js';
import { xrootdSize } from '../../constructs/cache.js';
import { minimal } from '../../examples/clusters.js';
import { linesOf, synth } from '../helpers/synth.js';

describe('cache clusters (spec.cache)', () => {
  const cache = { origin: { address: 'origin.physics.svc.cluster.local:1094' }, ram: '2Gi', blockSize: '1Mi', prefetch: 0, dataDisks: { count: 2, capacity: '500Gi', class: 'local-nvme' } };
  const s = synth({ ...minimal, worker: { replicas: 3, storage: { capacity: '20Gi' } }, cache });
  const cfg = linesOf(s.cluster.configFiles['xrootd.cfg']);
  const block = (start: string): string[] => cfg.slice(cfg.indexOf(start) + 1, cfg.indexOf('fi', cfg.indexOf(start)));

  test('xrootd on the cache servers proxies the origin through the file cache; cmsd keeps the default storage', () => {
    expect(block('if exec xrootd && named worker')).toEqual([
      'ofs.osslib libXrdPss.so', 'pss.cachelib libXrdPfc.so', 'pss.origin origin.physics.svc.cluster.local:1094', 'pfc.spaces data meta',
      'pfc.ram 2097152k', 'pfc.blocksize 1024k', 'pfc.prefetch 0', 'pfc.writequeue 16 4', 'pfc.diskusage 0.90 0.95 purgeinterval 300s',
    ]);
    expect(cfg.filter((l) => l.startsWith('ofs.osslib'))).toHaveLength(1);
  });

  test('cache servers\' cmsd exports with stage (a miss goes to one of them), everything else reads only; the managers tuned as sites do', () => {
    expect(cfg.slice(cfg.indexOf('if exec cmsd && named worker'), cfg.indexOf('if exec cmsd && named worker') + 5)).toEqual([
      'if exec cmsd && named worker', 'all.export /data stage r/o', 'else', 'all.export /data r/o', 'fi',
    ]);
    expect(block('if named redirector')).toContain('cms.sched maxretries 0 nomultisrc space 100 fuzz 5');
  });

  test('the first volume holds the namespace and the metadata space; each data disk is a claim of its own mounted below it as a data space', () => {
    const worker = cfg.slice(cfg.indexOf('all.role server'));
    expect(worker.slice(0, 7)).toEqual([
      'all.role server', 'oss.localroot $(xrddata)', 'oss.space meta $(xrddata)/.xcache-meta',
      'oss.space data $(xrddata)/.xcache/data-0', 'oss.space data $(xrddata)/.xcache/data-1', 'cms.space min 0 0', 'cms.vnid =$(xrdpod)',
    ]);
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage]))
      .toEqual([['data', undefined, '20Gi'], ['cache-data-0', 'local-nvme', '500Gi'], ['cache-data-1', 'local-nvme', '500Gi']]);
    for (const c of sts.spec.template.spec.containers) {
      expect(c.volumeMounts.filter((m: any) => m.name.startsWith('cache-data') || m.name === 'data').map((m: any) => [m.name, m.mountPath]))
        .toEqual([['data', '/data'], ['cache-data-0', '/data/.xcache/data-0'], ['cache-data-1', '/data/.xcache/data-1']]);
    }
    expect(s.cluster.configFiles['run.sh']).toContain('mkdir -p "$XRD_DATA_DIR"\'/data\' "$XRD_DATA_DIR"/.xcache-meta "$XRD_DATA_DIR"/.xcache/data-0 "$XRD_DATA_DIR"/.xcache/data-1');
    // A data cluster has none of it.
    const data = linesOf(synth(minimal).cluster.configFiles['xrootd.cfg']);
    expect(data.filter((l) => /^(ofs\.osslib|pss\.|pfc\.|oss\.space)|stage/.test(l))).toEqual([]);
  });

  test('the client names the origin (pss.origin =), which the exports follow: the URL schemes it forwards; sizes as XRootD reads them', () => {
    const named = linesOf(synth({ ...minimal, cache: { origin: { clientNamed: true } } }).cluster.configFiles['xrootd.cfg']);
    expect(named).toContain('pss.origin =');
    expect(named.slice(named.indexOf('if exec cmsd && named worker'), named.indexOf('if exec cmsd && named worker') + 10)).toEqual([
      'if exec cmsd && named worker', 'all.export /root:/ stage r/o', 'all.export /xroot:/ stage r/o', 'all.export /roots:/ stage r/o', 'all.export /xroots:/ stage r/o',
      'else', 'all.export /root:/ r/o', 'all.export /xroot:/ r/o', 'all.export /roots:/ r/o', 'all.export /xroots:/ r/o',
    ]);
    expect(named).toContain('pfc.ram 1048576k');
    expect(named).toContain('pfc.blocksize 128k');
    expect([xrootdSize('1Gi'), xrootdSize('1G'), xrootdSize('64Ki'), xrootdSize('1500')]).toEqual(['1048576k', '1000000000', '64k', '1500']);
  });

  test('with monitoring, cache servers send the file cache\'s records and their disks\' fill level to the collector; without, neither', () => {
    const monitored = synth({ ...minimal, monitoring: { enabled: true, reportIntervalSeconds: 15 }, cache });
    const lines = linesOf(monitored.cluster.configFiles['xrootd.cfg']);
    const at = lines.indexOf('xrootd.mongstream pfc use flush 15s send json fullhdr noident $(xrdcollector)');
    expect(lines.slice(at - 1, at + 2)).toEqual(['if exec xrootd && named worker', 'xrootd.mongstream pfc use flush 15s send json fullhdr noident $(xrdcollector)', 'fi']);
    const runSh = monitored.cluster.configFiles['run.sh'];
    expect(runSh).toContain('df -P -k .xcache/data-0 .xcache/data-1');
    expect(runSh).toContain('while kill -0 $$ 2>/dev/null; do');
    expect(runSh).toContain('"$XRD_POD_NAME" "$(date +%s)" "$disks"');
    expect(s.cluster.configFiles['run.sh']).not.toContain('cache-disks');
    expect(cfg.join('\n')).not.toContain('mongstream');
  });

  test('credentials toward the origin: the Secrets as one projected volume of the xrootd container, private copies kept fresh by run.sh, shorter idle connections', () => {
    const secured = synth({ ...minimal, security: { tls: { secretName: 'minimal-tls' } },
      cache: { ...cache, origin: { ...cache.origin, credentials: { token: { secretName: 'cache-token' }, x509Proxy: { secretName: 'cache-proxy', key: 'proxy.pem' } } } } });
    const pod = secured.get('StatefulSet', 'minimal-worker').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'origin-credentials')).toEqual({ name: 'origin-credentials', projected: { defaultMode: 0o440, sources: [
      { secret: { name: 'cache-token', items: [{ key: 'token', path: 'token' }] } }, { secret: { name: 'cache-proxy', items: [{ key: 'proxy.pem', path: 'x509up' }] } },
    ] } });
    const [xrootd, cmsd] = pod.containers;
    expect(xrootd.volumeMounts).toContainEqual({ name: 'origin-credentials', mountPath: '/etc/xrootd/origin', readOnly: true });
    expect(cmsd.volumeMounts.some((m: any) => m.name === 'origin-credentials')).toBe(false);
    expect(xrootd.env).toContainEqual({ name: 'XRD_ORIGIN_CREDENTIALS_DIR', value: '/etc/xrootd/origin' });
    const runSh = secured.cluster.configFiles['run.sh'];
    expect(runSh).toContain('export BEARER_TOKEN_FILE="$XRD_ADMIN_DIR/origin-credentials"/token');
    expect(runSh).toContain('export X509_USER_PROXY="$XRD_ADMIN_DIR/origin-credentials"/x509up');
    expect(runSh).toContain('(umask 077 && cp');
    expect(linesOf(secured.cluster.configFiles['xrootd.cfg'])).toEqual(expect.arrayContaining(['pss.setopt DataServerTTL 60', 'pss.setopt LoadBalancerTTL 60']));
    // Redirectors have none of it; nor has a cache without credentials.
    expect(secured.get('StatefulSet', 'minimal-redirector').spec.template.spec.volumes.some((v: any) => v.name === 'origin-credentials')).toBe(false);
    expect(s.cluster.configFiles['run.sh']).not.toContain('BEARER_TOKEN_FILE');
    expect(() => resolveCluster({ ...minimal, cache: { ...cache, origin: { ...cache.origin, credentials: { token: { secretName: 'cache-token' } } } } }))
      .toThrow('cache.origin.credentials needs security.tls: ztn sends tokens over TLS only');
    expect(() => resolveCluster({ ...minimal, security: { tls: { secretName: 't' } }, cache: { ...cache, origin: { ...cache.origin, credentials: { token: { secretName: 'Bad_Name' } } } } }))
      .toThrow(/cache\.origin\.credentials\.token\.secretName must be a Secret name/);
  });

  test('an origin by reference: the resolved address (decisions.originAddress), checked as an address is; unresolved, synthesis refuses', () => {
    const byRef = { ...minimal, namespace: 'site', cache: { origin: { ref: { name: 'store' } } } };
    const resolved = synth({ ...byRef, decisions: { originAddress: 'store.site.svc.cluster.local:1094' } });
    expect(linesOf(resolved.cluster.configFiles['xrootd.cfg'])).toContain('pss.origin store.site.svc.cluster.local:1094');
    expect(() => synth(byRef)).toThrow('cache.origin.ref must name a cluster whose address is known: site/store is not resolved (the agent resolves it from the Xrootd resources; an app passes decisions.originAddress)');
    expect(() => resolveCluster({ ...byRef, decisions: { originAddress: 'evil:1094\npss.origin x:1' } })).toThrow(/decisions\.originAddress must be host:port/);
    expect(() => resolveCluster({ ...minimal, cache: { origin: { address: 'o:1094' } }, decisions: { originAddress: 'o:1094' } }))
      .toThrow('decisions.originAddress is only for a cache cluster whose origin is a reference (cache.origin.ref)');
  });

  test('refused with the field named: no origin or both, pfc limits, pfc.ram at or above the memory limit, what a cache cluster cannot be, the proxy in extraDirectives', () => {
    const refused = (spec: Record<string, unknown>) => () => resolveCluster({ ...minimal, ...spec });
    expect(refused({ cache: { origin: {} } })).toThrow('cache.origin must set exactly one of address, clientNamed (true) and ref');
    expect(refused({ cache: { origin: { address: 'o:1094', clientNamed: true } } })).toThrow('cache.origin must set exactly one of address, clientNamed (true) and ref');
    expect(refused({ cache: {} })).toThrow(/cache\.origin/);
    expect(refused({ cache: { origin: { address: 'o:99999' } } })).toThrow(/cache\.origin\.address must be host:port/);
    expect(refused({ cache: { origin: { address: 'o:1094' }, ram: '512Mi' } })).toThrow('cache.ram must be at least 1Gi and at most 256Gi');
    expect(refused({ cache: { origin: { address: 'o:1094' }, blockSize: '1Gi' } })).toThrow('cache.blockSize must be at least 4Ki and at most 512Mi');
    expect(refused({ cache: { origin: { address: 'o:1094' }, prefetch: 129 } })).toThrow(/cache\.prefetch/);
    expect(refused({ cache: { origin: { address: 'o:1094' }, diskUsage: { lowPercent: 95, highPercent: 90 } } })).toThrow('cache.diskUsage.lowPercent must be below highPercent');
    expect(refused({ cache: { origin: { address: 'o:1094' }, ram: '4Gi' } })).toThrow('cache.ram must be below worker.resources.limits.memory');
    expect(refused({ cache: { origin: { address: 'o:1094' } }, worker: { replicas: 2, scaleDown: 'Drain' } })).toThrow(/- cache cannot be a meta-manager/);
    expect(refused({ cache: { origin: { address: 'o:1094' } }, worker: { replicas: 65 } })).toThrow(/- cache cannot be/);
    expect(refused({ cache: { origin: { address: 'o:1094' } }, worker: { replicas: 1, maintenance: [0] } })).toThrow(/- cache cannot be/);
    for (const directive of ['pss.origin other:1094', 'ofs.osslib libXrdPss.so', 'pfc.ram 64g', 'pss.cachelib libXrdPfc.so']) {
      expect(refused({ worker: { replicas: 1, extraDirectives: [directive] } })).toThrow(/worker\.extraDirectives\[0\] must not set a directive the library manages/);
    }
    // Within the limit: fine.
    expect(() => resolveCluster({ ...minimal, cache: { origin: { address: 'o:1094' }, ram: '3Gi' } })).not.toThrow();
  });
});
