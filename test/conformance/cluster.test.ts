/**
 * The generated configuration, run on real XRootD daemons (Debian's 5.5.3) on
 * loopback: clusters form, files go in and come back out, probes tell the truth.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, resolveCluster, type NodeDrainStatus, type XrootdClusterProps } from '../../constructs/index.js';
import { decideNodeDrain } from '../../src/agent/node-drain.js';
import { MANAGERS_FILE } from '../../constructs/config.js';
import { CORDONED_NODES_KEY } from '../../constructs/node-drain.js';
import { requirePrograms, run, runAsync, waitFor } from '../helpers/processes.js';
import { copy, Scratch, workerPorts } from './client-files.js';
import { withCluster } from './loopback-cluster.js';
import { startCollector, type RunningCollector } from '../helpers/collector.js';
import { projectImage } from '../helpers/containers.js';
import { decideAutoscale, type AutoscaleStep } from '../../src/agent/autoscale.js';
import type { MembershipReport } from '../../src/agent/membership.js';

/** The version Debian ships: the catalog entry whose rendering these daemons run. */
const DEBIAN_VERSION = '5.5.3';
const FAST: Partial<XrootdClusterProps> = { version: DEBIAN_VERSION, xrootd: { startupDelaySeconds: 2 } };
const files = new Scratch();
const scratch = files.dir;
const randomFile = (name: string, bytes: number): string => files.randomFile(name, bytes);

beforeAll(() => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'xrdfs', 'xrdmapc', 'curl', 'setpriv'],
    'install Debian\'s xrootd-server, xrootd-client and curl (.ci/run does)');
  expect(run(['xrootd', '-v']).out.trim()).toBe(`v${DEBIAN_VERSION}`);
});
afterAll(() => files.remove());

test('minimal cluster: servers subscribe, a file written through the redirector reads back identical and is located', async () => {
  await withCluster({ ...FAST, name: 'minimal', worker: { replicas: 2 } }, async (c) => {
    const map = await c.waitForMembers(2);
    for (const port of workerPorts(c)) expect(map).toContain(`:${port}`);

    const local = randomFile('minimal.bin', 1 << 20);
    copy(local, c.url(0, '/data/minimal.bin'));
    const back = join(scratch, 'minimal.back');
    copy(c.url(0, '/data/minimal.bin'), back);
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);

    const located = run(['xrdfs', `127.0.0.1:${c.pod('redirector', 0).port}`, 'locate', '/data/minimal.bin']).out;
    const holder = c.of('worker').find((w) => located.includes(`:${w.port} Server`));
    expect(holder).toBeDefined();
    // The bytes are really on that data server's volume.
    expect(readFileSync(join(holder!.dataDir, 'data', 'minimal.bin')).equals(readFileSync(local))).toBe(true);
  });
}, 120000);

test('three redirectors form one cluster, and it keeps serving when one of them stops', async () => {
  await withCluster({ ...FAST, name: 'ha', redirector: { replicas: 3 }, worker: { replicas: 3 } }, async (c) => {
    for (const r of [0, 1, 2]) {
      const map = await c.waitForMembers(3, r);
      for (const port of workerPorts(c)) expect(map).toContain(`:${port}`);
    }
    const before = randomFile('ha-before.bin', 256 << 10);
    copy(before, c.url(0, '/data/ha-before.bin'));

    const stopped = c.pod('redirector', 0);
    await c.stopDaemon(stopped, 'xrootd');
    await c.stopDaemon(stopped, 'cmsd');

    const after = randomFile('ha-after.bin', 256 << 10);
    copy(after, c.url(1, '/data/ha-after.bin'));
    // Redirector 2's xrootd now asks redirector 1's cmsd (its next manager), which may have to look
    // ha-before.bin up: a data server answering after the 1 s query deadline (qdl 1; a loaded CI
    // machine) gets it reported missing (3011, "No servers are available") and remembered so for
    // a minute (docs/client-operations.md). Wait for the lookup itself, refreshed each try.
    const holder = await waitFor('ha-before.bin located through redirector 2', () => {
      const located = run(['xrdfs', `127.0.0.1:${c.pod('redirector', 2).port}`, 'locate', '-r', '/data/ha-before.bin']).out;
      return c.of('worker').find((w) => located.includes(`:${w.port} Server`));
    }, 30000, 500);
    expect(holder).toBeDefined();
    for (const [file, local] of [['ha-after.bin', after], ['ha-before.bin', before]]) {
      const back = join(scratch, `${file}.back`);
      copy(c.url(2, `/data/${file}`), back);
      expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
    }
  });
}, 180000);

