/**
 * One sync of one XrootdGitSource: fetch the ref (shallow), read the Xrootd
 * resources at the path, validate all of them, then apply them all as Xrootd
 * resources this source controls and prune the ones the path no longer has.
 * Any problem (fetch, YAML, a spec rule, a name another owner holds) refuses
 * the whole commit: nothing changes and the last good revision stays applied.
 * The clusters themselves are reconciled by the Xrootd reconciler, so they
 * roll out through the same gates as hand-made resources.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GIT_SOURCE_LABEL, resolveGitSourceSpec, SpecValidationError, type ResolvedXrootdGitSourceSpec, type XrootdGitSourceStatus, type XrootdRelease } from '../../../constructs/index.js';
import { Applier, summarize, type ApplyResult } from '../../apply/applier.js';
import { ApiError, type KubeClient } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';
import { controllerOf, objectKey, refOf, type KubeObject } from '../../kube/kinds.js';
import type { DirectivePolicy } from '../../directive-policy.js';
import { loadCommit } from '../../git/load.js';
import { GitError, GitRepository } from '../../git/repository.js';
import { writeStatus } from '../conditions.js';
import { recordEvent } from '../events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { SOURCE_INDEX } from '../indexes.js';
import type { XrootdObject } from '../xrootd/context.js';
import { readCredentials } from './credentials.js';
import { describe, RefusedCommit, short, type Refusal } from './failures.js';
import { FILE_ANNOTATION, GIT_FIELD_MANAGER, type GitSourceObject } from './resource.js';
import { conditions, handled } from './status.js';

export interface GitSyncCaches {
  readonly sources: Informer<GitSourceObject>;
  /** Indexed by SOURCE_INDEX. */
  readonly xrootds: Informer<XrootdObject>;
  readonly catalog: () => XrootdRelease[];
  /** Which extra directives the agent accepts (--extra-directives). */
  readonly directives: DirectivePolicy;
}

export interface SyncOutcome {
  readonly result: 'applied' | 'unchanged' | 'failed' | 'suspended';
  readonly revision?: string;
  readonly results: ApplyResult[];
  /** Sync again after this long (the poll interval). */
  readonly nextInMs?: number;
}

export class GitSync {
  private readonly applier: Applier;
  /** Per source, the sync outcome metrics report. */
  readonly states = new Map<string, { revision?: string; failing: boolean; lastSuccess?: number }>();

  constructor(private readonly client: KubeClient, private readonly caches: GitSyncCaches, private readonly log: Logger,
    private readonly metrics: Metrics, private readonly cacheDir: string) {
    this.applier = new Applier(client);
  }

  /** The local mirror of a source: one directory per source, named by its uid so a recreated source starts clean. */
  private repository(source: GitSourceObject): GitRepository {
    return new GitRepository(join(this.cacheDir, createHash('sha256').update(source.metadata.uid ?? refOf(source).name).digest('hex').slice(0, 16)));
  }

