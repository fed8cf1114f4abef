/**
 * The apply engine shared by the agent and the CLI: server-side apply in stages
 * with one field manager, skipping objects that are already as desired (so a
 * no-op reconcile writes nothing), then pruning by inventory label what
 * synthesis no longer produces. PersistentVolumeClaims are never pruned.
 */
import { ApiError, type KubeClient } from '../kube/client.js';
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

/** An object of an optional kind whose CRD the Kubernetes cluster lacks. */
export class MissingKindError extends Error {
  constructor(readonly kind: string, readonly apiVersion: string, readonly crd: string, readonly provider: string) {
    super(`${kind} (${apiVersion}) is not served by this Kubernetes cluster: install ${provider} (CRD ${crd}) first`);
  }
}

/** The CRD and project an object's kind comes with, when it is an optional kind. */
export const optionalKind = (o: Pick<KubeObject, 'apiVersion' | 'kind'>) =>
  PRUNABLE_KINDS.find((k) => k.optional && k.apiVersion === o.apiVersion && k.kind === o.kind)?.optional;

/** A 404 on listing a collection: the kind itself is not served (its CRD is missing). */
const kindNotServed = (e: unknown): boolean => e instanceof ApiError && e.status === 404;

/**
 * Objects the API server refuses (a dry run of each, before any is written): the rules the
 * library does not know of (another project's admission policy, a quota, a field of a Kubernetes
 * structure passed through) then stop the apply with nothing written, never half-way.
 */
export class RefusedObjectsError extends Error {
  constructor(readonly refusals: readonly { readonly key: string; readonly message: string }[]) {
    super(`nothing was written: the API server refuses ${refusals.map((r) => `${r.key} (${r.message})`).join('; ')}`);
  }
}

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
   * Server-side applies `objects` stage by stage; within a stage, in parallel. Every object that
   * would change is first applied as a dry run: one the API server refuses stops the apply before
   * anything is written (RefusedObjectsError).
   */
  async apply(objects: readonly KubeObject[], opts: ApplyOptions): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    if (!opts.dryRun && !opts.checked) await this.preflight(objects, opts.live);
    for (const stage of inStages(objects.map(withAppliedHash))) {
      if (opts.beforeWorkloads && stage.some((o) => WORKLOAD_KINDS.has(o.kind))) await opts.beforeWorkloads;
      results.push(...await Promise.all(stage.map((o) => this.applyOne(o, opts))));
    }
    return results;
  }

  /**
   * Dry-runs every object that would change; throws RefusedObjectsError naming each one the API
   * server refuses. A StatefulSet is tried with its live claim templates: those cannot change in
   * place, and a growth of the volumes recreates the StatefulSet (volume-expansion.ts) once this passed.
   */
  async preflight(objects: readonly KubeObject[], live: LiveLookup): Promise<void> {
    const refusals: { key: string; message: string }[] = [];
    await Promise.all(objects.map(withAppliedHash).map(async (desired) => {
      const current = await live(desired);
      if (isUpToDate(desired, current)) return;
      const templates = (current?.spec as { volumeClaimTemplates?: unknown } | undefined)?.volumeClaimTemplates;
      const tried = desired.kind === 'StatefulSet' && templates ? { ...desired, spec: { ...desired.spec as object, volumeClaimTemplates: templates } } : desired;
      try {
        await this.serverSideApply(tried, { dryRun: true });
      } catch (e) {
        const optional = optionalKind(desired);
        if (optional && e instanceof ApiError && e.status === 404) {
          throw new MissingKindError(desired.kind, desired.apiVersion, optional.crd, optional.provider);
        }
        // Invalid (422) or malformed (400): the object's own fault, which writing it would meet too.
        if (!(e instanceof ApiError && (e.status === 422 || e.status === 400))) throw e;
        refusals.push({ key: refKey(refOf(desired)), message: e.message });
      }
    }));
    if (refusals.length) throw new RefusedObjectsError(refusals.sort((a, b) => a.key.localeCompare(b.key)));
  }

  private async applyOne(desired: KubeObject, opts: ApplyOptions): Promise<ApplyResult> {
    const key = refKey(refOf(desired));
    const live = await opts.live(desired);
    if (isUpToDate(desired, live)) return { key, action: 'unchanged' };
    try {
      await this.serverSideApply(desired, opts);
    } catch (e) {
      const optional = optionalKind(desired);
      if (optional && e instanceof ApiError && e.status === 404) {
        throw new MissingKindError(desired.kind, desired.apiVersion, optional.crd, optional.provider);
      }
      throw e;
    }
    return { key, action: live ? 'configured' : 'created' };
  }

  /** One server-side apply; returns what the server made of it. */
  serverSideApply(desired: KubeObject, opts: Pick<ApplyOptions, 'dryRun' | 'fieldManager'> = {}): Promise<KubeObject> {
    return this.client.request<KubeObject>('PATCH', objectPath(refOf(desired)), {
      body: desired,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: true, dryRun: opts.dryRun ? 'All' : undefined },
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
