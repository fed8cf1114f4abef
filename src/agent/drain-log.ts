/**
 * What a drain Job's pod says: its log while it copies (the progress lines), its termination
 * message once it stopped (the summary, or why it refused). Never a reason to fail a reconcile:
 * undefined when it cannot be read (not granted, no pod yet, a node without logs).
 */
import { collectionPath, kindInfo, objectPath } from '../kube/kinds.js';
import type { KubeClient } from '../kube/client.js';

interface JobPod {
  metadata: { name: string; creationTimestamp?: string };
  status?: { containerStatuses?: { state?: { terminated?: { message?: string } } }[] };
}

const LOG_LINES = 20;

export async function readDrainJobLog(client: KubeClient, namespace: string, job: string): Promise<string | undefined> {
  try {
    const pods = await client.request<{ items: JobPod[] }>('GET', collectionPath(kindInfo('v1', 'Pod'), namespace), { query: { labelSelector: `batch.kubernetes.io/job-name=${job}` } });
    const newest = pods.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).at(-1);
    if (!newest) return undefined;
    const stopped = newest.status?.containerStatuses?.[0]?.state?.terminated;
    if (stopped) return stopped.message;
    const path = `${objectPath({ apiVersion: 'v1', kind: 'Pod', name: newest.metadata.name, namespace })}/log`;
    return await client.request<string>('GET', path, { query: { tailLines: LOG_LINES }, text: true, timeoutMs: 5000 });
  } catch {
    return undefined;
  }
}
