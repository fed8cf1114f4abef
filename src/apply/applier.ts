/**
 * The apply engine shared by the agent and the CLI: server-side apply in stages
 * with one field manager, skipping objects that are already as desired (so a
 * no-op reconcile writes nothing), then pruning by inventory label what
 * synthesis no longer produces. PersistentVolumeClaims are never pruned.
 */
import { ApiError, type KubeClient, type RequestOpts } from '../kube/client.js';
import { collectionPath, kindInfo, objectPath, refKey, refOf, type KindInfo, type KubeObject } from '../kube/kinds.js';
// Registers the other projects' kinds PRUNABLE_KINDS names.
import '../kinds.js';
import { isUpToDate, withAppliedHash } from './drift.js';
import { inStages } from './stages.js';

export const FIELD_MANAGER = 'xrootd-k8s';

/**
 * Kinds a cluster's synthesis produces, and so the only kinds pruning looks at. PVCs are not among
 * them, on purpose. Optional kinds come with another project's CRD (cert-manager's): a Kubernetes
 * cluster without it has none of them, and only a spec that asks for one needs it.
 */
export const PRUNABLE_KINDS: readonly {
  readonly apiVersion: string;
  readonly kind: string;
  readonly optional?: { readonly crd: string; readonly provider: string };
}[] = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', optional: { crd: 'certificates.cert-manager.io', provider: 'cert-manager' } },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', optional: { crd: 'servicemonitors.monitoring.coreos.com', provider: 'the Prometheus Operator' } },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', optional: { crd: 'prometheusrules.monitoring.coreos.com', provider: 'the Prometheus Operator' } },
];

/** Kinds that make pods (and, through their claims, volumes). */
const WORKLOAD_KINDS = new Set(['StatefulSet', 'Deployment']);

/**
 * Kinds whose creation does nothing until a pod uses or backs the object: created alongside the
 * dry runs of the rest, and deleted again when one of those is refused, they leave no trace
 * (Applier.apply). Not a Certificate: cert-manager writes its Secret, which would stay.
 */
const UNDOABLE_CREATIONS = new Set(['ConfigMap', 'Secret', 'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'Service', 'PodDisruptionBudget',
  'ServiceMonitor', 'PrometheusRule']);
/** Not a LoadBalancer Service: its creation provisions a load balancer outside the cluster. */
const undoableCreation = (o: KubeObject): boolean =>
  UNDOABLE_CREATIONS.has(o.kind) && (o.spec as { type?: string } | undefined)?.type !== 'LoadBalancer';

/** An object of an optional kind whose CRD the Kubernetes cluster lacks. */
export class MissingKindError extends Error {
  constructor(readonly kind: string, readonly apiVersion: string, readonly crd: string, readonly provider: string) {
    super(`${kind} (${apiVersion}) is not served by this Kubernetes cluster: install ${provider} (CRD ${crd}) first`);
  }
}

/** The CRD and project an object's kind comes with, when it is an optional kind. */
export const optionalKind = (o: Pick<KubeObject, 'apiVersion' | 'kind'>) =>
  PRUNABLE_KINDS.find((k) => k.optional && k.apiVersion === o.apiVersion && k.kind === o.kind)?.optional;

/** A 404 on an object of an optional kind: its CRD is missing (MissingKindError); any other error as it is. */
function missingKindOr(desired: KubeObject, e: unknown): unknown {
  const optional = optionalKind(desired);
  if (!(optional && e instanceof ApiError && e.status === 404)) return e;
  return new MissingKindError(desired.kind, desired.apiVersion, optional.crd, optional.provider);
}

/** A 404 on listing a collection: the kind itself is not served (its CRD is missing). */
const kindNotServed = (e: unknown): boolean => e instanceof ApiError && e.status === 404;

/**
 * Objects the API server refuses (a dry run of each, before any is written): the rules the
 * library does not know of (another project's admission policy, a quota, a field of a Kubernetes
 * structure passed through) then stop the apply with nothing applied, never half-way. `undone`:
 * objects created alongside the dry runs and deleted again (see Applier.apply); the message is
 * the same either way, so a status holding it does not change when the same spec is tried again.
 */
