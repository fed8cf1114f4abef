/** Processes started by tests: tracked by pid, always stopped, logs kept for failures. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  exited: boolean;
  /** How it ended (exit code or signal), once it has. */
  exitStatus?: string;
  /** Set by stopDaemon: an exit the test asked for, not a crash. */
  stopping?: boolean;
}

/** A command run inside a network namespace (`ip netns exec` enters it and execs the command: same pid). */
export const inNetns = (netns: string | undefined, command: string[]): string[] => (netns ? ['ip', 'netns', 'exec', netns, ...command] : command);

/**
 * Starts a process with output to a log file; `asUser` drops root (XRootD refuses to run as root),
 * after entering `netns` (a network namespace the test made), if given.
 */
export function startDaemon(name: string, command: string[], env: NodeJS.ProcessEnv, logFile: string,
  asUser?: string, netns?: string): Daemon {
  const argv = inNetns(netns, asUser && process.getuid?.() === 0
    ? ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--init-groups', '--', ...command]
    : command);
  const fd = openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${argv.join(' ')}`);
  const daemon: Daemon = { name, pid: child.pid, logFile, child, exited: false };
  child.on('exit', (code, signal) => { daemon.exited = true; daemon.exitStatus = signal ?? `code ${code}`; });
  return daemon;
}

/** Stops a daemon by its pid: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopDaemon(d: Daemon, graceMs = 3000): Promise<void> {
  d.stopping = true;
  if (d.exited) return;
  const gone = new Promise<void>((resolve) => d.child.once('exit', () => resolve()));
  try { process.kill(d.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(d.pid, 'SIGKILL'); } catch { /* already gone */ } }, graceMs);
  await gone;
  clearTimeout(timer);
}

export function logOf(d: Daemon, lastLines = 60): string {
  try {
    const lines = readFileSync(d.logFile, 'utf8').split('\n');
    return `----- ${d.name} (pid ${d.pid}${d.exited ? `, exited: ${d.exitStatus}` : ''}) -----\n${lines.slice(-lastLines).join('\n')}`;
  } catch {
    return `----- ${d.name}: no log -----`;
  }
}

/**
 * Free TCP ports below the kernel's ephemeral range, distinct from each other.
 * Ports inside that range can be taken by any outgoing connection between our
 * probe and the daemon's bind (a 70-server cluster opens hundreds of them).
 * TEST_PORT_RANGE (`from-to`) narrows them: test runs side by side each get a
 * band of their own, so one's probe never hands out a port another's daemon is
 * about to bind (CI saw a data server lose its port to another run's redirector).
 */
export async function freePorts(count: number): Promise<number[]> {
  const band = /^(\d+)-(\d+)$/.exec(process.env.TEST_PORT_RANGE ?? '');
  const floor = band ? Number(band[1]) : 20000;
  const ceiling = Math.min(ephemeralRangeStart(), band ? Number(band[2]) + 1 : Infinity);
  if (ceiling - floor < count * 4) throw new Error(`not enough ports between ${floor} and ${ceiling} for ${count}`);
  const ports: number[] = [];
  const span = ceiling - floor;
  let candidate = floor + Math.floor(Math.random() * span);
  for (let tried = 0; ports.length < count; tried++) {
    if (tried >= span) throw new Error(`only ${ports.length} of ${count} free ports between ${floor} and ${ceiling}`);
    candidate = floor + ((candidate - floor + 1) % span);
    if (await isPortFree(candidate)) ports.push(candidate);
  }
  return ports;
}

/** True if nothing listens on `port` on any address. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number,
  everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RunResult { readonly code: number; readonly out: string }

/** Runs a short command to completion (a client such as xrdcp), with a timeout. */
/**
 * The directory a build script prints, for the scripts that print it on a line of its own after
 * their progress: the last line that is an absolute path (stdout and stderr come together).
 */
export function printedDirectory(r: RunResult): string | undefined {
  return r.out.split('\n').filter((l) => l.startsWith('/')).pop();
}

export function run(command: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30000, input?: string): RunResult {
  const r = spawnSync(command[0], command.slice(1), { env, timeout: timeoutMs, encoding: 'utf8', input, maxBuffer: 256 * 2 ** 20 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** `run` without blocking the event loop: for commands that need a server living in the test process. */
export function runAsync(command: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out }); });
  });
}

/** Fails with a clear message when a required program is missing (never a skip). */
export function requirePrograms(programs: string[], hint: string): void {
  const missing = programs.filter((p) => run(['sh', '-c', `command -v ${p}`]).code !== 0);
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: ${hint}`);
}
