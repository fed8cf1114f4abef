/**
 * Runs a synthesized cluster on real XRootD daemons on loopback. The config and
 * scripts are the ConfigMap's exact bytes; each "pod" gets the environment its
 * pod spec defines, with loopback addresses and free ports as its identity.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, PROBE_SCRIPT, START_SCRIPT, type Role, type XrootdClusterProps } from '../../constructs/index.js';
import { CONFIG_DIR, EXTERNAL_ADDRESSES_KEY, MAINTENANCE_KEY } from '../../constructs/config.js';
import { ADMIN_DIR, DATA_DIR, MAINTENANCE_DIR, ORIGIN_CREDENTIALS_DIR, SYSTEM_CA_BUNDLE, TLS_SECRET_DIR, dataMountPath } from '../../constructs/pod-template.js';
import { containerName, PODMAN, podmanRun, projectImage, releaseUnderTest, removeContainer, type ContainerImage } from '../helpers/containers.js';
import { synth } from '../helpers/synth.js';
import { freePorts, inNetns, isPortFree, logOf, run, startDaemon, stopDaemon, waitFor, type Daemon, type RunResult } from '../helpers/processes.js';

/** The unprivileged user the daemons run as when the tests run as root (Debian's package creates it). */
export const XROOTD_USER = 'xrootd';

export interface LoopbackPod {
  readonly role: Role;
  readonly ordinal: number;
  readonly name: string;
  /** The address others use to reach this pod. */
  readonly host: string;
  /** Its per-pod DNS name in Kubernetes: a container's /etc/hosts gives it to the pod's address, as a pod's does. */
  readonly fqdn: string;
  readonly port: number;
  readonly cmsdPort?: number;
  readonly dir: string;
  /** The data volume on the host (data servers). */
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  daemons: Partial<Record<'xrootd' | 'cmsd', Daemon>>;
  /** Container names of the daemons, when they run from an image. */
  containers: Partial<Record<'xrootd' | 'cmsd', string>>;
  /** Set once the pod is replaced by another release's (replacePod): its image and the configuration rendered for it. */
  replacedBy?: { readonly release: string; readonly image: ContainerImage; readonly configDir: string };
}

export interface LoopbackOptions {
  /** The release the daemons run, in containers of its image (default: XRD_RELEASE's, else the host's own packages). */
  readonly release?: string;
  /** Where a data server's volume lives on the host (default: under the cluster's directory). */
  readonly dataDirOf?: (pod: string) => string;
  /**
   * Run each daemon in a container from this image (host network, the ConfigMap, the admin
   * emptyDir and the data volume mounted where the pod mounts them, read-only root), as the
   * image's user instead of Debian's `xrootd` user.
   */
  readonly image?: ContainerImage;
  /** The TLS Secret's files (tls.crt, tls.key, ca.crt) as a pod mounts them, for clusters with spec.security.tls. */
  readonly tlsDir?: string;
  /** A CA bundle mounted over the image's system bundle (spec.security.tokens.issuerCaBundle); containers only. */
  readonly caBundle?: string;
  /** More environment of the test's own clients (xrdmapc): credentials, for clusters that let no one in without them. */
  readonly clientEnv?: NodeJS.ProcessEnv;
  /**
   * More environment of the daemons, beyond what the pod spec sets: what loopback addresses need
   * and pods do not (GSI's check of a server's name, which here is an IP address in no certificate).
   */
  readonly daemonEnv?: NodeJS.ProcessEnv;
  /** `host:port` of the metrics collector, for clusters with spec.monitoring (the pods get the Service's name). */
  readonly collector?: string;
  /** A cache cluster's credentials toward its origin (spec.cache.origin.credentials): a directory with `token` and/or `x509up`, as the pod mounts the Secrets. */
  readonly originCredentialsDir?: string;
  /** A network namespace (made by the test) the daemons and the harness's own clients run in; host daemons only. */
  readonly netns?: string;
  /** More environment of one pod's daemons, as its pod spec sets it (the downward API's node name). */
  readonly podEnv?: (pod: string) => NodeJS.ProcessEnv;
  /** Pods not started with the others (a data server the test adds later with startPod, as a scale-up does). */
  readonly startLater?: (pod: string) => boolean;
}

