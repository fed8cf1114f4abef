/**
 * A real Kubernetes node for tests: kubelet with Debian's containerd and runc, pods in
 * their own network namespaces on a bridge from Debian's CNI plugins, CoreDNS as the
 * cluster DNS and kube-proxy for Services, joined to a ControlPlane that listens on the
 * bridge's gateway. Images come from OCI archives imported into containerd (no registry).
 * Volumes are local PersistentVolumes in directories of the node (the real PV controller
 * binds them, the kubelet mounts them). Every process is stopped by pid; pods are deleted
 * first so that the kubelet tears their sandboxes and network down.
 *
 * The bridge has one fixed name and subnet: one real node at a time on a machine
 * (`npm test` runs suites in band).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ControlPlane } from './control-plane.js';
import { freePorts, logOf, requirePrograms, run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { repoRoot } from './repo.js';

export const NODE_NAME = 'realnode';
/** The pod network: a bridge on the host, its gateway (where the API server, CoreDNS and the kubelet listen) and the pods' subnet. */
export const POD_NETWORK = { bridge: 'xk8s0', gateway: '10.244.0.1', subnet: '10.244.0.0/24', prefixLength: 24 } as const;
/** The StorageClass of the node's local volumes (the name the examples use). */
export const LOCAL_STORAGE_CLASS = 'standard';

/** Builds or finds kubelet, kube-proxy, CoreDNS and the pause image (test/controlplane/build-node.sh). */
function nodeBinaries(): string {
  const r = run(['bash', join(repoRoot(), 'test/controlplane/build-node.sh')], process.env, 45 * 60 * 1000);
  const dir = r.out.split('\n').filter((l) => l.startsWith('/')).pop() ?? '';
  if (r.code !== 0 || !dir) throw new Error(`node binaries could not be built:\n${r.out}`);
  return dir;
}

