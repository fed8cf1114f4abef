/**
 * A real Kubernetes node for tests: kubelet with Debian's containerd and runc, pods in
 * their own network namespaces on a bridge from Debian's CNI plugins, CoreDNS as the
 * cluster DNS and kube-proxy for Services, joined to a ControlPlane that listens on the
 * bridge's gateway. Images come from OCI archives imported into containerd (no registry).
 * Volumes are local PersistentVolumes in directories of the node (the real PV controller
 * binds them, the kubelet mounts them). NetworkPolicies are enforced by SIG Network's
 * kube-network-policies (nftables and NFQUEUE on the host), as a kind cluster's are. Every process is stopped by pid; pods are deleted
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
import { HostNetworkNode } from './host-network-node.js';
import { cniConflist, containerdToml, ctrAt, importImageAt, killShimsOf, kubeletYaml, POD_NETWORK, unmountUnder } from './node-parts.js';
import { freePorts, logOf, requirePrograms, run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import { repoRoot } from './repo.js';

export const NODE_NAME = 'realnode';
export { POD_NETWORK };
/** The StorageClass of the node's local volumes (the name the examples use). */
export const LOCAL_STORAGE_CLASS = 'standard';
/**
 * A network namespace outside the cluster, joined to the node by a veth pair: it routes to the
 * node's address and the pod network (as a site's network routes to pods where NodePorts are
 * used), and resolves names with the cluster DNS (a site's resolver forwarding cluster.local).
 */
export const OUTSIDE = { netns: 'xk8s-outside', hostSide: 'xk8s-out0', outsideSide: 'xk8s-out1', hostAddress: '10.245.0.1', address: '10.245.0.2', prefixLength: 30 } as const;

/** kube-network-policies' nftables table (family inet) and the NFQUEUE it hands new connections to. */
const POLICY_TABLE = 'kube-network-policies';
const POLICY_QUEUE = 98;

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

const outsideResolvDir = (): string => join('/etc/netns', OUTSIDE.netns);

/** The OUTSIDE namespace, its veth pair (deleted with it) and its resolver file, if any. */
function removeOutside(): void {
  if (run(['ip', 'netns', 'list']).out.split('\n').some((l) => l.split(' ')[0] === OUTSIDE.netns)) run(['ip', 'netns', 'delete', OUTSIDE.netns]);
  if (run(['ip', 'link', 'show', OUTSIDE.hostSide]).code === 0) run(['ip', 'link', 'delete', OUTSIDE.hostSide]);
  rmSync(outsideResolvDir(), { recursive: true, force: true });
}

/** containerd's pod network namespaces (`cni-<uuid>`, under /run/netns). */
function podNetworkNamespaces(): Set<string> {
  return new Set(run(['ip', 'netns', 'list']).out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith('cni-')));
}

