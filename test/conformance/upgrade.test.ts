/**
 * A release change with clients working through it, on the real daemons of both releases: a
 * 1 + 3 cluster of the release before the one under test has its data servers replaced one at a
 * time (highest ordinal first, as the agent's rollout does) by daemons of the release under test
 * running the configuration rendered for it, then its redirector. A client writes new files and
 * reads files seeded on every data server through the redirector the whole time.
 *
 * The release under test is XRD_RELEASE's (`npm run test:versions`), else the host's; it is
 * reached from the release built before it, and the first built release from the one after it
 * (a rollback). So the mixed windows are new data servers under an old manager (upgrades) and
 * old data servers under a new manager (the rollback).
 */
import { readFileSync } from 'node:fs';
import { HOST_RELEASE, PODMAN, builtReleases, projectImage, releaseUnderTest } from '../helpers/containers.js';
import { requirePrograms, run } from '../helpers/processes.js';
import { Scratch } from './client-files.js';
import { ClientLoad, clientStory, SLOW_MS } from './client-load.js';
import { withCluster } from './loopback-cluster.js';

const releases = builtReleases();
const to = releaseUnderTest() ?? HOST_RELEASE;
const from = releases.indexOf(to) > 0 ? releases[releases.indexOf(to) - 1] : releases[releases.indexOf(to) + 1];
const WORKERS = 3;
const scratch = new Scratch();

beforeAll(() => {
  requirePrograms(['xrdcp', 'xrdfs', 'xrdmapc'], 'install Debian\'s xrootd-client (.ci/run does)');
  if (!releases.includes(to)) throw new Error(`release ${to} is not built here (images/versions.env: ${releases.join(' ')})`);
  // Both releases' images, built here if the background build has not made them yet (a cold run): not on the test's clock.
  for (const release of [from, to]) projectImage('xrootd', release);
}, 30 * 60_000);
afterAll(() => scratch.remove());

test(`${from} -> ${to}: each data server, then the redirector, replaced while a client writes and reads through the redirector; nothing fails, every file reads back`, async () => {
  await withCluster({ name: 'upgrade', worker: { replicas: WORKERS }, xrootd: { startupDelaySeconds: 2 } }, async (c) => {
    await c.waitForMembers(WORKERS);
    const load = new ClientLoad(`root://127.0.0.1:${c.pod('redirector', 0).port}`, scratch);
    load.seed(c);
    load.start();
    const windows: { window: string; replacedMs: number; writes: number; reads: number; longestMs: number; slowest: string[] }[] = [];
    try {
      let at = Date.now();
      await load.served(at);
      const steps = [...c.of('worker').reverse(), c.pod('redirector', 0)];
      for (const [i, pod] of steps.entries()) {
        const replacing = Date.now();
        await c.replacePod(pod, to);
        await c.waitForMembers(WORKERS);
        const replacedMs = Date.now() - replacing;
        // The mixed window this step leaves, serving: its writes and reads reach the new daemons too.
        await load.served(Date.now(), 3);
        const ops = load.since(at);
        windows.push({
          replacedMs,
          window: i < WORKERS ? `${i + 1} of ${WORKERS} data servers on ${to}, manager on ${from}` : `all on ${to}`,
          writes: ops.filter((o) => o.kind === 'write').length, reads: ops.filter((o) => o.kind === 'read').length,
          longestMs: Math.max(...ops.map((o) => o.ms)),
          slowest: ops.filter((o) => o.ms >= SLOW_MS).map((o) => `${o.kind} ${o.path} ${o.ms} ms`),
        });
        at = Date.now();
      }
    } finally {
      await load.stop();
    }
    console.log(`${from} -> ${to} under load:\n${windows.map((w) => `  ${w.window} (replaced and subscribed in ${w.replacedMs} ms): ${w.writes} writes, ${w.reads} reads, longest ${w.longestMs} ms${w.slowest.length ? ` (${w.slowest.join(', ')})` : ''}`).join('\n')}`);
    const slowest = load.operations.reduce((a, b) => (b.ms > a.ms ? b : a));
    if (slowest.log) console.log(`the slowest operation (${slowest.kind} ${slowest.path}, ${slowest.ms} ms), as its client logged it:\n${clientStory(slowest.log)}`);
    const retried = load.operations.filter((o) => o.retriedFor);
    if (retried.length) console.log(`tried twice for a client defect: ${retried.map((o) => `${o.kind} ${o.path} (${o.retriedFor})`).join(', ')}`);
    // Not one operation failed: a read of a file whose server is being replaced waits for it.
    expect(load.operations.filter((o) => !o.ok)).toEqual([]);
    // Every pod runs the release under test now, each daemon its own binary's version.
    expect(c.pods.map((p) => p.replacedBy?.release)).toEqual(c.pods.map(() => to));
    const versions = c.pods.map((p) => run([...PODMAN, 'exec', p.containers.xrootd!, 'xrootd', '-v']).out.trim());
    expect(new Set(versions)).toEqual(new Set([`v${to}`]));
    // Every file written through the change reads back as written, through the new manager.
    const lost = [...load.written].filter(([path, local]) => {
      const back = scratch.path('verify.bin');
      return run(['xrdcp', '--force', '--nopbar', `root://127.0.0.1:${c.pod('redirector', 0).port}/${path}`, back], process.env, 60000).code !== 0
        || !readSame(back, local);
    });
    expect(lost).toEqual([]);
    expect(load.written.size).toBeGreaterThanOrEqual(3 * (WORKERS + 1));
  }, { release: from });
}, 600000);

function readSame(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}