/**
 * The uid and gid the daemons run with: the image's user for a release under test (its
 * containers), else Debian's `xrootd` user. Files a test makes for the daemons are theirs.
 */
export function daemonIds(): { uid: number; gid: number } {
  const release = releaseUnderTest();
  if (release) {
    const [uid, gid] = projectImage('xrootd', release).user.split(':').map(Number);
    return { uid, gid };
  }
  return { uid: Number(run(['id', '-u', XROOTD_USER]).out.trim()), gid: Number(run(['id', '-g', XROOTD_USER]).out.trim()) };
}

/** Each manager gets its own loopback address: two managers on one address confuse XRootD's manager list. */
const managerHost = (i: number): string => `127.0.0.${10 + i}`;

export class LoopbackCluster {
  readonly pods: LoopbackPod[] = [];
  private readonly containersStarted = new Set<string>();
  private constructor(private readonly props: XrootdClusterProps,
    readonly dir: string, readonly configDir: string, readonly files: Record<string, string>,
    private readonly image?: ContainerImage, private readonly tlsDir?: string, private readonly caBundle?: string,
    private readonly clientEnv: NodeJS.ProcessEnv = {}, readonly netns?: string,
    /** Where the pod mounts its data volume (worker.storage.layout). */
    private readonly dataMount = DATA_DIR, private readonly originCredentialsDir?: string) {}

  /**
   * Synthesizes `props` and starts every pod's xrootd and cmsd. With a release under test
   * (XRD_RELEASE, `npm run test:versions`), the cluster is rendered for that release and its
   * daemons run in containers of its image.
   */
  static async start(given: XrootdClusterProps, options: LoopbackOptions = {}): Promise<LoopbackCluster> {
    const release = options.release ?? releaseUnderTest();
    if (release && options.netns) throw new Error(`a network namespace is for daemons on the host: not for release ${release}`);
    const props = release ? { ...given, version: release } : given;
    const opts = release && !options.image ? { ...options, image: projectImage('xrootd', release) } : options;
    const s = synth(props);
    const model = s.cluster.model;
    const configMap = s.get('ConfigMap', model.names.configMap(s.cluster.configHash));
    const dir = mkdtempSync(join(tmpdir(), `xrd-${model.name}-`));
    chmodSync(dir, 0o755);
    const configDir = join(dir, 'config');
    mkdirSync(configDir);
    for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(configDir, file), text);
    // The maintenance ConfigMap, as its volume presents it to the data servers.
    const maintenanceDir = join(dir, 'maintenance');
    mkdirSync(maintenanceDir);
    for (const [key, text] of Object.entries(s.get('ConfigMap', model.names.maintenanceConfigMap()).data as Record<string, string>)) writeFileSync(join(maintenanceDir, key), text);
    if (opts.caBundle && !opts.image) throw new Error('a CA bundle replaces the image\'s: only for clusters run from an image');
    // expose.type LoadBalancer: the external-addresses ConfigMap, as its volume presents it to data servers and supervisors.
    const external = s.all('ConfigMap').find((c) => c.metadata.name === model.names.externalAddressesConfigMap());
    const externalDir = join(dir, 'external');
    if (external) {
      mkdirSync(externalDir);
      writeFileSync(join(externalDir, EXTERNAL_ADDRESSES_KEY), external.data[EXTERNAL_ADDRESSES_KEY]);
    }
    if (opts.netns && opts.image) throw new Error('a network namespace is for daemons on the host only');
    const dataMount = dataMountPath(model);
    if (dataMount !== DATA_DIR && !opts.image) throw new Error(`the data volume mounts at ${dataMount} (worker.storage.layout): only in containers (options.image)`);
    const cluster = new LoopbackCluster(props, dir, configDir, configMap.data, opts.image, opts.tlsDir, opts.caBundle,
      opts.clientEnv, opts.netns, dataMount, opts.originCredentialsDir);
    // In a container the pod's own paths are the mount points; on the host, the pod's directories.
    const inPod = (hostPath: string, podPath: string): string => opts.image ? podPath : hostPath;

