/**
 * What both real test nodes are made of (test/helpers/real-node.ts, and the second node of
 * test/helpers/host-network-node.ts): their pod network, the files their containerd and kubelet
 * run with (one place for the settings this host needs), access to their containerd, and the
 * teardown of what containerd and the kubelet leave behind.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from './processes.js';

/** The pod network: a bridge on the host, its gateway (where the API server, CoreDNS and the kubelet listen) and the pods' subnet. */
export const POD_NETWORK = { bridge: 'xk8s0', gateway: '10.244.0.1', subnet: '10.244.0.0/24', prefixLength: 24, rangeEnd: '10.244.0.239' } as const;

/** A CNI bridge network: `bridge` on the node's network, addresses of `subnet` (up to `rangeEnd`). */
export function cniConflist(dir: string, bridge: string, subnet: string, rangeEnd?: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0', name: 'pods',
    plugins: [
      {
        type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet, ...(rangeEnd ? { rangeEnd } : {}) }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2);
}

/** containerd's configuration: its state under `dir`, its own socket, the CRI with runc and the CNI files of `cniDir`. */
export function containerdToml(dir: string, socket: string, cniDir: string, pauseReference: string): string {
  // restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, and runc cannot lower a sandbox's OOM score without it.
  return `version = 2
root = "${join(dir, 'containerd')}"
state = "${join(dir, 'containerd-state')}"
[grpc]
  address = "${socket}"
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
    conf_dir = "${cniDir}"
`;
}

export interface KubeletSettings {
  dir: string;
  socket: string;
  address: string;
  port: number;
  dns: string;
  resolvConf: string;
  /** The cgroup the node's pods go under: a second kubelet on this host needs one of its own. */
  cgroupRoot?: string;
}

export function kubeletYaml(s: KubeletSettings): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration',
    // This host mounts cgroup v1 only; Kubernetes 1.35 refuses it unless told otherwise.
    failCgroupV1: false, cgroupDriver: 'cgroupfs', ...(s.cgroupRoot ? { cgroupRoot: s.cgroupRoot } : {}),
    containerRuntimeEndpoint: `unix://${s.socket}`,
    address: s.address, port: s.port, readOnlyPort: 0, healthzPort: 0,
    // Only the API server talks to the kubelet here, over the pod network.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } }, authorization: { mode: 'AlwaysAllow' },
    clusterDNS: [s.dns], clusterDomain: 'cluster.local', resolvConf: s.resolvConf,
    failSwapOn: false, podLogsDir: join(s.dir, 'pod-logs'),
    // Images cannot be pulled again (no registry): never collect them, and evict only when the disk is truly full.
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
  });
}

/** ctr against the containerd of `socket`, in the namespace the kubelet uses. */
export function ctrAt(socket: string, args: string[], timeoutMs = 60000): ReturnType<typeof run> {
  return run(['ctr', '--address', socket, '--namespace', 'k8s.io', ...args], process.env, timeoutMs);
}

/** Imports an OCI archive into the containerd of `socket` (its reference is the archive's ref.name); returns the reference. */
export function importImageAt(socket: string, archive: string): string {
  const r = ctrAt(socket, ['images', 'import', '--all-platforms', archive], 5 * 60_000);
  const name = /unpacking (\S+) \(sha256/.exec(r.out)?.[1];
  if (r.code !== 0 || !name) throw new Error(`ctr images import ${archive} failed: ${r.out}`);
  return name;
}

/** containerd's shims outlive it by design; those of the containerd of `socket` are stopped by pid. */
export function killShimsOf(socket: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('containerd-shim') && cmdline.includes(socket)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch { /* already gone */ }
    }
  }
}

/** The kubelet bind-mounts its root and the pods' volumes, containerd its overlays: undone, deepest first. */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m && m.startsWith(dir));
  for (const m of mounts.sort((a, b) => b.length - a.length)) run(['umount', '-l', m]);
}
