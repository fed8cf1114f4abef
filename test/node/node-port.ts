/**
 * expose.type NodePort on the real node: a client outside the cluster (its own network
 * namespace, routed to the node and, as NodePort needs, to the pod network) reaches the
 * redirector at the node's address and the redirector's node port, writes and reads through it,
 * and is redirected to the data server as its cmsd connected (the pod's address and port); the
 * data server's own node port reaches it too. Policies are enforced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createNamespace, xrootdReady } from '../helpers/control-plane.js';
import { waitFor } from '../helpers/processes.js';
import { POD_NETWORK, type RealNode } from '../helpers/real-node.js';
import { SMALL } from './network-policies.js';

const NS = 'exposed';
const NAME = 'np';

export function nodePortScenario(nodeOf: () => RealNode): void {
  describe('expose.type NodePort', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'xrd-nodeport-'));
    let outside: ReturnType<RealNode['outside']>;
    const node = () => nodeOf();
    const nodePort = (service: string): number => node().cp.getJson(['service', service, '-n', NS]).spec.ports.find((p: any) => p.name === 'xrootd').nodePort;

    beforeAll(async () => {
      node().addLocalVolumes(1);
      createNamespace(node().cp, NS, 'restricted');
      node().cp.applyYaml(stringify({
        apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS },
        spec: { version: '5.5.3', worker: { replicas: 1, storage: { capacity: '1Gi' }, ...SMALL }, redirector: SMALL, expose: { type: 'NodePort' } },
      }));
      await xrootdReady(node().cp, NS, NAME, 1);
      outside = node().outside();
      // Ready is the pods'. A node port's rules follow its Service's endpoints (kube-proxy) a moment
      // later, and until then a connection is refused, which XrdCl answers by waiting out its
      // 120 s connection window: the client waits for the node ports to accept connections first.
      for (const service of [`${NAME}-external`, `${NAME}-worker-0`]) {
        const address = `${POD_NETWORK.gateway}/${nodePort(service)}`;
        await waitFor(`${service}'s node port (${address}) to accept connections from outside`,
          () => (outside(['bash', '-c', `exec 3<>/dev/tcp/${address}`], 5000).code === 0 ? true : undefined), 60000, 500);
      }
    }, 400000);
    afterAll(() => {
      node().cp.kubectl(['delete', 'namespace', NS, '--wait=false']);
      rmSync(scratch, { recursive: true, force: true });
    });

    test('a client outside reaches the redirector at the node\'s address and its node port, writes and reads through it, redirected to the data server; the data server\'s node port serves it too', async () => {
      const redirector = `root://${POD_NETWORK.gateway}:${nodePort(`${NAME}-external`)}`;
      const local = join(scratch, 'outside.bin');
      writeFileSync(local, randomBytes(1 << 20));
      const sum = createHash('sha256').update(readFileSync(local)).digest('hex');
      const write = outside(['xrdcp', '--nopbar', '-d', '2', local, `${redirector}//data/outside.bin`]);
      expect([write.code, write.code === 0 || write.out.slice(-2000)]).toEqual([0, true]);
      // The redirect names the data server as its cmsd connected: the pod's address and port (docs/topologies.md).
      const redirects = [...write.out.matchAll(/Redirected from: \S+ to: (\S+)/g)].map((m) => m[1]);
      const podIp = node().cp.getJson(['pod', `${NAME}-worker-0`, '-n', NS]).status.podIP;
      expect(redirects).toEqual([`root://${podIp}:1094/`]);
      const back = join(scratch, 'outside.back');
      expect(outside(['xrdcp', '--nopbar', '--force', `${redirector}//data/outside.bin`, back])).toMatchObject({ code: 0 });
      expect(createHash('sha256').update(readFileSync(back)).digest('hex')).toBe(sum);
      // Straight at the data server: the node's address and the data server's own node port.
      const stat = outside(['xrdfs', `root://${POD_NETWORK.gateway}:${nodePort(`${NAME}-worker-0`)}`, 'stat', '/data/outside.bin']);
      expect(stat.code).toBe(0);
      expect(stat.out).toMatch(/Size:\s+1048576/);
      console.log(`NodePort: redirector at ${POD_NETWORK.gateway}:${nodePort(`${NAME}-external`)}, data server at ${POD_NETWORK.gateway}:${nodePort(`${NAME}-worker-0`)}; redirects: ${redirects.join(', ')}`);
    }, 180000);
  });
}
