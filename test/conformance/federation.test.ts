/**
 * spec.federation on real XRootD daemons (Debian's 5.5.3) on loopback: two generated clusters
 * subscribe to a third generated as their meta-manager; each one's files are found and read
 * through the meta-manager, and with one cluster stopped the other's files are still served. The
 * meta-manager's own report to a collector lists both redirectors as its members.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { freePorts, requirePrograms, run, startDaemon, stopDaemon, waitFor, type Daemon } from '../helpers/processes.js';
import { repoRoot } from '../helpers/repo.js';
import { withCluster, type LoopbackCluster } from './loopback-cluster.js';

const FAST: Partial<XrootdClusterProps> = { version: '5.5.3', xrootd: { startupDelaySeconds: 2 } };
const scratch = mkdtempSync(join(tmpdir(), 'xrd-federation-'));
chmodSync(scratch, 0o755);

let collector: Daemon;
let collectorUdp: number;
let collectorHttp: number;

beforeAll(async () => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'xrdfs', 'xrdmapc'], 'install Debian\'s xrootd-server and xrootd-client (.ci/run does)');
  [collectorUdp, collectorHttp] = await freePorts(2);
  collector = startDaemon('collector', [process.execPath, join(repoRoot(), 'build/src/cli/main.js'), 'collector', '--cluster=meta', '--namespace=federation',
    `--udp-port=${collectorUdp}`, `--http-port=${collectorHttp}`, '--address=127.0.0.1', '--stale-seconds=30'], process.env, join(scratch, 'collector.log'));
  await waitFor('the collector', async () => ((await fetch(`http://127.0.0.1:${collectorHttp}/healthz`).catch(() => undefined))?.ok ? true : undefined), 20_000);
});
afterAll(async () => {
  if (collector) await stopDaemon(collector);
  rmSync(scratch, { recursive: true, force: true });
});

function copy(from: string, to: string): void {
  const r = run(['xrdcp', '--force', '--nopbar', from, to], process.env, 90000);
  if (r.code !== 0) throw new Error(`xrdcp ${from} ${to} failed (${r.code}): ${r.out}`);
}

/** Writes a file of random bytes through a cluster's redirector; returns its local copy. */
function writeThrough(c: LoopbackCluster, name: string): string {
  const local = join(scratch, name);
  writeFileSync(local, randomBytes(96 << 10));
  copy(local, c.url(0, `/data/${name}`));
  return local;
}

function readsBack(url: string, local: string): boolean {
  const back = `${local}.back`;
  copy(url, back);
  return readFileSync(back).equals(readFileSync(local));
}

test('two clusters under a generated meta-manager: each one\'s files are located and read through it, and with one cluster stopped the other\'s are still served', async () => {
  await withCluster({ ...FAST, name: 'meta', worker: { replicas: 0 }, federation: { metaManager: true }, monitoring: { enabled: true, reportIntervalSeconds: 2 } }, async (meta) => {
    expect(meta.of('worker')).toEqual([]);
    const top = meta.pod('redirector', 0);
    const upstream = [`${top.host}:${top.cmsdPort}`];
    await withCluster({ ...FAST, name: 'fed-a', worker: { replicas: 2 }, federation: { upstream } }, async (a) => {
      await withCluster({ ...FAST, name: 'fed-b', worker: { replicas: 2 }, federation: { upstream } }, async (b) => {
        await a.waitForMembers(2);
        await b.waitForMembers(2);
        // The meta-manager lists both clusters' redirectors as its subscribers (xrdmapc calls them "Man").
        const managers = await waitFor('both redirectors subscribed to the meta-manager', () => {
          const m = meta.membership(0);
          return (m.match(/Man /g) ?? []).length === 2 ? m : undefined;
        }, 60000, 1000);
        for (const c of [a, b]) expect(managers).toContain(`:${c.pod('redirector', 0).port}`);
        // Its cmsd's own report says the same to the collector (what the agent's status.members of a meta-manager reads).
        const membership = await waitFor('the meta-manager\'s report listing both redirectors', async () => {
          const body = await (await fetch(`http://127.0.0.1:${collectorHttp}/membership`)).json() as { managers: { role: string; members: { address?: string; host: string; active: boolean }[] }[] };
          return body.managers.find((m) => m.members.filter((x) => x.active).length === 2);
        }, 60000, 1000);
        // On loopback every daemon has the machine's host name, so the two are told apart only by count here; in pods, by name (test/integration/agent.test.ts).
        expect(membership).toMatchObject({ role: 'redirector', members: [{ active: true }, { active: true }] });

        const onA = writeThrough(a, 'on-a.bin');
        const onB = writeThrough(b, 'on-b.bin');
        expect(readsBack(meta.url(0, '/data/on-a.bin'), onA)).toBe(true);
        expect(readsBack(meta.url(0, '/data/on-b.bin'), onB)).toBe(true);
        // The meta-manager knows each file through the redirector of the cluster that holds it.
        const located = (file: string) => run(['xrdfs', `127.0.0.1:${top.port}`, 'locate', '-r', `/data/${file}`]).out;
        expect(located('on-a.bin')).toContain(`:${a.pod('redirector', 0).port} Manager`);
        expect(located('on-b.bin')).toContain(`:${b.pod('redirector', 0).port} Manager`);

        // Cluster B stopped: A's files, the one read before and one the meta-manager has never seen, are still served.
        await Promise.all(b.pods.flatMap((p) => [b.stopDaemon(p, 'xrootd'), b.stopDaemon(p, 'cmsd')]));
        const later = writeThrough(a, 'on-a-later.bin');
        expect(readsBack(meta.url(0, '/data/on-a.bin'), onA)).toBe(true);
        expect(readsBack(meta.url(0, '/data/on-a-later.bin'), later)).toBe(true);
      });
    });
  }, { collector: `127.0.0.1:${collectorUdp}` });
}, 300000);
