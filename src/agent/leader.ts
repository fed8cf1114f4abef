/**
 * Leader election with a coordination.k8s.io/v1 Lease: take it when it is free
 * or expired, renew it while leading, and compare-and-swap on resourceVersion so
 * two agents can never both believe they lead.
 */
import { ApiError, type KubeClient } from '../kube/client.js';
import { kindInfo, objectPath, collectionPath } from '../kube/kinds.js';

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
  readonly leaseSeconds?: number;
  readonly renewEverySeconds?: number;
}

const microTime = (d: Date): string => d.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private leading = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly client: KubeClient, private readonly opts: LeaderOptions,
    private readonly onChange: (leading: boolean) => void) {}

  get isLeader(): boolean { return this.leading; }

  private get path(): string {
    return objectPath({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: this.opts.name, namespace: this.opts.namespace });
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let leading = false;
    try {
      leading = await this.tryAcquireOrRenew();
    } catch {
      leading = false;
    }
    if (leading !== this.leading) {
      this.leading = leading;
      this.onChange(leading);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), (this.opts.renewEverySeconds ?? 5) * 1000);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const duration = this.opts.leaseSeconds ?? 15;
    let lease: Lease | undefined;
    try {
      lease = await this.client.request<Lease>('GET', this.path);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    const spec = { holderIdentity: this.opts.identity, leaseDurationSeconds: duration, renewTime: microTime(now) };
    if (!lease) {
      await this.client.request('POST', collectionPath(kindInfo('coordination.k8s.io/v1', 'Lease'), this.opts.namespace), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } },
      });
      return true;
    }
    const held = lease.spec.holderIdentity;
    const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired = !held || renewed + (lease.spec.leaseDurationSeconds ?? duration) * 1000 < now.getTime();
    if (held !== this.opts.identity && !expired) return false;
    const taking = held !== this.opts.identity;
    // PUT with the resourceVersion we read: a concurrent writer makes this fail with 409.
    await this.client.request('PUT', this.path, {
      body: {
        ...lease,
        spec: {
          ...lease.spec, ...spec,
          ...(taking ? { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
        },
      },
    });
    return true;
  }

  /** Stops renewing and releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.request<Lease>('GET', this.path);
      if (lease.spec.holderIdentity === this.opts.identity) {
        await this.client.request('PUT', this.path, { body: { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(new Date(0)) } } });
      }
    } catch {
      // The lease expires on its own.
    }
  }
}