test('probe commands from the manifests tell ready from not ready', async () => {
  await withCluster({ ...FAST, name: 'probes', worker: { replicas: 1 } }, async (c) => {
    await c.waitForMembers(1);
    const worker = c.pod('worker', 0);
    const redirector = c.pod('redirector', 0);
    expect(c.probe(worker, 'ready')).toEqual({ code: 0, out: '' });
    expect(c.probe(redirector, 'ready')).toEqual({ code: 0, out: '' });
    expect(c.probe(worker, 'cmsd-alive').code).toBe(0);
    expect(c.probe(worker, 'alive')).toEqual({ code: 0, out: '' });

    // A hung xrootd keeps its port open: liveness asks it a question, and a deadline passes without an answer.
    c.freeze(worker, 'xrootd', true);
    try {
      expect(c.probe(worker, 'alive')).toEqual({ code: 1, out: 'xrootd did not answer within 6 s\n' });
      expect(c.probe(worker, 'ready').code).toBe(1);
    } finally {
      c.freeze(worker, 'xrootd', false);
    }
    expect(c.probe(worker, 'alive')).toEqual({ code: 0, out: '' });
    // Subscribed means connected to a manager's address, not any connection to its port.
    const managersFile = join(worker.dir, 'admin', MANAGERS_FILE);
    const managers = readFileSync(managersFile, 'utf8');
    const [, port] = managers.trim().split('\n')[0].match(/:(\d+)$/)!;
    writeFileSync(managersFile, `127.0.0.99:${port}\n`);
    try {
      expect(c.probe(worker, 'ready').out.trim()).toBe(`not subscribed: no connection to any of its managers (127.0.0.99:${port})`);
    } finally {
      writeFileSync(managersFile, managers);
    }
    expect(c.probe(worker, 'ready')).toEqual({ code: 0, out: '' });

    await c.stopDaemon(worker, 'cmsd');
    const notReady = await waitFor('the data server probe to fail', () => {
      const r = c.probe(worker, 'ready');
      return r.code !== 0 ? r : undefined;
    }, 30000, 500);
    expect(notReady.out).toContain('cmsd not active');
    expect(c.probe(worker, 'cmsd-alive').code).not.toBe(0);

    // And back: a restarted cmsd makes the data server ready again once it has subscribed.
    c.startPod(worker, ['cmsd']);
    await waitFor('the data server probe to pass again', () => (c.probe(worker, 'ready').code === 0 ? true : undefined), 30000, 500);

    // Its redirector gone, the data server is out of service: ready means subscribed, not only a live local cmsd.
    await c.stopDaemon(redirector, 'cmsd');
    const noManager = await waitFor('the redirector probe to fail', () => {
      const r = c.probe(redirector, 'ready');
      return r.code !== 0 ? r : undefined;
    }, 30000, 500);
    expect(noManager.out).toContain('no manager connected');
    const unsubscribed = await waitFor('the data server probe to fail without its manager', () => {
      const r = c.probe(worker, 'ready');
      return r.code !== 0 ? r : undefined;
    }, 30000, 500);
    expect(unsubscribed.out.trim()).toBe(`not subscribed: no connection to any of its managers (${c.pod('redirector', 0).env.XRD_MANAGER_0})`);
    expect(c.probe(worker, 'cmsd-alive').code).toBe(0);
    c.startPod(redirector, ['cmsd']);
    await waitFor('the data server ready again once its manager is back', () => (c.probe(worker, 'ready').code === 0 ? true : undefined), 60000, 500);

    await c.stopDaemon(worker, 'xrootd');
    expect(c.probe(worker, 'ready').out).toContain('xrootd does not answer');
    expect(c.probe(worker, 'alive').code).toBe(1);
  });
}, 120000);

