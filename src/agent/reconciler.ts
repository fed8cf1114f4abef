/**
 * One reconcile of one Xrootd resource: validate, synthesize in process, apply
 * in stages with owner references, prune what synthesis no longer produces,
 * then write status and Events only when they change. Deletion waits on our
 * finalizer, which deletes data volumes only when the spec asks for it.
 */
import { claimLabels, ClusterNames, resolveCluster, type ResolvedWorkerSpec, type SpecIssue, downgradeRefusal, INVENTORY_LABEL, ROLES, TLS_REVISION_ANNOTATION, SpecValidationError, VersionCatalog, type ClusterModel, type ManagerMembersStatus, type RollbackStatus, type Role, type XrootdClusterProps, type XrootdRelease, type XrootdStatus } from '../../constructs/index.js';
import { Applier, MissingKindError, optionalKind, PRUNABLE_KINDS, summarize, type ApplyResult } from '../apply/applier.js';
import { directivePolicyIssues, type DirectivePolicy } from '../directive-policy.js';
import { ApiError, type KubeClient } from '../kube/client.js';
import { collectionPath, controllerOf, kindInfo, objectKey, objectPath, refOf, XROOTD_API_VERSION, type KubeObject, type OwnerReference } from '../kube/kinds.js';
import type { Informer } from '../kube/informer.js';
import { propsOf, resolveUpstreamRefs, toResourceIssue, type XrootdResource } from '../resources.js';
import { synthesizeCluster } from '../synthesize.js';
import { recordEvent } from './events.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { computeStatus, type Failure, type StatefulSetView } from './status.js';
import { writeStatus } from './conditions.js';
import { observeRoles, podsOf, policyOf, type PodObject } from './observe.js';
import { withoutRetainedConfigMaps } from './config-retention.js';
import { CONTROLLER_INDEX, INSTANCE_INDEX, UPSTREAM_INDEX } from './indexes.js';
import { planRollout, withPartitions, type RoleView, type RolloutDecision, type RolloutState } from './rollout.js';
import { readTlsSecret } from './tls-revision.js';
import { fetchMembership, membersStatus, readyPodsOf, withUnsubscribedUnready, type MembersInput, type MembershipReport } from './membership.js';
import { DEFAULT_MEMBERSHIP_URL } from './defaults.js';
import { volumesStatus, type ClaimObject, type StatefulSetWithClaims } from './volumes.js';
import { VolumeChangeError, VolumeExpander } from './volume-expansion.js';
import { VolumeAdopter, VolumeAdoptionError } from './volume-adoption.js';
import { maintenanceStep, type MaintenanceStep } from './maintenance.js';
import { externalAddressStep, type ExternalAddressStep } from './external-addresses.js';
import { decideDrain, type DrainDecision, type JobObject } from './drain.js';
import { readDrainJobLog } from './drain-log.js';
import { DRAINED_AT_ANNOTATION, drainJob } from '../../constructs/drain.js';
import { DATA_VOLUME } from '../../constructs/pod-template.js';
import { xrootdSpecSchema } from '../../constructs/spec/schema.js';
import { applySchema } from '../../constructs/spec/validate.js';

export const FINALIZER = 'xrootd.org/finalizer';

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

export interface ReconcileOutcome {
  readonly results: ApplyResult[];
  readonly failure?: Failure;
  readonly statusWritten: boolean;
  /** performance.now() when the last child was applied (before status and Events). */
  readonly appliedAt?: number;
  readonly rollout?: RolloutDecision;
  /** Reconcile again after this long even if nothing changes (a rollout waits on the clock). */
  readonly requeueAfterMs?: number;
}

/** What a reconcile decided: the model, the rollout step and the objects that carry them out. */
interface Plan {
  readonly model: ClusterModel;
  readonly rollout: RolloutDecision;
  readonly roles: readonly RoleView[];
  /** Synthesized once, with the rollout's partitions in place. */
  readonly objects: KubeObject[];
  readonly rolledBack?: RollbackStatus;
  /** With spec.monitoring and a collector that answered: each manager's members. */
  readonly members?: ManagerMembersStatus[];
  /** expose.type LoadBalancer: the pods' outside addresses, and a pod to restart to announce its own. */
  readonly external: ExternalAddressStep;
}

export class Reconciler {
  private readonly applier: Applier;
  private readonly volumes: VolumeExpander;
  private readonly adopter: VolumeAdopter;
  /** When each pod's outside address was first seen, by namespace/pod (see externalAddresses). */
  private readonly externalSeen = new Map<string, { address: string; since: string }>();

