import { resolveCluster } from '../../constructs/index.js';
import { RESERVED_MOUNT_PATHS } from '../../constructs/api/schema.js';
import { minimal } from '../../examples/clusters.js';
import { synth, type Manifest } from '../helpers/synth.js';
import { container, containers } from '../helpers/cluster-fixtures.js';

describe('mounts (spec.mounts)', () => {
  const withMounts = synth({ ...minimal, mounts: [
    { name: 'grid-ca', mountPath: '/etc/grid-security/certificates', configMapName: 'grid-ca' },
    { name: 'hostcert', mountPath: '/etc/grid-security/xrootd', secretName: 'hostcert', defaultMode: 0o400 },
  ] });

  test('each is a read-only volume of both daemons in every role, Secret or ConfigMap', () => {
    for (const role of ['redirector', 'worker']) {
      const sts = withMounts.get('StatefulSet', `minimal-${role}`);
      expect(sts.spec.template.spec.volumes).toEqual(expect.arrayContaining([
        { name: 'extra-grid-ca', configMap: { name: 'grid-ca', defaultMode: 0o440 } },
        { name: 'extra-hostcert', secret: { secretName: 'hostcert', defaultMode: 0o400 } },
      ]));
      for (const c of ['xrootd', 'cmsd']) {
        expect(container(sts, c).volumeMounts).toEqual(expect.arrayContaining([
          { name: 'extra-grid-ca', mountPath: '/etc/grid-security/certificates', readOnly: true },
          { name: 'extra-hostcert', mountPath: '/etc/grid-security/xrootd', readOnly: true },
        ]));
      }
    }
  });

  test('every path the pods mount themselves is reserved', () => {
    const secure = synth({ ...minimal, security: { tls: { secretName: 't' }, tokens: { audiences: ['a'], issuers: [{ name: 'i', url: 'https://i.example.org', basePaths: ['/data'] }], issuerCaBundle: { configMapName: 'c' } } } });
    const used = containers(secure.get('StatefulSet', 'minimal-worker')).flatMap((c: Manifest) => c.volumeMounts.map((m: Manifest) => m.mountPath as string));
    for (const path of used) expect(RESERVED_MOUNT_PATHS.some((r) => path === r || path.startsWith(`${r}/`))).toBe(true);
  });

  test('refused with the field named: a reserved path, both or neither source, overlapping mounts, a relative path', () => {
    const bad = (mounts: unknown[]) => () => resolveCluster({ ...minimal, mounts: mounts as never });
    expect(bad([{ name: 'a', mountPath: '/var/run/xrootd/x', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must not be, contain or lie under a path the pods use/);
    expect(bad([{ name: 'a', mountPath: '/etc', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must not be, contain or lie under a path the pods use/);
    expect(bad([{ name: 'a', mountPath: '/etc/a', secretName: 's', configMapName: 'c' }])).toThrow(/mounts\[0\]\.secretName or configMapName must be set, not both/);
    expect(bad([{ name: 'a', mountPath: '/etc/a' }])).toThrow(/mounts\[0\]\.secretName or configMapName must be set/);
    expect(bad([{ name: 'a', mountPath: '/etc/a', secretName: 's' }, { name: 'b', mountPath: '/etc/a/b', secretName: 't' }]))
      .toThrow('mounts[1].mountPath must not be, contain or lie under mounts[0].mountPath (/etc/a), got "/etc/a/b"');
    expect(bad([{ name: 'a', mountPath: 'etc/a', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must be an absolute path/);
    expect(bad([{ name: 'a', mountPath: '/etc/../root', secretName: 's' }])).toThrow(/mounts\[0\]\.mountPath must be an absolute path/);
  });
});

describe('data volume layout (worker.storage.layout)', () => {
  const dataMount = (props: object) => container(synth({ ...minimal, ...props }).get('StatefulSet', 'minimal-worker'), 'xrootd')
    .volumeMounts.find((m: Manifest) => m.name === 'data').mountPath;
  const storage = (layout: string) => ({ worker: { ...minimal.worker, storage: { ...minimal.worker?.storage, layout: layout as never } } });

  test('LocalRoot (default): the volume is the local root; ExportRoot: it is the one export\'s directory under it', () => {
    expect(dataMount({})).toBe('/data');
    expect(dataMount(storage('ExportRoot'))).toBe('/data/data');
    expect(dataMount({ ...storage('ExportRoot'), xrootd: { exports: [{ path: '/store/' }] } })).toBe('/data/store');
    // The local root stays where it was: the config names it, whatever the layout.
    expect(synth({ ...minimal, ...storage('ExportRoot') }).cluster.model.spec.worker.storage.layout).toBe('ExportRoot');
  });

  test('ExportRoot with other than one export is refused, naming the field', () => {
    expect(() => resolveCluster({ ...minimal, ...storage('ExportRoot'), xrootd: { exports: [{ path: '/a' }, { path: '/b' }] } }))
      .toThrow(/worker\.storage\.layout ExportRoot holds one export's files at the volume's top: xrootd\.exports must have exactly one entry/);
    expect(() => resolveCluster({ ...minimal, ...storage('Flat') })).toThrow(/worker\.storage\.layout must be one of LocalRoot, ExportRoot/);
  });
});

test('cmsd\'s share of the requests, rounded up, never passes the limit (the API server would refuse the pod template)', () => {
  const sts = synth({ ...minimal, worker: { ...minimal.worker, resources: { requests: { memory: '1000', cpu: '1m' }, limits: { memory: '1000', cpu: '1m' } } } }).get('StatefulSet', 'minimal-worker');
  expect(container(sts, 'cmsd').resources).toEqual({ requests: { memory: '1000', cpu: '1m' }, limits: { memory: '1000', cpu: '1m' } });
  expect(container(sts, 'xrootd').resources).toEqual({ requests: { memory: '1000', cpu: '1m' }, limits: { memory: '1000', cpu: '1m' } });
  const roomy = synth({ ...minimal, worker: { ...minimal.worker, resources: { requests: { memory: '4Gi' }, limits: { memory: '8Gi' } } } }).get('StatefulSet', 'minimal-worker');
  expect(container(roomy, 'cmsd').resources.requests).toEqual({ memory: '1024Mi' });
});