test('a read-only export refuses writes, a read-write export accepts them', async () => {
  const exports = [{ path: '/store', readOnly: true }, { path: '/scratch', readOnly: false }];
  await withCluster({ ...FAST, name: 'readonly', worker: { replicas: 1 }, xrootd: { ...FAST.xrootd, exports } }, async (c) => {
    await c.waitForMembers(1);
    const local = randomFile('ro.bin', 1024);
    const refused = run(['xrdcp', '--force', '--nopbar', local, c.url(0, '/store/ro.bin')], process.env, 60000);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/No servers have write access/);
    copy(local, c.url(0, '/scratch/ro.bin'));
    const back = join(scratch, 'ro.back');
    copy(c.url(0, '/scratch/ro.bin'), back);
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  });
}, 120000);

test('with HTTP on, a WebDAV PUT and GET through the redirector work', async () => {
  await withCluster({ ...FAST, name: 'http', worker: { replicas: 2 }, xrootd: { ...FAST.xrootd, http: true } }, async (c) => {
    await c.waitForMembers(2);
    const url = `http://127.0.0.1:${c.pod('redirector', 0).port}/data/web.bin`;
    const local = randomFile('web.bin', 100 << 10);
    const put = run(['curl', '-sS', '--fail', '--location', '--upload-file', local, '-o', '/dev/null', '-w', '%{http_code}', url], process.env, 60000);
    expect(put).toMatchObject({ code: 0 });
    expect(put.out).toMatch(/^20[01]$/);
    const back = join(scratch, 'web.back');
    const get = run(['curl', '-sS', '--fail', '--location', '-o', back, url], process.env, 60000);
    expect(get.code).toBe(0);
    expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
  });
}, 120000);

