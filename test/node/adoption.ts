/**
 * Migration from the 2020 operator on the real node: a local volume holding the old operator's
 * files at its top (its data servers mounted the volume at /data and exported /data), bound to
 * the old operator's claim, is adopted by a cluster with the layout `migrate` writes (ExportRoot,
 * adoptClaims). The data server starts on it; every old file reads back byte-identical through
 * the redirector, the listing shows them, a new write lands beside them, nothing was moved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createNamespace, xrootdReady } from '../helpers/control-plane.js';
import { waitFor } from '../helpers/processes.js';
import type { RealNode } from '../helpers/real-node.js';
import { SMALL } from './network-policies.js';

const NS = 'legacy';
const OLD_CLAIM = 'legacy-data-legacy-xrootd-worker-0';

/** The adopted cluster, as the cache scenario after it uses it for an origin (./cache.ts): a file of it and where it lies. */
export interface AdoptedOrigin {
  readonly name: string;
  readonly namespace: string;
  /** A file under /data, and the volume's directory on the host that holds it at its top. */
  readonly file: string;
  readonly volumeDir: string;
}

export function adoptionScenario(nodeOf: () => RealNode, xrootdImage: () => string): () => AdoptedOrigin {
  let volumeDir = '';
  describe('adopting the 2020 operator\'s volume', () => {
    const node = () => nodeOf();
    const inClient = (script: string) => node().cp.kubectl(['exec', '-n', NS, 'client', '--', 'sh', '-c', script], { timeoutMs: 120000 });
    const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const written = new Map<string, string>();

    beforeAll(async () => {
      const [[pv, dir]] = Object.entries(node().addLocalVolumes(1));
      volumeDir = dir;
      // The old operator's files: /data/<f> at <volume>/<f>, some in directories.
      for (const name of ['run1/events.root', 'run1/calib.db', 'run2/events.root', 'README']) {
        const content = randomBytes(50_000 + written.size * 70_000);
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), content);
        written.set(name, sha256(content));
      }
      createNamespace(node().cp, NS, 'restricted');
      node().cp.applyYaml(stringify({
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: OLD_CLAIM, namespace: NS },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', volumeName: pv, resources: { requests: { storage: '1Gi' } } },
      }));
      await waitFor('the old claim bound', () => (node().cp.getJson(['pvc', OLD_CLAIM, '-n', NS]).status?.phase === 'Bound' ? true : undefined), 60000, 500);
      // What `xrootd-k8s migrate` writes for it (test/integration/lifecycle.test.ts runs the command).
      node().cp.applyYaml(stringify({
        apiVersion: 'xrootd.org/v1alpha1', kind: 'Xrootd', metadata: { name: 'legacy', namespace: NS },
        spec: {
          version: '5.5.3', redirector: SMALL,
          worker: { replicas: 1, ...SMALL, storage: { capacity: '1Gi', layout: 'ExportRoot', adoptClaims: 'legacy-data-legacy-xrootd-worker-{ordinal}' } },
        },
      }));
      node().cp.applyYaml(stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10940, seccompProfile: { type: 'RuntimeDefault' } }, terminationGracePeriodSeconds: 1,
          containers: [{ name: 'client', image: xrootdImage(), command: ['sleep', 'infinity'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
        },
      }));
      await xrootdReady(node().cp, NS, 'legacy', 1);
      expect(node().cp.kubectl(['wait', '-n', NS, 'pod/client', '--for=condition=Ready', '--timeout=120s'], { timeoutMs: 130000 })).toMatchObject({ code: 0 });
    }, 500000);

    test('every old file reads back byte-identical through the redirector, listed where it was; a new write lands beside them on the same volume', () => {
      const claim = node().cp.getJson(['pvc', 'data-legacy-worker-0', '-n', NS]);
      expect(claim.spec.volumeName).toBe(node().cp.getJson(['pvc', OLD_CLAIM, '-n', NS]).spec.volumeName);
      const redirector = `root://legacy-redirector-0.legacy-redirector.${NS}.svc.cluster.local:1094`;
      const read = inClient([...written.keys()].map((f, i) => `xrdcp --nopbar --force ${redirector}//data/${f} /tmp/back-${i} && sha256sum /tmp/back-${i}`).join(' && '));
      expect(read.code).toBe(0);
      const sums = read.out.trim().split('\n').filter((l) => /^[0-9a-f]{64} /.test(l)).map((l) => l.split(/\s+/)[0]);
      expect(sums).toEqual([...written.values()]);
      const listing = inClient(`xrdfs ${redirector} ls -R /data`);
      expect(listing.code).toBe(0);
      for (const f of written.keys()) expect(listing.out).toContain(`/data/${f}`);
      const write = inClient(`head -c 300000 /dev/urandom > /tmp/new && xrdcp --nopbar /tmp/new ${redirector}//data/run3/new.root && sha256sum /tmp/new`);
      expect(write.code).toBe(0);
      expect(sha256(readFileSync(join(volumeDir, 'run3/new.root')))).toBe(write.out.trim().split('\n').pop()!.split(/\s+/)[0]);
      // Nothing moved: the old files are where they were, the volume has no data/ directory of ours.
      for (const [f, sum] of written) expect(sha256(readFileSync(join(volumeDir, f)))).toBe(sum);
      expect(readdirSync(volumeDir).sort()).toEqual(['README', 'run1', 'run2', 'run3']);
      console.log(`adopted volume: ${written.size} old files read back identical, 1 new file written beside them`);
    }, 180000);
  });
  return () => ({ name: 'legacy', namespace: NS, file: 'run2/events.root', volumeDir });
}
