/** Kubernetes Events about an Xrootd resource, so `kubectl describe` tells its story. */
import type { KubeClient } from '../kube/client.js';
import { collectionPath, kindInfo, type KubeObject } from '../kube/kinds.js';

export const REPORTER = 'xrootd-k8s-agent';

export async function recordEvent(client: KubeClient, about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  const now = new Date().toISOString();
  const ns = about.metadata.namespace ?? 'default';
  await client.request('POST', collectionPath(kindInfo('v1', 'Event'), ns), {
    body: {
      apiVersion: 'v1', kind: 'Event',
      metadata: { generateName: `${about.metadata.name}.`, namespace: ns },
      involvedObject: { apiVersion: about.apiVersion, kind: about.kind, name: about.metadata.name, namespace: ns, uid: about.metadata.uid },
      type, reason, message: message.slice(0, 1024),
      source: { component: REPORTER }, reportingComponent: REPORTER, reportingInstance: process.env.HOSTNAME ?? REPORTER,
      firstTimestamp: now, lastTimestamp: now, count: 1,
    },
  });
}
