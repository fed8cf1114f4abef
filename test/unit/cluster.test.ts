import { Chart, Testing } from 'cdk8s';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { insecureWritableExports, metaManagerEndpoints, olmBundle, resolveCluster, XrootdCluster, XrootdCrds } from '../../constructs/index.js';
import { examples, highlyAvailable, large, minimal, readOnly } from '../../examples/clusters.js';
import { RESERVED_MOUNT_PATHS } from '../../constructs/spec/schema.js';
import { ALERTS } from '../../constructs/alerts.js';
import { METRICS } from '../../src/collector/metrics.js';
import { linesOf, synth, type Manifest } from '../helpers/synth.js';
import { intOrString, KubeConfigMap, KubeService } from '../../constructs/kube.js';

const containers = (sts: Manifest): Manifest[] => sts.spec.template.spec.containers;
const container = (sts: Manifest, name: string): Manifest => containers(sts).find((c: Manifest) => c.name === name);
const envOf = (c: Manifest): Record<string, string> => Object.fromEntries(c.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]));

describe('example clusters', () => {
  test.each(examples.map((e) => [e.name, e] as const))('%s matches its snapshot', (_name, props) => {
    expect(synth(props).objects).toMatchSnapshot();
  });

  test('synthesis is deterministic: the same props give the same bytes', () => {
    const once = JSON.stringify(synth(highlyAvailable).objects);
    expect(JSON.stringify(synth(highlyAvailable).objects)).toBe(once);
  });

  test('dist/ holds exactly what the examples synthesize (npx cdk8s synth)', () => {
    for (const props of examples) {
      const app = Testing.app();
      new XrootdCluster(new Chart(app, props.name), 'cluster', props);
      const committed = readFileSync(new URL(`../../dist/${props.name}/${props.name}.k8s.yaml`, import.meta.url), 'utf8');
      expect(app.synthYaml()).toBe(committed);
    }
  });
});