describe('small volumes', () => {
  // A 64 MiB filesystem per data server: cmsd's default 10 GB free-space minimum would refuse every write.
  const mounts: string[] = [];
  const dataDirOf = (pod: string): string => {
    const dir = mkdtempSync(join(scratch, `vol-${pod}-`));
    const r = run(['mount', '-t', 'tmpfs', '-o', 'size=64m,mode=0755', 'tmpfs', dir]);
    if (r.code !== 0) throw new Error(`mounting a 64 MiB tmpfs needs root: ${r.out}`);
    mounts.push(dir);
    return dir;
  };
  afterEach(() => { while (mounts.length) run(['umount', mounts.pop()!]); });

  test('with the capacity given, writes land (the derived cms.space fits the volume)', async () => {
    await withCluster({ ...FAST, name: 'small', worker: { replicas: 1, storage: { capacity: '64Mi' } } }, async (c) => {
      await c.waitForMembers(1);
      const local = randomFile('small.bin', 4 << 20);
      copy(local, c.url(0, '/data/small.bin'));
      const back = join(scratch, 'small.back');
      copy(c.url(0, '/data/small.bin'), back);
      expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
    }, { dataDirOf });
  }, 120000);

  test('with a capacity above the volume (a volume grown in place, cmsd not restarted) writes still land: cmsd measures the file system', async () => {
    await withCluster({ ...FAST, name: 'small', worker: { replicas: 1, storage: { capacity: '100Gi' } } }, async (c) => {
      await c.waitForMembers(1);
      copy(randomFile('grown.bin', 1 << 20), c.url(0, '/data/grown.bin'));
    }, { dataDirOf });
  }, 120000);

  test('a loop-mounted XFS volume filled until XRootD places no more files on it, grown with xfs_growfs while the daemons run: the next write lands on it, nothing restarted', async () => {
    // XFS's smallest file system is 300 MiB (a sparse file here); ext4 cannot grow online without CAP_SYS_RESOURCE.
    const image = join(scratch, 'grow.img');
    const dir = mkdtempSync(join(scratch, 'vol-grow-'));
    const sh = (script: string) => run(['sh', '-ec', script], process.env, 60000);
    const made = sh(`truncate -s 300M ${image}; mkfs.xfs -q -f ${image}; losetup -f --show ${image}`);
    expect(made.code).toBe(0);
    const device = made.out.trim().split('\n').at(-1)!;
    try {
      expect(sh(`mount ${device} ${dir}`).code).toBe(0);
      // The manager asks for free space every 3 s (ping x usage) instead of every 10 minutes: placement follows the volume quickly.
      await withCluster({ ...FAST, name: 'growfs', redirector: { extraDirectives: ['cms.ping 3 usage 1'] }, worker: { replicas: 1, storage: { capacity: '300Mi' } } }, async (c) => {
        await c.waitForMembers(1);
        const [worker] = c.of('worker');
        const pids = [worker.daemons.xrootd!.pid, worker.daemons.cmsd!.pid];
        const chunk = randomFile('chunk.bin', 24 << 20);
        // Fill: writes land until the data server is below cms.space's minimum and the manager knows it (until
        // then a write may reach the server and fail there for want of space).
        let landed = 0;
        const write = (name: string) => run(['xrdcp', '--force', '--nopbar', chunk, c.url(0, `/data/${name}`)], process.env, 60000);
        const refusal = await waitFor('the manager to refuse a write for lack of space', () => {
          const r = write(`fill-${landed}.bin`);
          if (r.code === 0) landed++;
          return r.code !== 0 && /No servers (are available|have enough space)/.test(r.out) ? r : undefined;
        }, 120000, 1000);
        console.log(`xfs_growfs: the manager's refusal: ${refusal.out.trim().split('\n').at(-1)}`);
        expect(landed).toBeGreaterThanOrEqual(8);
        // Grown while xrootd and cmsd run, as a storage driver and the kubelet grow a volume.
        expect(sh(`truncate -s 600M ${image}; losetup -c ${device}; xfs_growfs ${dir} >/dev/null`).code).toBe(0);
        const grownAt = Date.now();
        await waitFor('a write to land again', () => (write('after-growth.bin').code === 0 ? true : undefined), 90000, 1000);
        console.log(`xfs_growfs: writes placed on the grown data server again ${((Date.now() - grownAt) / 1000).toFixed(1)} s later (${landed} x 24 MiB before)`);
        expect(existsSync(join(dir, 'data', 'after-growth.bin'))).toBe(true);
        expect([worker.daemons.xrootd!.pid, worker.daemons.cmsd!.pid]).toEqual(pids);
        expect([worker.daemons.xrootd!.exited, worker.daemons.cmsd!.exited]).toEqual([false, false]);
      }, { dataDirOf: () => dir });
    } finally {
      run(['umount', dir]);
      run(['losetup', '-d', device]);
    }
  }, 300000);

  /**
   * Two data servers 82% full (52 of 64 MiB) and a third started later, as worker.autoscale adds
   * one: where six new files written through the redirector land. The manager asks for each
   * server's load every 3 s (ping x usage) instead of every minute.
   */
  async function newFilesOnAnAddedServer(
    props: XrootdClusterProps, collector?: RunningCollector,
  ): Promise<{ counts: number[]; decision?: AutoscaleStep }> {
    const filled = randomFile('filled.bin', 52 << 20);
    const fill = (pod: string): string => {
      const dir = dataDirOf(pod);
      if (!pod.endsWith('-worker-2')) {
        mkdirSync(join(dir, 'data'));
        copyFileSync(filled, join(dir, 'data', 'filled.bin'));
      }
      return dir;
    };
    const result: { counts: number[]; decision?: AutoscaleStep } = { counts: [] };
    await withCluster(props, async (c) => {
      await c.waitForMembers(2);
      const model = resolveCluster(props);
      if (collector) {
        // What the agent would decide from the servers' own reports: 18% free, below 20%: one more.
        const spaces = await waitFor('both servers\' free space at the collector', async () => {
          const { spaces: s = [] } = await collector.json<MembershipReport>('/membership');
          return s.filter((x) => /-worker-[01]$/.test(x.pod)).length === 2 ? s : undefined;
        }, 30000, 500);
        result.decision = decideAutoscale({
          policy: model.spec.worker.autoscale, specReplicas: 2, live: 2, spaces, maintenance: [], now: new Date().toISOString(),
          pods: [0, 1].map((o) => ({ ordinal: o, name: model.names.pod('worker', o), ready: true, deleting: false })),
          podName: (o) => model.names.pod('worker', o),
        });
      }
      // The manager has heard both servers' load (their share used) before the third comes.
      await new Promise((r) => setTimeout(r, 7000));
      c.startPod(c.pod('worker', 2));
      await c.waitForMembers(3);
      const chunk = randomFile('new.bin', 1 << 20);
      for (let i = 0; i < 6; i++) {
        const r = run(['xrdcp', '--force', '--nopbar', chunk, c.url(0, `/data/new-${i}.bin`)], process.env, 60000);
        expect(r).toMatchObject({ code: 0 });
      }
      result.counts = c.of('worker').map((w) => readdirSync(join(w.dataDir, 'data')).filter((f) => f.startsWith('new-')).length);
      // In containers (the pod's host name is its name) when reporting: a report names its pod by its host name.
    }, { dataDirOf: fill, startLater: (pod) => pod.endsWith('-worker-2'), ...(collector ? { collector: collector.address, image: projectImage('xrootd') } : {}) });
    return result;
  }

  test('worker.autoscale: the data server added to a filling cluster receives the new files (cms.sched by the share used), where round robin spreads them', async () => {
    const collector = await startCollector({ cluster: 'grow', namespace: 'physics', dir: scratch });
    try {
      const { counts, decision } = await newFilesOnAnAddedServer({
        ...FAST, name: 'grow', namespace: 'physics', monitoring: { enabled: true, reportIntervalSeconds: 2 },
        redirector: { extraDirectives: ['cms.ping 3 usage 1'] },
        worker: { replicas: 3, scaleDown: 'Drain', storage: { capacity: '64Mi', retention: { whenScaled: 'Delete' } }, autoscale: { maxReplicas: 4 } },
      }, collector);
      console.log(`autoscale: the decision from the collector's reports: ${decision?.change?.message}; new files per data server ${counts.join(', ')}`);
      expect(decision?.change).toMatchObject({ from: 2, to: 3 });
      expect(counts).toEqual([0, 0, 6]);
    } finally {
      await collector.stop();
    }
    // The same with a space weight alone (the cache clusters' line): cmsd stays on round robin.
    const { counts } = await newFilesOnAnAddedServer({
      ...FAST, name: 'spread', redirector: { extraDirectives: ['cms.ping 3 usage 1', 'cms.sched space 100 fuzz 5'] },
      worker: { replicas: 3, storage: { capacity: '64Mi' } },
    });
    console.log(`autoscale: with cms.sched space 100 alone, new files per data server ${counts.join(', ')}`);
    // In turn: the added server gets its share (2 of 6), no more.
    expect(counts[2]).toBeLessThanOrEqual(3);
    expect(counts[0] + counts[1]).toBeGreaterThanOrEqual(3);
  }, 240000);

  test('with a capacity above 500 GiB (cmsd\'s absolute 10 GiB minimum) the same write is refused for lack of space', async () => {
    await withCluster({ ...FAST, name: 'small', worker: { replicas: 1, storage: { capacity: '1Ti' } } }, async (c) => {
      await c.waitForMembers(1);
      const refused = run(['xrdcp', '--force', '--nopbar', randomFile('big.bin', 1024), c.url(0, '/data/big.bin')], process.env, 60000);
      expect(refused.code).not.toBe(0);
      expect(refused.out).toMatch(/space|No servers are available to write/i);
    }, { dataDirOf });
  }, 120000);
});

