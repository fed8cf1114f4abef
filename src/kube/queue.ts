/**
 * Work queue keyed by resource: a key is processed by one worker at a time, a
 * key added while it is processed runs again afterwards (never lost, never in
 * parallel with itself), and failures retry with exponential backoff.
 * A queue can be stopped and started again (leadership lost and regained):
 * stopping drops what waits and cancels what runs, through the signal each
 * handler gets, which also aborts every API request the handler makes.
 */
import { cancellable } from './client.js';

export interface QueueOptions {
  readonly concurrency?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Take no work until `start()` (a controller's queue waits for leadership). */
  readonly startStopped?: boolean;
}

export type QueueHandler = (key: string, signal: AbortSignal) => Promise<void>;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Map<string, AbortController>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly settled = new Map<string, Promise<void>>();
  private running = 0;
  private stopped: boolean;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly handle: QueueHandler, private readonly opts: QueueOptions = {},
    private readonly onError: (key: string, e: unknown, retryInMs: number) => void = () => {}) {
    this.stopped = opts.startStopped ?? false;
  }

  /** Keys waiting, in flight, or waiting for a retry. */
  get depth(): number {
    return this.pending.size + this.active.size + this.timers.size;
  }

  get isRunning(): boolean {
    return !this.stopped;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (!this.pending.has(key)) {
      this.pending.add(key);
      this.order.push(key);
    }
    this.pump();
  }

  /** Adds `key` after `ms` unless it is added sooner. */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms));
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 4;
    while (!this.stopped && this.running < limit && this.order.length) {
      const key = this.order.shift()!;
      this.pending.delete(key);
      this.running++;
      const controller = new AbortController();
      this.active.set(key, controller);
      this.settled.set(key, this.process(key, controller.signal));
    }
    if (this.depth === 0) this.idleWaiters.splice(0).forEach((r) => r());
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    let retryIn = 0;
    try {
      await cancellable(signal, () => this.handle(key, signal));
      this.failures.delete(key);
    } catch (e) {
      if (!signal.aborted) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        retryIn = Math.min(this.opts.maxDelayMs ?? 60_000, (this.opts.baseDelayMs ?? 500) * 2 ** (n - 1));
        this.onError(key, e, retryIn);
      }
    } finally {
      this.active.delete(key);
      this.settled.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      else if (retryIn) this.addAfter(key, retryIn);
      this.pump();
    }
  }

  /** Resolves when nothing is queued, in flight or waiting to retry. */
  idle(): Promise<void> {
    return this.depth === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  /** Takes work again after `stop()`. */
  start(): void {
    this.stopped = false;
    this.pump();
  }

  /**
   * Stops taking work and forgets what waits. With `cancel`, the handlers in flight are
   * aborted (their API requests fail at once); either way it resolves when they are done.
   */
  async stop(opts: { cancel?: boolean; reason?: string } = {}): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
    this.order.length = 0;
    this.dirty.clear();
    this.failures.clear();
    if (opts.cancel) for (const c of this.active.values()) c.abort(opts.reason ?? 'queue stopped');
    await Promise.all(this.settled.values());
    this.idleWaiters.splice(0).forEach((r) => r());
  }
}
