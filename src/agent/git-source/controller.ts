/**
 * The Git source controller's setup: the XrootdGitSource informer, the index of the clusters each
 * source applied, and the watches that queue a source when its spec changes, a sync is requested,
 * or a cluster it applied is deleted by hand; next to the sync it drives (sync.ts).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XrootdRelease } from '../../../constructs/index.js';
import type { DirectivePolicy } from '../../directive-policy.js';
import type { KubeClient } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';
import { controllerOf, objectKey } from '../../kube/kinds.js';
import { XROOTD_API_VERSION } from '../../kinds.js';
import type { Controller, Manager } from '../../kube/manager.js';
import { SOURCE_INDEX, bySource } from '../indexes.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { XrootdObject } from '../xrootd/context.js';
import { SYNC_REQUEST_ANNOTATION, type GitSourceObject } from './resource.js';
import { GitSync } from './sync.js';

export interface GitSourceControllerOptions {
  /** Watch one namespace only; all namespaces when absent. */
  readonly namespace?: string;
  /** Where the agent keeps its shallow mirrors of Git sources. */
  readonly gitCacheDir?: string;
  /** Which extra directives clusters may carry (all by default). */
  readonly extraDirectives?: DirectivePolicy;
  /** The catalog the clusters of a commit are validated against. */
  readonly catalog: () => XrootdRelease[];
}

export interface GitSourceController {
  readonly controller: Controller;
  readonly gitSync: GitSync;
  readonly sources: Informer<GitSourceObject>;
}

export function addGitSourceController(
  m: Manager,
  client: KubeClient,
  opts: GitSourceControllerOptions,
  log: Logger,
  metrics: Metrics,
): GitSourceController {
  const sources = m.informer<GitSourceObject>(XROOTD_API_VERSION, 'XrootdGitSource', { namespace: opts.namespace });
  const xrootds = m.informer<XrootdObject>(XROOTD_API_VERSION, 'Xrootd', { namespace: opts.namespace }).addIndex(SOURCE_INDEX, bySource);
  const gitSync = new GitSync(client, { sources, xrootds, catalog: opts.catalog, directives: opts.extraDirectives ?? 'all' }, log, metrics,
    opts.gitCacheDir ?? join(tmpdir(), 'xrootd-k8s-git'));
  /** Per source, the generation and sync request last queued for: our own status writes do not trigger fetches. */
  const seen = new Map<string, string>();
  /** A new spec or a sync request queues a source; its own status writes do not. */
  const sourceKeys = (g: GitSourceObject, event: string): string[] => {
    const key = objectKey(g);
    if (event === 'deleted') {
      seen.delete(key);
      gitSync.forget(g);
      return [];
    }
    const at = `${g.metadata.generation}|${g.metadata.annotations?.[SYNC_REQUEST_ANNOTATION] ?? ''}`;
    if (seen.get(key) === at) return [];
    seen.set(key, at);
    return [key];
  };
  const controller = m.add({
    name: 'xrootdgitsource',
    concurrency: 2,
    baseDelayMs: 2000,
    allKeys: () => sources.list().map(objectKey),
    watches: [
      { informer: sources, keys: sourceKeys },
      // A Git-sourced cluster deleted by hand comes back at once.
      { informer: xrootds, keys: (x, event) => (event === 'deleted' && controllerOf(x)?.kind === 'XrootdGitSource' ? bySource(x) : []) },
    ],
    reconcile: async (key) => {
      const outcome = await gitSync.sync(key);
      return { requeueAfterMs: outcome?.nextInMs };
    },
    onError: (key, e, retryIn) => {
      metrics.inc('xrootd_agent_git_syncs_total', { source: key, result: 'error' });
      log.error('git sync failed', { source: key, retryInMs: retryIn, error: e });
    },
  });
  return { controller, gitSync, sources };
}
