/**
 * The images from cold, twice: each build in an empty cache (mmdebstrap root filesystem,
 * buildah, OCI archive), its time and archive size, and whether the two builds gave the
 * same image digest (reproducible builds: pinned packages, SOURCE_DATE_EPOCH, --timestamp).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtReleases, LIMITS, PODMAN } from '../test/helpers/containers.js';
import { run } from '../test/helpers/processes.js';
import { repoRoot } from '../test/helpers/repo.js';

interface Built { seconds: number; archive: string; bytes: number; digest: string; reference: string }

function buildCold(which: string): Built {
  const cache = mkdtempSync(join(tmpdir(), 'image-cache-'));
  const t = performance.now();
  const r = run(['bash', join(repoRoot(), 'images/build.sh'), which], { ...process.env, XRD_IMAGE_CACHE: cache }, 20 * 60_000);
  const seconds = (performance.now() - t) / 1000;
  const line = r.out.split('\n').find((l) => l.startsWith('ghcr.io/'));
  if (r.code !== 0 || !line) throw new Error(`images/build.sh ${which} failed:\n${r.out}`);
  const [, reference, archive, bytes] = line.split(' ');
  const manifest = run(['skopeo', 'inspect', `oci-archive:${archive}`]);
  const digest = (JSON.parse(manifest.out) as { Digest: string }).Digest;
  // What the image says it is: `xrootd -v` for the XRootD images.
  if (which.startsWith('xrootd:')) {
    run([...PODMAN, 'load', '--quiet', '--input', archive], process.env, 5 * 60_000);
    const v = run([...PODMAN, 'run', '--rm', '--network', 'none', ...LIMITS, reference, 'xrootd', '-v'], process.env, 60_000).out.trim();
    console.log(`images ${which}: xrootd -v says ${v}`);
  }
  rmSync(cache, { recursive: true, force: true });
  return { seconds, archive, bytes: Number(bytes), digest, reference };
}

export function imagesBench(): void {
  for (const which of [...builtReleases().map((r) => `xrootd:${r}`), 'agent']) {
    const [a, b] = [buildCold(which), buildCold(which)];
    console.log(`images ${which}: cold build ${a.seconds.toFixed(0)} s and ${b.seconds.toFixed(0)} s, OCI archive ${(a.bytes / 2 ** 20).toFixed(1)} MiB, `
      + `digest ${a.digest.slice(0, 19)}… ${a.digest === b.digest ? 'identical in both builds (reproducible)' : `differs: ${b.digest}`}`);
  }
}