test('worker.nodeDrain: a data server whose node is cordoned suspends itself at its manager; new files go to the other, its open write finishes, the decision releases it, and with it gone the writes go on: none fails', async () => {
  const collector = await startCollector({ cluster: 'cordon', namespace: 'physics', dir: scratch });
  const props: XrootdClusterProps = {
    ...FAST, name: 'cordon', namespace: 'physics', monitoring: { enabled: true, reportIntervalSeconds: 2 },
    xrootd: { ...FAST.xrootd, dropDelaySeconds: 10 }, worker: { replicas: 2, nodeDrain: { writesTimeoutSeconds: 120 } },
  };
  const model = resolveCluster(props);
  const pod = model.names.pod('worker', 1);
  let slow: ChildProcess | undefined;
  try {
    await withCluster(props, async (c) => {
      await c.waitForMembers(2);
      const [w0, w1] = c.of('worker');
      // A client writing a new file through the redirector, one after another with 250 ms between (a create takes 1-2 s
      // here: the manager waits for its lookup), throughout.
      const small = randomFile('small.bin', 64 << 10);
      const writes: Array<{ name: string; ok: boolean; ms: number; at: number; out: string }> = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const at = Date.now();
          const r = await runAsync(['xrdcp', '--force', '--nopbar', small, c.url(0, `/data/w-${i}.bin`)]);
          writes.push({ name: `w-${i}.bin`, ok: r.code === 0, ms: Date.now() - at, at, out: r.out });
          await new Promise((res) => setTimeout(res, 250));
        }
      })();
      // A long write on the data server itself, open when its node is cordoned: 12 x 256 KiB, one every 0.5 s.
      slow = spawn('bash', ['-c', `for i in $(seq 12); do head -c 262144 /dev/urandom; sleep 0.5; done | xrdcp --force --nopbar - root://${w1.host}:${w1.port}//data/slow.bin`], { stdio: 'ignore' });
      const slowDone = new Promise<number | null>((res) => slow!.on('exit', (code) => res(code)));
      await new Promise((res) => setTimeout(res, 1500));
      // The node is cordoned: the agent renders it in the cordoned nodes' file, which the pod sees.
      writeFileSync(join(c.dir, 'maintenance', CORDONED_NODES_KEY), 'node-b\n');
      // On loopback both data servers reach the manager from 127.0.0.1, so its report names neither (in a cluster each
      // pod has its own address, and the collector names it): here the suspended one is worker-1, the other worker-0.
      const byStatus = (x: MembershipReport['managers'][number]['members'][number]) => (
        x.pod === '127.0.0.1' ? { ...x, pod: x.status?.startsWith('s') ? pod : model.names.pod('worker', 0) } : x);
      const named = (m: MembershipReport): MembershipReport => ({
        ...m, managers: m.managers.map((g) => ({ ...g, members: g.members.map(byStatus) })),
      });
      const decide = (membership: MembershipReport, previous?: NodeDrainStatus[]) => decideNodeDrain({
        policy: model.spec.worker.nodeDrain, cordoned: new Set(['node-b']), membership: named(membership), previous, now: new Date().toISOString(),
        pods: [{ name: pod, node: 'node-b', deleting: false, ready: true }, { name: model.names.pod('worker', 0), node: 'node-a', deleting: false, ready: true }],
      });
      const suspended = await waitFor(`the manager to report ${pod} suspended`, async () => {
        const m = named(await collector.json<MembershipReport>('/membership'));
        return m.managers.some((g) => g.members.some((x) => x.pod === pod && x.status?.startsWith('s'))) ? m : undefined;
      }, 30000, 250);
      const suspendedAt = Date.now();
      let step = decide(suspended);
      expect(step.release).toBeUndefined();
      expect(step.status).toEqual([expect.objectContaining({ pod, node: 'node-b', phase: 'FinishingWrites' })]);
      // Its write finishes; a report from after the suspension shows none open: released.
      const released = await waitFor(`the decision to release ${pod}`, async () => {
        step = decide(await collector.json<MembershipReport>('/membership'), step.status);
        return step.release;
      }, 60000, 500);
      const releasedAt = Date.now();
      expect(await slowDone).toBe(0);
      expect(statSync(join(w1.dataDir, 'data', 'slow.bin')).size).toBe(12 * 262144);
      expect(released.message).toBe(`${pod} on cordoned node node-b: suspended at its managers, no file open for writing; the drain may evict it`);
      // The drain takes the pod: its daemons stop. Writes go on past the manager's drop delay.
      await c.stopDaemon(w1, 'xrootd');
      await c.stopDaemon(w1, 'cmsd');
      await new Promise((res) => setTimeout(res, 15000));
      writing = false;
      await writer;
      const failed = writes.filter((w) => !w.ok);
      const stall = Math.max(...writes.map((w) => w.ms));
      console.log(`nodeDrain: ${writes.length} writes, ${failed.length} failed, longest ${stall} ms; suspended ${((suspendedAt - releasedAt) / -1000).toFixed(1)} s before the release`);
      expect(failed).toEqual([]);
      // Every file written once the manager knew (a second's margin for one already sent there) is on the other data server.
      const later = writes.filter((w) => w.at > suspendedAt + 1000);
      expect(later.length).toBeGreaterThanOrEqual(5);
      expect(later.filter((w) => !existsSync(join(w0.dataDir, 'data', w.name))).map((w) => w.name)).toEqual([]);
      expect(c.logs(2000)).toContain(`run.sh: ${pod} on node node-b: cmsd asked to suspend (spec.worker.nodeDrain)`);
    }, { collector: collector.address, image: projectImage('xrootd'), podEnv: (name) => ({ [ENV.nodeName]: name === pod ? 'node-b' : 'node-a' }) });
  } finally {
    slow?.kill();
    await collector.stop();
  }
}, 240000);

