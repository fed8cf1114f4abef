/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver (token auth,
 * RBAC, PodSecurity admission), kube-controller-manager, kube-scheduler and
 * kwok (simulated kubelets), on loopback with free ports and a temp dir.
 * Binaries come from test/controlplane/build.sh (cached, or KUBEBUILDER_ASSETS).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from './repo.js';
import { freePorts, logOf, printedDirectory, run, runAsync, startDaemon, stopDaemon, waitFor, type Daemon, type RunResult } from './processes.js';

export const ZONES = ['zone-a', 'zone-b'] as const;
export const NODE_COUNT = 3;
/** An image whose pods kwok never makes Ready. */
export const BROKEN_IMAGE = 'registry.example.org/xrootd:broken';
/** The label of the nodes kwok acts as the kubelet of. */
const KWOK_KUBELET_LABEL = 'xrootd-test/kubelet';
/** The taints the node lifecycle controller puts on a node whose kubelet stopped reporting. */
const UNREACHABLE_TAINTS = [
  { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
];

/** Builds or finds the binaries; prints nothing on success. */
export function controlPlaneBinaries(): string {
  const r = run(['bash', join(repoRoot(), 'test/controlplane/build.sh')], process.env, 45 * 60 * 1000);
  // The directory is the one line that is a path (a build also logs its progress).
  const dir = printedDirectory(r) ?? '';
  if (r.code !== 0 || !dir.startsWith('/')) throw new Error(`control-plane binaries could not be built:\n${r.out}`);
  return dir;
}

interface Identity { readonly user: string; readonly token: string; readonly groups: readonly string[] }

/** What the audit log says of one write (Metadata level). */
export interface AuditEvent {
  readonly verb: string;
  readonly userAgent?: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
  /** The path and query: `dryRun=All` marks a dry run, which changes nothing. */
  readonly requestURI?: string;
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
}

export interface ControlPlaneOptions {
  /**
   * Where pods of a real node reach the API server (the node's pod-network gateway,
   * test/helpers/real-node.ts). Set, the API server listens and advertises there (the
   * `kubernetes` Service's endpoint, reached through kube-proxy), kwok and its simulated
   * nodes stay off, and the controller manager publishes the API server's CA to pods.
   */
  readonly podGateway?: string;
}

export class ControlPlane {
  private readonly daemons: Daemon[] = [];
  private readonly identities: Identity[] = [];
  server = '';
  /** Admin kubeconfig (system:masters). */
  kubeconfig = '';

  private constructor(readonly bin: string, readonly dir: string, private readonly options: ControlPlaneOptions) {}

  /** Starts everything and returns once nodes are Ready and the default StorageClass exists (kwok) or the API is ready (real node). */
  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const started = Date.now();
    const cp = new ControlPlane(controlPlaneBinaries(), mkdtempSync(join(tmpdir(), 'k8s-')), options);
    try {
      await cp.boot();
    } catch (e) {
      console.error(`control plane failed to start:\n${cp.logs()}`);
      await cp.stop();
      throw e;
    }
    cp.startSeconds = (Date.now() - started) / 1000;
    return cp;
  }

  /** Seconds from start() to a usable cluster (binaries cached). */
  startSeconds = 0;

  private async boot(): Promise<void> {
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await freePorts(6);
    const d = this.dir;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(d, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    writeFileSync(join(d, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    this.identities.push({ user: 'admin', token: randomBytes(16).toString('hex'), groups: ['system:masters'] });
    this.identities.push({ user: 'xrootd-agent', token: randomBytes(16).toString('hex'), groups: [] });
    this.identities.push({ user: 'nobody', token: randomBytes(16).toString('hex'), groups: [] });
    writeFileSync(join(d, 'tokens.csv'), this.identities.map((i) => `${i.token},${i.user},${i.user},"${i.groups.join(',')}"`).join('\n') + '\n');

    this.spawn('etcd', [
      '--data-dir', join(d, 'etcd'), '--name', 'default',
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`, '--unsafe-no-fsync=true', '--log-level', 'warn',
    ]);
    // Every write, at Metadata level (who, what, when, answer): tests read it to prove who wrote what.
    writeFileSync(join(d, 'audit-policy.yaml'), stringify({
      apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'],
      rules: [{ level: 'Metadata', verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] }, { level: 'None' }],
    }));
    const address = this.options.podGateway ?? '127.0.0.1';
    this.spawn('kube-apiserver', [
      `--audit-policy-file=${join(d, 'audit-policy.yaml')}`, `--audit-log-path=${join(d, 'audit.log')}`, '--audit-log-format=json',
      `--etcd-servers=http://127.0.0.1:${etcdClient}`, `--bind-address=${address}`, `--advertise-address=${address}`,
      `--secure-port=${apiPort}`, `--cert-dir=${join(d, 'certs')}`, '--service-cluster-ip-range=10.0.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${join(d, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(d, 'sa.key')}`, `--token-auth-file=${join(d, 'tokens.csv')}`,
      '--authorization-mode=RBAC', '--allow-privileged=true', '--enable-admission-plugins=PodSecurity,DefaultStorageClass',
      // Without a real node nothing reaches the `kubernetes` Service, so its endpoints are not kept.
      ...(this.options.podGateway ? [] : ['--endpoint-reconciler-type=none']), '-v=1',
      // A real node is reached at its address (logs, exec), never by a host name looked up outside.
      '--kubelet-preferred-address-types=InternalIP',
    ]);
    this.server = `https://${address}:${apiPort}`;
    this.kubeconfig = this.writeKubeconfig('admin');
    await waitFor('the API server to be ready', () => (this.kubectl(['get', '--raw', '/readyz']).out.trim() === 'ok' ? true : undefined), 60000, 250);

    this.spawn('kube-controller-manager', [
      `--kubeconfig=${this.kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${join(d, 'sa.key')}`, '--use-service-account-credentials=false',
      '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller', '-v=1',
      // Pods verify the API server with the kube-root-ca.crt ConfigMap: its self-signed certificate.
      ...(this.options.podGateway ? [`--root-ca-file=${join(d, 'certs', 'apiserver.crt')}`] : []),
    ]);
    this.spawn('kube-scheduler', [`--kubeconfig=${this.kubeconfig}`, '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${schedPort}`, '-v=1']);
    if (this.options.podGateway) {
      await waitFor('the default ServiceAccount to exist', () => (this.kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).code === 0 ? true : undefined), 60000, 250);
      return;
    }

    // kwok wants Stage objects only; the StorageClass that ships beside them is created through the API.
    const stageFiles = readdirSync(join(this.bin, 'stages')).filter((f) => f !== 'storage-class.yaml').sort();
    // The examples name StorageClass "standard" (as many clusters have); kwok provisions it like its own.
    const stages = stageFiles.map((f) => readFileSync(join(this.bin, 'stages', f), 'utf8'))
      .map((y) => y.replace("self.spec.storageClassName == 'kwok-volume'", "self.spec.storageClassName in ['kwok-volume', 'standard']"))
      // Pods of BROKEN_IMAGE never become Ready: what a bad release looks like to a rollout.
      .map((y) => (/name: pod-ready\n/.test(y) ? y.replace('    matchExpressions:\n', `    matchExpressions:\n    - key: '.spec.containers.[0].image'\n      operator: 'NotIn'\n      values:\n      - '${BROKEN_IMAGE}'\n`) : y));
    // Claims that ask for more grow, as a storage driver's resizer would make them.
    stages.push(readFileSync(join(repoRoot(), 'test/controlplane/kwok/stages/pvc-resize.yaml'), 'utf8'));
    writeFileSync(join(d, 'kwok.yaml'), stages.join('\n---\n'));
    // kwok acts as the kubelet of labelled nodes only: a test takes the label off to lose a node (loseNode).
    this.spawn('kwok', [`--kubeconfig=${this.kubeconfig}`, `--config=${join(d, 'kwok.yaml')}`, `--manage-nodes-with-label-selector=${KWOK_KUBELET_LABEL}=kwok`,
      '--server-address', `127.0.0.1:${kwokPort}`]);

    const storageClass = readFileSync(join(this.bin, 'stages', 'storage-class.yaml'), 'utf8');
    // The default class allows volume expansion; "standard" does not (both cases are tested).
    this.applyYaml(`${storageClass.trimEnd()}\nallowVolumeExpansion: true\n`);
    this.applyYaml(storageClass.replace('name: kwok-volume', 'name: standard').replace('"true"', '"false"'));
    this.applyYaml(Array.from({ length: NODE_COUNT }, (_, i) => stringify({
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name: `kwok-node-${i}`,
        labels: { 'kubernetes.io/hostname': `kwok-node-${i}`, 'topology.kubernetes.io/zone': ZONES[i % ZONES.length], type: 'kwok', [KWOK_KUBELET_LABEL]: 'kwok' },
        annotations: { 'kwok.x-k8s.io/node': 'fake' },
      },
    })).join('---\n'));
    await waitFor('nodes to be Ready', () => {
      const r = this.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}']);
      return r.out.trim().split(' ').filter((s) => s === 'True').length === NODE_COUNT ? true : undefined;
    }, 60000, 250);
    // Node creation adds the not-ready taint. The node-lifecycle controller would lift it, but
    // it also marks every pod NotReady whenever kwok's heartbeats lag on a busy machine; so it
    // stays off and the taint is lifted here, once kwok reports the nodes Ready.
    for (let i = 0; i < NODE_COUNT; i++) {
      const r = this.kubectl(['patch', 'node', `kwok-node-${i}`, '--type=merge', '-p', '{"spec":{"taints":null}}']);
      if (r.code !== 0) throw new Error(`could not untaint kwok-node-${i}: ${r.out}`);
    }
    await waitFor('the default ServiceAccount to exist', () => (this.kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).code === 0 ? true : undefined), 60000, 250);
  }

  private readonly argsOf = new Map<string, string[]>();

  private spawn(name: string, args: string[]): void {
    this.argsOf.set(name, args);
    this.daemons.push(startDaemon(name, [join(this.bin, name), ...args], { PATH: process.env.PATH, HOME: this.dir }, join(this.dir, `${name}.log`)));
  }

  /** Stops the API server (every watch breaks), waits `downMs`, starts it again with the same flags and waits until it is ready. */
  async restartApiServer(downMs = 2000): Promise<void> {
    await this.restart('kube-apiserver', downMs);
  }

  /**
   * A kwok node lost: its kubelet (kwok) stops, and the node and its pods are marked as the node
   * lifecycle controller marks them when heartbeats stop (that controller stays off here: on a busy
   * machine it would mark every node so): Ready Unknown, the unreachable taints, its pods unready.
   */
  async loseNode(node: string): Promise<void> {
    const kubectl = (args: string[]) => {
      const r = this.kubectl(args);
      if (r.code !== 0) throw new Error(`losing ${node}: kubectl ${args.join(' ')}: ${r.out}`);
    };
    kubectl(['label', 'node', node, `${KWOK_KUBELET_LABEL}-`]);
    kubectl(['patch', 'node', node, '--type=merge', '-p', JSON.stringify({ spec: { taints: UNREACHABLE_TAINTS } })]);
    const ready = () => this.kubectl(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).out.trim();
    // kwok may post one more heartbeat (Ready) before it lets the node go: marked again until it stays Unknown.
    await waitFor(`${node} to stay NotReady`, async () => {
      if (ready() !== 'Unknown') {
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        kubectl(['patch', 'node', node, '--subresource=status', '--type=strategic', '-p', JSON.stringify({
          status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now, lastHeartbeatTime: now }] },
        })]);
      }
      await new Promise((r) => setTimeout(r, 3000));
      return ready() === 'Unknown' ? true : undefined;
    }, 30000, 0);
    const pods = this.getJson(['pods', '-A', '--field-selector', `spec.nodeName=${node}`]).items as { metadata: { name: string; namespace: string } }[];
    for (const p of pods) this.markPodReady(p.metadata.namespace, p.metadata.name, false);
  }

  /** Sets a pod's Ready condition, as its kubelet would (kwok marks a pod Ready once, when it starts it). */
  private markPodReady(namespace: string, pod: string, ready: boolean): void {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.kubectl(['patch', 'pod', pod, '-n', namespace, '--subresource=status', '--type=strategic', '-p',
      JSON.stringify({ status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } })]);
  }

  /** A node lost by loseNode back: its taints gone, kwok its kubelet again (it reports it Ready). */
  async restoreNode(node: string): Promise<void> {
    for (const args of [['patch', 'node', node, '--type=merge', '-p', '{"spec":{"taints":null}}'], ['label', 'node', node, `${KWOK_KUBELET_LABEL}=kwok`]]) {
      const r = this.kubectl(args);
      if (r.code !== 0) throw new Error(`restoring ${node}: ${r.out}`);
    }
    await waitFor(`${node} to be Ready again`, () => (this.kubectl(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).out.trim() === 'True' ? true : undefined), 60000, 500);
    // The pods that stayed there run again: their kubelet reports them Ready.
    const pods = this.getJson(['pods', '-A', '--field-selector', `spec.nodeName=${node}`]).items as { metadata: { name: string; namespace: string; deletionTimestamp?: string } }[];
    for (const p of pods.filter((x) => !x.metadata.deletionTimestamp)) this.markPodReady(p.metadata.namespace, p.metadata.name, true);
  }

  /** Stops one daemon (etcd, kube-apiserver, ...), waits `downMs`, starts it again with the same flags and waits for the API. */
  async restart(name: string, downMs = 2000): Promise<void> {
    const i = this.daemons.findIndex((d) => d.name === name);
    if (i < 0) throw new Error(`no daemon ${name}`);
    await stopDaemon(this.daemons[i], 10000);
    this.daemons.splice(i, 1);
    await new Promise((r) => setTimeout(r, downMs));
    this.spawn(name, this.argsOf.get(name)!);
    await waitFor('the API server to be ready again', () => (this.kubectl(['get', '--raw', '/readyz']).out.trim() === 'ok' ? true : undefined), 90000, 250);
  }

  /** Writes a kubeconfig for one of the identities (admin, xrootd-agent, nobody). */
  writeKubeconfig(user: string): string {
    const id = this.identities.find((i) => i.user === user);
    if (!id) throw new Error(`no identity ${user}`);
    return this.tokenKubeconfig(user, id.token);
  }

  /** A kubeconfig acting as a ServiceAccount, with a token from the TokenRequest API (what a pod would mount). */
  serviceAccountKubeconfig(namespace: string, name: string): string {
    const r = this.kubectl(['create', 'token', name, '-n', namespace, '--duration=4h']);
    if (r.code !== 0) throw new Error(`no token for ${namespace}/${name}: ${r.out}`);
    return this.tokenKubeconfig(`${namespace}-${name}`, r.out.trim());
  }

  private tokenKubeconfig(user: string, token: string): string {
    const path = join(this.dir, `${user}.kubeconfig`);
    writeFileSync(path, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': user,
      clusters: [{ name: 'test', cluster: { server: this.server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: 'test', user } }],
    }));
    return path;
  }

  /** The API server's audit events of writes, oldest first. */
  auditEvents(): AuditEvent[] {
    return readFileSync(join(this.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  }

  /** kubectl (the reference client) against this cluster, as admin unless another kubeconfig is given. */
  kubectl(args: string[], opts: { input?: string; kubeconfig?: string; timeoutMs?: number } = {}): RunResult {
    return run([join(this.bin, 'kubectl'), `--kubeconfig=${opts.kubeconfig ?? this.kubeconfig}`, ...args], process.env, opts.timeoutMs ?? 60000, opts.input);
  }

  /** kubectl as admin, without blocking the test while it runs (a drain that waits). */
  kubectlAsync(args: string[], timeoutMs = 60000): Promise<RunResult> {
    return runAsync([join(this.bin, 'kubectl'), `--kubeconfig=${this.kubeconfig}`, ...args], process.env, timeoutMs);
  }

  /** Server-side apply of YAML as admin; throws with kubectl's output on failure. */
  applyYaml(yaml: string, extra: string[] = []): string {
    const r = this.kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-', ...extra], { input: yaml });
    if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.out}`);
    return r.out;
  }

  /** Parsed `kubectl get -o json`. */
  getJson(args: string[]): any {
    const r = this.kubectl(['get', ...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl get ${args.join(' ')} failed: ${r.out}`);
    return JSON.parse(r.out);
  }

  /** Like getJson, undefined when the object does not exist (or the read fails). */
  tryGetJson(args: string[]): any {
    const r = this.kubectl(['get', ...args, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.out) : undefined;
  }

  logs(lastLines = 40): string {
    return this.daemons.map((d) => logOf(d, lastLines)).join('\n');
  }

  /** Stops every process this control plane started, by pid, and removes its state. */
  async stop(): Promise<void> {
    for (const d of [...this.daemons].reverse()) await stopDaemon(d, 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A namespace, optionally enforcing a Pod Security Standard. */
export function createNamespace(cp: ControlPlane, name: string, enforce?: 'restricted' | 'baseline'): void {
  const labels = enforce ? { 'pod-security.kubernetes.io/enforce': enforce, 'pod-security.kubernetes.io/enforce-version': 'latest' } : {};
  cp.applyYaml(stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
}

/** Waits until the Xrootd `name` is Ready with at least `readyWorkers` data servers ready; returns it. */
export function xrootdReady(cp: ControlPlane, namespace: string, name: string, readyWorkers: number, timeoutMs = 300000): Promise<any> {
  return waitFor(`${namespace}/${name} Ready`, () => {
    const x = cp.tryGetJson(['xrootd', name, '-n', namespace]);
    return x?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && (x.status.workers?.ready ?? 0) >= readyWorkers ? x : undefined;
  }, timeoutMs, 1000);
}
