/**
 * Generated specs at the edge of what Kubernetes takes: a valid cluster with one to three of
 * its values that reach a child object (or the CRD) set to values on either side of Kubernetes'
 * rules (qualified names, label values, DNS subdomains, quantities, requests against limits, image
 * references, ports, nulls in maps, line separators). For the differential test against the API
 * server: the library must refuse exactly what the API server refuses.
 */
import fc from 'fast-check';

const LABEL_KEYS = ['disk', 'example.com/disk', 'topology.kubernetes.io/zone', 'Disk_1.x', 'a'.repeat(63), 'EXAMPLE.com/x',
  'disk type', 'a/b/c', '/x', 'example.com/', '-disk', 'disk-', 'a'.repeat(64), `${'a'.repeat(254)}/x`, 'ü'];
const LABEL_VALUES = ['ssd', '', 'a'.repeat(63), 'SSD_1.x', 'a'.repeat(64), 'solid state', '-ssd', 'ssd-', 'ü'];
const SUBDOMAINS = ['standard', 'fast.ssd', 'a-b', 'a'.repeat(253), `${'a'.repeat(63)}.${'b'.repeat(63)}`, `${'a'.repeat(64)}.b`,
  'Fast', 'fast_ssd', '-fast', 'fast-', 'a..b', '.a', 'a'.repeat(254)];
const QUANTITIES = ['1', '500m', '0.5', '1Gi', '1.5Gi', '1000Mi', '4Gi', '8Gi', '2', '100', '100m', '1k', '1Ki', '0', '1m', '1e3', '-1', '1.5.5'];
const IMAGES = ['registry.example.org/xrootd:5.8.1', 'xrootd', 'library/xrootd:latest', 'localhost:5000/a/b:1', 'a__b/c', 'a---b', `x@sha256:${'a'.repeat(64)}`,
  'Registry.example.org/x:1', 'x/Upper:1', 'x:tag:tag', 'x@sha256:abc', 'x:-tag', `x:${'a'.repeat(129)}`, 'a_-b', 'x y'];
const HOST_PORTS = ['collector:9931', 'c:1', 'c:65535', '10.0.0.1:9931', 'c:65536', 'c:0', 'c:00080', 'c:99999'];
const DOMAINS = ['cluster.local', 'example.org', `${'a'.repeat(63)}.local`, 'a..b', 'a-.b', `${'a'.repeat(64)}.local`, 'x'.repeat(254)];
const DIRECTIVES = ['xrootd.trace all', 'xrootd.redirect h.example.org:1094 /data', 'xrootd.trace all\u2028all.manager evil:1213',
  'xrootd.trace all\u0085x', 'cms.pidpath /tmp', 'xrootd.pidpath /tmp', 'ofs.trace all\u2029'];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const labels = fc.dictionary(pick(LABEL_KEYS), fc.oneof(pick(LABEL_VALUES), fc.constant(null)), { minKeys: 1, maxKeys: 2 });
const annotations = fc.oneof(
  fc.dictionary(pick(LABEL_KEYS), fc.oneof(pick(['x', '', 'a value with spaces', '{"json": true}']), fc.constant(null)), { minKeys: 1, maxKeys: 2 }),
  // Past the API server's 256 KiB for all of an object's annotations, and just within it.
  fc.constantFrom({ big: 'x'.repeat(262144) }, { big: 'x'.repeat(262144 - 3) }),
);
const resourceMap = fc.dictionary(pick(['cpu', 'memory']), fc.oneof(pick(QUANTITIES), fc.constant(null)), { minKeys: 1, maxKeys: 2 });
const resources = fc.record({ requests: resourceMap, limits: resourceMap }, { requiredKeys: [] });

/** One value of the spec, at its path. */
const EDITS: Record<string, fc.Arbitrary<unknown>> = {
  'scheduling.nodeSelector': labels,
  'expose': annotations.map((a) => ({ type: 'LoadBalancer', annotations: a })),
  'worker.storage.class': pick(SUBDOMAINS),
  'imagePullSecrets': fc.array(pick(SUBDOMAINS), { minLength: 1, maxLength: 2 }),
  'image': pick(IMAGES),
  'clusterDomain': pick(DOMAINS),
  'xrootd.summaryMonitoring': pick(HOST_PORTS),
  'federation.upstream': fc.array(pick(HOST_PORTS), { minLength: 1, maxLength: 2 }),
  'worker.resources': resources,
  'redirector.resources': resources,
  'xrootd.exports': pick([[{ path: '/data' }], [{ path: '/data' }, { path: '/data/' }], [{ path: '/a' }, { path: '/b' }], [{ path: '/a/' }, { path: '/a' }]]),
  'upgrade.maxUnavailable.worker': pick([1, 4096, 4097, 2 ** 31, 2 ** 53, 1e20]),
  'worker.extraDirectives': fc.array(pick(DIRECTIVES), { minLength: 1, maxLength: 2 }),
};
export const EDITED_PATHS = Object.keys(EDITS);

function setAt(spec: Record<string, unknown>, path: string, value: unknown): void {
  const steps = path.split('.');
  let at = spec;
  for (const step of steps.slice(0, -1)) at = (at[step] ??= {}) as Record<string, unknown>;
  at[steps[steps.length - 1]] = value;
}

export interface BoundarySpec { readonly edited: string[]; readonly spec: Record<string, unknown> }

/** A small valid cluster with one to three values set at Kubernetes' edges. */
export const boundarySpec: fc.Arbitrary<BoundarySpec> = fc.uniqueArray(pick(EDITED_PATHS), { minLength: 1, maxLength: 3 })
  .chain((paths) => fc.tuple(...paths.map((p) => EDITS[p])).map((values) => {
    const spec: Record<string, unknown> = { version: '5.8.1', worker: { replicas: 2, storage: { capacity: '1Gi' } } };
    paths.forEach((p, i) => setAt(spec, p, structuredClone(values[i])));
    return { edited: paths, spec };
  }));
