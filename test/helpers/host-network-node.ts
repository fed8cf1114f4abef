/**
 * A second real node beside RealNode's, for what needs two nodes' networks (expose.type
 * HostNetwork puts one pod of a cluster per node, on the node's own address). Its "host
 * network" is a network namespace of its own, joined to the first node's bridge by a veth pair
 * with an address of the pod subnet above the first node's range; its containerd and kubelet
 * run in that namespace (nsenter: the host's mount namespace, so the kubelet's mounts are the
 * runtime's) with their own state, socket and cgroup root. It takes only pods that tolerate its
 * taint: its own pod network (a bridge inside its namespace, so that the runtime reports the
 * network ready) is not routed to the first node's.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cniConflist, containerdToml, ctrAt, importImageAt, killShimsOf, kubeletYaml, POD_NETWORK, unmountUnder } from './node-parts.js';
import { freePorts, logOf, run, startDaemon, stopDaemon, waitFor, type Daemon } from './processes.js';
import type { ControlPlane } from './control-plane.js';

export const HOST_NETWORK_NODE = {
  name: 'realnode2', netns: 'xk8s-node2', hostSide: 'xk8s-n2', address: '10.244.0.250',
  /** Only pods that tolerate it run there. */
  taint: { key: 'xrootd.test/host-network-node', value: 'true', effect: 'NoSchedule' },
  cgroupRoot: '/xk8s-node2', podBridge: 'xk8s1', podSubnet: '10.244.1.0/24',
} as const;

const CGROUP_V1 = '/sys/fs/cgroup';

/** What the second node takes from the first: the control plane, the node binaries, a directory of its own below. */
export interface FirstNode { readonly cp: ControlPlane; readonly bin: string; readonly dir: string }

export class HostNetworkNode {
  private readonly daemons: Daemon[] = [];
  private readonly socket: string;

  private constructor(private readonly first: FirstNode, readonly dir: string) {
    this.socket = join(dir, 'containerd.sock');
  }

  static async start(first: FirstNode): Promise<HostNetworkNode> {
    const node = new HostNetworkNode(first, join(first.dir, 'node2'));
    mkdirSync(node.dir);
    try {
      await node.boot();
    } catch (e) {
      console.error(`second node failed to start:\n${node.logs()}`);
      await node.stop();
      throw e;
    }
    return node;
  }

  private spawn(name: string, command: string[]): void {
    // nsenter --net: the namespace's network, the host's mounts (ip netns exec would give each its own mount namespace).
    this.daemons.push(startDaemon(name, ['nsenter', `--net=/run/netns/${HOST_NETWORK_NODE.netns}`, '--', ...command],
      { PATH: process.env.PATH, HOME: this.dir }, join(this.dir, `${name}.log`)));
  }

