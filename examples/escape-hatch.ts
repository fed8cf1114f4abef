/**
 * The escape hatch: what XrootdClusterProps do not cover, patched on the objects the construct
 * exposes (docs/library.md). Here a site's priority class on the data servers, a label its
 * inventory selects on, and an annotation its load balancer controller reads.
 */
import { JsonPatch, type Chart } from 'cdk8s';
import { XrootdCluster } from '../constructs/index.js';

export function siteCluster(chart: Chart): XrootdCluster {
  const cluster = new XrootdCluster(chart, 'cluster', {
    name: 'site', namespace: 'xrootd', version: '5.8.1', worker: { replicas: 4, storage: { capacity: '1Ti' } },
  });
  // A field the props do not have: patched onto the rendered StatefulSet (RFC 6902, applied at synth).
  cluster.statefulSet('worker')!.addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'xrootd-data'));
  // Metadata goes through the ApiObject's own API.
  cluster.statefulSet('worker')!.metadata.addLabel('site.example.org/tier', 'storage');
  cluster.clientService.metadata.addAnnotation('lb.example.org/pool', 'public');
  return cluster;
}
