/**
 * Leader election on a coordination.k8s.io/v1 Lease, by client-go's rules
 * (tools/leaderelection): another replica's lease has expired only when we have
 * seen its record stay unchanged for a whole lease duration on our own clock
 * (never by comparing its renewTime with our clock); writes are compare-and-swap
 * on resourceVersion; and a leader that has not renewed within the renew
 * deadline, shorter than the lease, stops leading at once, whether or not its
 * renew request ever returns. `writeRefusal()` lets the reconcile client refuse
 * every write from that moment, so no write leaves this replica once another
 * one may hold the lease.
 */
import { performance } from 'node:perf_hooks';
import { ApiError, type KubeClient } from './client.js';
import { collectionPath, kindInfo, objectPath } from './kinds.js';
import { withoutUndefined } from '../json.js';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

export interface LeaderOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** How long others wait, after they last saw the lease change, before taking it. */
  readonly leaseSeconds?: number;
  /** How long the leader keeps leading without a successful renew; shorter than the lease. */
  readonly renewDeadlineSeconds?: number;
  /** Time between attempts to acquire or renew. */
  readonly retryPeriodSeconds?: number;
}

export const LEADER_DEFAULTS = { leaseSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 } as const;

const microTime = (d: Date): string => d.toISOString().replace('Z', '000Z');

/** Checks the timings the way client-go does; throws naming the rule. */
export function checkLeaderTimings(o: Required<Pick<LeaderOptions, 'leaseSeconds' | 'renewDeadlineSeconds' | 'retryPeriodSeconds'>>): void {
  if (!(o.retryPeriodSeconds > 0)) throw new Error(`the retry period must be > 0 s, got ${o.retryPeriodSeconds}`);
  if (!(o.renewDeadlineSeconds > o.retryPeriodSeconds)) throw new Error(`the renew deadline (${o.renewDeadlineSeconds} s) must be longer than the retry period (${o.retryPeriodSeconds} s)`);
  if (!(o.leaseSeconds > o.renewDeadlineSeconds)) throw new Error(`the lease duration (${o.leaseSeconds} s) must be longer than the renew deadline (${o.renewDeadlineSeconds} s)`);
}

export class LeaderElector {
  /** The lease record as last seen, and when (our monotonic clock, ms) it was last seen to change. */
  private observed?: { readonly record: string; readonly at: number };
  /** When the attempt that last acquired or renewed the lease started (monotonic ms). */
  private renewedAt?: number;
  private leading = false;
  /** The lease as our last successful write left it: released with a compare-and-swap on it. */
  private written?: Lease;
  private timer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly client: KubeClient, private readonly opts: LeaderOptions,
    private readonly onChange: (leading: boolean) => void, private readonly now: () => number = () => performance.now()) {
    const t = { ...LEADER_DEFAULTS, ...withoutUndefined(opts) } as typeof LEADER_DEFAULTS;
    checkLeaderTimings(t);
    this.leaseMs = t.leaseSeconds * 1000;
    this.renewDeadlineMs = t.renewDeadlineSeconds * 1000;
    this.retryMs = t.retryPeriodSeconds * 1000;
  }

  /** True while the last successful renew is younger than the renew deadline. */
  get isLeader(): boolean {
    return this.leading && this.renewedAt !== undefined && this.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** Why a write must not be sent now, or undefined while this replica surely holds the lease. */
  writeRefusal(): string | undefined {
    if (this.isLeader) return undefined;
    return this.leading ? `the lease was not renewed within ${this.renewDeadlineMs / 1000} s` : 'this replica is not the leader';
  }

  private get path(): string {
    return objectPath({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: this.opts.name, namespace: this.opts.namespace });
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = this.now();
    let acquired = false;
    try {
      // A leader's attempt must end before its deadline: a hung request is aborted, never waited for.
      const budget = this.leading && this.renewedAt !== undefined ? this.renewedAt + this.renewDeadlineMs - started : this.renewDeadlineMs;
      acquired = budget > 0 && await this.tryAcquireOrRenew(started, budget);
    } catch {
      acquired = false;
    }
    if (acquired && !this.stopped) {
      this.renewedAt = started;
      this.setLeading(true);
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = setTimeout(() => this.checkDeadline(), this.renewDeadlineMs);
    } else {
      this.checkDeadline();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  /** Leadership ends the moment the renew deadline passes without a renew. */
  private checkDeadline(): void {
    if (!this.leading) return;
    if (!this.isLeader) {
      this.setLeading(false);
      return;
    }
    // Still inside the deadline: a timer can fire a little early (libuv counts from its cached loop
    // time), and with the renew request hung nothing else would look again. Look when it has passed.
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => this.checkDeadline(),
      Math.max(1, Math.ceil(this.renewedAt! + this.renewDeadlineMs - this.now())),
    );
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.onChange(leading);
  }

  private async tryAcquireOrRenew(started: number, budgetMs: number): Promise<boolean> {
    const left = () => budgetMs - (this.now() - started);
    const duration = this.leaseMs / 1000;
    let lease: Lease | undefined;
    try {
      lease = await this.client.request<Lease>('GET', this.path, { timeoutMs: Math.max(1, left()) });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    // Too late to write: whatever we would claim could already be someone else's.
    if (left() <= 0) return false;
    const nowDate = new Date();
    const spec = { holderIdentity: this.opts.identity, leaseDurationSeconds: duration, renewTime: microTime(nowDate) };
    if (!lease) {
      this.written = await this.client.request<Lease>('POST', collectionPath(kindInfo('coordination.k8s.io/v1', 'Lease'), this.opts.namespace), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: { ...spec, acquireTime: microTime(nowDate), leaseTransitions: 0 } },
        timeoutMs: left(),
      });
      return true;
    }
    const record = JSON.stringify([lease.spec.holderIdentity ?? '', lease.spec.renewTime ?? '', lease.spec.leaseDurationSeconds ?? 0]);
    if (this.observed?.record !== record) this.observed = { record, at: this.now() };
    const held = lease.spec.holderIdentity;
    const theirs = (lease.spec.leaseDurationSeconds ?? duration) * 1000;
    if (held && held !== this.opts.identity && this.observed.at + theirs > this.now()) return false;
    const taking = held !== this.opts.identity;
    // PUT with the resourceVersion we read: a concurrent writer makes this fail with 409.
    this.written = await this.client.request<Lease>('PUT', this.path, {
      body: {
        ...lease,
        spec: {
          ...lease.spec, ...spec,
          ...(taking ? { acquireTime: microTime(nowDate), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      },
      timeoutMs: Math.max(1, left()),
    });
    return true;
  }

  /** Stops renewing and, if still surely leading, releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    const release = this.isLeader;
    this.setLeading(false);
    if (!release) return;
    const released = (lease: Lease, timeoutMs: number) =>
      this.client.request('PUT', this.path, { body: { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(new Date(0)) } }, timeoutMs });
    try {
      // One round trip: the lease as we last wrote it. A renew that was in flight changed it (409): read it again.
      if (this.written) {
        try {
          await released(this.written, 3000);
          return;
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 409)) throw e;
        }
      }
      const lease = await this.client.request<Lease>('GET', this.path, { timeoutMs: 1000 });
      if (lease.spec.holderIdentity === this.opts.identity) await released(lease, 1000);
    } catch {
      // The lease expires on its own.
    }
  }
}
