/**
 * The XRootD image built here (images/build.sh: mmdebstrap + buildah, exported as an OCI
 * archive and loaded into podman) runs the generated ConfigMap: every daemon of a cluster
 * in its own container, host network, the pod's mounts at the pod's paths, read-only root.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_RELEASE, LIMITS, PODMAN, projectImage, releaseUnderTest, type ContainerImage } from '../helpers/containers.js';
import { run } from '../helpers/processes.js';
import { TestCa } from '../helpers/test-ca.js';
import { LoopbackCluster } from './loopback-cluster.js';

/** The release whose image these tests run. */
const RELEASE = releaseUnderTest() ?? HOST_RELEASE;

let image: ContainerImage;
const scratch = mkdtempSync(join(tmpdir(), 'xrd-container-files-'));

beforeAll(() => {
  image = projectImage('xrootd');
  console.log(`image ${image.reference}: OCI archive ${(image.sizeBytes / 2 ** 20).toFixed(1)} MiB (${image.archive})`);
}, 30 * 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const inspect = (format: string): string => run([...PODMAN, 'image', 'inspect', '--format', format, image.reference]).out.trim();

test('the image: pinned XRootD with its plugins, non-root, tini as entrypoint, OCI labels', () => {
  expect(image.user).toBe('10940:10940');
  expect(inspect('{{json .Config.Entrypoint}}')).toBe('["/usr/bin/tini","--"]');
  expect(inspect('{{index .Labels "org.opencontainers.image.version"}}')).toBe(RELEASE);
  expect(inspect('{{index .Labels "org.opencontainers.image.source"}}')).toMatch(/^https:\/\//);
  const inside = run([...PODMAN, 'run', '--rm', ...LIMITS, image.reference, 'sh', '-c',
    `xrootd -v; id -u; for l in XrdHttp XrdHttpTPC XrdAccSciTokens; do ls /usr/lib/x86_64-linux-gnu/lib$l-${RELEASE.split('.')[0]}.so; done; `
      + 'for p in xrdfs xrdcp cmsd sed openssl; do command -v $p; done'], process.env, 60_000);
  expect(inside.code).toBe(0);
  expect(inside.out).toContain(`v${RELEASE}`);
  expect(inside.out).toMatch(/^10940$/m);
  for (const program of ['xrdfs', 'xrdcp', 'cmsd', 'sed', 'openssl']) expect(inside.out).toMatch(new RegExp(`^/usr/bin/${program}$`, 'm'));
});

test('a 1+2 cluster from containers forms, its probes pass, and xrdcp writes and reads through the redirector', async () => {
  const c = await LoopbackCluster.start({ name: 'boxed', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 2 } }, { image });
  try {
    const map = await c.waitForMembers(2);
    for (const w of c.of('worker')) expect(map).toContain(`:${w.port}`);
    // The pods' own probe script, run by the image's xrdfs inside each xrootd container.
    for (const pod of c.pods) expect(c.probe(pod, 'ready')).toMatchObject({ code: 0 });

    const local = join(scratch, 'in.bin');
    writeFileSync(local, randomBytes(3 << 20));
    const copyIn = run(['xrdcp', '--nopbar', local, c.url(0, '/data/boxed/in.bin')], process.env, 60_000);
    expect(copyIn).toMatchObject({ code: 0 });
    const listing = run(['xrdfs', `127.0.0.1:${c.pod('redirector', 0).port}`, 'ls', '/data/boxed'], process.env, 30_000);
    expect(listing.out).toContain('/data/boxed/in.bin');
    const back = join(scratch, 'back.bin');
    expect(run(['xrdcp', '--nopbar', c.url(0, '/data/boxed/in.bin'), back], process.env, 60_000)).toMatchObject({ code: 0 });
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
    // The file landed on one data server's volume, owned by the image's user.
    const holders = c.of('worker').filter((w) => run(['test', '-f', join(w.dataDir, 'data/boxed/in.bin')]).code === 0);
    expect(holders).toHaveLength(1);
    expect(statSync(join(holders[0].dataDir, 'data/boxed/in.bin')).uid).toBe(10940);

    // SIGTERM stops a daemon's container at once (tini forwards it; xrootd as pid 1 would ignore it).
    // stopDaemon sends SIGTERM and SIGKILLs the podman process only if it outlives the grace period.
    const worker = c.of('worker')[0];
    await c.stopDaemon(worker, 'xrootd');
    expect(worker.daemons.xrootd!.child.signalCode).toBeNull();
  } catch (e) {
    console.error(`container logs:\n${c.logs()}`);
    throw e;
  } finally {
    await c.stop();
  }
}, 180_000);

test('with spec.security.tls the image\'s run.sh prepares the key and CA files (openssl) and roots:// works through the redirector', async () => {
  const ca = TestCa.create('boxed');
  const ips = ['127.0.0.1', '127.0.0.10'];
  // The Secret's files as a pod gets them: group-readable by the image's group (the pods' fsGroup).
  const secret = ca.secretVolume('tls', [...ips, hostname()], ips, Number(image.user.split(':')[1]));
  const c = await LoopbackCluster.start({ name: 'boxed-tls', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 1 },
    security: { tls: { secretName: 'boxed-tls' } } }, { image, tlsDir: secret });
  try {
    await c.waitForMembers(1);
    for (const pod of c.pods) expect(c.probe(pod, 'ready')).toMatchObject({ code: 0 });
    const local = join(scratch, 'tls.bin');
    writeFileSync(local, randomBytes(1 << 20));
    const env = { ...process.env, X509_CERT_DIR: ca.certDir };
    expect(run(['xrdcp', '--nopbar', local, `roots://127.0.0.1:${c.pod('redirector', 0).port}//data/tls.bin`], env, 60_000)).toMatchObject({ code: 0 });
    const back = join(scratch, 'tls.back');
    expect(run(['xrdcp', '--nopbar', `roots://127.0.0.1:${c.pod('redirector', 0).port}//data/tls.bin`, back], env, 60_000)).toMatchObject({ code: 0 });
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  } catch (e) {
    console.error(`container logs:\n${c.logs()}`);
    throw e;
  } finally {
    await c.stop();
    ca.remove();
  }
}, 180_000);
