/**
 * Watches one namespace's XRootD pods for a whole test: how many of each role were
 * unavailable at worst, and the order in which pods became Ready on each image.
 */
import type { Role } from '../../constructs/index.js';
import type { KubeClient, WatchHandle } from '../../src/kube/client.js';

export interface RecordedPod { name: string; role: Role; ready: boolean; image: string; deleting: boolean }

/** Watches the cluster's pods for the whole test: unavailability per role and the order pods came up on an image. */
export class PodRecorder {
  readonly pods = new Map<string, RecordedPod>();
  readonly maxUnavailable: Record<string, number> = {};
  /** The most pods of each role being replaced at once (terminating, or not yet recreated): the rollout's steps, whatever the daemons' readiness does. */
  readonly maxReplacing: Record<string, number> = {};
  /** Pods in the order they first became Ready on each image. */
  readonly readyOn = new Map<string, string[]>();
  /** How long each deleted pod took to go, from its deletion to its removal (ms), by pod name and uid. */
  readonly terminationMs = new Map<string, number>();
  private readonly deletingSince = new Map<string, number>();
  /** When (Date.now()) each pod, as `<name>@<image>`, was first seen, first Ready, and seen deleting. */
  readonly seenAt = new Map<string, number>();
  readonly readyAt = new Map<string, number>();
  readonly deletingAt = new Map<string, number>();
  /** Every pod that ever ran each image, ready or not. */
  readonly everOn = new Map<string, Set<string>>();
  private handle?: WatchHandle;

  /** Set once a pod of `managers` is replaced: from then on the other roles' maxima stay as they were (see the constructor). */
  private managersReplaced = false;

  /**
   * `wanted`: the replicas of each role, against which unavailability is counted. `managers`: the
   * role the others are subscribed to; once one of its pods is replaced the others' unavailability
   * is no longer counted (a data server without its manager is out of service: not ready).
   */
  constructor(private readonly client: KubeClient, private readonly namespace: string,
    private readonly wanted: Partial<Record<Role, number>>, private readonly managers?: Role) {}

  async start(): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods`;
    const list = await this.client.request<{ items: any[]; metadata: { resourceVersion: string } }>('GET', path);
    list.items.forEach((p) => this.record(p, false));
    // Measured over the whole list at once: pod by pod, the first pods alone would look like missing ones.
    this.measure();
    this.handle = await this.client.watch<any>(path, { resourceVersion: list.metadata.resourceVersion }, (e) => {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
      this.record(e.object, e.type === 'DELETED');
      this.measure();
    });
  }

  private record(p: any, deleted: boolean): void {
    const role = p.metadata.labels?.['app.kubernetes.io/component'] as Role;
    // Only the roles counted: not the collector's pod, for one.
    if (!role || !(role in this.wanted)) return;
    const key = `${p.metadata.name}/${p.metadata.uid}`;
    if (p.metadata.deletionTimestamp && !this.deletingSince.has(key)) this.deletingSince.set(key, Date.now());
    if (deleted && this.deletingSince.has(key)) this.terminationMs.set(key, Date.now() - this.deletingSince.get(key)!);
    if (deleted) this.pods.delete(p.metadata.name);
    else {
      const pod: RecordedPod = {
        name: p.metadata.name, role, image: p.spec.containers[0].image, deleting: !!p.metadata.deletionTimestamp,
        ready: p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false,
      };
      const at = `${pod.name}@${pod.image}`;
      if (!this.seenAt.has(at)) this.seenAt.set(at, Date.now());
      if (pod.ready && !this.readyAt.has(at)) this.readyAt.set(at, Date.now());
      if (pod.deleting && !this.deletingAt.has(at)) this.deletingAt.set(at, Date.now());
      const before = this.pods.get(pod.name);
      this.everOn.set(pod.image, (this.everOn.get(pod.image) ?? new Set()).add(pod.name));
      if (pod.ready && !pod.deleting && !(before?.ready && before.image === pod.image)) {
        const order = this.readyOn.get(pod.image) ?? [];
        if (!order.includes(pod.name)) this.readyOn.set(pod.image, [...order, pod.name]);
      }
      this.pods.set(pod.name, pod);
    }
  }

  private measure(): void {
    if (this.managers) {
      const present = [...this.pods.values()].filter((x) => x.role === this.managers && !x.deleting).length;
      if (present < (this.wanted[this.managers] ?? 0)) this.managersReplaced = true;
    }
    for (const [r, wanted] of Object.entries(this.wanted)) {
      if (this.managersReplaced && r !== this.managers) continue;
      const available = [...this.pods.values()].filter((x) => x.role === r && x.ready && !x.deleting).length;
      this.maxUnavailable[r] = Math.max(this.maxUnavailable[r] ?? 0, wanted - available);
      const present = [...this.pods.values()].filter((x) => x.role === r && !x.deleting).length;
      this.maxReplacing[r] = Math.max(this.maxReplacing[r] ?? 0, wanted - present);
    }
  }

  resetMax(): void {
    this.managersReplaced = false;
    for (const k of Object.keys(this.maxUnavailable)) this.maxUnavailable[k] = 0;
    for (const k of Object.keys(this.maxReplacing)) this.maxReplacing[k] = 0;
  }

  images(): Set<string> {
    return new Set([...this.pods.values()].map((p) => p.image));
  }

  stop(): void {
    this.handle?.stop();
  }
}