  constructor(private readonly client: KubeClient, private readonly caches: Caches, private readonly log: Logger,
    private readonly metrics: Metrics, private readonly directives: DirectivePolicy = 'all', private readonly membership: MembershipOptions = {}) {
    this.applier = new Applier(client);
    this.volumes = new VolumeExpander(client, this.applier);
    this.adopter = new VolumeAdopter(client);
  }

  /**
   * What each manager has subscribed, from the cluster's collector (spec.monitoring); undefined
   * (status keeps what it had, rollouts go by readiness alone) when it cannot be asked.
   */
  private async membershipReport(cr: XrootdObject): Promise<MembershipReport | undefined> {
    const spec = cr.spec as { monitoring?: { enabled?: boolean } } | undefined;
    if (!spec?.monitoring?.enabled) return undefined;
    const url = (this.membership.url ?? DEFAULT_MEMBERSHIP_URL).replaceAll('{cluster}', cr.metadata.name).replaceAll('{namespace}', cr.metadata.namespace!);
    const { report, error } = await fetchMembership(url);
    if (!report) this.log.debug('membership not read', { cluster: objectKey(cr), error });
    return report;
  }

  /** The catalog entries the XrootdVersion resources add to (or override in) the built-in catalog. */
  catalog(): XrootdRelease[] {
    return (this.caches.versions?.list() ?? []).map((v) => ({ ...v.spec, features: v.spec.features ?? [] }));
  }

