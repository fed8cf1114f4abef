/** Files a conformance test writes and reads through a cluster with XRootD's own client. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/processes.js';
import type { LoopbackCluster } from './loopback-cluster.js';

/** A directory of the test's files, which the daemons (another user) can reach too. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'xrd-files-'));

  constructor() {
    chmodSync(this.dir, 0o755);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A file of `bytes` random bytes. */
  randomFile(name: string, bytes: number): string {
    const path = this.path(name);
    writeFileSync(path, randomBytes(bytes));
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** xrdcp, failing with its output when it fails. */
export function copy(from: string, to: string): string {
  const r = run(['xrdcp', '--force', '--nopbar', from, to], process.env, 60000);
  if (r.code !== 0) throw new Error(`xrdcp ${from} ${to} failed (${r.code}): ${r.out}`);
  return r.out;
}

export const workerPorts = (c: LoopbackCluster): number[] => c.of('worker').map((p) => p.port);
