/**
 * The kinds this project adds to the generic client's table (src/kube/kinds.ts): its own custom
 * resources, and the other projects' kinds a cluster may render (cert-manager, the Prometheus
 * Operator). Registered when this module loads; every module naming one of them imports it.
 */
import { API_VERSION, CATALOG_GROUP, XROOTD_GROUP } from '../constructs/index.js';
import { registerKinds } from './kube/kinds.js';

/** Our API groups' versions, as the CRDs serve them. */
export const XROOTD_API_VERSION = `${XROOTD_GROUP}/${API_VERSION}`;
export const CATALOG_API_VERSION = `${CATALOG_GROUP}/${API_VERSION}`;

registerKinds([
  { apiVersion: XROOTD_API_VERSION, kind: 'Xrootd', plural: 'xrootds', namespaced: true },
  { apiVersion: XROOTD_API_VERSION, kind: 'XrootdGitSource', plural: 'xrootdgitsources', namespaced: true },
  { apiVersion: CATALOG_API_VERSION, kind: 'XrootdVersion', plural: 'xrootdversions', namespaced: false },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', plural: 'certificates', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', plural: 'servicemonitors', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', plural: 'prometheusrules', namespaced: true },
]);
