/**
 * `sync`: asks the agent to sync an XrootdGitSource now by setting its
 * sync-requested-at annotation; `--wait` waits until the agent acknowledges it
 * in status. Exit 0 applied, 1 refused, 3 API failure, 4 no answer in time.
 */
import type { XrootdGitSourceStatus } from '../../constructs/index.js';
import { SYNC_REQUEST_ANNOTATION } from '../agent/git-source/resource.js';
import { ApiError, KubeClient } from '../kube/client.js';
import { objectPath } from '../kube/kinds.js';
import { XROOTD_API_VERSION } from '../kinds.js';

export const SYNC_EXIT = { applied: 0, refused: 1, failed: 3, timeout: 4 } as const;

interface SourceView { metadata: { generation?: number }; status?: XrootdGitSourceStatus }

export async function syncCommand(
  name: string,
  opts: { kubeconfig?: string; namespace: string; wait: boolean; timeout: string },
): Promise<number> {
  const client = KubeClient.load(opts.kubeconfig);
  const path = objectPath({ apiVersion: XROOTD_API_VERSION, kind: 'XrootdGitSource', namespace: opts.namespace, name });
  const requested = new Date().toISOString();
  try {
    await client.request('PATCH', path, { contentType: 'application/merge-patch+json', body: { metadata: { annotations: { [SYNC_REQUEST_ANNOTATION]: requested } } } });
    console.log(`sync of ${opts.namespace}/${name} requested at ${requested}`);
    if (!opts.wait) return SYNC_EXIT.applied;
    const deadline = Date.now() + Number(opts.timeout) * 1000;
    while (Date.now() < deadline) {
      const s = (await client.request<SourceView>('GET', path)).status;
      if (s?.lastHandledSyncRequest === requested) {
        const ready = s.conditions?.find((c) => c.type === 'Ready');
        console.log(ready?.status === 'True' ? `applied ${s.revision}: ${ready.message}` : `refused: ${ready?.message ?? s.lastError?.message ?? 'unknown'}`);
        return ready?.status === 'True' ? SYNC_EXIT.applied : SYNC_EXIT.refused;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    console.error(`the agent did not handle the request within ${opts.timeout} s`);
    return SYNC_EXIT.timeout;
  } catch (e) {
    console.error(e instanceof ApiError ? e.message : String(e));
    return SYNC_EXIT.failed;
  } finally {
    client.close();
  }
}
