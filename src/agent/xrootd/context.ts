/**
 * What every part of one Xrootd reconcile shares: the API client, the watch caches, the log, and
 * the resource being reconciled, with the lookups the phases make in the caches.
 */
import { type AutoscaleStatus, type HealingRestartStatus, type XrootdRelease, type XrootdStatus, INVENTORY_LABEL } from '../../../constructs/index.js';
import { PRUNABLE_KINDS, type Applier } from '../../apply/applier.js';
import type { DirectivePolicy } from '../../directive-policy.js';
import type { KubeClient } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';
import { objectKey, type KubeObject } from '../../kube/kinds.js';
import type { XrootdResource } from '../../resources.js';
import { REFUSED_GROWTH_RETRY_MS } from '../auto-expand.js';
import { recordEvent } from '../events.js';
import { CONTROLLER_INDEX, INSTANCE_INDEX } from '../indexes.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { VolumeAdopter } from '../volume-adoption.js';
import type { VolumeExpander } from '../volume-expansion.js';
import type { ClaimObject, JobObject, PodObject, StatefulSetView } from '../views.js';

export type XrootdObject = KubeObject & XrootdResource & { status?: XrootdStatus; spec?: Record<string, unknown> };
export interface XrootdVersionObject extends KubeObject { spec: XrootdRelease }

export interface Caches {
  readonly xrootds: Informer<XrootdObject>;
  readonly versions?: Informer<XrootdVersionObject>;
  /** Children by kind, from watches on the inventory label; indexed by CONTROLLER_INDEX. */
  readonly children: ReadonlyMap<string, Informer>;
  /** The clusters' pods (the rollout gates on them); indexed by INSTANCE_INDEX. */
  readonly pods?: Informer<PodObject>;
  /** The clusters' data volumes (expansion, kept volumes); indexed by INSTANCE_INDEX. */
  readonly claims?: Informer<ClaimObject>;
}

export interface MembershipOptions {
  /** Where clusters' collectors answer /membership ({cluster}, {namespace} filled in). */
  readonly url?: string;
  /** How long a Ready server may be missing from its manager's list before MembersMissing. */
  readonly graceSeconds?: number;
}

/** What the reconciler holds for all clusters. */
export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly caches: Caches;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly applier: Applier;
  readonly expander: VolumeExpander;
  readonly adopter: VolumeAdopter;
  readonly directives: DirectivePolicy;
  readonly membership: MembershipOptions;
  /** When each pod's outside address was first seen, by namespace/pod: a status write that fails must not restart pods again. */
  readonly externalSeen: Map<string, { address: string; since: string }>;
  /** spec.healing's restarts by `namespace/pod`, kept here too: a status write that fails must not lose one (its backoff). */
  readonly healingRestarts: Map<string, HealingRestartStatus>;
  /** Uids of the pods seen Ready, by cluster (`namespace/name`): spec.healing watches a server that fell unready. */
  readonly seenReady: Map<string, Set<string>>;
  /** worker.storage.autoExpand growths refused by the API server, by `namespace/claim`: reported, retried after a while. */
  readonly autoExpandRefused: Map<string, { readonly reason: string; readonly at: number }>;
  /** worker.autoscale's last change by cluster (uid), kept here too: a status not yet seen must not add a server twice. */
  readonly autoscaled: Map<string, AutoscaleStatus>;
  /**
   * The generation of each cluster (uid) the API server refused last: tried again (its own status
   * write and its children's deletions queue it at once), it is only dry-run, and nothing is created
   * and deleted again each time. Kept here, not read from the status, which the cache may not show yet.
   */
  readonly refusedGenerations: Map<string, number>;
  /**
   * The status this agent wrote last for each cluster (uid), with the resource version the write
   * made: until the cache shows that version, a reconcile starts from it, not from the cache's
   * older status (it would post the same Events and write the same status again).
   */
  readonly writtenStatus: Map<string, { readonly resourceVersion: string; readonly status: XrootdStatus }>;
}

export type EventType = 'Normal' | 'Warning';

/** One reconcile of one resource: the dependencies, the resource, and lookups in the caches. */
export class ClusterContext {
  readonly key: string;
  readonly namespace: string;
  /** The plan's objects were dry-run already (before the volume phases): the apply does not check them again. */
  checked = false;

  constructor(readonly deps: ReconcilerDeps, readonly cr: XrootdObject) {
    this.key = objectKey(cr);
    this.namespace = cr.metadata.namespace!;
  }

  get client(): KubeClient { return this.deps.client; }
  get log(): Logger { return this.deps.log; }
  get applier(): Applier { return this.deps.applier; }
  get caches(): Caches { return this.deps.caches; }

  /** The catalog entries the XrootdVersion resources add to (or override in) the built-in catalog. */
  catalog(): XrootdRelease[] {
    return catalogOf(this.caches);
  }

  pods(): PodObject[] {
    return this.caches.pods?.byIndex(INSTANCE_INDEX, this.key) ?? [];
  }

  claims(): ClaimObject[] {
    return this.caches.claims?.byIndex(INSTANCE_INDEX, this.key) ?? [];
  }

  /** worker.storage.autoExpand growths of this namespace's claims refused lately, by claim (forgotten after a while: asked again). */
  refusedGrowths(): Map<string, string> {
    const refused = new Map<string, string>();
    for (const [key, { reason, at }] of this.deps.autoExpandRefused) {
      if (Date.now() - at > REFUSED_GROWTH_RETRY_MS) this.deps.autoExpandRefused.delete(key);
      else if (key.startsWith(`${this.namespace}/`)) refused.set(key.slice(this.namespace.length + 1), reason);
    }
    return refused;
  }

  jobs(): JobObject[] {
    return (this.caches.children.get('Job')?.byIndex(CONTROLLER_INDEX, this.cr.metadata.uid!) ?? []) as JobObject[];
  }

  liveStatefulSet(name: string): StatefulSetView | undefined {
    return this.caches.children.get('StatefulSet')?.get(this.namespace, name) as StatefulSetView | undefined;
  }

  live(o: KubeObject): KubeObject | undefined {
    return this.caches.children.get(o.kind)?.get(o.metadata.namespace, o.metadata.name);
  }

  /** What this resource produced before: inventory-labelled children it controls. */
  inventory(): KubeObject[] {
    return PRUNABLE_KINDS.flatMap((k) => this.caches.children.get(k.kind)?.byIndex(CONTROLLER_INDEX, this.cr.metadata.uid!)
      .filter((o) => o.metadata.labels?.[INVENTORY_LABEL] === this.cr.metadata.name) ?? []);
  }

  /** A pod of the cluster deleted (its StatefulSet makes it again), logged and announced with an Event (Normal unless a fault caused it). */
  async restartPod(pod: string, logged: string, reason: string, message: string, fields: Record<string, unknown> = {}, type: EventType = 'Normal'): Promise<void> {
    await this.applier.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: this.namespace } });
    this.log.info(logged, { cluster: this.key, pod, ...fields });
    await this.event(type, reason, message);
  }

  /** An Event on the resource; one that cannot be recorded is logged, never a reason to fail the reconcile. */
  async event(type: EventType, reason: string, message: string): Promise<void> {
    try {
      await recordEvent(this.client, this.cr, type, reason, message);
    } catch (e) {
      this.log.warn('event not recorded', { cluster: this.key, reason, error: e });
    }
  }
}

export function catalogOf(caches: Caches): XrootdRelease[] {
  return (caches.versions?.list() ?? []).map((v) => ({ ...v.spec, features: v.spec.features ?? [] }));
}