export class RealNode {
  private readonly daemons: Daemon[] = [];
  private readonly socket: string;
  private stopped = false;
  private second?: HostNetworkNode;
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
    requirePrograms(['containerd', 'ctr', 'runc', 'ip', 'iptables', 'nft', 'unshare', 'conntrack', 'gcc', 'buildah'],
      'install Debian\'s containerd, runc, iproute2, iptables, nftables, conntrack, gcc and buildah (test/install-prerequisites.sh does)');
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
    // Addresses above the range are for a second node's own address (host-network-node.ts).
    writeFileSync(join(cni, '10-pods.conflist'), cniConflist(d, POD_NETWORK.bridge, POD_NETWORK.subnet, POD_NETWORK.rangeEnd));
    writeFileSync(join(d, 'containerd.toml'), containerdToml(d, this.socket, cni, pauseReference));
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
    writeFileSync(join(d, 'kubelet.yaml'), kubeletYaml({
      dir: d, socket: this.socket, address: POD_NETWORK.gateway, port: kubeletPort, dns: POD_NETWORK.gateway, resolvConf: join(d, 'resolv.conf'),
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
    const policyAgentMetrics = await this.startPolicyAgent();

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
    await waitFor('kube-network-policies to program its nftables table', async () => {
      const serving = (await fetch(`http://127.0.0.1:${policyAgentMetrics}/metrics`).catch(() => undefined))?.ok;
      return serving && run(['nft', 'list', 'table', 'inet', POLICY_TABLE]).code === 0 ? true : undefined;
    }, 60000, 250);
  }

  /**
   * kube-network-policies as its DaemonSet runs it (hostNetwork, its ServiceAccount, in-cluster
   * configuration), but as a process of the host: it reads its token and CA from the fixed
   * in-cluster path, so it runs in a private mount namespace whose /var is a tmpfs holding
   * only that path. NRI is off (containerd here has none): pods' addresses come from the API.
   * Returns its metrics port.
   */
  private async startPolicyAgent(): Promise<number> {
    this.cp.applyYaml(readFileSync(join(this.bin, 'kube-network-policies-rbac.yaml'), 'utf8'));
    const token = this.cp.kubectl(['create', 'token', 'kube-network-policies', '-n', 'kube-system', '--duration=24h']);
    if (token.code !== 0) throw new Error(`no token for kube-network-policies: ${token.out}`);
    const account = join(this.dir, 'policy-agent-account');
    mkdirSync(account);
    writeFileSync(join(account, 'token'), token.out.trim());
    writeFileSync(join(account, 'ca.crt'), readFileSync(join(this.cp.dir, 'certs', 'apiserver.crt')));
    writeFileSync(join(account, 'namespace'), 'kube-system');
    const [metrics] = await freePorts(1);
    const api = new URL(this.cp.server);
    const script = 'mount -t tmpfs -o size=1m tmpfs /var && mkdir -p /var/run/secrets/kubernetes.io/serviceaccount'
      + ' && cp "$1"/* /var/run/secrets/kubernetes.io/serviceaccount/ && shift && exec "$@"';
    this.daemons.push(startDaemon('kube-network-policies', [
      'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'policy-agent', account,
      join(this.bin, 'kube-network-policies'), `--hostname-override=${NODE_NAME}`, '--disable-nri',
      `--metrics-bind-address=127.0.0.1:${metrics}`, `--nfqueue-id=${POLICY_QUEUE}`, '--v=2',
    ], { PATH: process.env.PATH, KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port }, join(this.dir, 'kube-network-policies.log')));
    return metrics;
  }

  /** ctr against this node's containerd, in the namespace the kubelet uses. */
  ctr(args: string[], timeoutMs = 60000): ReturnType<typeof run> {
    return ctrAt(this.socket, args, timeoutMs);
  }

  /** Imports an OCI archive into containerd (its reference is the archive's ref.name); returns the reference. */
  importImage(archive: string): string {
    return importImageAt(this.socket, archive);
  }

  /** A second node whose host network is a namespace of its own (for expose.type HostNetwork); stopped with this one. */
  async addHostNetworkNode(): Promise<HostNetworkNode> {
    this.second ??= await HostNetworkNode.start(this);
    return this.second;
  }

  /**
   * `count` local PersistentVolumes of the default StorageClass, each a directory of this node
   * (kept with Retain, as a site's local disks are). Returns their directories by PV name.
   */
  addLocalVolumes(count: number, capacity = '1Gi', nodeName: string = NODE_NAME): Record<string, string> {
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
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
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
    return [...this.daemons.map((d) => logOf(d, lastLines)), this.second?.logs(lastLines) ?? '', this.cp.logs(lastLines)].join('\n');
  }

  /** Creates the OUTSIDE namespace (replacing a stale one); removed again at stop. Returns how to run a command there. */
  outside(): (command: string[], timeoutMs?: number) => ReturnType<typeof run> {
    removeOutside();
    ip(['netns', 'add', OUTSIDE.netns]);
    ip(['-n', OUTSIDE.netns, 'link', 'set', 'lo', 'up']);
    ip(['link', 'add', OUTSIDE.hostSide, 'type', 'veth', 'peer', 'name', OUTSIDE.outsideSide, 'netns', OUTSIDE.netns]);
    ip(['addr', 'add', `${OUTSIDE.hostAddress}/${OUTSIDE.prefixLength}`, 'dev', OUTSIDE.hostSide]);
    ip(['link', 'set', OUTSIDE.hostSide, 'up']);
    ip(['-n', OUTSIDE.netns, 'addr', 'add', `${OUTSIDE.address}/${OUTSIDE.prefixLength}`, 'dev', OUTSIDE.outsideSide]);
    ip(['-n', OUTSIDE.netns, 'link', 'set', OUTSIDE.outsideSide, 'up']);
    ip(['-n', OUTSIDE.netns, 'route', 'add', POD_NETWORK.subnet, 'via', OUTSIDE.hostAddress]);
    // `ip netns exec` mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf.
    mkdirSync(outsideResolvDir(), { recursive: true });
    writeFileSync(join(outsideResolvDir(), 'resolv.conf'), `nameserver ${POD_NETWORK.gateway}\n`);
    return (command, timeoutMs = 60000) => run(['ip', 'netns', 'exec', OUTSIDE.netns, ...command], process.env, timeoutMs);
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
      await waitFor('the node\'s containers to stop', () => (this.runningTasks().size === 0 && !this.second?.runningTasks() ? true : undefined), 90000, 500)
        .catch((e: Error) => console.error(`${e.message}; killing them`));
    }
    await this.second?.stop();
    for (const d of [...this.daemons].reverse().filter((x) => x.name !== 'containerd')) await stopDaemon(d, 10000);
    run([join(this.bin, 'kube-proxy'), '--cleanup']);
    // It deletes its table when it stops; a killed one leaves it, and NFQUEUE without a reader drops.
    if (run(['nft', 'list', 'table', 'inet', POLICY_TABLE]).code === 0) run(['nft', 'delete', 'table', 'inet', POLICY_TABLE]);
    removeKubeletChains();
    for (const pid of this.runningTasks().values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    const containerd = this.daemons.find((d) => d.name === 'containerd');
    if (containerd) await stopDaemon(containerd, 10000);
    killShimsOf(this.socket);
    unmountUnder(this.dir);
    // A sandbox the kubelet had not torn down when it stopped keeps its namespace (and veth): removed
    // once no process of this node is left in it.
    for (const ns of podNetworkNamespaces()) if (!this.netnsBefore.has(ns)) run(['ip', 'netns', 'delete', ns]);
    run(['ip', 'link', 'delete', POD_NETWORK.bridge]);
    removeOutside();
    await this.cp.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
