/**
 * expose.type LoadBalancer on real XRootD daemons (Debian's 5.5.3): each data server announces the
 * address of its own Service (the external-addresses ConfigMap, as the agent fills it) to the
 * managers, which redirect clients from public addresses there and in-cluster clients to the pod.
 *
 * The cluster runs in a network namespace the test makes; the load balancers' addresses
 * (198.51.100.0/24, a documentation range, so public to XRootD) are on its loopback interface.
 * The outside client runs in a second namespace joined to the first by a veth pair: it reaches
 * those addresses and nothing else of the cluster (not its 127.0.0.x).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdClusterProps } from '../../constructs/index.js';
import { inNetns, requirePrograms, run } from '../helpers/processes.js';
import { withCluster } from './loopback-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'xrd-external-'));
chmodSync(scratch, 0o755);
const CLUSTER_NS = `xrd-cluster-${process.pid}`;
const OUTSIDE_NS = `xrd-outside-${process.pid}`;
const REDIRECTOR_LB = '198.51.100.10';
const WORKER_LB = ['198.51.100.20', '198.51.100.21'];

function ip(...args: string[]): void {
  const r = run(['ip', ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.out}`);
}

beforeAll(() => {
  requirePrograms(['xrootd', 'cmsd', 'xrdcp', 'xrdfs', 'xrdmapc', 'ip', 'setpriv'], 'install Debian\'s xrootd-server, xrootd-client and iproute2 (.ci/run does)');
  ip('netns', 'add', CLUSTER_NS);
  ip('netns', 'add', OUTSIDE_NS);
  ip('-n', CLUSTER_NS, 'link', 'set', 'lo', 'up');
  ip('-n', OUTSIDE_NS, 'link', 'set', 'lo', 'up');
  ip('-n', CLUSTER_NS, 'link', 'add', 'lb0', 'type', 'veth', 'peer', 'name', 'client0', 'netns', OUTSIDE_NS);
  ip('-n', CLUSTER_NS, 'addr', 'add', '198.51.100.254/24', 'dev', 'lb0');
  ip('-n', CLUSTER_NS, 'link', 'set', 'lb0', 'up');
  ip('-n', OUTSIDE_NS, 'addr', 'add', '198.51.100.1/24', 'dev', 'client0');
  ip('-n', OUTSIDE_NS, 'link', 'set', 'client0', 'up');
  for (const address of [REDIRECTOR_LB, ...WORKER_LB]) ip('-n', CLUSTER_NS, 'addr', 'add', `${address}/32`, 'dev', 'lo');
});
afterAll(() => {
  for (const ns of [CLUSTER_NS, OUTSIDE_NS]) run(['ip', 'netns', 'del', ns]);
  rmSync(scratch, { recursive: true, force: true });
});

/** xrdcp with its redirect trace, from inside a namespace. */
function copy(netns: string, from: string, to: string): string {
  const r = run(inNetns(netns, ['xrdcp', '--force', '--nopbar', '-d', '2', from, to]), process.env, 60000);
  if (r.code !== 0) throw new Error(`xrdcp ${from} ${to} in ${netns} failed (${r.code}): ${r.out.slice(-2000)}`);
  return r.out;
}
const redirectsOf = (trace: string): string[] => [...trace.matchAll(/Redirected from: \S+ to: (\S+)/g)].map((m) => m[1]);

test('outside clients are redirected to the data servers\' load balancer addresses and read and write through the redirector; in-cluster clients keep the pods\' addresses', async () => {
  const props: XrootdClusterProps = {
    name: 'ext', version: '5.5.3', xrootd: { startupDelaySeconds: 2 }, worker: { replicas: 2 },
    expose: { type: 'LoadBalancer' }, decisions: { externalAddresses: { 'ext-worker-0': WORKER_LB[0], 'ext-worker-1': WORKER_LB[1] } },
  };
  await withCluster(props, async (c) => {
    await c.waitForMembers(2);
    const port = c.pod('redirector', 0).port;
    const outside = `root://${REDIRECTOR_LB}:${port}/`;
    // What the outside cannot reach: the cluster's own addresses.
    expect(run(inNetns(OUTSIDE_NS, ['xrdfs', `127.0.0.1:${port}`, 'query', 'config', 'role']), { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' }).code).not.toBe(0);

    const files = [0, 1, 2, 3].map((i) => {
      const local = join(scratch, `out-${i}.bin`);
      writeFileSync(local, randomBytes(64 << 10));
      return local;
    });
    const workerAt = new Map(c.of('worker').map((w, i) => [`${WORKER_LB[i]}:${w.port}`, w]));
    for (const [i, local] of files.entries()) {
      const redirects = redirectsOf(copy(OUTSIDE_NS, local, `${outside}/data/out-${i}.bin`));
      expect(redirects).toHaveLength(1);
      expect(redirects[0]).toMatch(new RegExp(`^root://(${[...workerAt.keys()].join('|')})/`));
    }
    for (const [i, local] of files.entries()) {
      const back = `${local}.back`;
      const redirects = redirectsOf(copy(OUTSIDE_NS, `${outside}/data/out-${i}.bin`, back));
      expect(redirects[0]).toMatch(/^root:\/\/198\.51\.100\.2[01]:/);
      expect(readFileSync(back).equals(readFileSync(local))).toBe(true);
    }
    // The files landed on both data servers: each one's outside address was used.
    const located = run(inNetns(OUTSIDE_NS, ['xrdfs', `${REDIRECTOR_LB}:${port}`, 'locate', '/data/out-0.bin'])).out;
    expect(located).toMatch(/(\[::)?198\.51\.100\.2[01]\]?:\d+ Server/);

    // In the cluster (a private address): the same redirector names the pod itself.
    const inside = redirectsOf(copy(CLUSTER_NS, `root://127.0.0.1:${port}//data/out-0.bin`, join(scratch, 'inside.back')));
    expect(inside[0]).toMatch(new RegExp(`^root://(127\\.0\\.0\\.1|\\[::127\\.0\\.0\\.1\\]):(${c.of('worker').map((w) => w.port).join('|')})/`));
  }, { netns: CLUSTER_NS });
}, 180000);