    const t = model.topology;
    const counts: Record<Role, number> = { redirector: t.redirectors, supervisor: t.supervisors, worker: t.workers };
    const ports = await freePorts(t.redirectors * 2 + t.supervisors * 2 + t.workers);
    // Supervisors' cmsd ports must follow from their ordinal: the address pattern has one placeholder.
    const supervisorPortBase = await freePortDecade();
    const supervisorAddress = `127.0.2.{ordinal}:${String(supervisorPortBase).slice(0, -1)}{ordinal}`;
    const managers = Array.from({ length: t.redirectors }, (_, i) => `${managerHost(i)}:${ports[i * 2 + 1]}`);

    let next = 0;
    for (const role of ['redirector', 'supervisor', 'worker'] as Role[]) {
      for (let ordinal = 0; ordinal < counts[role]; ordinal++) {
        const name = model.names.pod(role, ordinal);
        const podDir = join(dir, name);
        mkdirSync(join(podDir, 'admin'), { recursive: true });
        const dataDir = opts.dataDirOf?.(name) ?? join(podDir, 'data');
        mkdirSync(dataDir, { recursive: true });
        const port = ports[next++];
        let cmsdPort: number | undefined;
        if (role === 'redirector') cmsdPort = ports[next++];
        if (role === 'supervisor') { next++; cmsdPort = Number(`${String(supervisorPortBase).slice(0, -1)}${ordinal}`); }
        const host = role === 'redirector' ? managerHost(ordinal) : role === 'supervisor' ? `127.0.2.${ordinal}` : '127.0.0.1';
        const env: NodeJS.ProcessEnv = {
          ...(opts.image ? {} : { PATH: process.env.PATH }),
          HOME: inPod(podDir, '/tmp'),
          [ENV.podName]: name,
          [ENV.host]: host,
          [ENV.port]: String(port),
          [ENV.adminDir]: inPod(join(podDir, 'admin'), ADMIN_DIR),
          ...(role === 'worker'
            ? { [ENV.dataDir]: inPod(dataDir, DATA_DIR),
              [ENV.maintenanceFile]: join(inPod(maintenanceDir, MAINTENANCE_DIR), MAINTENANCE_KEY) }
            : { [ENV.cmsdPort]: String(cmsdPort) }),
          ...(opts.tlsDir ? { [ENV.tlsDir]: inPod(opts.tlsDir, TLS_SECRET_DIR) } : {}),
          ...(opts.originCredentialsDir && role === 'worker' ? { [ENV.originCredentialsDir]: inPod(opts.originCredentialsDir, ORIGIN_CREDENTIALS_DIR) } : {}),
          ...Object.fromEntries(managers.map((m, i) => [`${ENV.managerPrefix}${i}`, m])),
          ...(role === 'worker' && t.supervisors > 0 ? { [ENV.supervisorAddress]: supervisorAddress } : {}),
          ...(opts.collector ? { [ENV.collector]: opts.collector } : {}),
          ...(external && role !== 'redirector' ? { [ENV.externalFile]: join(externalDir, EXTERNAL_ADDRESSES_KEY) } : {}),
          ...opts.daemonEnv,
          ...opts.podEnv?.(name),
        };
        cluster.pods.push({ role, ordinal, name, host, fqdn: model.names.podHost(role, ordinal), port, cmsdPort,
          dir: podDir, dataDir, env, daemons: {}, containers: {} });
      }
    }
    if (process.getuid?.() === 0) {
      chownTree(dir, opts.dataDirOf ? cluster.pods.filter((p) => p.role === 'worker').map((p) => p.dataDir) : [], opts.image?.user ?? XROOTD_USER);
    }
    for (const pod of cluster.pods) if (!opts.startLater?.(pod.name)) cluster.startPod(pod);
    return cluster;
  }

  startPod(pod: LoopbackPod, which: Array<'xrootd' | 'cmsd'> = ['cmsd', 'xrootd']): void {
    const image = pod.replacedBy?.image ?? this.image;
    const configDir = pod.replacedBy?.configDir ?? this.configDir;
    for (const daemon of which) {
      const command = (dir: string): string[] => ['/bin/sh', join(dir, START_SCRIPT), daemon, pod.role];
      const logFile = join(pod.dir, `${daemon}.log`);
      if (!image) {
        pod.daemons[daemon] = startDaemon(`${pod.name}/${daemon}`, command(this.configDir), pod.env, logFile, XROOTD_USER, this.netns);
        continue;
      }
      const name = containerName(`${pod.name}-${daemon}`);
      pod.containers[daemon] = name;
      this.containersStarted.add(name);
      pod.daemons[daemon] = podmanRun(image, name, command(CONFIG_DIR), {
        env: pod.env,
        logFile,
        // A pod's host name is its name; its /etc/hosts names its address by its per-pod DNS name first.
        hostname: pod.name,
        hosts: { [pod.fqdn]: pod.host, [pod.name]: pod.host },
        mounts: [
          { host: configDir, container: CONFIG_DIR, readOnly: true },
          { host: join(pod.dir, 'admin'), container: ADMIN_DIR },
          ...(this.tlsDir ? [{ host: this.tlsDir, container: TLS_SECRET_DIR, readOnly: true }] : []),
          ...(this.originCredentialsDir && pod.role === 'worker' ? [{ host: this.originCredentialsDir, container: ORIGIN_CREDENTIALS_DIR, readOnly: true }] : []),
          ...(this.caBundle ? [{ host: this.caBundle, container: SYSTEM_CA_BUNDLE, readOnly: true }] : []),
          ...(pod.role === 'worker' ? [{ host: pod.dataDir, container: this.dataMount }, { host: join(this.dir, 'maintenance'), container: MAINTENANCE_DIR, readOnly: true }] : []),
        ],
      });
    }
  }

  async stopDaemon(pod: LoopbackPod, daemon: 'xrootd' | 'cmsd'): Promise<void> {
    const d = pod.daemons[daemon];
    if (d) await stopDaemon(d);
    const container = pod.containers[daemon];
    if (container) removeContainer(container);
  }

  /**
   * Replaces a pod by one of another release, as a rollout's step does: its daemons stop, and
   * that release's daemons start in its image with the configuration rendered for it, on the
   * same volumes and address.
   */
  async replacePod(pod: LoopbackPod, release: string): Promise<void> {
    const configDir = join(this.dir, `config-${release}`);
    if (!existsSync(configDir)) {
      const s = synth({ ...this.props, version: release });
      mkdirSync(configDir);
      const data = s.get('ConfigMap', s.cluster.model.names.configMap(s.cluster.configHash)).data as Record<string, string>;
      for (const [file, text] of Object.entries(data)) writeFileSync(join(configDir, file), text);
    }
    await this.stopDaemon(pod, 'xrootd');
    await this.stopDaemon(pod, 'cmsd');
    pod.replacedBy = { release, image: projectImage('xrootd', release), configDir };
    this.startPod(pod);
  }

  /** Restarts data servers with this maintenance list, as the agent restarts pods after changing the ConfigMap. */
  async restartInMaintenance(ordinals: number[]): Promise<void> {
    writeFileSync(join(this.dir, 'maintenance', MAINTENANCE_KEY), ordinals.join('\n'));
    for (const o of ordinals) {
      const pod = this.pod('worker', o);
      await this.stopDaemon(pod, 'xrootd');
      await this.stopDaemon(pod, 'cmsd');
      this.startPod(pod);
    }
    await this.waitForMembers(this.of('worker').length);
    // Ready, as the agent waits for before a drain: the xrootd port answers (its cmsd may subscribe first).
    for (const o of ordinals) await waitFor(`${this.pod('worker', o).name} ready`, () => (this.probe(this.pod('worker', o), 'ready').code === 0 ? true : undefined), 60000, 500);
  }

  pod(role: Role, ordinal: number): LoopbackPod {
    const p = this.pods.find((x) => x.role === role && x.ordinal === ordinal);
    if (!p) throw new Error(`no ${role} ${ordinal}`);
    return p;
  }

  of(role: Role): LoopbackPod[] {
    return this.pods.filter((p) => p.role === role);
  }

  /** `root://` URL of a redirector. */
  url(ordinal = 0, path = ''): string {
    return `root://127.0.0.1:${this.pod('redirector', ordinal).port}/${path}`;
  }

  /**
   * Stops (SIGSTOP) or resumes (SIGCONT) a daemon, as a hang would: its port stays open, nothing
   * answers. In a container, the daemon's process as the host sees it; the container stays up.
   */
  freeze(pod: LoopbackPod, daemon: 'xrootd' | 'cmsd', frozen: boolean): void {
    const container = pod.containers[daemon];
    // In a container the daemon is a child of the image's init (tini), named as the daemon.
    const init = container ? run([...PODMAN, 'inspect', '--format', '{{.State.Pid}}', container]).out.trim() : undefined;
    const pid = init ? Number(run(['pgrep', '-x', '-P', init, daemon]).out.trim()) : pod.daemons[daemon]?.pid;
    if (!pid || !Number.isSafeInteger(pid) || pid <= 1) throw new Error(`${pod.name}: no ${daemon} process to ${frozen ? 'stop' : 'resume'}`);
    process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Runs the manifests' probe script for a pod, with that pod's environment (in its xrootd container, if any). */
  probe(pod: LoopbackPod, check: 'ready' | 'alive' | 'cmsd-alive'): RunResult {
    // In a container of the pod: xrootd's, or cmsd's once xrootd's is gone (both mount the ConfigMap and the admin directory).
    const running = (['xrootd', 'cmsd'] as const).find((d) => pod.containers[d] && pod.daemons[d] && !pod.daemons[d]!.exited);
    if (running) return run([...PODMAN, 'exec', pod.containers[running]!, '/bin/sh', join(CONFIG_DIR, PROBE_SCRIPT), check, pod.role], process.env, 20000);
    if (this.image) throw new Error(`${pod.name} has no running container to probe in`);
    return run(inNetns(this.netns, ['/bin/sh', join(this.configDir, PROBE_SCRIPT), check, pod.role]), pod.env, 20000);
  }

  /** The data servers a redirector's cmsd has subscribed, from `xrdmapc --list all`. */
  membership(redirectorOrdinal = 0): string {
    const r = this.pod('redirector', redirectorOrdinal);
    // With TLS, xrdmapc verifies the manager against the CA files the redirector's run.sh made.
    const env = { ...process.env, ...(this.tlsDir ? { X509_CERT_DIR: join(r.dir, 'admin', 'tls', 'cadir') } : {}), ...this.clientEnv };
    return run(inNetns(this.netns, ['xrdmapc', '--list', 'all', `127.0.0.1:${r.port}`]), env, 90000).out;
  }

  private readonly restarted = new Set<string>();

  /**
   * Restarts, once each, daemons that exited without the test stopping them, as the kubelet restarts
   * a pod's crashed container (seen once: a 5.5.3 manager's xrootd exiting silently at start while
   * suites ran side by side). Each restart is reported with the daemon's exit and log.
   */
  private restartCrashed(): void {
    for (const pod of this.pods) {
      for (const daemon of ['cmsd', 'xrootd'] as const) {
        const d = pod.daemons[daemon];
        if (!d?.exited || d.stopping || this.restarted.has(d.name)) continue;
        this.restarted.add(d.name);
        console.warn(`restarting ${d.name}, which exited (${d.exitStatus}) without being stopped:\n${logOf(d, 20)}`);
        const container = pod.containers[daemon];
        if (container) removeContainer(container);
        this.startPod(pod, [daemon]);
      }
    }
  }

  /** Waits until a redirector's membership lists `count` data servers (lines `Srv ...`); names the missing ones if not. */
  async waitForMembers(count: number, redirector = 0, timeoutMs = 60000): Promise<string> {
    let last = '';
    try {
      return await waitFor(`${count} data servers subscribed to redirector ${redirector}`, () => {
        this.restartCrashed();
        last = this.membership(redirector);
        return (last.match(/Srv /g) ?? []).length === count ? last : undefined;
      }, timeoutMs, 500);
    } catch (e) {
      const seen = (last.match(/Srv /g) ?? []).length;
      const missing = this.of('worker').filter((w) => !last.includes(`:${w.port}`)).map((w) => `${w.name} (:${w.port})`);
      throw new Error(`${(e as Error).message}; last membership had ${seen}, missing ${missing.join(', ')}:\n`
        + last.split('\n').filter((l) => !l.includes('Srv ')).join('\n'));
    }
  }

  logs(lastLines = 40): string {
    return this.pods.flatMap((p) => Object.values(p.daemons).map((d) => logOf(d!, lastLines))).join('\n');
  }

  /**
   * What the daemons' configuration echo and logs flag (a directive or option ignored, unknown or
   * deprecated, any config warning), each once, but for what a cluster without security is
   * expected to hear and what loopback or a container's host name makes XRootD say.
   */
  configWarnings(): string[] {
    const flagged = /Config warning|ignoring|unknown (\w+ )?directive|invalid .* option|deprecat/i;
    const lines = this.pods.flatMap((p) => (['xrootd', 'cmsd'] as const).flatMap((d) => {
      const file = join(p.dir, `${d}.log`);
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    }));
    const found = lines.filter((l) => flagged.test(l) && !EXPECTED_WARNINGS.some((w) => w.test(l))).map((l) => l.replace(/^\d{6} [\d:]+ \d+ /, ''));
    return [...new Set(found)];
  }

  async stop(): Promise<void> {
    await Promise.all(this.pods.flatMap((p) => (['xrootd', 'cmsd'] as const).map((d) => this.stopDaemon(p, d))));
    // Once more for every container this cluster ever started: under load a `podman rm` can time out,
    // and a replaced or restarted daemon's container is no longer its pod's (seen: the 130-server suite).
    removeContainer(...this.containersStarted);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Config warnings that say nothing about the configuration's correctness. */
const EXPECTED_WARNINGS = [
  // A cluster without spec.security authenticates no one, on purpose.
  /'xrootd\.seclib' not specified; strong authentication disabled/,
  /Security level is set to none; request protection disabled/,
  // HTTP without spec.security.tls serves plain HTTP, on purpose (6.x says so).
  /HTTPS functionality was not configured/,
  // The harness's pod directories on the host live under /tmp; a pod's are /var/run/xrootd (its containers here too).
  /adminpath resides in \/tmp and may be unstable/,
  /checkpoints disabled because the checkpoint directory is rooted in '\/tmp'/,
  // Loopback addresses and a container's short host name, not what a pod has.
  /is registered without a domain qualification/,
];

/**
 * Starts a cluster, runs `body`, prints the daemons' logs if it fails, and always stops every
 * daemon. The cluster must start clean: nothing in its configuration ignored, unknown or
 * deprecated on the release it runs (configWarnings).
 */
export async function withCluster(props: XrootdClusterProps, body: (c: LoopbackCluster) => Promise<void>,
  opts: LoopbackOptions = {}): Promise<void> {
  const c = await LoopbackCluster.start(props, opts);
  try {
    await body(c);
    const warnings = c.configWarnings();
    if (warnings.length) throw new Error(`the configuration of ${props.name} did not start clean:\n${warnings.join('\n')}`);
  } catch (e) {
    console.error(`daemon logs of ${props.name}:\n${c.logs()}`);
    throw e;
  } finally {
    await c.stop();
  }
}

/**
 * A free run of ten ports N0..N9 below the kernel's ephemeral range (so no
 * client connection takes one meanwhile): supervisor k's cmsd gets N_k.
 */
async function freePortDecade(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below the range freePorts hands out (20000 and up), so the two never collide.
    const base = 10000 + 10 * Math.floor(Math.random() * 1000);
    const ports = Array.from({ length: 10 }, (_, i) => base + i);
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return base;
  }
  throw new Error('no free run of ten ports between 10000 and 20000');
}

/** Hands the cluster's directories to `user`: a user name, or `uid:gid` (an image's user). */
function chownTree(dir: string, extra: string[], user: string): void {
  const [uid, gid] = /^\d+:\d+$/.test(user) ? user.split(':').map(Number)
    : [Number(run(['id', '-u', user]).out.trim()), Number(run(['id', '-g', user]).out.trim())];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`user ${user} is missing (${XROOTD_USER} comes with Debian's xrootd-server)`);
  run(['chown', '-R', `${uid}:${gid}`, dir, ...extra]);
  chownSync(dir, uid, gid);
}