function ip(args: string[]): void {
  const r = run(['ip', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.out}`);
}

/** The bridge the pods attach to, with the gateway address; a stale one from a killed run is replaced. */
function createBridge(): void {
  if (run(['ip', 'link', 'show', POD_NETWORK.bridge]).code === 0) ip(['link', 'delete', POD_NETWORK.bridge]);
  ip(['link', 'add', POD_NETWORK.bridge, 'type', 'bridge']);
  ip(['addr', 'add', `${POD_NETWORK.gateway}/${POD_NETWORK.prefixLength}`, 'dev', POD_NETWORK.bridge]);
  ip(['link', 'set', POD_NETWORK.bridge, 'up']);
}

/** The kubelet's own iptables chains (its canary, and the firewall rule for 127.0.0.0/8), which nothing else removes. */
function removeKubeletChains(): void {
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle']) {
      const rules = run([tool, '-t', table, '-S']).out.split('\n');
      for (const chain of ['KUBE-FIREWALL', 'KUBE-KUBELET-CANARY']) {
        for (const rule of rules.filter((r) => r.startsWith('-A ') && r.includes(`-j ${chain}`))) run([tool, '-t', table, ...rule.replace(/^-A /, '-D ').split(' ')]);
        if (rules.includes(`-N ${chain}`)) {
          run([tool, '-t', table, '-F', chain]);
          run([tool, '-t', table, '-X', chain]);
        }
      }
    }
  }
}

/** containerd's pod network namespaces (`cni-<uuid>`, under /run/netns). */
function podNetworkNamespaces(): Set<string> {
  return new Set(run(['ip', 'netns', 'list']).out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith('cni-')));
}

export class RealNode {
  private readonly daemons: Daemon[] = [];
  private readonly socket: string;
  private stopped = false;
  /** The pod network namespaces there were before this node: the ones it leaves behind are removed at stop. */
  private readonly netnsBefore = podNetworkNamespaces();

  private constructor(readonly cp: ControlPlane, readonly bin: string, readonly dir: string) {
    this.socket = join(dir, 'containerd.sock');
  }

  /**
   * A control plane with one real node, Ready and untainted, the pause image imported and
   * a default StorageClass of local volumes. Throws with the logs when anything fails to start.
   */
  static async startCluster(): Promise<RealNode> {
    requirePrograms(['containerd', 'ctr', 'runc', 'ip', 'iptables', 'conntrack', 'gcc', 'buildah'],
      'install Debian\'s containerd, runc, iproute2, iptables, conntrack, gcc and buildah (test/install-prerequisites.sh does)');
    for (const plugin of ['bridge', 'host-local', 'portmap']) {
      if (!existsSync(join('/usr/lib/cni', plugin))) throw new Error(`CNI plugin /usr/lib/cni/${plugin} is missing: install Debian's containernetworking-plugins`);
    }
    const bin = nodeBinaries();
    createBridge();
    let cp: ControlPlane;
    try {
      cp = await ControlPlane.start({ podGateway: POD_NETWORK.gateway });
    } catch (e) {
      run(['ip', 'link', 'delete', POD_NETWORK.bridge]);
      throw e;
    }
    const node = new RealNode(cp, bin, mkdtempSync(join(tmpdir(), 'node-')));
    try {
      await node.boot();
    } catch (e) {
      console.error(`real node failed to start:\n${node.logs()}`);
      await node.stop();
      throw e;
    }
    return node;
  }

  private spawn(name: string, command: string[]): void {
    this.daemons.push(startDaemon(name, command, { PATH: process.env.PATH, HOME: this.dir }, join(this.dir, `${name}.log`)));
  }

  private async boot(): Promise<void> {
    const d = this.dir;
    const [kubeletPort, proxyHealthz, proxyMetrics] = await freePorts(3);
    const pauseReference = readFileSync(join(this.bin, 'pause.reference'), 'utf8').trim();
    const cni = join(d, 'cni');
    mkdirSync(cni);
    writeFileSync(join(cni, '10-pods.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: 'pods',
      plugins: [
        {
          type: 'bridge', bridge: POD_NETWORK.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_NETWORK.subnet }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(d, 'ipam') },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }, null, 2));
    // restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, and runc cannot lower a sandbox's OOM score without it.
    writeFileSync(join(d, 'containerd.toml'), `version = 2
root = "${join(d, 'containerd')}"
state = "${join(d, 'containerd-state')}"
[grpc]
  address = "${this.socket}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseReference}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${cni}"
`);
    this.spawn('containerd', ['containerd', '--config', join(d, 'containerd.toml')]);
    await waitFor('containerd to serve', () => (this.ctr(['version']).code === 0 ? true : undefined), 30000, 200);
    this.importImage(join(this.bin, 'pause.oci.tar'));

    // Cluster DNS, forward and reverse (XRootD names a peer by its address's PTR record).
    writeFileSync(join(d, 'Corefile'), `.:53 {
  bind ${POD_NETWORK.gateway}
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig ${this.cp.kubeconfig}
    pods insecure
  }
}
`);
    this.spawn('coredns', [join(this.bin, 'coredns'), '-conf', join(d, 'Corefile')]);

    // The pods' resolv.conf names only the cluster DNS: nothing in a test resolves names outside.
    writeFileSync(join(d, 'resolv.conf'), 'search cluster.local\n');
    writeFileSync(join(d, 'kubelet.yaml'), stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
      // This host mounts cgroup v1 only; Kubernetes 1.35 refuses it unless told otherwise.
      failCgroupV1: false, cgroupDriver: 'cgroupfs',
      containerRuntimeEndpoint: `unix://${this.socket}`,
      address: POD_NETWORK.gateway, port: kubeletPort, readOnlyPort: 0, healthzPort: 0,
      // Only the API server talks to the kubelet here, over the pod network's gateway.
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }, authorization: { mode: 'AlwaysAllow' },
      clusterDNS: [POD_NETWORK.gateway], clusterDomain: 'cluster.local', resolvConf: join(d, 'resolv.conf'),
      failSwapOn: false, podLogsDir: join(d, 'pod-logs'),
      // Images cannot be pulled again (no registry): never collect them, and evict only when the disk is truly full.
      imageGCHighThresholdPercent: 100,
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    }));
    this.spawn('kubelet', [join(this.bin, 'kubelet'), `--config=${join(d, 'kubelet.yaml')}`, `--kubeconfig=${this.cp.kubeconfig}`,
      `--hostname-override=${NODE_NAME}`, `--node-ip=${POD_NETWORK.gateway}`, `--root-dir=${join(d, 'kubelet')}`,
      `--cert-dir=${join(d, 'kubelet-pki')}`, '--v=1']);

    writeFileSync(join(d, 'kube-proxy.yaml'), stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig: this.cp.kubeconfig }, hostnameOverride: NODE_NAME, mode: 'iptables',
      clusterCIDR: POD_NETWORK.subnet, bindAddress: POD_NETWORK.gateway,
      healthzBindAddress: `127.0.0.1:${proxyHealthz}`, metricsBindAddress: `127.0.0.1:${proxyMetrics}`,
      // Leave the host's conntrack sysctls alone; NodePorts only on the pod network's gateway.
      conntrack: { maxPerCore: 0, min: 0 }, nodePortAddresses: [`${POD_NETWORK.gateway}/32`],
      iptables: { localhostNodePorts: false },
    }));
    this.spawn('kube-proxy', [join(this.bin, 'kube-proxy'), `--config=${join(d, 'kube-proxy.yaml')}`, '--v=1']);

    await waitFor('the real node to be Ready', () => {
      const r = this.cp.kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.out.trim() === 'True' ? true : undefined;
    }, 90000, 250);
    // As with kwok nodes: the node-lifecycle controller (off) would lift the not-ready taint.
    const untainted = this.cp.kubectl(['patch', 'node', NODE_NAME, '--type=merge', '-p', '{"spec":{"taints":null}}']);
    if (untainted.code !== 0) throw new Error(`could not untaint ${NODE_NAME}: ${untainted.out}`);
    this.cp.applyYaml(stringify({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: LOCAL_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain',
    }));
    // kube-proxy has programmed the `kubernetes` Service once its healthz answers.
    await waitFor('kube-proxy to be healthy', async () => ((await fetch(`http://127.0.0.1:${proxyHealthz}/healthz`).catch(() => undefined))?.ok ? true : undefined), 60000, 250);
  }

  /** ctr against this node's containerd, in the namespace the kubelet uses. */
  ctr(args: string[], timeoutMs = 60000): ReturnType<typeof run> {
    return run(['ctr', '--address', this.socket, '--namespace', 'k8s.io', ...args], process.env, timeoutMs);
  }

  /** Imports an OCI archive into containerd (its reference is the archive's ref.name); returns the reference. */
  importImage(archive: string): string {
    const r = this.ctr(['images', 'import', '--all-platforms', archive], 5 * 60_000);
    const name = /unpacking (\S+) \(sha256/.exec(r.out)?.[1];
    if (r.code !== 0 || !name) throw new Error(`ctr images import ${archive} failed: ${r.out}`);
    return name;
  }

  /**
   * `count` local PersistentVolumes of the default StorageClass, each a directory of this node
   * (kept with Retain, as a site's local disks are). Returns their directories by PV name.
   */
  addLocalVolumes(count: number, capacity = '1Gi'): Record<string, string> {
    const dirs: Record<string, string> = {};
    const existing = readdirSync(this.dir).filter((f) => f.startsWith('volume-')).length;
    const docs = Array.from({ length: count }, (_, i) => {
      const name = `local-${existing + i}`;
      const path = join(this.dir, `volume-${existing + i}`);
      mkdirSync(path);
      dirs[name] = path;
      return stringify({
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
        spec: {
          capacity: { storage: capacity }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: LOCAL_STORAGE_CLASS, local: { path },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE_NAME] }] }] } },
        },
      });
    });
    this.cp.applyYaml(docs.join('---\n'));
    return dirs;
  }

  /** Running containers of this node (containerd's tasks): container id → pid of its first process. */
  runningTasks(): Map<string, number> {
    return new Map(this.ctr(['tasks', 'ls']).out.split('\n').slice(1).filter((l) => /\bRUNNING\b/.test(l))
      .map((l) => l.split(/\s+/)).map(([id, pid]) => [id, Number(pid)]));
  }

  /** The host pid of a pod's running container's first process, undefined when it is not running. */
  containerPid(pod: string, container: string): number | undefined {
    // One filter with both labels: separate filters would be OR'ed (and match the pod's sandbox).
    const ids = this.ctr(['containers', 'ls', '--quiet', `labels."io.kubernetes.pod.name"==${pod},labels."io.kubernetes.container.name"==${container}`]).out.split('\n').map((l) => l.trim());
    const running = this.runningTasks();
    return ids.map((id) => running.get(id)).find((pid) => pid !== undefined);
  }

  logs(lastLines = 40): string {
    return [...this.daemons.map((d) => logOf(d, lastLines)), this.cp.logs(lastLines)].join('\n');
  }

  /** Deletes every pod (the kubelet stops them and tears their network down), then stops everything by pid. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const kubelet = this.daemons.find((d) => d.name === 'kubelet');
    if (kubelet && !kubelet.exited) {
      // Cordoned, controllers' replacement pods stay Pending instead of starting again.
      this.cp.kubectl(['cordon', NODE_NAME]);
      this.cp.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=2', '--wait=false']);
      await waitFor('the node\'s containers to stop', () => (this.runningTasks().size === 0 ? true : undefined), 90000, 500)
        .catch((e: Error) => console.error(`${e.message}; killing them`));
    }
    for (const d of [...this.daemons].reverse().filter((x) => x.name !== 'containerd')) await stopDaemon(d, 10000);
    run([join(this.bin, 'kube-proxy'), '--cleanup']);
    removeKubeletChains();
    for (const pid of this.runningTasks().values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    const containerd = this.daemons.find((d) => d.name === 'containerd');
    if (containerd) await stopDaemon(containerd, 10000);
    this.stopShims();
    this.unmountAll();
    // A sandbox the kubelet had not torn down when it stopped keeps its namespace (and veth): removed
    // once no process of this node is left in it.
    for (const ns of podNetworkNamespaces()) if (!this.netnsBefore.has(ns)) run(['ip', 'netns', 'delete', ns]);
    run(['ip', 'link', 'delete', POD_NETWORK.bridge]);
    await this.cp.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** containerd's shims outlive it by design; those of this node's socket are stopped by pid. */
  private stopShims(): void {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmdline.includes('containerd-shim') && cmdline.includes(this.socket)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch { /* already gone */ }
      }
    }
  }

  /** The kubelet bind-mounts its root and the pods' volumes, containerd its overlays: undone, deepest first. */
  private unmountAll(): void {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(this.dir));
    for (const m of mounts.sort((a, b) => b.length - a.length)) run(['umount', '-l', m]);
  }
}
