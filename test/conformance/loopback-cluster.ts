/**
 * Runs a synthesized cluster on real XRootD daemons on loopback. The config and
 * scripts are the ConfigMap's exact bytes; each "pod" gets the environment its
 * pod spec defines, with loopback addresses and free ports as its identity.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV, PROBE_SCRIPT, START_SCRIPT, type Role, type XrootdClusterProps } from '../../constructs/index.js';
import { synth } from '../helpers/synth.js';
import { freePorts, isPortFree, logOf, run, startDaemon, stopDaemon, type Daemon, type RunResult } from '../helpers/processes.js';

/** The unprivileged user the daemons run as when the tests run as root (Debian's package creates it). */
export const XROOTD_USER = 'xrootd';

export interface LoopbackPod {
  readonly role: Role;
  readonly ordinal: number;
  readonly name: string;
  /** The address others use to reach this pod. */
  readonly host: string;
  readonly port: number;
  readonly cmsdPort?: number;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  daemons: Partial<Record<'xrootd' | 'cmsd', Daemon>>;
}

/** Each manager gets its own loopback address: two managers on one address confuse XRootD's manager list. */
const managerHost = (i: number): string => `127.0.0.${10 + i}`;

export class LoopbackCluster {
  readonly pods: LoopbackPod[] = [];
  private constructor(readonly dir: string, readonly configDir: string, readonly files: Record<string, string>) {}

  /** Synthesizes `props` and starts every pod's xrootd and cmsd. */
  static async start(props: XrootdClusterProps, opts: { dataDirOf?: (pod: string) => string } = {}): Promise<LoopbackCluster> {
    const s = synth(props);
    const model = s.cluster.model;
    const configMap = s.get('ConfigMap', model.names.configMap(s.cluster.configHash));
    const dir = mkdtempSync(join(tmpdir(), `xrd-${model.name}-`));
    chmodSync(dir, 0o755);
    const configDir = join(dir, 'config');
    mkdirSync(configDir);
    for (const [file, text] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(configDir, file), text);
    const cluster = new LoopbackCluster(dir, configDir, configMap.data);

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
          PATH: process.env.PATH,
          HOME: podDir,
          [ENV.podName]: name,
          [ENV.host]: host,
          [ENV.port]: String(port),
          [ENV.adminDir]: join(podDir, 'admin'),
          ...(role === 'worker' ? { [ENV.dataDir]: dataDir } : { [ENV.cmsdPort]: String(cmsdPort) }),
          ...Object.fromEntries(managers.map((m, i) => [`${ENV.managerPrefix}${i}`, m])),
          ...(role === 'worker' && t.supervisors > 0 ? { [ENV.supervisorAddress]: supervisorAddress } : {}),
        };
        cluster.pods.push({ role, ordinal, name, host, port, cmsdPort, dir: podDir, env, daemons: {} });
      }
    }
    if (process.getuid?.() === 0) chownTree(dir, opts.dataDirOf ? cluster.pods.map((p) => p.env[ENV.dataDir]).filter((d): d is string => !!d) : []);
    for (const pod of cluster.pods) cluster.startPod(pod);
    return cluster;
  }

  startPod(pod: LoopbackPod, which: Array<'xrootd' | 'cmsd'> = ['cmsd', 'xrootd']): void {
    for (const daemon of which) {
      pod.daemons[daemon] = startDaemon(`${pod.name}/${daemon}`, ['/bin/sh', join(this.configDir, START_SCRIPT), daemon, pod.role],
        pod.env, join(pod.dir, `${daemon}.log`), XROOTD_USER);
    }
  }

  async stopDaemon(pod: LoopbackPod, daemon: 'xrootd' | 'cmsd'): Promise<void> {
    const d = pod.daemons[daemon];
    if (d) await stopDaemon(d);
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

  /** Runs the manifests' probe script for a pod, with that pod's environment. */
  probe(pod: LoopbackPod, check: 'ready' | 'cmsd-alive'): RunResult {
    return run(['/bin/sh', join(this.configDir, PROBE_SCRIPT), check, pod.role], pod.env, 20000);
  }

  /** The data servers a redirector's cmsd has subscribed, from `xrdmapc --list all`. */
  membership(redirectorOrdinal = 0): string {
    const r = this.pod('redirector', redirectorOrdinal);
    return run(['xrdmapc', '--list', 'all', `127.0.0.1:${r.port}`], process.env, 90000).out;
  }

  logs(lastLines = 40): string {
    return this.pods.flatMap((p) => Object.values(p.daemons).map((d) => logOf(d!, lastLines))).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.pods.flatMap((p) => Object.values(p.daemons).map((d) => stopDaemon(d!))));
    rmSync(this.dir, { recursive: true, force: true });
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

function chownTree(dir: string, extra: string[]): void {
  const uid = Number(run(['id', '-u', XROOTD_USER]).out.trim());
  const gid = Number(run(['id', '-g', XROOTD_USER]).out.trim());
  if (!Number.isInteger(uid)) throw new Error(`user ${XROOTD_USER} is missing (it comes with Debian's xrootd-server)`);
  run(['chown', '-R', `${uid}:${gid}`, dir, ...extra]);
  chownSync(dir, uid, gid);
}
