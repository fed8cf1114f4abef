/**
 * The project's images, built by images/build.sh (cached by their inputs), loaded into
 * podman from their OCI archives and run as containers whose podman process is tracked
 * by pid like any other daemon of a test.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePrograms, run, startDaemon, type Daemon } from './processes.js';
import { repoRoot } from './repo.js';

export interface ContainerImage {
  readonly reference: string;
  /** The OCI archive it was loaded from. */
  readonly archive: string;
  readonly sizeBytes: number;
  /** `uid:gid` the image runs as. */
  readonly user: string;
}

/**
 * podman on this kind of host: crun fails on hybrid cgroups (runc works), there is no systemd
 * for cgroups or events, and root lacks CAP_SYS_RESOURCE, so limits are given explicitly.
 */
export const PODMAN = ['podman', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
export const LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

/** The XRootD releases images/build.sh builds (XROOTD_RELEASES in images/versions.env). */
export function builtReleases(): string[] {
  return /^XROOTD_RELEASES="([^"]*)"$/m.exec(readFileSync(join(repoRoot(), 'images/versions.env'), 'utf8'))![1].split(' ');
}

/** The XRootD release this host's Debian packages install: what conformance daemons run on the host. */
export const HOST_RELEASE = '5.5.3';

/**
 * The release the conformance suites run (`npm run test:versions` sets XRD_RELEASE): its daemons
 * run in containers of its image. Without it, the host's own packages (HOST_RELEASE).
 */
export function releaseUnderTest(): string | undefined {
  const release = process.env.XRD_RELEASE;
  return release || undefined;
}

const images = new Map<string, ContainerImage>();

/**
 * Builds (or takes from the cache) one of the project's images and loads its OCI archive into
 * podman; once per test file. `xrootd` is the release under test (HOST_RELEASE without one).
 */
export function projectImage(which: 'xrootd' | 'agent', release = releaseUnderTest() ?? HOST_RELEASE): ContainerImage {
  const target = which === 'xrootd' ? `xrootd:${release}` : which;
  const known = images.get(target);
  if (known) return known;
  requirePrograms(['mmdebstrap', 'buildah', 'podman', 'runc'], 'install Debian\'s mmdebstrap, buildah, podman and runc (test/install-prerequisites.sh does)');
  const built = run(['bash', join(repoRoot(), 'images/build.sh'), target], process.env, 15 * 60_000);
  const line = built.out.split('\n').find((l) => l.startsWith('ghcr.io/'));
  if (built.code !== 0 || !line) throw new Error(`images/build.sh ${which} failed (${built.code}):\n${built.out}`);
  const [, reference, archive, size] = line.split(' ');
  // The archive, not the builder's store, is what a release publishes: run what it holds. Loading it
  // moves the tag to it; never `rmi --force`, which stops the containers other suites run from the image.
  const loaded = run([...PODMAN, 'load', '--quiet', '--input', archive], process.env, 5 * 60_000);
  if (loaded.code !== 0) throw new Error(`podman load ${archive} failed: ${loaded.out}`);
  const user = run([...PODMAN, 'image', 'inspect', '--format', '{{.Config.User}}', reference]).out.trim();
  const image = { reference, archive, sizeBytes: Number(size), user };
  images.set(target, image);
  return image;
}

/** A container name unique to this test run. */
export const containerName = (base: string): string => `xrdtest-${base}-${randomBytes(3).toString('hex')}`;

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly mounts: ReadonlyArray<{ host: string; container: string; readOnly?: boolean }>;
  /** The container's host name, and lines for its /etc/hosts (name → address), as a pod gets them. */
  readonly hostname?: string;
  readonly hosts?: Readonly<Record<string, string>>;
}

/**
 * Runs `command` in a container of `image` in the foreground (its podman process is the
 * daemon: SIGTERM reaches the container through podman's signal proxy and the image's tini),
 * on the host network with a read-only root and a /tmp tmpfs, as a pod's container runs.
 */
export function podmanRun(image: ContainerImage, name: string, command: string[], o: RunOptions): Daemon {
  const args = [
    ...PODMAN, 'run', '--rm', '--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp', ...LIMITS,
    ...o.mounts.flatMap((m) => ['--volume', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`]),
    ...(o.hostname ? ['--hostname', o.hostname] : []),
    ...Object.entries(o.hosts ?? {}).flatMap(([name, address]) => ['--add-host', `${name}:${address}`]),
    ...Object.entries(o.env).flatMap(([k, v]) => (v === undefined ? [] : ['--env', `${k}=${v}`])),
    image.reference, ...command,
  ];
  return startDaemon(name, args, process.env, o.logFile);
}

/** Removes containers whatever state they are in (after their podman processes were stopped), in one podman call. */
export function removeContainer(...names: string[]): void {
  if (names.length) run([...PODMAN, 'rm', '--force', '--ignore', '--time', '2', ...names], process.env, 120_000);
}

/**
 * Another tag of a built image, as a release would make it: `labels` added, `files` replaced
 * (path → content, executable). Written to an OCI archive (for a node's containerd); returns its path.
 */
export function derivedImage(base: ContainerImage, reference: string,
  change: { labels?: Record<string, string>; files?: Record<string, string> }): string {
  const dir = mkdtempSync(join(tmpdir(), 'image-'));
  const env = { ...process.env, BUILDAH_ISOLATION: 'chroot' };
  const must = (args: string[]): string => {
    const r = run(['buildah', ...args], env, 5 * 60_000);
    if (r.code !== 0) throw new Error(`buildah ${args.join(' ')} failed: ${r.out}`);
    return r.out.trim();
  };
  const container = must(['from', '--quiet', '--pull-never', base.reference]);
  for (const [k, v] of Object.entries(change.labels ?? {})) must(['config', '--label', `${k}=${v}`, container]);
  for (const [path, content] of Object.entries(change.files ?? {})) {
    const file = join(dir, `file-${randomBytes(3).toString('hex')}`);
    writeFileSync(file, content);
    chmodSync(file, 0o755);
    must(['copy', '--quiet', container, file, path]);
  }
  must(['commit', '--quiet', '--rm', container, reference]);
  const archive = join(dir, 'image.oci.tar');
  must(['push', '--quiet', reference, `oci-archive:${archive}:${reference}`]);
  return archive;
}
