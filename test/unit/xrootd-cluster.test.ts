import { minimal } from '../../examples/clusters.js';
import { synth, type Manifest } from '../helpers/synth.js';
import { container, containers, envOf } from '../helpers/cluster-fixtures.js';

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

  test('probes ask XRootD: data servers by their cmsd link, redirectors by their manager links and port, liveness with a deadline', () => {
    const worker = s.get('StatefulSet', 'minimal-worker');
    expect(container(worker, 'xrootd').readinessProbe.exec.command).toEqual(['/bin/sh', '/etc/xrootd/cluster/probe.sh', 'ready', 'worker']);
    // Liveness asks a question with a deadline (a hung xrootd keeps its port open), and a hung one gets 10 s, not 30, after SIGTERM.
    expect(container(worker, 'xrootd').livenessProbe).toMatchObject({
      exec: { command: ['/bin/sh', '/etc/xrootd/cluster/probe.sh', 'alive', 'worker'] }, timeoutSeconds: 8, terminationGracePeriodSeconds: 10,
    });
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

  test('a meta-manager\'s cmsd port admits the redirectors of member clusters in any namespace, and the configured clients', () => {
    const meta = { name: 'global', federation: { metaManager: true }, worker: { replicas: 0 } };
    const cmsd = (props: object) => synth(props as never).get('NetworkPolicy', 'global').spec.ingress[0];
    const members = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/instance': 'global' } } };
    const redirectors = { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'xrootd', 'app.kubernetes.io/component': 'redirector' } } };
    expect(cmsd(meta)).toEqual({ from: [members, redirectors], ports: [{ port: 1213, protocol: 'TCP' }] });
    const outside = { ipBlock: { cidr: '192.0.2.0/24' } };
    expect(cmsd({ ...meta, networkPolicy: { clients: [outside] } }).from).toEqual([members, redirectors, outside]);
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
    const e = synth({ ...props, decisions: { externalAddresses: { 'big-worker-3': '198.51.100.23', 'big-supervisor-1': '2001:db8::1' } } });
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
    expect(() => synth({ ...props, decisions: { externalAddresses: { 'big-worker-3': '198.51.100.23; rm -rf /' } } })).toThrow('decisions.externalAddresses.big-worker-3 must be an IPv4 or IPv6 address');
    expect(() => synth({ ...props, decisions: { externalAddresses: { 'big-redirector-0': '198.51.100.23' } } })).toThrow('decisions.externalAddresses.big-redirector-0 must name a data server or supervisor pod of the cluster');
    expect(() => synth({ name: 'c', decisions: { externalAddresses: { 'c-worker-0': '198.51.100.23' } } })).toThrow('decisions.externalAddresses are only for expose.type LoadBalancer');
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
