/**
 * A cluster of the 2020 operator (xrootd/xrootd-k8s-operator), migrated with its files: its own
 * daemon configuration (test/fixtures/old-operator/xrootd.cf, the Go template its ConfigMap was
 * rendered from) serves files written through its manager onto each data server's volume, in
 * containers of the release's image with the volume at /data, as its pods mounted it. Then
 * `xrootd-k8s migrate` converts its XrootdCluster, and our cluster's data servers start on the
 * same volume directories: every old file reads back through our redirector as it was written,
 * listings show them, and new files land beside them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateTexts } from '../../src/migrate.js';
import { containerName, HOST_RELEASE, podmanRun, projectImage, releaseUnderTest, removeContainer, type ContainerImage } from '../helpers/containers.js';
import { freePorts, logOf, run, stopDaemon, waitFor, type Daemon } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { copy, Scratch } from './client-files.js';
import { withCluster, type LoopbackCluster } from './loopback-cluster.js';

const FIXTURES = join(repoRoot(), 'test/fixtures/old-operator');
const RELEASE = releaseUnderTest() ?? HOST_RELEASE;
const SERVERS = 3;
const FILES_PER_SERVER = 4;
const scratch = new Scratch();
let image: ContainerImage;

beforeAll(() => {
  image = projectImage('xrootd', RELEASE);
}, 30 * 60_000);
afterAll(() => scratch.remove());

/** The old operator's config with its template's fields filled in, as its controller rendered them. */
function oldConfig(fields: { adminPath: string; redirector: string; xrootdPort: number; cmsdPort: number }): string {
  const text = readFileSync(join(FIXTURES, 'xrootd.cf'), 'utf8')
    .replaceAll('{{.XrootdSharedPath}}', fields.adminPath)
    .replaceAll('{{.XrootdRedirectorDn}}', fields.redirector)
    .replaceAll('{{.XrootdPort}}', String(fields.xrootdPort))
    .replaceAll(/\{\{\$?\.CmsdPort\}\}/g, String(fields.cmsdPort));
  if (text.includes('{{')) throw new Error(`a template field of the old operator's xrootd.cf is not filled in: ${text.match(/\{\{[^}]*\}\}/)![0]}`);
  return text;
}

/**
 * The old cluster: one manager and SERVERS data servers, each pod's xrootd and cmsd in its own
 * container (host network) sharing its admin path, a data server's volume at /data. Pods had
 * their own addresses; here they share loopback, so each data server gets its own xrootd port.
 */
interface OldCluster { url: string; servers: string[]; stop: () => Promise<void>; logs: () => string }

async function startOldCluster(volumes: string[]): Promise<OldCluster> {
  const [xrootdPort, cmsdPort, ...serverPorts] = await freePorts(2 + SERVERS);
  const manager = '127.0.0.30';
  const daemons: Daemon[] = [];
  const names: string[] = [];
  const pod = (name: string, instance: string, port: number, address: string, volume?: string): void => {
    const dir = scratch.path(`old-${name}`);
    mkdirSync(join(dir, 'admin'), { recursive: true });
    writeFileSync(join(dir, 'xrootd.cf'), oldConfig({ adminPath: '/xrd-admin', redirector: manager, xrootdPort: port, cmsdPort }));
    run(['chown', '-R', image.user, dir]);
    for (const daemon of ['cmsd', 'xrootd']) {
      const container = containerName(`old-${name}-${daemon}`);
      names.push(container);
      // start.sh's command: `<service> -c $XROOTD_CONFIG -n $COMPONENT_NAME`, the component from the host name.
      daemons.push(podmanRun(image, container, [daemon, '-c', '/config-etc/xrootd.cf', '-n', instance], {
        env: {}, logFile: join(dir, `${daemon}.log`), hostname: name, hosts: { [name]: address },
        mounts: [
          { host: join(dir, 'xrootd.cf'), container: '/config-etc/xrootd.cf', readOnly: true },
          { host: join(dir, 'admin'), container: '/xrd-admin' },
          ...(volume ? [{ host: volume, container: '/data' }] : []),
        ],
      }));
    }
  };
  pod('old-xrootd-redirector-0', 'manager', xrootdPort, manager);
  volumes.forEach((v, i) => pod(`old-xrootd-worker-${i}`, 'worker', serverPorts[i], '127.0.0.1', v));
  const url = `root://${manager}:${xrootdPort}`;
  return {
    url,
    servers: serverPorts.slice(0, SERVERS).map((p) => `root://127.0.0.1:${p}`),
    logs: () => daemons.map((d) => `--- ${d.name}\n${logOf(d, 15)}`).join('\n'),
    stop: async () => {
      for (const d of daemons) await stopDaemon(d);
      removeContainer(...names);
    },
  };
}