export class RefusedObjectsError extends Error {
  /** Each refused object and why, by key. */
  readonly refusals: readonly { readonly key: string; readonly message: string }[];

  constructor(
    refusals: readonly { readonly key: string; readonly message: string }[],
    readonly undone: readonly string[] = [],
    /** Created alongside the checks but not deleted again (the deletion failed): pruned once a spec applies. */
    readonly left: readonly string[] = [],
  ) {
    const sorted = [...refusals].sort((a, b) => a.key.localeCompare(b.key));
    super(`nothing was applied: the API server refuses ${sorted.map((r) => `${r.key} (${r.message})`).join('; ')}`);
    this.refusals = sorted;
  }
}

/** Invalid (422) or malformed (400): the object's own fault, which writing it would meet too. Its message, or undefined for other errors. */
const refusalOf = (e: unknown): string | undefined =>
  (e instanceof ApiError && (e.status === 422 || e.status === 400) ? e.message : undefined);

export type Action = 'created' | 'configured' | 'unchanged' | 'pruned';

export interface ApplyResult { readonly key: string; readonly action: Action }

/** "2 configured, 1 pruned": how many objects each action touched. */
export function summarize(results: readonly ApplyResult[]): string {
  const counts = results.reduce<Record<string, number>>((m, r) => ({ ...m, [r.action]: (m[r.action] ?? 0) + 1 }), {});
  return Object.entries(counts).map(([a, n]) => `${n} ${a}`).join(', ');
}

/** Where the applier learns what exists: the agent's watch caches, or GETs for the CLI. */
export type LiveLookup = (obj: KubeObject) => KubeObject | undefined | Promise<KubeObject | undefined>;

export interface ApplyOptions {
  readonly live: LiveLookup;
  /** Settled before the stage that holds workloads (the agent's finalizer, written alongside the earlier stages). */
  readonly beforeWorkloads?: Promise<unknown>;
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  /** The caller ran `preflight` on these objects already (before changes of its own that must not follow a refusal). */
  readonly checked?: boolean;
}

export class Applier {
  constructor(private readonly client: KubeClient) {}