  /** plan → desired objects → apply → observe → status. */
  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace, name] = key.split('/');
    const cr = this.caches.xrootds.get(namespace, name);
    // Gone: owner references let the garbage collector remove the children.
    if (!cr) return undefined;
    if (cr.metadata.deletionTimestamp) {
      await this.finalize(cr);
      return undefined;
    }
    // The finalizer is written alongside the first stage: it must exist before the StatefulSets,
    // which make the volumes it guards, not before everything (one round trip less for a new cluster).
    const finalizing = cr.metadata.finalizers?.includes(FINALIZER) ? undefined : this.addFinalizer(cr);
    finalizing?.catch(() => undefined); // awaited below: a failure retries the reconcile

    let plan: Plan | undefined;
    let failure: Failure | undefined;
    let results: ApplyResult[] = [];
    let appliedAt: number | undefined;
    let maintenance: MaintenanceStep | undefined;
    let drain: DrainDecision | undefined;
    try {
      drain = await this.decideDrain(cr);
      plan = this.plan(cr, await this.tlsSecretRevision(cr), await this.membershipReport(cr), drain);
      await this.recheckOptionalKinds(plan.objects);
      await this.prepareVolumes(cr, plan);
      // Before the StatefulSet shrinks past it: the volume says it holds copies only.
      if (drain?.drained) await this.markDrained(cr, plan.model, drain.drained.ordinal);
      results = await this.applyPlan(cr, plan, this.desiredObjects(cr, plan), finalizing);
      appliedAt = performance.now();
      maintenance = await this.carryOutMaintenance(cr, plan);
      // Not while maintenance restarts a pod: one restart at a time.
      if (!maintenance?.restart) await this.announceExternalAddress(cr, plan);
      if (drain?.drained) await this.reportDrained(cr, drain.drained, plan.model.topology.workers);
    } catch (e) {
      failure = failureOf(e, key);
      if (!failure) throw e;
    }
    await finalizing;
    const changed = results.filter((r) => r.action !== 'unchanged');
    for (const r of changed) this.metrics.inc('xrootd_agent_applied_objects_total', { action: r.action });
    if (changed.length) this.log.info('applied', { cluster: key, changes: changed.map((r) => `${r.action} ${r.key}`) });
    const now = new Date().toISOString();
    const status = computeStatus({
      generation: cr.metadata.generation ?? 0, previous: cr.status, failure, model: plan?.model, statefulSets: this.observe(cr, plan?.model),
      rollout: plan?.rollout, now, spec: cr.spec, members: plan && !failure ? plan.members : undefined,
      membersGraceSeconds: this.membership.graceSeconds,
      rolledBack: plan ? plan.rolledBack : this.rollbackInForce(cr),
      maintenance: maintenance?.applied,
      external: plan && !failure ? plan.external.status : undefined,
      drain: failure ? cr.status?.drain : drain?.status,
      volumes: plan && !failure ? volumesStatus({ desired: statefulSetsWithClaims(plan.objects)[0], claims: this.claims(cr) }) : undefined,
    });
    const statusWritten = await this.report(cr, status, changed);
    // Membership changes reach the agent only through the collector: look again while monitoring.
    // A missing CRD or an old claim still in use changes outside what the agent watches: look again.
    const requeueAfterMs = plan?.rollout.phase === 'Rolling' || maintenance?.restart || maintenance?.pending || plan?.external.restart || plan?.external.pending ? 1000
      // The copy's progress is in the Job's log, which no watch delivers.
      : drain?.status?.phase === 'Copying' ? DRAIN_PROGRESS_POLL_MS : failure?.reason === MISSING_CRD || failure?.reason === ADOPTION_FAILED ? MISSING_CRD_RETRY_MS
      : plan?.model.spec.monitoring.enabled ? MEMBERSHIP_POLL_MS : undefined;
    return { results, failure, statusWritten, appliedAt, rollout: plan?.rollout, requeueAfterMs };
  }

  /** The rollback recorded for this generation, if the cluster runs its last Ready spec instead of its spec. */
  private rollbackInForce(cr: XrootdObject): RollbackStatus | undefined {
    return cr.status?.rolledBack?.generation === cr.metadata.generation ? cr.status?.rolledBack : undefined;
  }

  /**
   * Phase 1: what should run. Validates, synthesizes once, decides the rollout step, and sends a
   * stuck rollout back to the spec the cluster was last Ready with (automatic rollback).
   */
  private plan(cr: XrootdObject, tlsSecretRevision: string | undefined, membership: MembershipReport | undefined, drain: DrainDecision | undefined): Plan {
    // Before anything is planned: a refused directive changes nothing that runs.
    const refused = directivePolicyIssues(cr.spec, this.directives);
    if (refused.length) throw new SpecValidationError(refused);
    const catalog = this.catalog();
    const lastReady = cr.status?.lastReadySpec;
    const propsWith = (spec: Record<string, unknown> | undefined) => {
      const resource = { ...cr, spec: withDrain(spec, drain) };
      return { ...propsOf(resource), catalog, tlsSecretRevision, upstreamEndpoints: this.upstreamEndpoints(resource, catalog) };
    };
    const rolledBack = this.rollbackInForce(cr);
    const planned = this.withDrainJob(cr, this.planFor(cr, propsWith(rolledBack && lastReady ? lastReady : cr.spec), membership), drain);
    if (rolledBack || planned.rollout.phase !== 'Stuck' || !planned.model.spec.upgrade.autoRollback || !lastReady) return { ...planned, rolledBack };
    const back = this.withDrainJob(cr, this.planFor(cr, propsWith(lastReady), membership), drain);
    const rollback = { generation: cr.metadata.generation, fromVersion: planned.model.spec.version, toVersion: back.model.spec.version, stuckPod: planned.rollout.stuckPod, at: new Date().toISOString() };
    this.log.warn('rolling back', { cluster: objectKey(cr), ...rollback });
    return { ...back, rolledBack: rollback };
  }

  /** spec.federation.upstreamRefs, resolved from the Xrootd resources the agent sees (a change to them reconciles this one again). */
  private upstreamEndpoints(resource: XrootdObject, catalog: readonly XrootdRelease[]): Record<string, string[]> {
    const { endpoints, issues } = resolveUpstreamRefs(resource, (key) => {
      const [namespace, name] = key.split('/');
      return this.caches.xrootds.get(namespace, name);
    }, catalog);
    if (issues.length) throw new SpecValidationError(issues);
    return endpoints;
  }

  /**
   * spec.worker.scaleDown Drain: where a scale-down of the data servers stands (see drain.ts). Read
   * before synthesis, which it changes: the replicas held, the servers being drained in maintenance.
   */
  private async decideDrain(cr: XrootdObject): Promise<DrainDecision | undefined> {
    const issues: SpecIssue[] = [];
    // Resolved only for what the drain reads; an invalid spec is reported by synthesis.
    const worker = applySchema(xrootdSpecSchema.fields.worker, cr.spec?.worker, 'worker', issues) as ResolvedWorkerSpec;
    if (issues.length || worker.scaleDown !== 'Drain') return undefined;
    const namespace = cr.metadata.namespace!;
    const names = new ClusterNames(cr.metadata.name, namespace, '');
    const statefulSet = names.statefulSet('worker');
    const pods = podsOf(this.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(cr)) ?? [], statefulSet);
    // Between the deletion and the re-creation of the StatefulSet (a volume expansion), its pods say how many there are.
    const live = this.liveStatefulSet(namespace, statefulSet)?.spec?.replicas ?? (pods.length ? Math.max(...pods.map((p) => p.ordinal)) + 1 : undefined);
    const input = {
      policy: worker.scaleDown, desired: worker.replicas, live,
      specMaintenance: worker.maintenance, inMaintenance: cr.status?.maintenance ?? [], pods,
      jobs: (this.caches.children.get('Job')?.byIndex(CONTROLLER_INDEX, cr.metadata.uid!) ?? []) as JobObject[],
      generation: cr.metadata.generation ?? 0, podName: (o: number) => names.pod('worker', o),
    };
    const first = decideDrain(input);
    return first.jobName ? decideDrain({ ...input, jobLog: await readDrainJobLog(this.client, namespace, first.jobName) }) : first;
  }

  /** The drain Job the decision wants, among the objects to apply (so that prune removes it once it is not). */
  private withDrainJob<P extends { model: ClusterModel; objects: KubeObject[] }>(cr: XrootdObject, planned: P, drain: DrainDecision | undefined): P {
    if (!drain?.job) return planned;
    const job = drainJob(planned.model, { ...drain.job, generation: cr.metadata.generation ?? 0 }) as unknown as KubeObject;
    return { ...planned, objects: [...planned.objects, job] };
  }

  private async markDrained(cr: XrootdObject, model: ClusterModel, ordinal: number): Promise<void> {
    const claim = `${DATA_VOLUME}-${model.names.pod('worker', ordinal)}`;
    try {
      await this.client.request('PATCH', objectPath({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim, namespace: cr.metadata.namespace }), {
        contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [DRAINED_AT_ANNOTATION]: new Date().toISOString() } } },
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }

  private async reportDrained(cr: XrootdObject, drained: NonNullable<DrainDecision['drained']>, replicas: number): Promise<void> {
    this.log.info('data server drained', { cluster: objectKey(cr), pod: drained.pod, summary: drained.summary });
    await this.event(cr, 'Normal', 'DataServerDrained', `${drained.pod} ${drained.summary ? `${drained.summary.replace(/^drained \S+: /, 'drained: ')}` : 'drained'}; data servers lowered to ${replicas} (its volume is kept, holding copies only)`);
  }

  /** Synthesizes these props and decides the rollout step (templates do not depend on partitions, so the step is set on the objects). */
  private planFor(cr: XrootdObject, props: XrootdClusterProps & { catalog: XrootdRelease[] }, membership: MembershipReport | undefined): Omit<Plan, 'rolledBack'> {
    // The outside addresses are read for the model's pods, then synthesized into their ConfigMap.
    const external = this.externalAddresses(cr, resolveCluster(props));
    const synthesized = synthesizeCluster({ ...props, externalAddresses: external.addresses });
    const model = synthesized.cluster.model;
    const refused = downgradeRefusal(new VersionCatalog(props.catalog), cr.status?.currentVersion, model.spec.version);
    if (refused && !model.spec.upgrade.force) throw new RefusedError(`spec.version ${refused}`);
    const namespace = cr.metadata.namespace!;
    const pods = this.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(cr)) ?? [];
    const members = model.spec.monitoring.enabled && membership ? membersStatus({
      model, report: membership, readyPods: readyPodsOf(pods), previous: cr.status?.members, now: new Date().toISOString(), federated: this.federatedMembers(cr, model),
    }) : undefined;
    // In service means subscribed: a Ready pod its managers do not list holds the rollout like an unready one.
    const roles = withUnsubscribedUnready(observeRoles(model, synthesized.objects, (role) => this.liveStatefulSet(namespace, model.names.statefulSet(role)), pods), members);
    // Only what the planner remembers; phase and message are recomputed every time.
    const { role, revision, partition, stepStartedAt, startedAt } = (cr.status?.rollout ?? {}) as RolloutState;
    const rollout = planRollout(roles, policyOf(model.spec), { role, revision, partition, stepStartedAt, startedAt } as RolloutState, new Date().toISOString());
    return { model, rollout, roles, members, external, objects: withPartitions(synthesized.objects, model, rollout.partitions) };
  }

  /** A meta-manager's expected subscribers: the redirectors of the valid clusters that name it (federation.upstreamRefs). */
  private federatedMembers(cr: XrootdObject, model: ClusterModel): MembersInput['federated'] {
    if (!model.spec.federation.metaManager) return undefined;
    const expected: string[] = [];
    const readyPods = new Map<string, string | undefined>();
    for (const member of this.caches.xrootds.byIndex(UPSTREAM_INDEX, objectKey(cr))) {
      let redirectors: number;
      try {
        redirectors = resolveCluster(propsOf(member)).topology.redirectors;
      } catch {
        continue; // reported on the member itself
      }
      const names = new ClusterNames(member.metadata.name, member.metadata.namespace!, '');
      const named = (pod: string) => (member.metadata.namespace === cr.metadata.namespace ? pod : `${member.metadata.namespace}/${pod}`);
      for (let i = 0; i < redirectors; i++) expected.push(named(names.pod('redirector', i)));
      for (const [pod, ip] of readyPodsOf(this.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(member)) ?? [])) {
        if (pod.startsWith(`${names.statefulSet('redirector')}-`)) readyPods.set(named(pod), ip);
      }
    }
    return { expected, readyPods };
  }

  /** expose.type LoadBalancer: what each data server's and supervisor's Service got from its load balancer. */
  private externalAddresses(cr: XrootdObject, model: ClusterModel): ExternalAddressStep {
    const namespace = cr.metadata.namespace!;
    const services = this.caches.children.get('Service');
    const pods = (this.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(cr)) ?? []).map((p) => ({
      name: p.metadata.name, ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      deleting: !!p.metadata.deletionTimestamp, createdAt: p.metadata.creationTimestamp,
    }));
    // Also remembered here: a status write that fails (or a CRD without status.external) must not restart the pods again and again.
    const remembered = [...this.externalSeen].filter(([k]) => k.startsWith(`${namespace}/`)).map(([k, v]) => ({ pod: k.slice(namespace.length + 1), ...v }));
    const step = externalAddressStep({ model, service: (name) => services?.get(namespace, name), previous: [...(cr.status?.external ?? []), ...remembered], pods, now: new Date().toISOString() });
    for (const { pod, address, since } of step.status) this.externalSeen.set(`${namespace}/${pod}`, { address, since });
    return step;
  }

  /**
   * A data server or supervisor made before its outside address was known started without it (run.sh
   * reads the ConfigMap at start): restarted, one at a time, once the ConfigMap holding it is applied.
   */
  private async announceExternalAddress(cr: XrootdObject, plan: Plan): Promise<void> {
    const pod = plan.external.restart;
    if (!pod) return;
    const address = plan.external.addresses[pod];
    await this.applier.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: cr.metadata.namespace } });
    this.log.info('restarting a pod to announce its outside address', { cluster: objectKey(cr), pod, address });
    await this.event(cr, 'Normal', 'ExternalAddressAnnounced', `${pod} restarted to announce its load balancer's address ${address} to the managers: clients outside are redirected there`);
  }

  /**
   * The digest of the cluster's TLS Secret, read at every reconcile (resyncs included, so a renewal
   * is seen within --resync). Unreadable (not granted, missing): the revision the data servers'
   * template already carries, so nothing rolls; the reason is logged.
   */
  private async tlsSecretRevision(cr: XrootdObject): Promise<string | undefined> {
    const name = (cr.spec as { security?: { tls?: { secretName?: string } } } | undefined)?.security?.tls?.secretName;
    if (!name) return undefined;
    const read = await readTlsSecret(this.client, cr.metadata.namespace!, name);
    if ('revision' in read) return read.revision;
    this.log.warn('TLS Secret not read: a renewed certificate will not roll the pods', { cluster: objectKey(cr), reason: read.unreadable });
    const worker = new ClusterNames(cr.metadata.name, cr.metadata.namespace!, '').statefulSet('worker');
    const live = this.liveStatefulSet(cr.metadata.namespace!, worker) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } } | undefined;
    return live?.spec?.template?.metadata?.annotations?.[TLS_REVISION_ANNOTATION];
  }

  /** Kinds from other projects this cluster needs and that were not served at the last look: asked again now. */
  private async recheckOptionalKinds(objects: readonly KubeObject[]): Promise<void> {
    const absent = new Set(objects.filter((o) => optionalKind(o) && this.caches.children.get(o.kind)?.served === false).map((o) => o.kind));
    await Promise.all([...absent].map((kind) => this.caches.children.get(kind)!.recheck()));
  }

  /**
   * Before the StatefulSets: takes over the volumes of spec.worker.storage.adoptClaims, grows the
   * data volumes a raised capacity asks for (re-creating their StatefulSet), refuses what cannot be done.
   */
  private async prepareVolumes(cr: XrootdObject, plan: Plan): Promise<void> {
    const pattern = plan.model.spec.worker.storage.adoptClaims;
    const withClaims = statefulSetsWithClaims(plan.objects);
    const worker = withClaims[0];
    if (pattern && worker) {
      await this.adopter.adopt(worker, pattern, this.claims(cr), claimLabels(cr.metadata.name, 'worker'), async (a) => {
        this.log.info('adopted a volume', { cluster: objectKey(cr), ...a });
        await this.event(cr, 'Normal', 'AdoptedVolume', `${a.claim} binds PersistentVolume ${a.volume}, the volume of ${a.from} (reclaim policy Retain); ${a.from} is kept, unbound: delete it when the data server serves its files`);
      });
    }
    const step = await this.volumes.prepare(withClaims, (name) => this.liveStatefulSet(cr.metadata.namespace!, name) as StatefulSetWithClaims | undefined, this.claims(cr));
    if (step.grown.length) this.log.info('growing data volumes', { cluster: objectKey(cr), claims: step.grown });
    if (step.recreated) {
      const { statefulSet, from, to } = step.recreated;
      this.log.info('re-creating a StatefulSet around its pods for a larger claim template', { cluster: objectKey(cr), statefulSet, from, to });
      await this.event(cr, 'Normal', 'ExpandingVolumes', `data volumes of ${statefulSet} grow from ${from} to ${to}: ${step.grown.length} claims asked for more, the StatefulSet re-created around its running pods`);
    }
  }

  private claims(cr: XrootdObject): ClaimObject[] {
    return this.caches.claims?.byIndex(INSTANCE_INDEX, objectKey(cr)) ?? [];
  }

  /** Phase 2: the objects as they should be, owned by the resource; refuses objects another controller holds. */
  private desiredObjects(cr: XrootdObject, plan: Plan): KubeObject[] {
    const owner = ownerOf(cr);
    const desired = plan.objects.map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: [owner] } }));
    // Before anything is written: a spec needing a CRD the Kubernetes cluster lacks changes nothing.
    for (const o of desired) {
      const optional = optionalKind(o);
      if (optional && this.caches.children.get(o.kind)?.served === false) throw new MissingKindError(o.kind, o.apiVersion, optional.crd, optional.provider);
    }
    const foreign = desired.map((o) => this.live(o)).find((l) => l && controllerOf(l) && controllerOf(l)!.uid !== owner.uid);
    if (foreign) throw new OwnershipError(`${foreign.kind} ${foreign.metadata.name} is controlled by ${controllerOf(foreign)!.kind} ${controllerOf(foreign)!.name}; not taking it over`);
    return desired;
  }

  /**
   * Phase 3: server-side apply in stages, prune what synthesis no longer makes (keeping the
   * configuration of revisions that pods may still start with), delete pods stuck on a revision
   * being rolled back from.
   */
  private async applyPlan(cr: XrootdObject, plan: Plan, desired: KubeObject[], finalizing: Promise<void> | undefined): Promise<ApplyResult[]> {
    const results = await this.applier.apply(desired, { live: (o) => this.live(o), beforeWorkloads: finalizing });
    const pods = this.caches.pods?.byIndex(INSTANCE_INDEX, objectKey(cr)) ?? [];
    results.push(...await this.applier.prune(desired, withoutRetainedConfigMaps(this.inventory(cr), plan.roles, pods)));
    for (const pod of plan.rollout.deletePods) await this.deleteStuckPod(cr, pod);
    return results;
  }

  /**
   * Data servers entering or leaving maintenance read the list when they start: the next one whose
   * state changes is restarted, once every other data server is Ready (the maintenance ConfigMap was
   * applied in the first stage, so it starts with the new list).
   */
  private async carryOutMaintenance(cr: XrootdObject, plan: Plan): Promise<MaintenanceStep | undefined> {
    const workers = plan.roles.find((r) => r.role === 'worker');
    if (!workers) return undefined;
    const wanted = plan.model.spec.worker.maintenance;
    const step = maintenanceStep(wanted, cr.status?.maintenance ?? [], workers.replicas, workers.pods, plan.model.names.statefulSet('worker'));
    if (step.restart) {
      const { pod, entering } = step.restart;
      await this.applier.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: cr.metadata.namespace } });
      this.log.info(entering ? 'restarting a data server into maintenance' : 'restarting a data server out of maintenance', { cluster: objectKey(cr), pod });
      await this.event(cr, 'Normal', entering ? 'MaintenanceStarted' : 'MaintenanceEnded', entering
        ? `${pod} restarted into maintenance: it serves reads and receives no new files (spec.worker.maintenance)`
        : `${pod} restarted out of maintenance: it receives new files again`);
    }
    return step;
  }

  /** Phase 4: the StatefulSets as the watch caches see them. */
  private observe(cr: XrootdObject, model: ClusterModel | undefined): Map<Role, StatefulSetView> {
    const statefulSets = new Map<Role, StatefulSetView>();
    for (const role of model ? ROLES : []) {
      const sts = this.liveStatefulSet(cr.metadata.namespace!, model!.names.statefulSet(role));
      if (sts) statefulSets.set(role, sts);
    }
    return statefulSets;
  }

  /** Phase 5: status and Events, written only when they change. */
  private async report(cr: XrootdObject, status: XrootdStatus, changed: ApplyResult[]): Promise<boolean> {
    const statusWritten = await writeStatus(this.client, cr, status);
    if (statusWritten) this.log.debug('status changed', { cluster: objectKey(cr), before: cr.status, after: status });
    if (statusWritten || changed.length) await this.announce(cr, cr.status, status, changed);
    return statusWritten;
  }

  private liveStatefulSet(namespace: string, name: string): StatefulSetView | undefined {
    return this.caches.children.get('StatefulSet')?.get(namespace, name) as StatefulSetView | undefined;
  }

  private live(o: KubeObject): KubeObject | undefined {
    return this.caches.children.get(o.kind)?.get(o.metadata.namespace, o.metadata.name);
  }

  /** What this resource produced before: inventory-labelled children it controls. */
  private inventory(cr: XrootdObject): KubeObject[] {
    return PRUNABLE_KINDS.flatMap((k) => this.caches.children.get(k.kind)?.byIndex(CONTROLLER_INDEX, cr.metadata.uid!)
      .filter((o) => o.metadata.labels?.[INVENTORY_LABEL] === cr.metadata.name) ?? []);
  }

  /** Events on transitions only, so a steady cluster is quiet. */
  private async announce(cr: XrootdObject, before: XrootdStatus | undefined, after: XrootdStatus, changed: ApplyResult[]): Promise<void> {
    const cond = (s: XrootdStatus | undefined, t: string) => s?.conditions?.find((c) => c.type === t);
    const events: [type: 'Normal' | 'Warning', reason: string, message: string][] = [];
    if (changed.length) {
      events.push(['Normal', 'Applied', summarize(changed)]);
    }
    const degraded = cond(after, 'Degraded');
    if (degraded?.status === 'True' && (cond(before, 'Degraded')?.status !== 'True' || cond(before, 'Degraded')?.message !== degraded.message)) {
      events.push(['Warning', degraded.reason ?? 'Degraded', degraded.message ?? '']);
    }
    const deprecated = cond(after, 'Deprecated');
    if (deprecated?.status === 'True' && cond(before, 'Deprecated')?.status !== 'True') events.push(['Warning', 'DeprecatedVersion', deprecated.message ?? '']);
    const insecure = cond(after, 'InsecureWritableExport');
    if (insecure?.status === 'True' && cond(before, 'InsecureWritableExport')?.status !== 'True') events.push(['Warning', 'InsecureWritableExport', insecure.message ?? '']);
    const missing = cond(after, 'MembersMissing');
    if (missing?.status === 'True' && cond(before, 'MembersMissing')?.status !== 'True') events.push(['Warning', 'MembersMissing', missing.message ?? '']);
    if (cond(before, 'VolumesExpanding')?.status === 'True' && cond(after, 'VolumesExpanding')?.status === 'False') events.push(['Normal', 'VolumesExpanded', cond(after, 'VolumesExpanding')?.message ?? '']);
    const retained = cond(after, 'VolumesRetained');
    if (retained?.status === 'True' && (cond(before, 'VolumesRetained')?.status !== 'True' || cond(before, 'VolumesRetained')?.message !== retained.message)) events.push(['Warning', 'VolumesRetained', retained.message ?? '']);
    if (cond(after, 'Ready')?.status === 'True' && cond(before, 'Ready')?.status !== 'True') events.push(['Normal', 'Ready', cond(after, 'Ready')?.message ?? '']);
    const [r0, r1] = [before?.rollout, after.rollout];
    if (r1?.phase && (r1.phase !== r0?.phase || r1.partition !== r0?.partition || r1.role !== r0?.role) && r1.phase !== 'Stuck') {
      events.push(['Normal', r1.phase === 'Paused' ? 'RolloutPaused' : 'RollingOut', r1.message ?? '']);
    }
    const [d0, d1] = [before?.drain, after.drain];
    if (d1?.phase === 'Copying' && (d0?.phase !== 'Copying' || d0.pod !== d1.pod)) events.push(['Normal', 'Draining', `copying the files of ${d1.pod} to ${d1.targets?.join(', ')} before it is removed (spec.worker.scaleDown: Drain)`]);
    if (r0?.phase && !r1?.phase) events.push(['Normal', 'RolloutDone', `every pod runs the current template (${after.targetVersion})`]);
    for (const [type, reason, message] of events) await this.event(cr, type, reason, message);
  }

  /** An Event on the resource; one that cannot be recorded is logged, never a reason to fail the reconcile. */
  private async event(cr: XrootdObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await recordEvent(this.client, cr, type, reason, message);
    } catch (e) {
      this.log.warn('event not recorded', { cluster: objectKey(cr), reason, error: e });
    }
  }

  /** A pod stuck unready on a revision being rolled back from: the StatefulSet waits for it forever, so it goes. */
  private async deleteStuckPod(cr: XrootdObject, pod: string): Promise<void> {
    const ns = cr.metadata.namespace!;
    await this.applier.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace: ns } });
    this.log.info('deleted stuck pod', { cluster: `${ns}/${cr.metadata.name}`, pod });
    await this.event(cr, 'Normal', 'DeletedStuckPod', `${pod} was not Ready on a revision being replaced; deleted so it comes back on the current one`);
  }

  private async addFinalizer(cr: XrootdObject): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: a concurrent change retries instead of being overwritten.
    await this.client.request('PATCH', objectPath(refOf(cr)), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: [...(cr.metadata.finalizers ?? []), FINALIZER], resourceVersion: cr.metadata.resourceVersion } },
    });
  }

  /** Data volumes go only when `spec.worker.storage.retention.whenDeleted` is Delete; everything else is garbage-collected. */
  private async finalize(cr: XrootdObject): Promise<void> {
    if (!cr.metadata.finalizers?.includes(FINALIZER)) return;
    const ns = cr.metadata.namespace!;
    const retention = (cr.spec as { worker?: { storage?: { retention?: { whenDeleted?: string } } } } | undefined)?.worker?.storage?.retention?.whenDeleted ?? 'Retain';
    const pvcs = await this.client.request<{ items: KubeObject[] }>('GET', collectionPath(kindInfo('v1', 'PersistentVolumeClaim'), ns), {
      query: { labelSelector: `${INVENTORY_LABEL}=${cr.metadata.name}` },
    });
    if (retention === 'Delete') {
      for (const pvc of pvcs.items) await this.applier.delete({ ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
    }
    await this.event(cr, 'Normal', 'Deleting', retention === 'Delete'
      ? `deleted ${pvcs.items.length} data volumes (whenDeleted: Delete)`
      : `kept ${pvcs.items.length} data volumes (whenDeleted: Retain)`);
    await this.client.request('PATCH', objectPath(refOf(cr)), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: cr.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: cr.metadata.resourceVersion } },
    });
    this.log.info('finalized', { cluster: `${ns}/${cr.metadata.name}`, volumes: retention === 'Delete' ? 'deleted' : 'kept' });
  }
}