describe('objects of a cluster', () => {
  const s = synth(minimal);

  test('kinds and stable, readable names', () => {
    expect(s.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `ConfigMap/minimal-config-${s.cluster.configHash.slice(0, 10)}`,
      // Not hashed into the configuration: a maintenance change restarts only the data servers it concerns.
      'ConfigMap/minimal-maintenance',
      'Service/minimal-redirector', 'Service/minimal-worker', 'Service/minimal',
      'StatefulSet/minimal-redirector', 'StatefulSet/minimal-worker',
      'PodDisruptionBudget/minimal-redirector', 'PodDisruptionBudget/minimal-worker',
      'NetworkPolicy/minimal',
    ]);
    for (const o of s.objects) {
      expect(o.metadata.namespace).toBe('xrootd');
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'minimal', 'xrootd.org/cluster': 'minimal' });
    }
  });

  test('StatefulSets name a headless Service that publishes not-ready addresses', () => {
    for (const role of ['redirector', 'worker']) {
      const sts = s.get('StatefulSet', `minimal-${role}`);
      expect(sts.spec.serviceName).toBe(`minimal-${role}`);
      const svc = s.get('Service', `minimal-${role}`);
      expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
      expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
      expect(Object.keys(sts.spec.selector.matchLabels).every((k) => k.startsWith('app.kubernetes.io/'))).toBe(true);
    }
  });

  test('every volume a container mounts is in the pod spec or a claim template', () => {
    for (const sts of s.all('StatefulSet')) {
      const declared = new Set([
        ...sts.spec.template.spec.volumes.map((v: Manifest) => v.name),
        ...(sts.spec.volumeClaimTemplates ?? []).map((v: Manifest) => v.metadata.name),
      ]);
      for (const c of containers(sts)) for (const m of c.volumeMounts) expect(declared).toContain(m.name);
      expect(sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'config').configMap.name).toBe(`minimal-config-${s.cluster.configHash.slice(0, 10)}`);
    }
  });

  test('data servers claim storage and keep it on scale-down and deletion by default', () => {
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: 'Retain', whenDeleted: 'Retain' });
    expect(s.get('StatefulSet', 'minimal-redirector').spec.volumeClaimTemplates).toBeUndefined();
  });

  test('storage class and retention follow the spec', () => {
    const sts = synth({ name: 'c', worker: { storage: { class: 'fast', retention: { whenScaled: 'Delete' } } } }).get('StatefulSet', 'c-worker');
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenScaled: 'Delete', whenDeleted: 'Retain' });
  });

  test('pods meet the restricted security profile', () => {
    for (const sts of s.all('StatefulSet')) {
      const pod = sts.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10940, runAsGroup: 10940, fsGroup: 10940, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
          capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        });
        // With a read-only root, XRootD writes only to these.
        expect(c.volumeMounts.filter((m: Manifest) => !m.readOnly).map((m: Manifest) => m.mountPath).sort())
          .toEqual(sts.metadata.name.endsWith('worker') ? ['/data', '/tmp', '/var/run/xrootd'] : ['/tmp', '/var/run/xrootd']);
      }
    }
  });

  test('probes ask XRootD: data servers by their cmsd link, redirectors by their manager links and port', () => {
    const worker = s.get('StatefulSet', 'minimal-worker');
    expect(container(worker, 'xrootd').readinessProbe.exec.command).toEqual(['/bin/sh', '/etc/xrootd/cluster/probe.sh', 'ready', 'worker']);
    expect(container(worker, 'xrootd').livenessProbe.tcpSocket.port).toBe(1094);
    expect(container(worker, 'xrootd').startupProbe.tcpSocket.port).toBe(1094);
    expect(container(worker, 'cmsd').livenessProbe.exec.command).toEqual(['/bin/sh', '/etc/xrootd/cluster/probe.sh', 'cmsd-alive', 'worker']);
    expect(container(worker, 'cmsd').ports).toBeUndefined();
    const redirector = s.get('StatefulSet', 'minimal-redirector');
    expect(container(redirector, 'xrootd').readinessProbe.exec.command).toEqual(['/bin/sh', '/etc/xrootd/cluster/probe.sh', 'ready', 'redirector']);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container(redirector, 'cmsd')[probe].tcpSocket.port).toBe(1213);
    // The startup probe outlasts the manager's startup delay.
    const sp = container(redirector, 'xrootd').startupProbe;
    expect(sp.periodSeconds * sp.failureThreshold).toBeGreaterThanOrEqual(10 + 60);
  });

  test('both containers share the admin path and start the same config with the role as instance name', () => {
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(container(sts, 'xrootd').command).toEqual(['/bin/sh', '/etc/xrootd/cluster/run.sh', 'xrootd', 'worker']);
    expect(container(sts, 'cmsd').command).toEqual(['/bin/sh', '/etc/xrootd/cluster/run.sh', 'cmsd', 'worker']);
    for (const c of containers(sts)) {
      expect(c.volumeMounts).toContainEqual({ name: 'admin', mountPath: '/var/run/xrootd' });
      expect(envOf(c).XRD_ADMIN_DIR).toBe('/var/run/xrootd');
    }
  });

  test('resources: xrootd gets the role\'s, cmsd a quarter of its requests', () => {
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(container(sts, 'xrootd').resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } });
    expect(container(sts, 'cmsd').resources).toEqual({ requests: { cpu: '125m', memory: '256Mi' }, limits: { memory: '4Gi' } });
  });

  test('a config change changes the pod template hash (pods roll), a replica change does not', () => {
    const hash = (props: Parameters<typeof synth>[0]) => s.get('StatefulSet', 'minimal-worker') && synth(props).get('StatefulSet', 'minimal-worker').spec.template.metadata.annotations['xrootd.org/config-hash'];
    const base = hash(minimal);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(hash({ ...minimal, xrootd: { http: true } })).not.toBe(base);
    expect(hash({ ...minimal, worker: { ...minimal.worker, replicas: 5 } })).toBe(base);
  });

  test('each configuration is its own immutable ConfigMap, named by its content and mounted by the templates of its revision', () => {
    const configOf = (props: Parameters<typeof synth>[0]) => {
      const out = synth(props);
      const cm = out.all('ConfigMap')[0];
      const mounted = out.all('StatefulSet').map((sts) => sts.spec.template.spec.volumes.find((v: Manifest) => v.name === 'config').configMap.name);
      return { name: cm.metadata.name, immutable: cm.immutable, mounted };
    };
    const base = configOf(minimal);
    expect(base.immutable).toBe(true);
    expect(base.name).toMatch(/^minimal-config-[0-9a-f]{10}$/);
    expect(new Set(base.mounted)).toEqual(new Set([base.name]));
    const changed = configOf({ ...minimal, xrootd: { http: true } });
    expect(changed.name).not.toBe(base.name);
    expect(new Set(changed.mounted)).toEqual(new Set([changed.name]));
    expect(configOf({ ...minimal, worker: { ...minimal.worker, replicas: 5 } }).name).toBe(base.name);
  });

  test('client Service, disruption budgets and network policy', () => {
    expect(s.get('Service', 'minimal').spec).toMatchObject({ type: 'ClusterIP', selector: { 'app.kubernetes.io/component': 'redirector' }, ports: [{ name: 'xrootd', port: 1094 }] });
    expect(s.get('PodDisruptionBudget', 'minimal-worker').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/component': 'worker' } } });
    const np = s.get('NetworkPolicy', 'minimal').spec;
    expect(np.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'minimal' } } }], ports: [{ port: 1213, protocol: 'TCP' }] });
    expect(np.ingress[1]).toEqual({ ports: [{ port: 1094, protocol: 'TCP' }] });
    const restricted = synth({ ...minimal, networkPolicy: { clients: [{ namespaceSelector: { matchLabels: { team: 'physics' } } }] } }).get('NetworkPolicy', 'minimal').spec;
    expect(restricted.ingress[1].from).toHaveLength(2);
    expect(synth({ ...minimal, networkPolicy: { enabled: false } }).all('NetworkPolicy')).toHaveLength(0);
  });

  test('scheduling: spread across hosts and zones by default, selectors and tolerations pass through', () => {
    const pod = synth({ ...minimal, scheduling: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'xrootd', operator: 'Exists', effect: 'NoSchedule' }] } })
      .get('StatefulSet', 'minimal-worker').spec.template.spec;
    expect(pod.topologySpreadConstraints.map((t: Manifest) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(pod.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.tolerations).toEqual([{ key: 'xrootd', operator: 'Exists', effect: 'NoSchedule' }]);
    const none = synth({ ...minimal, scheduling: { spreadAcrossHosts: false, spreadAcrossZones: false } }).get('StatefulSet', 'minimal-worker');
    expect(none.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('external exposure: one Service for the redirectors and one per data server pod', () => {
    const e = synth({ ...minimal, worker: { replicas: 3 }, expose: { type: 'LoadBalancer' } });
    expect(e.get('Service', 'minimal-external').spec).toMatchObject({ type: 'LoadBalancer', selector: { 'app.kubernetes.io/component': 'redirector' } });
    for (let i = 0; i < 3; i++) {
      expect(e.get('Service', `minimal-worker-${i}`).spec.selector['statefulset.kubernetes.io/pod-name']).toBe(`minimal-worker-${i}`);
    }
    expect(s.all('Service').map((o) => o.metadata.name)).not.toContain('minimal-external');
  });

  test('LoadBalancer: data servers and supervisors get a Service each on their own port, and the addresses the agent read from them, checked, in a ConfigMap they read at start', () => {
    const props = { name: 'big', worker: { replicas: 70 }, expose: { type: 'LoadBalancer' as const } };
    const e = synth({ ...props, externalAddresses: { 'big-worker-3': '198.51.100.23', 'big-supervisor-1': '2001:db8::1' } });
    expect(e.get('Service', 'big-supervisor-1').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'xrootd', port: 1094, targetPort: 'xrootd' }], selector: { 'statefulset.kubernetes.io/pod-name': 'big-supervisor-1' } });
    expect(e.get('ConfigMap', 'big-external-addresses').data.addresses).toBe('big-supervisor-1 2001:db8::1\nbig-worker-3 198.51.100.23\n');
    for (const role of ['worker', 'supervisor']) {
      const pod = e.get('StatefulSet', `big-${role}`).spec.template.spec;
      expect(envOf(container(e.get('StatefulSet', `big-${role}`), 'cmsd')).XRD_EXTERNAL_FILE).toBe('/etc/xrootd/external/addresses');
      expect(pod.volumes).toContainEqual({ name: 'external-addresses', configMap: { name: 'big-external-addresses', optional: true, defaultMode: 0o444 } });
    }
    expect(envOf(container(e.get('StatefulSet', 'big-redirector'), 'cmsd')).XRD_EXTERNAL_FILE).toBeUndefined();
    expect(e.cluster.configFiles['run.sh']).toContain('XRDIFADDRS=$external; export XRDIFADDRS');
    // The addresses are not part of the configuration: a new one restarts no pod by itself.
    expect(e.cluster.configHash).toBe(synth(props).cluster.configHash);
    expect(() => synth({ ...props, externalAddresses: { 'big-worker-3': '198.51.100.23; rm -rf /' } })).toThrow('externalAddresses.big-worker-3 must be an IPv4 or IPv6 address');
    expect(() => synth({ ...props, externalAddresses: { 'big-redirector-0': '198.51.100.23' } })).toThrow('externalAddresses.big-redirector-0 must name a data server or supervisor pod of the cluster');
    expect(() => synth({ name: 'c', externalAddresses: { 'c-worker-0': '198.51.100.23' } })).toThrow('externalAddresses are only for expose.type LoadBalancer');
    expect(synth({ name: 'c' }).cluster.configFiles['run.sh']).not.toContain('XRDIFADDRS');
  });

  test('hostnameTemplate: external-dns names every exposed Service after its pod (the redirectors\' after the cluster), and the certificate takes the wildcard', () => {
    const e = synth({ name: 'c', worker: { replicas: 2 }, expose: { type: 'LoadBalancer', hostnameTemplate: '{pod}.xrootd.example.org', annotations: { 'lb.example.org/pool': 'public' } },
      security: { tls: { secretName: 'c-tls', certificate: { issuerRef: { name: 'ca' } } } } });
    expect(e.get('Service', 'c-worker-1').metadata.annotations).toEqual({ 'lb.example.org/pool': 'public', 'external-dns.alpha.kubernetes.io/hostname': 'c-worker-1.xrootd.example.org' });
    expect(e.get('Service', 'c-external').metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe('c.xrootd.example.org');
    expect(e.get('Certificate', 'c-tls').spec.dnsNames).toContain('*.xrootd.example.org');
  });

  test('HostNetwork: every pod on its node\'s network, one pod of the cluster per node, the user\'s affinity kept, no exposing Services; the collector takes reports from the nodes', () => {
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'other' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    const h = synth({ ...minimal, expose: { type: 'HostNetwork' }, scheduling: { affinity }, monitoring: { enabled: true } });
    for (const role of ['redirector', 'worker']) {
      const pod = h.get('StatefulSet', `minimal-${role}`).spec.template.spec;
      expect(pod).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' });
      expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
        affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0],
        { labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'minimal', 'app.kubernetes.io/name': 'xrootd' } }, topologyKey: 'kubernetes.io/hostname' },
      ]);
    }
    expect(h.all('Service').map((o) => o.metadata.name).filter((n: string) => n.includes('external') || /worker-\d/.test(n))).toEqual([]);
    const reports = h.get('NetworkPolicy', 'minimal').spec.ingress.find((r: any) => r.ports[0].protocol === 'UDP');
    expect(reports.from).toBeUndefined();
    expect(synth(minimal).get('StatefulSet', 'minimal-worker').spec.template.spec.hostNetwork).toBeUndefined();
  });
});

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
    expect(cfg).toContain('cms.delay servers 1 startup 10 lookup 1 qdl 1 drop 30');
    expect(cfg).toContain('cms.fxhold noloc 60s 8h');
    // No reverse lookup of every client on connect: a slow resolver would stall each handshake.
    expect(cfg).toContain('xrd.network dyndns cache 0 nodnr');
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
    expect(img(minimal)).toBe('ghcr.io/xrootd-k8s/xrootd:5.9.1');
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
    expect(linesOf(block).filter((l) => l)).toEqual(['all.role manager', 'xrd.port $(xrdcmsdport) if exec cmsd', 'all.manager meta meta-redirector-0.meta-redirector.fed.svc.cluster.local:1213', 'all.manager meta regional.example.org:1094']);
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
      upstreamEndpoints: { 'fed/global': metaManagerEndpoints(meta)! },
    });
    expect(linesOf(member.cluster.configFiles['xrootd.cfg']).filter((l) => l.startsWith('all.manager meta'))).toEqual([
      'all.manager meta regional.example.org:1094', 'all.manager meta global-redirector-0.global-redirector.fed.svc.cluster.local:2131', 'all.manager meta global-redirector-1.global-redirector.fed.svc.cluster.local:2131',
    ]);
  });

  test('a reference without endpoints validates but does not synthesize; endpoints that would inject a directive are refused', () => {
    const props = { name: 'a', federation: { upstreamRefs: [{ name: 'global' }] } };
    expect(resolveCluster(props).unresolvedUpstreamRefs.map((i) => i.message)).toEqual([
      'federation.upstreamRefs[0] must name a meta-manager whose addresses are known: default/global is not resolved (the agent resolves it from the Xrootd resources; an app passes upstreamEndpoints["default/global"])',
    ]);
    expect(() => synth(props)).toThrow('federation.upstreamRefs[0] must name a meta-manager whose addresses are known');
    expect(() => synth({ ...props, upstreamEndpoints: { 'default/global': ['g:1213\nall.export /'] } })).toThrow('upstreamEndpoints.default/global must be a non-empty list of host:port');
    expect(() => synth({ ...props, upstreamEndpoints: { 'default/global': [] } })).toThrow('upstreamEndpoints.default/global must be a non-empty list');
    expect(() => synth({ ...props, upstreamEndpoints: ['g:1213'] as never })).toThrow('upstreamEndpoints must be an object');
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

describe('names at their length limits', () => {
  // The longest StatefulSet name is <name>-supervisor (11 more characters), at most 52.
  const at = (n: number) => 'a'.repeat(n);

  test('a 41-character name fits even with supervisors; 42 does not', () => {
    expect(() => synth({ name: at(41), worker: { replicas: 65 } })).not.toThrow();
    expect(() => synth({ name: at(42), worker: { replicas: 65 } })).toThrow(
      `name is too long: the StatefulSet name "${at(42)}-supervisor" has 53 characters, at most 52 allowed (its pods' controller-revision-hash label adds 11)`,
    );
  });

  test('without supervisors the redirector StatefulSet sets the same limit', () => {
    expect(() => synth({ name: at(41) })).not.toThrow();
    expect(() => synth({ name: at(42) })).toThrow('StatefulSet name "' + at(42) + '-redirector" has 53 characters');
  });

  test('per-pod DNS names stay within 253 characters', () => {
    expect(() => synth({ name: 'c', namespace: at(63), clusterDomain: `${at(60)}.${at(60)}.${at(50)}` })).toThrow(/per-pod DNS name "c-redirector-0\.c-redirector\..*" has 268 characters, at most 253 allowed/);
  });

  test('at the longest name every object and pod name of an exposed 1000-server cluster is a valid DNS label', () => {
    const c = synth({ name: at(41), worker: { replicas: 1000 }, expose: { type: 'NodePort' } });
    expect(c.all('Service').length).toBeGreaterThan(1000);
    for (const o of c.objects) expect(o.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(c.cluster.model.names.pod('worker', 999).length).toBeLessThanOrEqual(63);
  });
});

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

describe('TLS (spec.security.tls)', () => {
  const secure = synth({ ...minimal, security: { tls: { secretName: 'minimal-tls' } } });
  const cfg = linesOf(secure.cluster.configFiles['xrootd.cfg']);

  test('xrd.tls, the CA and xrootd.tls all (the default) are read by xrootd only, from run.sh\'s copies', () => {
    const block = cfg.slice(cfg.indexOf('if exec xrootd', cfg.indexOf('# Protocols and services of xrootd')));
    expect(block.slice(0, 4)).toEqual(['if exec xrootd', 'xrd.tls $(xrdadmin)/tls/tls.crt $(xrdadmin)/tls/tls.key', 'xrd.tlsca certfile $(xrdadmin)/tls/ca.crt', 'xrootd.tls all']);
    expect(cfg.filter((l) => l.startsWith('xrd.tls') || l.startsWith('xrootd.tls'))).toHaveLength(3);
    const levels = { none: undefined, capable: 'xrootd.tls capable all', data: 'xrootd.tls data', all: 'xrootd.tls all' } as const;
    for (const [require, line] of Object.entries(levels)) {
      const lines = linesOf(synth({ ...minimal, security: { tls: { secretName: 's', require: require as keyof typeof levels } } }).cluster.configFiles['xrootd.cfg']);
      expect(lines.filter((l) => l.startsWith('xrootd.tls'))).toEqual(line ? [line] : []);
    }
    expect(linesOf(synth(minimal).cluster.configFiles['xrootd.cfg']).some((l) => l.includes('tls'))).toBe(false);
  });

  test('the Secret is mounted group-readable in the xrootd container only; run.sh copies the key to mode 600 and hashes the CA', () => {
    for (const role of ['redirector', 'worker']) {
      const pod = secure.get('StatefulSet', `minimal-${role}`).spec.template.spec;
      expect(pod.volumes.find((v: Manifest) => v.name === 'tls')).toEqual({ name: 'tls', secret: { secretName: 'minimal-tls', defaultMode: 0o440 } });
      expect(container(secure.get('StatefulSet', `minimal-${role}`), 'xrootd').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/xrootd/tls', readOnly: true });
      expect(container(secure.get('StatefulSet', `minimal-${role}`), 'cmsd').volumeMounts.some((m: Manifest) => m.name === 'tls')).toBe(false);
      expect(envOf(container(secure.get('StatefulSet', `minimal-${role}`), 'xrootd')).XRD_TLS_DIR).toBe('/etc/xrootd/tls');
    }
    const run = secure.cluster.configFiles['run.sh'];
    expect(run).toContain('(umask 077 && cp "$XRD_TLS_DIR/tls.key" "$XRD_ADMIN_DIR/tls"/tls.key)');
    expect(run).toContain('hash=$(openssl x509 -hash -noout -in "$pem")');
    // The probe asks by the pod's own name, which the certificate holds, and verifies with run.sh's CA files.
    const probe = secure.cluster.configFiles['probe.sh'];
    expect(probe).toContain('export X509_CERT_DIR="$XRD_ADMIN_DIR/tls/cadir"');
    expect(probe).toContain('xrdfs "$XRD_HOST:$XRD_PORT" query config cms');
    expect(synth(minimal).cluster.configFiles['probe.sh']).toContain('xrdfs "localhost:$XRD_PORT" query config cms');
  });

  test('refused with the field named: a version whose catalog entry lacks TLS, a bad Secret name, an unknown level', () => {
    const noTls = { version: '5.9.1-notls', image: 'registry.example.org/xrootd:5.9.1', features: [] as never[] };
    expect(() => resolveCluster({ ...minimal, version: noTls.version, catalog: [noTls], security: { tls: { secretName: 's' } } }))
      .toThrow('security.tls needs TLS support, which version 5.9.1-notls lacks in the catalog (feature "tls")');
    expect(() => resolveCluster({ ...minimal, security: { tls: { secretName: 'Bad Name' } } })).toThrow(/security\.tls\.secretName must be a Secret name/);
    expect(() => resolveCluster({ ...minimal, security: { tls: { secretName: 's', require: 'sometimes' as never } } })).toThrow(/security\.tls\.require must be one of/);
    expect(() => resolveCluster({ ...minimal, security: { tls: {} as never } })).toThrow(/security\.tls\.secretName/);
  });

  test('a cert-manager Certificate writes the Secret, naming every pod (a wildcard per role), the client Service and the extra names', () => {
    const issued = synth({ ...large, security: { tls: { secretName: 'large-tls', certificate: { issuerRef: { name: 'site-ca' }, dnsNames: ['xrootd.example.org', '*.xrootd.example.org'], duration: '2160h' } } } });
    const cert = issued.get('Certificate', 'large-tls');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.metadata.labels['xrootd.org/cluster']).toBe('large');
    expect(cert.spec).toEqual({
      secretName: 'large-tls',
      secretTemplate: { labels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large' } },
      issuerRef: { name: 'site-ca', kind: 'Issuer', group: 'cert-manager.io' },
      dnsNames: ['*.large-redirector.xrootd.svc.cluster.local', '*.large-supervisor.xrootd.svc.cluster.local', '*.large-worker.xrootd.svc.cluster.local',
        'large.xrootd.svc.cluster.local', 'large.xrootd.svc', 'xrootd.example.org', '*.xrootd.example.org'],
      usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
      duration: '2160h',
    });
    // Every per-pod host name is covered by a wildcard of one label.
    for (const sts of issued.all('StatefulSet')) {
      const host = `${sts.metadata.name}-0.${sts.spec.serviceName}.xrootd.svc.cluster.local`;
      expect(cert.spec.dnsNames.some((n: string) => n.startsWith('*.') && host.endsWith(n.slice(1)) && !host.slice(0, -n.length + 1).includes('.'))).toBe(true);
    }
    expect(secure.all('Certificate')).toEqual([]);
    const forGsi = synth({ ...minimal, security: { tls: { secretName: 't', certificate: { issuerRef: { name: 'ca' } } }, gsi: {} } });
    expect(forGsi.get('Certificate', 'minimal-tls').spec.privateKey).toEqual({ algorithm: 'RSA', size: 2048 });
  });

  test('refused with the field named: a bad issuer kind, a DNS name with a wildcard inside, a duration cert-manager cannot read', () => {
    const tls = (certificate: unknown) => ({ ...minimal, security: { tls: { secretName: 's', certificate: certificate as never } } });
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca', kind: 'Vault' } }))).toThrow(/security\.tls\.certificate\.issuerRef\.kind must be one of/);
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca' }, dnsNames: ['a.*.example.org'] }))).toThrow(/security\.tls\.certificate\.dnsNames\[0\] must be a lower-case DNS name, optionally starting with "\*\."/);
    expect(() => resolveCluster(tls({ issuerRef: { name: 'ca' }, duration: '90 days' }))).toThrow(/security\.tls\.certificate\.duration must be a duration such as 2160h/);
    expect(() => resolveCluster(tls({ dnsNames: [] }))).toThrow(/security\.tls\.certificate\.issuerRef/);
  });
});

describe('tokens (spec.security.tokens)', () => {
  const issuer = { name: 'wlcg', url: 'https://issuer.example.org/realm', basePaths: ['/data'] };
  const props = { ...minimal, xrootd: { http: true }, security: { tls: { secretName: 't' }, tokens: { audiences: ['https://xrootd.example.org'], issuers: [issuer] } } };

  test('the SciTokens plugin\'s file, ztn with unix for token-less logins, the plugin as authorizer, bearer tokens from HTTP', () => {
    const s = synth(props);
    expect(s.cluster.configFiles['scitokens.cfg']).toBe([
      '# SciTokens/WLCG token issuers of cluster minimal, rendered by xrootd-k8s.',
      '[Global]', 'audience = https://xrootd.example.org', 'onmissing = deny', '',
      '[Issuer wlcg]', 'issuer = https://issuer.example.org/realm', 'base_path = /data', '',
    ].join('\n'));
    const cfg = linesOf(s.cluster.configFiles['xrootd.cfg']);
    for (const line of ['set xrdconfigdir = $XRD_CONFIG_DIR', 'xrootd.seclib libXrdSec.so', 'sec.protocol ztn', 'sec.protocol unix', 'sec.protbind * ztn unix',
      'ofs.authorize 1', 'ofs.authlib libXrdAccSciTokens.so config=$(xrdconfigdir)/scitokens.cfg', 'http.header2cgi Authorization authz']) {
      expect(cfg).toContain(line);
    }
    expect(s.cluster.configFiles['run.sh']).toContain('export XRD_CONFIG_DIR');
    expect(synth(minimal).cluster.configFiles['scitokens.cfg']).toBeUndefined();
  });

  test('audiences omitted: the redirectors\' outside names as endpoint URLs with the port, then the site name; none of those is a named refusal', () => {
    const audience = ({ tls, ...extra }: Record<string, unknown>) => {
      const p = { ...props, ...extra, security: { tls: { secretName: 't', ...(tls as object) }, tokens: { issuers: [issuer] } } };
      return linesOf(synth(p as never).cluster.configFiles['scitokens.cfg']).find((l) => l.startsWith('audience = '));
    };
    expect(audience({ site: 'T2_XK_Test' })).toBe('audience = T2_XK_Test');
    expect(audience({ site: 'T2_XK_Test', expose: { type: 'LoadBalancer', hostnameTemplate: '{pod}.xrootd.example.org' }, xrootd: { http: true, port: 1095 } }))
      .toBe('audience = https://minimal.xrootd.example.org:1095, roots://minimal.xrootd.example.org:1095, T2_XK_Test');
    expect(audience({ tls: { certificate: { issuerRef: { name: 'ca' }, dnsNames: ['*.pods.example.org', 'xrootd.example.org'] } } }))
      .toBe('audience = https://xrootd.example.org:1094, roots://xrootd.example.org:1094');
    // Given audiences are used as they are.
    expect(linesOf(synth({ ...props, site: 'T2_XK_Test' }).cluster.configFiles['scitokens.cfg'])).toContain('audience = https://xrootd.example.org');
    expect(() => resolveCluster({ ...props, security: { tls: { secretName: 't' }, tokens: { issuers: [issuer] } } }))
      .toThrow('security.tokens.audiences is required unless spec.site, expose.hostnameTemplate or a certificate dnsName that is not a wildcard gives the cluster a name to default them to');
    expect(() => resolveCluster({ ...props, security: { tls: { secretName: 't', certificate: { issuerRef: { name: 'ca' }, dnsNames: ['*.pods.example.org'] } }, tokens: { issuers: [issuer] } } }))
      .toThrow('security.tokens.audiences is required unless');
  });

  test('an issuer CA bundle is mounted over the image\'s system bundle in xrootd\'s container', () => {
    const s = synth({ ...props, security: { ...props.security, tokens: { ...props.security.tokens, issuerCaBundle: { configMapName: 'site-cas' } } } });
    const sts = s.get('StatefulSet', 'minimal-worker');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'issuer-ca', configMap: { name: 'site-cas', defaultMode: 0o444 } });
    expect(container(sts, 'xrootd').volumeMounts).toContainEqual({ name: 'issuer-ca', mountPath: '/etc/ssl/certs/ca-certificates.crt', subPath: 'ca-certificates.crt', readOnly: true });
  });

  test('refused with the field named: no TLS, an http:// issuer, paths outside the exports, text that would break the INI file', () => {
    const tokens = props.security.tokens;
    expect(() => resolveCluster({ ...minimal, security: { tokens } })).toThrow('security.tokens needs tls: tokens are accepted only over TLS (ztn, https)');
    const tlsOnly = { version: '5.0.3-site', image: 'registry.example.org/xrootd:5.0.3', features: ['tls'] as never[] };
    expect(() => resolveCluster({ ...props, version: tlsOnly.version, catalog: [tlsOnly] }))
      .toThrow('security.tokens needs token support (SciTokens plugin, ztn), which version 5.0.3-site lacks in the catalog (feature "tokens")');
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, url: 'http://issuer.example.org' }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.url must be an https:\/\/ URL/);
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, basePaths: ['/elsewhere'] }] } } }))
      .toThrow('security.tokens.issuers[0].basePaths[0] must be an exported path or below one (/data), got "/elsewhere"');
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, basePaths: ['/data/sub'], restrictedPaths: ['/store'] }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.restrictedPaths\[0\] must be an exported path/);
    for (const audience of ['a\n[Issuer evil]', 'a,b', 'a b', 'x=y', 'a#b']) {
      expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, audiences: [audience] } } })).toThrow(/security\.tokens\.audiences\[0\] must be an audience/);
    }
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, name: 'x]\nissuer = https://evil' }] } } }))
      .toThrow(/security\.tokens\.issuers\[0\]\.name must be letters, digits/);
    expect(() => resolveCluster({ ...props, security: { ...props.security, tokens: { ...tokens, issuers: [{ ...issuer, url: 'https://a.example.org/x\nbase_path = /' }] } } }))
      .toThrow(/issuers\[0\]\.url must be an https/);
  });
});