  async sync(key: string): Promise<SyncOutcome | undefined> {
    const [namespace, name] = key.split('/');
    const source = this.caches.sources.get(namespace, name);
    if (!source || source.metadata.deletionTimestamp) {
      // Gone: owner references let the garbage collector remove its clusters (data volumes follow their retention).
      this.states.delete(key);
      return undefined;
    }
    let spec: ResolvedXrootdGitSourceSpec;
    try {
      spec = resolveGitSourceSpec(source.spec);
    } catch (e) {
      if (!(e instanceof SpecValidationError)) throw e;
      return this.refused(source, { reason: 'InvalidSource', issues: e.issues.map((i) => ({ field: `spec.${i.path}`, message: `spec.${i.message}` })) }, undefined);
    }
    if (spec.suspend) {
      await writeStatus(this.client, source, { ...source.status, observedGeneration: source.metadata.generation, conditions: conditions(source, false, 'Suspended', `suspended; ${short(source.status?.revision)} stays applied`) });
      return { result: 'suspended', results: [] };
    }
    const nextInMs = spec.intervalSeconds * 1000;
    let revision: string | undefined;
    try {
      const repo = this.repository(source);
      const creds = await readCredentials(this.client, source, spec);
      try {
        revision = await repo.fetch(spec.url, spec.ref, creds, spec.timeoutSeconds * 1000);
      } catch (e) {
        if (e instanceof GitError) throw new RefusedCommit({ reason: 'FetchFailed', issues: [{ message: e.message }] });
        throw e;
      }
      const files = await repo.files(revision, spec.path);
      if (!files) throw new RefusedCommit({ reason: 'PathNotFound', revision, issues: [{ field: 'spec.path', message: `path ${spec.path} does not exist in commit ${short(revision)}` }] });
      const loaded = loadCommit(files, namespace, this.caches.catalog(), this.caches.directives);
      if (loaded.issues.length) throw new RefusedCommit({ reason: 'ValidationFailed', revision, issues: loaded.issues.map(describe) });

      const owner = {
        apiVersion: source.apiVersion, kind: source.kind, name, uid: source.metadata.uid!,
        controller: true, blockOwnerDeletion: true,
      };
      const desired: KubeObject[] = loaded.valid.map(({ resource, source: at }) => ({
        apiVersion: resource.apiVersion, kind: 'Xrootd',
        metadata: {
          name: resource.metadata.name, namespace,
          labels: { ...(resource.metadata.labels as Record<string, string> | undefined), [GIT_SOURCE_LABEL]: name },
          annotations: { ...(resource.metadata.annotations as Record<string, string> | undefined), [FILE_ANNOTATION]: at.file },
          ownerReferences: [owner],
        },
        spec: resource.spec ?? {},
      }));
      // One applier per object: a cluster made by hand or by another source is never taken over.
      const foreign = desired.flatMap((d) => {
        const live = this.caches.xrootds.get(namespace, d.metadata.name);
        const by = live && controllerOf(live);
        return live && by?.uid !== owner.uid ? [{ file: d.metadata.annotations![FILE_ANNOTATION], field: 'metadata.name',
          message: `Xrootd ${namespace}/${d.metadata.name} exists and is ${by ? `controlled by ${by.kind} ${by.name}` : 'not managed by a Git source'}; not taking it over` }] : [];
      });
      if (foreign.length) throw new RefusedCommit({ reason: 'OwnershipConflict', revision, issues: foreign });

      const live = (o: KubeObject) => this.caches.xrootds.get(o.metadata.namespace, o.metadata.name);
      // A dry run of everything first: the API server's admission cannot then refuse half a commit.
      try {
        await this.applier.apply(desired, { live, dryRun: true, fieldManager: GIT_FIELD_MANAGER });
      } catch (e) {
        if (e instanceof ApiError && (e.status === 422 || e.status === 400)) throw new RefusedCommit({ reason: 'ApplyRejected', revision, issues: [{ message: e.message }] });
        throw e;
      }
      const results = await this.applier.apply(desired, { live, fieldManager: GIT_FIELD_MANAGER, checked: true });
      if (spec.prune) results.push(...await this.prune(source, desired));
      const changed = results.filter((r) => r.action !== 'unchanged');
      const clusters = desired.map((d) => `${namespace}/${d.metadata.name}`).sort();
      const message = `${clusters.length} cluster${clusters.length === 1 ? '' : 's'} from ${spec.path} at ${short(revision)} applied`;
      const status: XrootdGitSourceStatus = {
        observedGeneration: source.metadata.generation, revision, lastAttemptedRevision: revision, clusters,
        conditions: conditions(source, true, 'Synced', message), lastError: undefined, ...handled(source),
      };
      const before = source.status?.revision;
      await writeStatus(this.client, source, status);
      if (changed.length || before !== revision) {
        const summary = summarize(changed) || 'nothing changed';
        this.log.info('git source synced', { source: key, revision, changes: changed.map((r) => `${r.action} ${r.key}`) });
        await this.event(source, 'Normal', 'Synced', `commit ${short(revision)}: ${summary}`);
      }
      this.states.set(key, { revision, failing: false, lastSuccess: Date.now() / 1000 });
      this.metrics.inc('xrootd_agent_git_syncs_total', { source: key, result: changed.length ? 'applied' : 'unchanged' });
      return { result: changed.length ? 'applied' : 'unchanged', revision, results, nextInMs };
    } catch (e) {
      if (!(e instanceof RefusedCommit)) throw e;
      return this.refused(source, e.refusal, nextInMs);
    }
  }

