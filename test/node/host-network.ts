/**
 * expose.type HostNetwork on real nodes: the redirector on the first node's network and the data
 * server on the second's (one pod of the cluster per node, test/helpers/host-network-node.ts),
 * both at their nodes' addresses. A client outside the cluster (its own network namespace)
 * writes and reads through the redirector at the first node's address, and is redirected to the
 * second node, as with XRootD outside Kubernetes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createNamespace, xrootdReady } from '../helpers/control-plane.js';
import { HOST_NETWORK_NODE } from '../helpers/host-network-node.js';
import { NODE_NAME, POD_NETWORK, type RealNode } from '../helpers/real-node.js';
import { SMALL } from './network-policies.js';

const NS = 'bare-metal';
const NAME = 'hn';
// Ports of their own: the first node's network is this machine's, where other suites run daemons.
const PORT = 31094;
const CMSD_PORT = 31213;

export function hostNetworkScenario(nodeOf: () => RealNode, xrootdArchive: () => string): void {
  describe('expose.type HostNetwork on two nodes', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'xrd-hostnet-'));
    let outside: ReturnType<RealNode['outside']>;
    const node = () => nodeOf();
    const podOf = (role: string): any => node().cp.getJson(['pods', '-n', NS, '-l', `xrootd.org/cluster=${NAME},app.kubernetes.io/component=${role}`]).items[0];

    beforeAll(async () => {
      const second = await node().addHostNetworkNode();
      second.importImage(xrootdArchive());
      node().addLocalVolumes(1, '1Gi', HOST_NETWORK_NODE.name);
      // Pods on their nodes' network need Pod Security level privileged: no level enforced on this namespace.
      createNamespace(node().cp, NS);
      node().cp.applyYaml(stringify({
        apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS },
        spec: {
          version: '5.5.3', xrootd: { port: PORT, cmsdPort: CMSD_PORT }, worker: { replicas: 1, storage: { capacity: '1Gi' }, ...SMALL }, redirector: SMALL,
          expose: { type: 'HostNetwork' },
          scheduling: {
            tolerations: [{ ...HOST_NETWORK_NODE.taint, operator: 'Equal' }],
            // The data server's volume is on the second node; the redirector, without one, prefers the first.
            affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [NODE_NAME] }] } }] } },
          },
        },
      }));
      await xrootdReady(node().cp, NS, NAME, 1);
      outside = node().outside();
    }, 500000);
    afterAll(() => {
      node().cp.kubectl(['delete', 'namespace', NS, '--wait=false']);
      rmSync(scratch, { recursive: true, force: true });
    });

    test('the redirector and the data server run on their nodes\' networks, one per node; a client outside writes and reads through the redirector at the first node\'s address, redirected to the second node', () => {
      const [redirector, worker] = [podOf('redirector'), podOf('worker')];
      const placement = (p: any) => [p.spec.nodeName, p.status.podIP, p.spec.hostNetwork];
      expect(placement(redirector)).toEqual([NODE_NAME, POD_NETWORK.gateway, true]);
      expect(placement(worker)).toEqual([HOST_NETWORK_NODE.name, HOST_NETWORK_NODE.address, true]);
      const local = join(scratch, 'bare.bin');
      writeFileSync(local, randomBytes(1 << 20));
      const sum = createHash('sha256').update(readFileSync(local)).digest('hex');
      const url = `root://${POD_NETWORK.gateway}:${PORT}`;
      const write = outside(['xrdcp', '--nopbar', '-d', '2', local, `${url}//data/bare.bin`]);
      expect([write.code, write.code === 0 || write.out.slice(-2000)]).toEqual([0, true]);
      const redirects = [...write.out.matchAll(/Redirected from: \S+ to: (\S+)/g)].map((m) => m[1]);
      console.log(`HostNetwork: redirector at ${POD_NETWORK.gateway}:${PORT}; redirects: ${redirects.join(', ')}`);
      // To the second node: its address, or a name the client resolves to it.
      expect(redirects).toHaveLength(1);
      const target = /^root:\/\/([^:/]+):(\d+)\//.exec(redirects[0]);
      expect(target?.[2]).toBe(String(PORT));
      const resolved = outside(['getent', 'ahostsv4', target![1]]).out.split('\n')[0]?.split(/\s+/)[0];
      expect(resolved).toBe(HOST_NETWORK_NODE.address);
      const back = join(scratch, 'bare.back');
      expect(outside(['xrdcp', '--nopbar', '--force', `${url}//data/bare.bin`, back])).toMatchObject({ code: 0 });
      expect(createHash('sha256').update(readFileSync(back)).digest('hex')).toBe(sum);
      // The bytes are on the second node's volume.
      const stat = outside(['xrdfs', `root://${HOST_NETWORK_NODE.address}:${PORT}`, 'stat', '/data/bare.bin']);
      expect([stat.code, /Size:\s+1048576/.test(stat.out)]).toEqual([0, true]);
    }, 180000);
  });
}
