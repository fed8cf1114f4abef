/**
 * A cache cluster (spec.cache) on the real node, in front of the adopted cluster of ./adoption.ts
 * as its origin (another namespace, by reference: its client Service): a cache server from the
 * built image, with its first volume and a data disk of its own, fetches a file on a client's
 * first read and serves the next reads itself; the copy lies on the data disk's volume, bytes
 * identical. With the origin deleted, the cache still serves the file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createNamespace, xrootdReady } from '../helpers/control-plane.js';
import { waitFor } from '../helpers/processes.js';
import type { RealNode } from '../helpers/real-node.js';
import type { AdoptedOrigin } from './adoption.js';
import { SMALL } from './network-policies.js';

const NS = 'caches';
const NAME = 'edge';

export function cacheScenario(nodeOf: () => RealNode, xrootdImage: () => string, origin: () => AdoptedOrigin): void {
  describe('a cache cluster in front of an origin', () => {
    const node = () => nodeOf();
    const kubectl = (args: string[]) => node().cp.kubectl(args, { timeoutMs: 120000 });
    const inClient = (script: string) => kubectl(['exec', '-n', NS, 'client', '--', 'sh', '-c', script]);
    const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

    beforeAll(async () => {
      // The cache server's first volume (namespace, metadata) and its data disk.
      node().addLocalVolumes(2);
      createNamespace(node().cp, NS, 'restricted');
      node().cp.applyYaml(stringify({
        apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: NAME, namespace: NS },
        spec: {
          version: '5.5.3', redirector: SMALL,
          // pfc.ram is a ceiling, not an allocation: the limit only has to stay above it.
          worker: { replicas: 1, storage: { capacity: '1Gi' }, resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '2Gi' } } },
          cache: { origin: { ref: { name: origin().name, namespace: origin().namespace } }, dataDisks: { count: 1, capacity: '1Gi' } },
        },
      }));
      node().cp.applyYaml(stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10940, seccompProfile: { type: 'RuntimeDefault' } }, terminationGracePeriodSeconds: 1,
          containers: [{ name: 'client', image: xrootdImage(), command: ['sleep', 'infinity'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      }));
      await xrootdReady(node().cp, NS, NAME, 1).catch((e: Error) => {
        const k = (args: string[]) => kubectl(args).out;
        throw new Error(`${e.message}\n${k(['get', 'pods,pvc', '-n', NS, '-o', 'wide'])}\n${k(['describe', 'pod', '-n', NS, `${NAME}-worker-0`]).slice(-2500)}\n`
          + `${k(['logs', '-n', NS, `${NAME}-worker-0`, '-c', 'xrootd', '--tail=30'])}\n${k(['get', 'xrootd', NAME, '-n', NS, '-o', 'yaml']).slice(-2500)}`);
      });
      expect(kubectl(['wait', '-n', NS, 'pod/client', '--for=condition=Ready', '--timeout=120s'])).toMatchObject({ code: 0 });
    }, 500000);

    afterAll(() => {
      // Its cluster and its origin's go: the node's 2 cores are for what runs after them.
      kubectl(['delete', 'namespace', NS, origin().namespace, '--wait=false']);
    });

    test('the first read is fetched from the origin, the next served by the cache, also with the origin gone; the copy lies on the data disk', async () => {
      const { file, volumeDir, name, namespace } = origin();
      const want = sha256(readFileSync(join(volumeDir, file)));
      const url = `root://${NAME}-redirector-0.${NAME}-redirector.${NS}.svc.cluster.local:1094//data/${file}`;
      const timed = (n: number) => inClient(`s=$(date +%s%N); xrdcp --nopbar --force ${url} /tmp/read-${n} && echo "ms=$(( ($(date +%s%N) - s) / 1000000 ))" && sha256sum /tmp/read-${n}`);
      const sumOf = (r: { out: string }) => r.out.trim().split('\n').pop()!.split(/\s+/)[0];
      const miss = timed(1);
      expect(miss.code).toBe(0);
      expect(sumOf(miss)).toBe(want);
      const hit = timed(2);
      expect(sumOf(hit)).toBe(want);
      // The data disk's volume (a claim of its own) holds the copy: one file there with the same bytes.
      const claim = node().cp.getJson(['pvc', `cache-data-0-${NAME}-worker-0`, '-n', NS]);
      const diskDir: string = node().cp.getJson(['pv', claim.spec.volumeName]).spec.local.path;
      expect(diskDir).toMatch(/volume-\d+$/);
      const size = statSync(join(volumeDir, file)).size;
      const copies: string[] = [];
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (statSync(p).size === size) copies.push(p);
        }
      };
      walk(diskDir);
      expect(copies.map((c) => sha256(readFileSync(c)))).toEqual([want]);
      // The origin gone (its Xrootd deleted, its pods with it): the cache still serves its copy.
      expect(kubectl(['delete', 'xrootd', name, '-n', namespace, '--wait=false'])).toMatchObject({ code: 0 });
      await waitFor('the origin\'s data server gone', () => (kubectl(['get', 'pod', `${name}-worker-0`, '-n', namespace]).code !== 0 ? true : undefined), 120000, 1000);
      const third = timed(3);
      expect(third.code).toBe(0);
      expect(sumOf(third)).toBe(want);
      console.log(`cache on the real node: miss ${/ms=(\d+)/.exec(miss.out)?.[1]} ms, hit ${/ms=(\d+)/.exec(hit.out)?.[1]} ms, hit with the origin gone ${/ms=(\d+)/.exec(third.out)?.[1]} ms; copy at ${copies[0]}`);
    }, 300000);
  });
}