test('healing.lostNodes on real daemons: a data server whose node is lost (both daemons silent) holds creates only until its redirector finds it gone (three 10 s pings) and drops it; an empty server under its name then takes new files, and its lost files are missing at once, not waited for', async () => {
  const props: XrootdClusterProps = { ...FAST, name: 'gone', namespace: 'physics', xrootd: { ...FAST.xrootd, dropDelaySeconds: 10 }, worker: { replicas: 2 } };
  await withCluster(props, async (c) => {
    await c.waitForMembers(2);
    const w1 = c.pod('worker', 1);
    const small = randomFile('lost-small.bin', 16 << 10);
    for (let i = 0; i < 4; i++) expect((await runAsync(['xrdcp', '--force', '--nopbar', small, c.url(0, `/data/before-${i}.bin`)])).code).toBe(0);
    const lostFiles = readdirSync(join(w1.dataDir, 'data')).filter((f) => f.startsWith('before-'));
    expect(lostFiles.length).toBeGreaterThan(0);
    // The node is lost: nothing of the pod answers, and nothing closes its connections.
    const lostAt = Date.now();
    c.freeze(w1, 'cmsd', true);
    c.freeze(w1, 'xrootd', true);
    // Creates through the redirector throughout, each given 20 s: one sent to the lost server before its redirector
    // knows waits there (a dead node's would time out connecting).
    const writes: Array<{ ok: boolean; at: number; ms: number }> = [];
    let dropped: number | undefined;
    let stopAt = Infinity;
    for (let i = 0; Date.now() < stopAt; i++) {
      const at = Date.now();
      const r = await runAsync(['xrdcp', '--force', '--nopbar', small, c.url(0, `/data/during-${i}.bin`)], process.env, 20000);
      writes.push({ ok: r.code === 0, at, ms: Date.now() - at });
      if (dropped === undefined && !c.membership().includes(`:${w1.port}`)) {
        dropped = Date.now();
        stopAt = dropped + 10000;
      }
      if (Date.now() - lostAt > 300000) break;
    }
    expect(dropped).toBeDefined();
    const firstOfTheRest = writes.findIndex((_, i) => writes.slice(i).every((x) => x.ok));
    console.log(`lostNodes: the redirector dropped the silent data server ${((dropped! - lostAt) / 1000).toFixed(0)} s after it went silent `
      + `(XRootD's 60 s pings: 190 s); ${writes.length} creates, ${writes.filter((w) => !w.ok).length} failed or held over 20 s, `
      + `all succeeding from ${((writes[firstOfTheRest].at - lostAt) / 1000).toFixed(0)} s on; longest ${Math.max(...writes.map((w) => w.ms))} ms (20 s: cut off)`);
    // Three unanswered 10 s pings, then the drop delay, with a margin: not XRootD's 3 minutes.
    expect(dropped! - lostAt).toBeLessThan(90000);
    expect(writes.filter((w) => w.at > dropped!).every((w) => w.ok)).toBe(true);
    // An empty server in its place, under its name (as the agent's replacement, once no manager lists it).
    await c.stopDaemon(w1, 'xrootd');
    await c.stopDaemon(w1, 'cmsd');
    for (const f of readdirSync(join(w1.dataDir, 'data'))) rmSync(join(w1.dataDir, 'data', f), { recursive: true, force: true });
    c.startPod(w1);
    await c.waitForMembers(2);
    for (let i = 0; i < 6; i++) expect((await runAsync(['xrdcp', '--force', '--nopbar', small, c.url(0, `/data/after-${i}.bin`)])).code).toBe(0);
    expect(readdirSync(join(w1.dataDir, 'data')).filter((f) => f.startsWith('after-')).length).toBeGreaterThan(0);
    // A file it held before is missing, said at once: no client waits for the lost server or is sent to the new one for it.
    const at = Date.now();
    const missing = await runAsync(['xrdcp', '--force', '--nopbar', c.url(0, `/data/${lostFiles[0]}`), '/dev/null'], process.env, 60000);
    const ms = Date.now() - at;
    console.log(`lostNodes: a file of the lost server, asked for after its replacement: "${missing.out.trim().split('\n').pop()}" in ${ms} ms`);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toMatch(/no such file|not found|No servers/i);
    expect(ms).toBeLessThan(15000);
  });
}, 480000);