  /** Reads an object; undefined when it does not exist. */
  async get(obj: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name: string; namespace?: string } }): Promise<KubeObject | undefined> {
    try {
      return await this.client.request<KubeObject>('GET', objectPath({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Server-side applies `objects` stage by stage; within a stage, in parallel. Nothing is ever
   * left half-applied, with as few round trips as that allows:
   * - a change alone is written as it is: the API server takes it whole or refuses it whole;
   * - when the first stage with changes only creates objects no pod uses yet (a new cluster's
   *   configuration and network policy, a new revision's ConfigMap), they are written while every
   *   other change is dry-run; if one of those is refused, they are deleted again;
   * - otherwise every change is dry-run before anything is written (`preflight`).
   * A refusal throws RefusedObjectsError. `checked`: the caller ran `preflight` already.
   */
  async apply(objects: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyResult[]> {
    const desired = objects.map(withAppliedHash);
    const current = await Promise.all(desired.map((o) => opts.live(o)));
    const liveOf = new Map(desired.map((o, i) => [o, current[i]]));
    const changed = desired.filter((o) => !isUpToDate(o, liveOf.get(o)));
    const results: ApplyResult[] = [];
    let done = new Set<KubeObject>();
    if (!opts.dryRun && !opts.checked && changed.length > 1) {
      const first = inStages(changed)[0];
      if (first.every((o) => !liveOf.get(o) && undoableCreation(o))) {
        const written = await this.createWhileChecking(first, changed.filter((o) => !first.includes(o)), liveOf, opts);
        results.push(...written.map((w) => ({ key: refKey(refOf(w.object)), action: w.created ? 'created' as const : 'configured' as const })));
        done = new Set(first);
      } else {
        await this.check(changed, (o) => liveOf.get(o));
      }
    }
    for (const stage of inStages(desired.filter((o) => !done.has(o)))) {
      if (opts.beforeWorkloads && stage.some((o) => WORKLOAD_KINDS.has(o.kind))) await opts.beforeWorkloads;
      results.push(...await Promise.all(stage.map((o) => this.applyOne(o, liveOf.get(o), opts))));
    }
    return results;
  }

  /**
   * Creates `creations` while dry-running `others`. If anything fails, deletes again what this
   * created (the API server answered 201; by uid, so nothing made since goes), and throws. A
   * creation the API server found existing (a cache that had not seen it) was taken over, as a
   * full apply would, and cannot be undone: RefusedObjectsError's `left` names it.
   */
  private async createWhileChecking(
    creations: readonly KubeObject[],
    others: readonly KubeObject[],
    liveOf: Map<KubeObject, KubeObject | undefined>,
    opts: ApplyOptions,
  ): Promise<{ object: KubeObject; created: boolean }[]> {
    const [writes, checks] = await Promise.all([
      Promise.allSettled(creations.map((o) => this.create(o, opts))),
      this.refusalsOf(others, (o) => liveOf.get(o))
        .then((refusals) => ({ refusals, error: undefined }), (error: unknown) => ({ refusals: [], error })),
    ]);
    const failures = writes.flatMap((w, i) => (w.status === 'rejected' ? [{ object: creations[i], error: w.reason as unknown }] : []));
    const written = writes.flatMap((w) => (w.status === 'fulfilled' ? [w.value] : []));
    if (!failures.length && !checks.error && !checks.refusals.length) return written;
    const made = written.filter((w) => w.created).map((w) => w.object);
    const deletions = await Promise.allSettled(made.map((o) => this.delete(o)));
    const keyOf = (o: KubeObject) => refKey(refOf(o));
    const undone = made.filter((_, i) => deletions[i].status === 'fulfilled').map(keyOf);
    const left = [...made.filter((_, i) => deletions[i].status === 'rejected'), ...written.filter((w) => !w.created).map((w) => w.object)].map(keyOf);
    const other = failures.find((f) => refusalOf(f.error) === undefined)?.error ?? checks.error;
    if (other) throw other;
    const refusals = [...checks.refusals, ...failures.map((f) => ({ key: keyOf(f.object), message: refusalOf(f.error)! }))];
    throw new RefusedObjectsError(refusals, undone, left);
  }

  /** Server-side applies an object the caches do not show: whether the API server created it, and what it made. */
  private async create(desired: KubeObject, opts: ApplyOptions): Promise<{ object: KubeObject; created: boolean }> {
    let created = false;
    const object = await this.serverSideApply(desired, { ...opts, onSuccess: (status) => { created = status === 201; } })
      .catch((e: unknown) => { throw missingKindOr(desired, e); });
    return { object: { ...object, apiVersion: desired.apiVersion, kind: desired.kind }, created };
  }

  /**
   * Dry-runs every object that would change; throws RefusedObjectsError naming each one the API
   * server refuses.
   */
  async preflight(objects: readonly KubeObject[], live: LiveLookup): Promise<void> {
    await this.check(objects.map(withAppliedHash), live);
  }

  /** `preflight` of objects that carry their applied hash already. */
  private async check(objects: readonly KubeObject[], live: LiveLookup): Promise<void> {
    const refusals = await this.refusalsOf(objects, live);
    if (refusals.length) throw new RefusedObjectsError(refusals);
  }

  /**
   * The dry run of every object that would change, and each refusal. A StatefulSet is tried with its
   * live claim templates: those cannot change in place, and a growth of the volumes recreates the
   * StatefulSet (volume-expansion.ts) once this passed.
   */
  private async refusalsOf(objects: readonly KubeObject[], live: LiveLookup): Promise<{ key: string; message: string }[]> {
    const refusals: { key: string; message: string }[] = [];
    await Promise.all(objects.map(async (desired) => {
      const current = await live(desired);
      if (isUpToDate(desired, current)) return;
      const templates = (current?.spec as { volumeClaimTemplates?: unknown } | undefined)?.volumeClaimTemplates;
      const tried = desired.kind === 'StatefulSet' && templates ? { ...desired, spec: { ...desired.spec as object, volumeClaimTemplates: templates } } : desired;
      try {
        await this.serverSideApply(tried, { dryRun: true });
      } catch (e) {
        const message = refusalOf(e);
        if (message === undefined) throw missingKindOr(desired, e);
        refusals.push({ key: refKey(refOf(desired)), message });
      }
    }));
    return refusals;
  }

  private async applyOne(desired: KubeObject, live: KubeObject | undefined, opts: ApplyOptions): Promise<ApplyResult> {
    const key = refKey(refOf(desired));
    if (isUpToDate(desired, live)) return { key, action: 'unchanged' };
    await this.serverSideApply(desired, opts).catch((e: unknown) => { throw missingKindOr(desired, e); });
    return { key, action: live ? 'configured' : 'created' };
  }

  /** One server-side apply; returns what the server made of it. */
  serverSideApply(desired: KubeObject, opts: Pick<ApplyOptions, 'dryRun' | 'fieldManager'> & Pick<RequestOpts, 'onSuccess'> = {}): Promise<KubeObject> {
    return this.client.request<KubeObject>('PATCH', objectPath(refOf(desired)), {
      body: desired,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: true, dryRun: opts.dryRun ? 'All' : undefined },
      onSuccess: opts.onSuccess,
    });
  }

  /** Lists objects of one kind in a namespace by label selector (items with their apiVersion and kind). */
  async list(kind: KindInfo, namespace: string, selector: string): Promise<KubeObject[]> {
    const list = await this.client.request<{ items: KubeObject[] }>('GET', collectionPath(kind, namespace), { query: { labelSelector: selector } });
    return list.items.map((i) => ({ ...i, apiVersion: kind.apiVersion, kind: kind.kind }));
  }

  /** Lists a cluster's objects of the prunable kinds (by inventory label); an optional kind the cluster does not serve has none. */
  async listInventory(namespace: string, selector: string): Promise<KubeObject[]> {
    const lists = await Promise.all(PRUNABLE_KINDS.map((k) => this.list(kindInfo(k.apiVersion, k.kind), namespace, selector)
      .catch((e: unknown) => { if (k.optional && kindNotServed(e)) return []; throw e; })));
    return lists.flat();
  }

  /** Deletes the `inventory` objects that `desired` no longer contains. */
  async prune(desired: readonly KubeObject[], inventory: readonly KubeObject[], opts: { dryRun?: boolean } = {}): Promise<ApplyResult[]> {
    const keep = new Set(desired.map((o) => refKey(refOf(o))));
    const prunable = new Set<string>(PRUNABLE_KINDS.map((k) => k.kind));
    const gone = inventory.filter((o) => prunable.has(o.kind) && !keep.has(refKey(refOf(o))) && !o.metadata.deletionTimestamp);
    // Workloads first, so nothing runs against a deleted ConfigMap or Service.
    gone.sort((a, b) => Number(b.kind === 'StatefulSet') - Number(a.kind === 'StatefulSet'));
    const results: ApplyResult[] = [];
    for (const o of gone) {
      await this.delete(o, opts);
      results.push({ key: refKey(refOf(o)), action: 'pruned' });
    }
    return results;
  }

  /** `orphan`: the object's dependents (a StatefulSet's pods) stay and are adopted by its successor. */
  async delete(o: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name: string; namespace?: string; uid?: string } }, opts: { dryRun?: boolean; orphan?: boolean; gracePeriodSeconds?: number } = {}): Promise<void> {
    try {
      await this.client.request('DELETE', objectPath({ ...o, name: o.metadata.name, namespace: o.metadata.namespace }), {
        query: { dryRun: opts.dryRun ? 'All' : undefined },
        body: {
          kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: opts.orphan ? 'Orphan' : 'Background',
          ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
          ...(o.metadata.uid ? { preconditions: { uid: o.metadata.uid } } : {}),
        },
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
}
