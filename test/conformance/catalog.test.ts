/**
 * The catalog says only what is true: each release it lists is an image built here
 * (images/build.sh), and each feature it claims is read off that image's binaries: its
 * version, its plugin files, the directives its xrootd accepts, what its libraries read.
 */
import { ALL_FEATURES, BUILT_IN_CATALOG, DEFAULT_IMAGE_REPOSITORY } from '../../constructs/catalog.js';
import { xrootdSpecSchema } from '../../constructs/internal.js';
import { builtReleases, LIMITS, PODMAN, projectImage } from '../helpers/containers.js';
import { run } from '../helpers/processes.js';

const BUILT = builtReleases();

/**
 * Prints the release's version, then one feature per line, as its binaries show them. A
 * directive is known when xrootd, started on it, does not warn that it ignores it.
 */
const PROBE = [
  'set -u',
  'lib=/usr/lib/x86_64-linux-gnu',
  'v=$(xrootd -v 2>&1); echo "version ${v#v}"',
  'major=${v#v}; major=${major%%.*}',
  'has() { for l in "$@"; do [ -e "$lib/lib$l-$major.so" ] || return 1; done; }',
  'has XrdCryptossl && echo tls',
  'has XrdAccSciTokens XrdSecztn && echo tokens',
  'has XrdHttp && echo http',
  'has XrdHttpTPC && echo http-tpc',
  'has XrdMacaroons && echo macaroons',
  'has XrdVoms XrdSecgsiVOMS XrdHttpVOMS && echo voms',
  'has XrdPss XrdPfc && echo xcache',
  'grep -qa XRDNET_IDENTITY "$lib"/libXrdUtils.so.* && echo identity-env',
  'printf \'xrd.port 21094\\nxrd.maxfd strict 8192\\nxrd.network udprefresh 60\\nall.export /tmp\\n\' > /tmp/probe.cfg',
  'out=$(timeout 5 xrootd -c /tmp/probe.cfg -n probe 2>&1)',
  'case "$out" in *"unknown xrd directive \'maxfd\'"*) ;; *) echo maxfd ;; esac',
  'case "$out" in *"invalid net option \'udprefresh\'"*) ;; *) echo udprefresh ;; esac',
].join('\n');

function probe(release: string): { version: string; features: string[] } {
  const image = projectImage('xrootd', release);
  const r = run([...PODMAN, 'run', '--rm', '--network', 'none', ...LIMITS, image.reference, 'sh', '-c', PROBE], process.env, 120_000);
  if (r.code !== 0) throw new Error(`probing ${image.reference} failed (${r.code}): ${r.out}`);
  const lines = r.out.trim().split('\n');
  const version = lines.find((l) => l.startsWith('version '))!.slice('version '.length);
  return { version, features: lines.filter((l) => (ALL_FEATURES as readonly string[]).includes(l)).sort() };
}

test('the built-in catalog lists exactly the releases images/build.sh builds, each at the image it builds', () => {
  expect(BUILT_IN_CATALOG.map((r) => r.version)).toEqual(BUILT);
  for (const r of BUILT_IN_CATALOG) expect(r.image).toBe(`${DEFAULT_IMAGE_REPOSITORY}:${r.version}`);
  // The default is a release built here, from a stable Debian suite (docs/upgrades.md).
  expect(BUILT).toContain((xrootdSpecSchema.fields.version as { default?: string }).default);
});

test.each(BUILT)('XRootD %s: the version and every feature the catalog claims are what its image\'s binaries have', (release) => {
  const seen = probe(release);
  const entry = BUILT_IN_CATALOG.find((r) => r.version === release)!;
  expect(seen).toEqual({ version: release, features: [...entry.features].sort() });
}, 30 * 60_000);