const MEMBERSHIP_POLL_MS = 15_000;
const DRAIN_PROGRESS_POLL_MS = 5_000;

/** The spec to synthesize during a drain: the data servers held at their number, those being drained in maintenance. */
function withDrain(spec: Record<string, unknown> | undefined, drain: DrainDecision | undefined): Record<string, unknown> | undefined {
  if (!drain || !spec) return spec;
  const worker = (spec.worker ?? {}) as Record<string, unknown>;
  return { ...spec, worker: { ...worker, replicas: drain.replicas, maintenance: drain.maintenance } };
}

export interface MembershipOptions {
  /** Where clusters' collectors answer /membership ({cluster}, {namespace} filled in). */
  readonly url?: string;
  /** How long a Ready server may be missing from its manager's list before MembersMissing. */
  readonly graceSeconds?: number;
}

/** A spec that needs another project's CRD: looked at again, as the CRD may be installed any time. */
const MISSING_CRD = 'MissingCustomResourceDefinition';
const MISSING_CRD_RETRY_MS = 30_000;
const ADOPTION_FAILED = 'VolumeAdoptionFailed';

class OwnershipError extends Error {}
class RefusedError extends Error {}

/** The failure a reconcile reports in status, or undefined for an error to retry. */
function failureOf(e: unknown, key: string): Failure | undefined {
  if (e instanceof SpecValidationError) {
    return { reason: 'InvalidSpec', message: e.issues.map((i) => toResourceIssue(i, { file: key, document: 0 }).message).join('; ') };
  }
  if (e instanceof RefusedError) return { reason: 'DowngradeRefused', message: e.message };
  if (e instanceof OwnershipError) return { reason: 'OwnershipConflict', message: e.message };
  if (e instanceof MissingKindError) return { reason: MISSING_CRD, message: e.message };
  if (e instanceof VolumeChangeError) return { reason: e.reason, message: e.message };
  if (e instanceof VolumeAdoptionError) return { reason: ADOPTION_FAILED, message: e.message };
  // Not granted what adoption needs (an install without it, or the admission policy's refusal): say so, do not retry blindly.
  if (e instanceof ApiError && e.status === 403 && /persistentvolume/.test(e.message)) return { reason: 'VolumeAdoptionForbidden', message: e.message };
  if (e instanceof ApiError && (e.status === 422 || e.status === 400)) return { reason: 'ApplyRejected', message: e.message };
  return undefined;
}

const statefulSetsWithClaims = (objects: readonly KubeObject[]): StatefulSetWithClaims[] =>
  objects.filter((o): o is StatefulSetWithClaims => o.kind === 'StatefulSet' && !!(o as StatefulSetWithClaims).spec?.volumeClaimTemplates?.length);

export function ownerOf(cr: KubeObject): OwnerReference {
  return { apiVersion: XROOTD_API_VERSION, kind: 'Xrootd', name: cr.metadata.name, uid: cr.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