  /** The commit (or the fetch) is refused: status, Event and metrics say why; nothing in the cluster changes. */
  private async refused(source: GitSourceObject, r: Refusal, nextInMs: number | undefined): Promise<SyncOutcome> {
    const key = `${source.metadata.namespace}/${source.metadata.name}`;
    const first = r.issues[0] ?? { message: r.reason };
    const text = r.issues.map((i) => (i.file ? `${i.file}: ${i.message}` : i.message)).join('; ');
    const at = r.revision ? `commit ${short(r.revision)} refused` : 'fetch failed';
    const kept = source.status?.revision ? `${short(source.status.revision)} stays applied` : 'nothing applied yet';
    const message = `${at} (${r.reason}): ${text}; ${kept}`;
    const previous = this.states.get(key);
    this.states.set(key, { ...previous, revision: source.status?.revision, failing: true });
    this.metrics.inc('xrootd_agent_git_syncs_total', { source: key, result: 'failed' });
    const status: XrootdGitSourceStatus = {
      ...source.status,
      observedGeneration: source.metadata.generation,
      lastAttemptedRevision: r.revision ?? source.status?.lastAttemptedRevision,
      conditions: conditions(source, false, r.reason, message),
      lastError: {
        ...(r.revision ? { revision: r.revision } : {}),
        ...(first.file ? { file: first.file } : {}),
        ...(first.field ? { field: first.field } : {}),
        message: text,
      },
      ...handled(source),
    };
    const written = await writeStatus(this.client, source, status);
    if (written) {
      this.log.warn('git source refused', { source: key, reason: r.reason, revision: r.revision, message: text });
      await this.event(source, 'Warning', r.reason, message);
    }
    return { result: 'failed', revision: r.revision, results: [], nextInMs };
  }

  /** Clusters this source applied before that the path no longer declares. */
  private async prune(source: GitSourceObject, desired: readonly KubeObject[]): Promise<ApplyResult[]> {
    const keep = new Set(desired.map((d) => d.metadata.name));
    const gone = this.caches.xrootds.byIndex(SOURCE_INDEX, objectKey(source))
      .filter((x) => controllerOf(x)?.uid === source.metadata.uid && !keep.has(x.metadata.name) && !x.metadata.deletionTimestamp);
    const results: ApplyResult[] = [];
    for (const x of gone) {
      // The Xrootd finalizer keeps or deletes the data volumes as the cluster's spec says (Retain by default).
      await this.applier.delete({ apiVersion: x.apiVersion, kind: 'Xrootd', metadata: { name: x.metadata.name, namespace: x.metadata.namespace, uid: x.metadata.uid } });
      results.push({ key: `Xrootd ${x.metadata.namespace}/${x.metadata.name}`, action: 'pruned' });
    }
    return results;
  }

  private async event(source: GitSourceObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await recordEvent(this.client, source, type, reason, message).catch((e) => this.log.warn('event not recorded', { source: source.metadata.name, reason, error: e }));
  }

  /** Removes the local mirror and the metrics of a source that is gone. */
  forget(source: GitSourceObject): void {
    this.states.delete(`${source.metadata.namespace}/${source.metadata.name}`);
    rmSync(this.repository(source).dir, { recursive: true, force: true });
  }
}