test('a data server in maintenance (spec.worker.maintenance) serves its files but receives no new ones', async () => {
  // What it held before maintenance: a file in its export, put there before it starts.
  const held = randomFile('held.bin', 256 << 10);
  const dataDirOf = (pod: string): string => {
    const dir = mkdtempSync(join(scratch, `maint-${pod}-`));
    if (pod.endsWith('-worker-1')) {
      mkdirSync(join(dir, 'data'), { recursive: true });
      copyFileSync(held, join(dir, 'data', 'held.bin'));
    }
    return dir;
  };
  await withCluster({ ...FAST, name: 'maint', worker: { replicas: 2, maintenance: [1] } }, async (c) => {
    await c.waitForMembers(2);
    const [w0, w1] = c.of('worker');
    expect(c.logs(1000)).toContain('run.sh: maint-worker-1 is in maintenance: exports read-only');
    // Reads of its files are redirected to it as before.
    const back = join(scratch, 'held.back');
    copy(c.url(0, '/data/held.bin'), back);
    expect(readFileSync(back).equals(readFileSync(held))).toBe(true);
    // Every new file goes to the other data server (with two in service, about half would land on each).
    for (let i = 0; i < 8; i++) copy(randomFile(`new-${i}.bin`, 4096), c.url(0, `/data/new-${i}.bin`));
    const landed = (dir: string) => (existsSync(join(dir, 'data')) ? readdirSync(join(dir, 'data')).filter((f) => f.startsWith('new-')) : []);
    expect(landed(w0.dataDir).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `new-${i}.bin`).sort());
    expect(landed(w1.dataDir)).toEqual([]);
    // Straight at it, a write is refused: its exports are read-only.
    const direct = run(['xrdcp', '--force', '--nopbar', randomFile('direct.bin', 1024), `root://127.0.0.1:${w1.port}//data/direct.bin`], process.env, 60000);
    expect(direct.code).not.toBe(0);
  }, { dataDirOf });
}, 120000);
