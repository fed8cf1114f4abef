/**
 * The supervisor tier on real XRootD daemons: a cluster past a manager's 64 subscribers forms its
 * tiers as the manifests say, and serves every file with a supervisor gone.
 */
import { readFileSync } from 'node:fs';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { run, runAsync, waitFor } from '../helpers/processes.js';
import { copy, Scratch, workerPorts } from './client-files.js';
import { withCluster } from './loopback-cluster.js';

const FAST: Partial<XrootdClusterProps> = { version: '5.5.3', xrootd: { startupDelaySeconds: 2 } };
const scratch = new Scratch();
afterAll(() => scratch.remove());
const randomFile = (name: string, bytes: number): string => scratch.randomFile(name, bytes);

test('beyond 64 data servers the supervisor tier takes the overflow, each data server below it subscribed to two supervisors: with one supervisor stopped every file is still served, and nothing is lost when it returns', async () => {
  await withCluster({ ...FAST, name: 'wide', worker: { replicas: 140 } }, async (c) => {
    // 140 data servers: three supervisors; 61 data servers and the supervisors fill the managers' 64 slots,
    // and each of the other 79 takes a slot in two supervisors (79 x 2 = 158 of their 192).
    const supervisors = c.of('supervisor');
    expect(supervisors).toHaveLength(3);
    const direct = 64 - supervisors.length;
    const below = c.of('worker').filter((w) => w.ordinal >= direct);
    expect(below).toHaveLength(79);
    // xrdmapc lists every subtree: a data server below the supervisors appears under both of its supervisors.
    const map = await c.waitForMembers(direct + 2 * below.length, 0, 300000);
    for (const port of workerPorts(c)) expect(map).toContain(`:${port}`);
    // xrdmapc labels a supervisor "Man" (it manages its subtree).
    for (const s of supervisors) expect(map).toMatch(new RegExp(`Man \\S+:${s.port}`));
    expect(c.probe(supervisors[0], 'ready')).toEqual({ code: 0, out: '' });
    expect(c.probe(c.pod('worker', 100), 'ready')).toEqual({ code: 0, out: '' });

    // One file straight at every data server below the supervisors.
    const local = randomFile('deep.bin', 16 << 10);
    for (const w of below) copy(local, `root://127.0.0.1:${w.port}//data/deep-${w.ordinal}.bin`);
    const readAll = async (label: string): Promise<void> => {
      const failed: string[] = [];
      for (let i = 0; i < below.length; i += 20) {
        const batch = below.slice(i, i + 20);
        const results = await Promise.all(batch.map((w) => {
          const back = scratch.path(`deep-${w.ordinal}.${label}`);
          return runAsync(['xrdcp', '--force', '--nopbar', c.url(0, `/data/deep-${w.ordinal}.bin`), back], process.env, 60000)
            .then((r) => (r.code === 0 && readFileSync(back).equals(readFileSync(local)) ? undefined : `${w.name}: ${r.out.trim()}`));
        }));
        failed.push(...results.filter((f): f is string => f !== undefined));
      }
      expect(failed).toEqual([]);
    };
    await readAll('before');
    // The top redirector knows a file through a supervisor, which knows the data server.
    const located = run(['xrdfs', `127.0.0.1:${c.pod('redirector', 0).port}`, 'locate', '-r', `/data/deep-${below[0].ordinal}.bin`]).out;
    expect(located).toMatch(new RegExp(`:(${supervisors.map((s) => s.port).join('|')}) Manager`));

    // Supervisor 0 gone: the data servers it held (k and k + 1 mod 3 include 0: 53 of them) are still subscribed through supervisor 1 or 2.
    const lost = supervisors[0];
    const heldByLost = below.filter((w) => [0, 1].some((i) => (w.ordinal - direct + i) % supervisors.length === 0)).length;
    expect(heldByLost).toBe(53);
    await c.stopDaemon(lost, 'cmsd');
    await c.stopDaemon(lost, 'xrootd');
    // The redirector keeps it listed, unreachable ("connect error"), until cmsd drops it; its subtree is gone.
    const reachable = await waitFor('the redirector to find supervisor 0 unreachable', () => {
      const m = c.membership(0);
      return m.includes(`:${lost.port} [connect error]`) ? m : undefined;
    }, 60000, 1000);
    expect((reachable.match(/Srv /g) ?? []).length).toBe(direct + 2 * below.length - heldByLost);
    for (const w of below) expect(reachable).toContain(`:${w.port}`);
    await readAll('without-supervisor-0');
    const after = randomFile('after.bin', 32 << 10);
    copy(after, c.url(0, '/data/written-without-supervisor-0.bin'));

    // Back: every subscription returns and every file is still there.
    c.startPod(lost);
    await c.waitForMembers(direct + 2 * below.length, 0, 300000);
    await readAll('after');
    const back = scratch.path('after.back');
    copy(c.url(0, '/data/written-without-supervisor-0.bin'), back);
    expect(readFileSync(back).equals(readFileSync(after))).toBe(true);
  });
}, 900000);