  private async boot(): Promise<void> {
    const n = HOST_NETWORK_NODE;
    const d = this.dir;
    removeNetwork();
    ip(['netns', 'add', n.netns]);
    ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
    ip(['link', 'add', n.hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns]);
    ip(['link', 'set', n.hostSide, 'master', POD_NETWORK.bridge, 'up']);
    ip(['-n', n.netns, 'addr', 'add', `${n.address}/${POD_NETWORK.prefixLength}`, 'dev', 'eth0']);
    ip(['-n', n.netns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', n.netns, 'route', 'add', 'default', 'via', POD_NETWORK.gateway]);
    makeCgroupRoot();

    const pauseReference = readFileSync(join(this.first.bin, 'pause.reference'), 'utf8').trim();
    const cni = join(d, 'cni');
    mkdirSync(cni);
    writeFileSync(join(cni, '10-pods.conflist'), cniConflist(d, n.podBridge, n.podSubnet));
    writeFileSync(join(d, 'containerd.toml'), containerdToml(d, this.socket, cni, pauseReference));
    this.spawn('containerd-2', ['containerd', '--config', join(d, 'containerd.toml')]);
    await waitFor('the second containerd to serve', () => (ctrAt(this.socket, ['version']).code === 0 ? true : undefined), 30000, 200);
    this.importImage(join(this.first.bin, 'pause.oci.tar'));

    const [kubeletPort] = await freePorts(1);
    writeFileSync(join(d, 'resolv.conf'), 'search cluster.local\n');
    writeFileSync(join(d, 'kubelet.yaml'), kubeletYaml({
      dir: d, socket: this.socket, address: n.address, port: kubeletPort, dns: POD_NETWORK.gateway, resolvConf: join(d, 'resolv.conf'), cgroupRoot: n.cgroupRoot,
    }));
    const cp = this.first.cp;
    this.spawn('kubelet-2', [join(this.first.bin, 'kubelet'), `--config=${join(d, 'kubelet.yaml')}`, `--kubeconfig=${cp.kubeconfig}`,
      `--hostname-override=${n.name}`, `--node-ip=${n.address}`, `--root-dir=${join(d, 'kubelet')}`, `--cert-dir=${join(d, 'kubelet-pki')}`, '--v=1']);
    await waitFor('the second node to be Ready', () => {
      const r = cp.kubectl(['get', 'node', n.name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.out.trim() === 'True' ? true : undefined;
    }, 90000, 250);
    // The node-lifecycle controller is off: its not-ready taint is replaced by the test's own.
    const tainted = cp.kubectl(['patch', 'node', n.name, '--type=merge', '-p', JSON.stringify({ spec: { taints: [n.taint] } })]);
    if (tainted.code !== 0) throw new Error(`could not taint ${n.name}: ${tainted.out}`);
  }

  importImage(archive: string): string {
    return importImageAt(this.socket, archive);
  }

  /** How many containers run here. */
  runningTasks(): number {
    return ctrAt(this.socket, ['tasks', 'ls']).out.split('\n').slice(1).filter((l) => /\bRUNNING\b/.test(l)).length;
  }

  logs(lastLines = 40): string {
    return this.daemons.map((d) => logOf(d, lastLines)).join('\n');
  }

  /** Stops the kubelet and containerd by pid (their pods are deleted first, by RealNode.stop), then undoes the rest. */
  async stop(): Promise<void> {
    for (const d of [...this.daemons].reverse()) await stopDaemon(d, 10000);
    killShimsOf(this.socket);
    unmountUnder(this.dir);
    removeNetwork();
    removeCgroupRoot();
  }
}

function ip(args: string[]): void {
  const r = run(['ip', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.out}`);
}

function removeNetwork(): void {
  const n = HOST_NETWORK_NODE;
  if (run(['ip', 'netns', 'list']).out.split('\n').some((l) => l.split(' ')[0] === n.netns)) run(['ip', 'netns', 'delete', n.netns]);
  if (run(['ip', 'link', 'show', n.hostSide]).code === 0) run(['ip', 'link', 'delete', n.hostSide]);
}

/** The hierarchies: one per v1 controller, and the unified one (the kubelet mirrors its pods' cgroups there too). */
const hierarchies = (withUnified = false): string[] => readdirSync(CGROUP_V1).filter((h) => withUnified || h !== 'unified').map((h) => join(CGROUP_V1, h));

/** The kubelet requires its cgroup root to exist; a new cpuset has no CPUs or memory nodes until given its parent's. */
function makeCgroupRoot(): void {
  for (const h of hierarchies()) {
    const dir = join(h, HOST_NETWORK_NODE.cgroupRoot);
    if (!existsSync(dir)) mkdirSync(dir);
    if (h.endsWith('/cpuset')) for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(h, f)));
  }
}

/** Removes the cgroup root and what the kubelet left under it (empty once its containers are gone), deepest first. */
function removeCgroupRoot(): void {
  const remove = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch (e) {
      console.error(`could not remove the cgroup ${dir}: ${(e as Error).message}`);
    }
  };
  for (const h of hierarchies(true)) if (existsSync(join(h, HOST_NETWORK_NODE.cgroupRoot))) remove(join(h, HOST_NETWORK_NODE.cgroupRoot));
}