describe('insecure writable exports', () => {
  test('writable exports without token authorization are reported; tokens or read-only exports clear it', () => {
    expect(insecureWritableExports(resolveCluster(readOnly).spec)).toEqual(['/scratch']);
    expect(insecureWritableExports(resolveCluster({ ...readOnly, xrootd: { exports: [{ path: '/store', readOnly: true }] } }).spec)).toEqual([]);
    const tokens = { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/store'] }] };
    expect(insecureWritableExports(resolveCluster({ ...readOnly, security: { tls: { secretName: 't' }, tokens } }).spec)).toEqual([]);
  });
});

describe('mounts (spec.mounts)', () => {
  const withMounts = synth({ ...minimal, mounts: [
    { name: 'grid-ca', mountPath: '/etc/grid-security/certificates', configMapName: 'grid-ca' },
    { name: 'hostcert', mountPath: '/etc/grid-security/xrootd', secretName: 'hostcert', defaultMode: 0o400 },
  ] });

  test('each is a read-only volume of both daemons in every role, Secret or ConfigMap', () => {
    for (const role of ['redirector', 'worker']) {
      const sts = withMounts.get('StatefulSet', `minimal-${role}`);
      expect(sts.spec.template.spec.volumes).toEqual(expect.arrayContaining([
        { name: 'extra-grid-ca', configMap: { name: 'grid-ca', defaultMode: 0o440 } },
        { name: 'extra-hostcert', secret: { secretName: 'hostcert', defaultMode: 0o400 } },
      ]));
      for (const c of ['xrootd', 'cmsd']) {
        expect(container(sts, c).volumeMounts).toEqual(expect.arrayContaining([
          { name: 'extra-grid-ca', mountPath: '/etc/grid-security/certificates', readOnly: true },
          { name: 'extra-hostcert', mountPath: '/etc/grid-security/xrootd', readOnly: true },
        ]));
      }
    }
  });

  test('every path the pods mount themselves is reserved', () => {
    const secure = synth({ ...minimal, security: { tls: { secretName: 't' }, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }], issuerCaBundle: { configMapName: 'c' } } } });
    const used = containers(secure.get('StatefulSet', 'minimal-worker')).flatMap((c: Manifest) => c.volumeMounts.map((m: Manifest) => m.mountPath as string));
    for (const path of used) expect(RESERVED_MOUNT_PATHS.some((r) => path === r || path.startsWith(`${r}/`))).toBe(true);
  });

  test('refused with the field named: a reserved path, both or neither source, overlapping mounts, a relative path', () => {
    const bad = (mounts: unknown[]) => () => resolveCluster({ ...minimal, mounts: mounts as never });
    expect(bad([{ name: 'a', mountPath: '/var/run/xrootd/x', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must not be, contain or lie under a path the pods use/);
    expect(bad([{ name: 'a', mountPath: '/etc', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must not be, contain or lie under a path the pods use/);
    expect(bad([{ name: 'a', mountPath: '/etc/a', secretName: 's', configMapName: 'c' }])).toThrow(/mounts\[0\]\.secretName or configMapName must be set, not both/);
    expect(bad([{ name: 'a', mountPath: '/etc/a' }])).toThrow(/mounts\[0\]\.secretName or configMapName must be set/);
    expect(bad([{ name: 'a', mountPath: '/etc/a', secretName: 's' }, { name: 'b', mountPath: '/etc/a/b', secretName: 't' }]))
      .toThrow('mounts[1].mountPath must not be, contain or lie under mounts[0].mountPath (/etc/a), got "/etc/a/b"');
    expect(bad([{ name: 'a', mountPath: 'etc/a', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must be an absolute path/);
    expect(bad([{ name: 'a', mountPath: '/etc/../root', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must be an absolute path/);
  });
});

describe('TLS Secret revision (the agent\'s digest of the Secret)', () => {
  test('stamped on every pod template when TLS is on, and refused when it is not a short lower-case token', () => {
    const stamped = synth({ ...minimal, security: { tls: { secretName: 't' } }, tlsSecretRevision: 'abc123' });
    for (const role of ['redirector', 'worker']) {
      expect(stamped.get('StatefulSet', `minimal-${role}`).spec.template.metadata.annotations['xrootd.org/tls-secret-revision']).toBe('abc123');
    }
    // Without TLS it means nothing and changes nothing.
    expect(synth({ ...minimal, tlsSecretRevision: 'abc123' }).objects).toEqual(synth(minimal).objects);
    expect(() => resolveCluster({ ...minimal, tlsSecretRevision: 'A B\n' })).toThrow(/tlsSecretRevision must be at most 63 lower-case letters and digits/);
  });
});

describe('authorization rules (spec.security.authorization)', () => {
  const rules = [{ path: '/data/public', privileges: ['read', 'list'] }, { path: '/data/drop', privileges: ['create'] }, { path: '/data/public', privileges: ['rename'] }] as const;
  const alone = synth({ ...minimal, security: { authorization: { rules: [...rules] as never } } });

  test('one line for anybody in XRootD\'s authorization database, rules on one path adding up; create brings read and write', () => {
    expect(alone.cluster.configFiles.authdb).toBe('# Authorization rules of cluster minimal, rendered by xrootd-k8s: one line per identity (u * is anybody), then paths and privileges.\n'
      + 'u * /data/public lrn /data/drop rwi\n');
    const cfg = linesOf(alone.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toEqual(expect.arrayContaining(['set xrdconfigdir = $XRD_CONFIG_DIR', 'ofs.authorize 1', 'acc.authdb $(xrdconfigdir)/authdb']));
    expect(cfg.some((l) => l.startsWith('sec.') || l.startsWith('ofs.authlib'))).toBe(false);
  });

  test('with tokens, a request without a valid token passes through to the rules', () => {
    const both = synth({ ...minimal, security: { tls: { secretName: 't' }, authorization: { rules: [...rules] as never },
      tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } });
    expect(linesOf(both.cluster.configFiles['xrootd.cfg'])).toEqual(expect.arrayContaining(['ofs.authlib ++ libXrdAccSciTokens.so config=$(xrdconfigdir)/scitokens.cfg', 'acc.authdb $(xrdconfigdir)/authdb']));
    expect(both.cluster.configFiles['scitokens.cfg']).toContain('onmissing = passthrough');
  });

  test('refused with the field named: a path outside the exports, an unknown privilege; reported when anybody may change files', () => {
    expect(() => resolveCluster({ ...minimal, security: { authorization: { rules: [{ path: '/elsewhere', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].path must be an exported path or below one (/data), got "/elsewhere"');
    expect(() => resolveCluster({ ...minimal, security: { authorization: { rules: [{ path: '/data', privileges: ['chown' as never] }] } } }))
      .toThrow(/security\.authorization\.rules\[0\]\.privileges\[0\] must be one of/);
    expect(insecureWritableExports(alone.cluster.model.spec)).toEqual(['/data/drop', '/data/public']);
    expect(insecureWritableExports(synth({ ...minimal, security: { authorization: { rules: [{ path: '/data', privileges: ['read', 'list'] }] } } }).cluster.model.spec)).toEqual([]);
  });
});

describe('GSI (spec.security.gsi) and rules for users', () => {
  const ALICE = '/DC=org/DC=example/OU=people/CN=Alice Example';
  const gsi = { users: [{ dn: ALICE, name: 'alice' }, { dn: '/DC=org/DC=example/CN=host/robot.example.org', name: 'robot' }] };
  const rules = [
    { path: '/data', privileges: ['read', 'list'] },
    { who: 'user', name: 'alice', path: '/data/alice', privileges: ['create', 'delete'] },
    { who: 'user', name: 'robot', path: '/data/robot', privileges: ['write'] },
    { who: 'user', name: 'alice', path: '/data/shared', privileges: ['write'] },
  ];
  const secure = synth({ ...minimal, security: { tls: { secretName: 't' }, gsi, authorization: { rules: rules as never } } });

  test('sec.protocol gsi with the host certificate\'s copies, the CA directory and the grid-mapfile; no unix login', () => {
    const cfg = linesOf(secure.cluster.configFiles['xrootd.cfg']);
    expect(cfg).toEqual(expect.arrayContaining([
      'xrootd.seclib libXrdSec.so',
      'sec.protocol gsi -certdir:$(xrdadmin)/tls/cadir -cert:$(xrdadmin)/tls/tls.crt -key:$(xrdadmin)/tls/tls.key -ca:2 -crl:1 -gridmap:$(xrdconfigdir)/grid-mapfile -gmapopt:1',
      'sec.protbind * gsi', 'ofs.authorize 1', 'acc.authdb $(xrdconfigdir)/authdb',
    ]));
    expect(cfg.some((l) => l.includes('unix'))).toBe(false);
    expect(secure.cluster.configFiles['grid-mapfile']).toBe('# Certificate subjects and their user names of cluster minimal, rendered by xrootd-k8s.\n'
      + `"${ALICE}" alice\n"/DC=org/DC=example/CN=host/robot.example.org" robot\n`);
    // With tokens too: both offered, still no unix.
    const both = synth({ ...minimal, security: { tls: { secretName: 't' }, gsi: {}, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }] } } });
    const bothCfg = linesOf(both.cluster.configFiles['xrootd.cfg']);
    expect(bothCfg).toEqual(expect.arrayContaining(['sec.protocol ztn', 'sec.protbind * ztn gsi']));
    expect(bothCfg.find((l) => l.startsWith('sec.protocol gsi'))).toContain('-gmapopt:0');
    expect(bothCfg.some((l) => l.includes('unix'))).toBe(false);
    expect(both.cluster.configFiles['grid-mapfile']).toBeUndefined();
  });

  test('third-party copy runs as the client: gsi asks for a delegated proxy, ofs.tpc hands it to xrdcp', () => {
    const tpc = linesOf(synth({ ...minimal, xrootd: { thirdPartyCopy: true }, security: { tls: { secretName: 't', require: 'none' }, gsi } }).cluster.configFiles['xrootd.cfg']);
    expect(tpc.find((l) => l.startsWith('sec.protocol gsi'))).toMatch(/ -dlgpxy:request -exppxy:=creds$/);
    expect(tpc).toContain('ofs.tpc fcreds ?gsi =X509_USER_PROXY pgm /usr/bin/xrdcp --server');
    expect(linesOf(secure.cluster.configFiles['xrootd.cfg']).find((l) => l.startsWith('sec.protocol gsi'))).not.toContain('dlgpxy');
  });

  test('one authdb line per identity: anybody first, then each user with its paths adding up', () => {
    expect(secure.cluster.configFiles.authdb.split('\n').slice(1)).toEqual(['u * /data lr', 'u alice /data/alice rwid /data/shared rw', 'u robot /data/robot rw', '']);
  });

  test('a CA directory from spec.mounts, the CRL level, an RSA key checked by run.sh, the probe logging in with the host certificate', () => {
    const mounted = synth({ ...minimal, mounts: [{ name: 'grid-ca', mountPath: '/etc/grid-security/certificates', configMapName: 'igtf' }],
      security: { tls: { secretName: 't' }, gsi: { caDirectory: '/etc/grid-security/certificates', crl: 'require' } } });
    expect(linesOf(mounted.cluster.configFiles['xrootd.cfg']).find((l) => l.startsWith('sec.protocol gsi'))).toMatch(/^sec\.protocol gsi -certdir:\/etc\/grid-security\/certificates .* -crl:2 -gmapopt:0$/);
    expect(mounted.cluster.configFiles['run.sh']).toContain('openssl rsa -in "$XRD_ADMIN_DIR/tls"/tls.key -noout 2>/dev/null || { echo "run.sh: security.gsi needs an RSA key');
    const probe = secure.cluster.configFiles['probe.sh'];
    expect(probe).toContain('export X509_USER_CERT="$XRD_ADMIN_DIR/tls/tls.crt" X509_USER_KEY="$XRD_ADMIN_DIR/tls/tls.key" XrdSecGSICREATEPROXY=0');
    expect(probe).toContain('unset X509_USER_PROXY');
    expect(synth(minimal).cluster.configFiles['run.sh']).not.toContain('openssl rsa');
  });

  test('refused with the field named: GSI without TLS, a rule for a user GSI does not map, a name without who: user, a DN that could break the grid-mapfile, a CA directory not mounted', () => {
    const tls = { secretName: 't' };
    expect(() => resolveCluster({ ...minimal, security: { gsi } })).toThrow('security.gsi needs tls: the daemons present the TLS Secret\'s certificate');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ who: 'user', name: 'carol', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules may name only users of gsi.users (who: user)');
    expect(() => resolveCluster({ ...minimal, security: { tls, authorization: { rules: [{ who: 'user', name: 'alice', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules may name only users of gsi.users (who: user)');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ name: 'alice', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].name is set exactly when who is user');
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi, authorization: { rules: [{ who: 'user', path: '/data', privileges: ['read'] }] } } }))
      .toThrow('security.authorization.rules[0].name is set exactly when who is user');
    for (const dn of ['/CN=Eve" eve\n"/CN=x', 'CN=no slash', '/CN=back\\slash']) {
      expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { users: [{ dn, name: 'eve' }] } } })).toThrow(/security\.gsi\.users\[0\]\.dn must be a distinguished name/);
    }
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { users: [{ dn: ALICE, name: 'a.b' }] } } })).toThrow(/security\.gsi\.users\[0\]\.name must be a user name/);
    expect(() => resolveCluster({ ...minimal, security: { tls, gsi: { caDirectory: '/etc/grid-security/certificates' } } })).toThrow('security.gsi.caDirectory must be the mountPath of one of mounts');
  });
});

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

describe('Prometheus Operator objects and the Grafana dashboard (spec.monitoring)', () => {
  const full = synth({ ...large, monitoring: { enabled: true, prometheusOperator: true, grafanaDashboard: true } });
  /** Metric names in a PromQL expression (functions and keywords are not metric names of ours). */
  const metricsIn = (expr: string): string[] => [...expr.matchAll(/\b(xrootd_[a-z_]+)\b/g)].map((m) => m[1]);
  const known = new Set([...METRICS.map((m) => m.name), 'xrootd_agent_rollout_stuck']);

  test('a ServiceMonitor of the collector that keeps the pods\' labels, and a PrometheusRule of this cluster\'s alerts', () => {
    const sm = full.get('ServiceMonitor', 'large-collector');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'large', 'app.kubernetes.io/component': 'collector' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s', honorLabels: true }],
    });
    const rules = full.get('PrometheusRule', 'large').spec.groups[0].rules;
    expect(rules.map((r: Manifest) => r.alert)).toEqual(ALERTS.map((a) => a.alert));
    const byName = (n: string) => rules.find((r: Manifest) => r.alert === n);
    // Written for this cluster: 2 redirectors, each expecting the direct data servers and the 3 supervisors.
    expect(byName('XrootdRedirectorDown').expr).toBe('(count(xrootd_start_time_seconds{cluster="large",namespace="xrootd",role="redirector",daemon="xrootd"}) < 2) or absent(xrootd_start_time_seconds{cluster="large",namespace="xrootd",role="redirector",daemon="xrootd"})');
    const t = full.cluster.model.topology;
    expect(byName('XrootdServerNotSubscribed').expr).toContain(`xrootd_cms_subscribed_servers{cluster="large",namespace="xrootd",pod="large-redirector-1"} < ${t.directWorkers + t.supervisors}`);
    // cms.space's own rule: 2% of the file system for volumes up to 500 GiB, 10 GiB above.
    const sel = 'cluster="large",namespace="xrootd",role="worker"';
    expect(byName('XrootdSpaceLow').expr).toBe(full.cluster.model.space.minFreePercent === 2
      ? `xrootd_space_free_bytes{${sel}} < 0.02 * xrootd_space_bytes{${sel}}` : `xrootd_space_free_bytes{${sel}} < 10737418240`);
    for (const r of rules) {
      expect(r.labels).toMatchObject({ cluster: 'large', namespace: 'xrootd' });
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.description.length).toBeGreaterThan(40);
      for (const name of metricsIn(r.expr)) expect({ alert: r.alert, name, known: known.has(name) }).toEqual({ alert: r.alert, name, known: true });
    }
  });

  test('the dashboard: rows of timeseries panels on Grafana\'s grid, every query over a metric the collector serves, loaded by the sidecar\'s label', () => {
    const cm = full.get('ConfigMap', 'large-dashboard');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['xrootd-large.json']);
    expect(dashboard).toMatchObject({ title: 'XRootD xrootd/large', schemaVersion: 39, uid: 'xrootd-xrootd-large' });
    const panels = dashboard.panels as Manifest[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.type).toBe('timeseries');
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.expr).toContain('cluster="large",namespace="xrootd"');
        const names = metricsIn(t.expr);
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect({ panel: p.title, name, served: METRICS.some((m) => m.name === name) }).toEqual({ panel: p.title, name, served: true });
      }
    }
    // Off unless asked for: the CRDs of the Prometheus Operator may not be there.
    expect(synth(large).all('ServiceMonitor')).toEqual([]);
    expect(synth(large).all('PrometheusRule')).toEqual([]);
  });
});