/** Retries a copy through a manager that may still be waiting for its servers (cms.delay startup). */
async function copyWhenServed(from: string, to: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      copy(from, to);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

test('the old operator\'s files: written through its own configuration, migrated, every one read back through our redirector', async () => {
  const volumes = Array.from({ length: SERVERS }, (_, i) => {
    const v = scratch.path(`volume-${i}`);
    mkdirSync(v);
    return v;
  });
  // The image's user, whose volumes they are (a pod's fsGroup makes them so).
  run(['chown', image.user, ...volumes]);

  // 1. The old cluster writes files through its manager, which spreads them over its servers.
  const old = await startOldCluster(volumes);
  const written = new Map<string, string>();
  try {
    // Every server subscribed first, so that the manager spreads the files over all of them.
    await waitFor(`the old manager's ${SERVERS} servers`, () => {
      const map = run(['xrdmapc', '--list', 'all', old.url.replace('root://', '')], process.env, 30_000).out;
      return (map.match(/Srv /g) ?? []).length === SERVERS ? map : undefined;
    }, 60_000, 500);
    // Through the manager (with equal free space it chose one server: cms.sched space 80), then
    // straight to each server, as its clients could, so that every volume holds files.
    for (let i = 0; i < SERVERS * FILES_PER_SERVER; i++) {
      const path = i % 2 ? `/data/run-${i % 3}/f-${i}.bin` : `/data/f-${i}.bin`;
      const local = scratch.randomFile(`old-${i}.bin`, 4096 + i * 1000);
      await copyWhenServed(local, `${i < SERVERS ? old.url : old.servers[i % SERVERS]}/${path}`);
      written.set(path, local);
    }
  } catch (e) {
    console.error(`old cluster's logs:\n${old.logs()}`);
    throw e;
  } finally {
    await old.stop();
  }
  // Its layout: no local root, so /data/f lies at the volume's top.
  const onVolume = (path: string): string | undefined => volumes.map((v) => join(v, path.replace(/^\/data\//, ''))).find((f) => existsSync(f));
  for (const [path, local] of written) expect(readFileSync(onVolume(path)!).equals(readFileSync(local))).toBe(true);
  const used = volumes.filter((v) => run(['find', v, '-type', 'f']).out.trim());
  expect(used.length).toBe(SERVERS);

  // 2. `xrootd-k8s migrate` on its resources (the operator's samples), one redirector for the loopback.
  const texts = ['xrootdcluster.yaml', 'xrootdversion.yaml'].map((f) => ({ file: f, text: readFileSync(join(FIXTURES, f), 'utf8') }));
  const migration = migrateTexts(texts);
  expect(migration.issues).toEqual([]);
  const spec = migration.migrated[0].resource.spec as Record<string, never>;
  expect(spec.worker).toMatchObject({ replicas: SERVERS, storage: { layout: 'ExportRoot' } });
  const name = migration.migrated[0].resource.metadata.name;
  const volumeOf = (pod: string): string => volumes[Number(pod.replace(`${name}-worker-`, ''))];

  // 3. Our cluster on the same volumes: every file, byte for byte, through our redirector.
  await withCluster({ ...spec, name, redirector: { replicas: 1 }, xrootd: { startupDelaySeconds: 2 } }, async (c: LoopbackCluster) => {
    await c.waitForMembers(SERVERS);
    for (const [path, local] of written) {
      const back = scratch.path('back.bin');
      await copyWhenServed(c.url(0, path), back, 30_000);
      expect({ path, same: readFileSync(back).equals(readFileSync(local)) }).toEqual({ path, same: true });
    }
    const listing = run(['xrdfs', `127.0.0.1:${c.pod('redirector', 0).port}`, 'ls', '-R', '/data'], process.env, 30_000).out;
    for (const path of written.keys()) expect(listing).toContain(path);
    // A new file lands beside the old ones, at a volume's top.
    const fresh = scratch.randomFile('fresh.bin', 70_000);
    copy(fresh, c.url(0, '/data/after-migration.bin'));
    expect(readFileSync(onVolume('/data/after-migration.bin')!).equals(readFileSync(fresh))).toBe(true);
    console.log(`migration: ${written.size} files of the old cluster on ${used.length} of ${SERVERS} volumes, every one read back through the migrated cluster's redirector`);
  }, { release: RELEASE, image, dataDirOf: volumeOf });
}, 10 * 60_000);
