/**
 * The version catalog: XRootD version name -> image and what that version
 * supports. Rendering asks the catalog before emitting a version-dependent
 * directive. The agent extends it with XrootdVersion resources.
 */

/**
 * What a release has, each read off its binaries by test/conformance/catalog.test.ts (plugin
 * files, the directives its daemons accept, what its libraries read) for every image built here.
 */
export type XrootdFeature =
  /** `xrd.maxfd` (5.6+; 5.5.3 warns "ignoring unknown xrd directive 'maxfd'"). */
  | 'maxfd'
  /** The host identity can be forced through `XRDNET_IDENTITY` (5.7.1+), for pods without reverse DNS. */
  | 'identity-env'
  /** TLS for the xroot protocol (`xrd.tls`, `xrootd.tls`, roots://) and HTTPS on the same port (libXrdCryptossl). */
  | 'tls'
  /** Bearer tokens: the SciTokens authorization plugin and the ztn security protocol (libXrdAccSciTokens, libXrdSecztn). */
  | 'tokens'
  /** `xrd.network udprefresh`: monitoring destinations follow DNS changes (5.9+). */
  | 'udprefresh'
  /** HTTP(S) on the xrootd port (libXrdHttp). */
  | 'http'
  /** HTTP third-party copy (libXrdHttpTPC). */
  | 'http-tpc'
  /** Macaroons for HTTP (libXrdMacaroons). */
  | 'macaroons'
  /** VOMS attributes for GSI and HTTPS (libXrdVoms, libXrdSecgsiVOMS, libXrdHttpVOMS). */
  | 'voms'
  /** XCache: the proxy storage and its file cache (libXrdPss, libXrdPfc). */
  | 'xcache';

export const ALL_FEATURES: readonly XrootdFeature[] = ['maxfd', 'identity-env', 'tls', 'tokens', 'udprefresh', 'http', 'http-tpc', 'macaroons', 'voms', 'xcache'];

export interface XrootdRelease {
  /** Version name, as written in `spec.version`. */
  readonly version: string;
  /** Container image of this version; see docs/image.md for what it must contain. */
  readonly image: string;
  /** Why this version should not be used any more; set means deprecated. */
  readonly deprecated?: string;
  /** What this version supports. */
  readonly features: readonly XrootdFeature[];
  /**
   * Versions older than this cannot take over a cluster that has run this one
   * (a downgrade to them is refused unless `spec.upgrade.force`).
   */
  readonly incompatibleBelow?: string;
}

export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/xrootd-k8s/xrootd';

const release = (version: string, features: XrootdFeature[], deprecated?: string): XrootdRelease => ({
  version,
  image: `${DEFAULT_IMAGE_REPOSITORY}:${version}`,
  features,
  ...(deprecated ? { deprecated } : {}),
});

/** What every release built here has: the server plugins and the client, SciTokens and VOMS packages. */
const PACKAGED: XrootdFeature[] = ['tls', 'tokens', 'http', 'http-tpc', 'macaroons', 'voms', 'xcache'];

/**
 * The catalog shipped with the library: the releases whose images images/build.sh builds from
 * Debian (docs/image.md), each proven by the conformance suites. The default (spec.version) is
 * the newest from a stable Debian suite; 6.2.0 comes from Debian's development suite.
 */
export const BUILT_IN_CATALOG: readonly XrootdRelease[] = [
  release('5.5.3', PACKAGED, 'older than 5.7.1: pods without reverse DNS cannot force their identity'),
  release('5.8.1', ['maxfd', 'identity-env', ...PACKAGED]),
  release('6.2.0', ['maxfd', 'identity-env', 'udprefresh', ...PACKAGED]),
];

/** A catalog lookup: the built-in entries, overridden or extended by `extra`. */
export class VersionCatalog {
  private readonly releases = new Map<string, XrootdRelease>();

  constructor(extra: readonly XrootdRelease[] = [], includeBuiltIn = true) {
    for (const r of [...(includeBuiltIn ? BUILT_IN_CATALOG : []), ...extra]) this.releases.set(r.version, r);
  }

  find(version: string): XrootdRelease | undefined {
    return this.releases.get(version);
  }

  versions(): string[] {
    return [...this.releases.keys()];
  }
}

/** Orders version names by their dotted numeric parts (5.10.0 > 5.9.1); other text compares as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+_-]/);
  const pb = b.split(/[.+_-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? '', pb[i] ?? ''];
    const [nx, ny] = [Number(x), Number(y)];
    const c = x !== '' && y !== '' && Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** Why going from `current` to `target` is refused, or undefined when it is allowed. */
export function downgradeRefusal(catalog: VersionCatalog, current: string | undefined, target: string): string | undefined {
  if (!current || current === target || compareVersions(target, current) >= 0) return undefined;
  const floor = catalog.find(current)?.incompatibleBelow;
  if (!floor || compareVersions(target, floor) >= 0) return undefined;
  return `${target} is a downgrade from ${current}, which the catalog marks incompatible with versions below ${floor}; set spec.upgrade.force to do it anyway`;
}
