/** The example clusters users copy. `npx cdk8s synth` writes each into dist/<name>/. */
import type { XrootdClusterProps } from '../constructs/index.js';

/** One redirector and two data servers: the smallest real cluster. */
export const minimal: XrootdClusterProps = {
  name: 'minimal',
  namespace: 'xrootd',
  version: '5.8.1',
  worker: { replicas: 2, storage: { capacity: '10Gi' } },
};

/** Three redirectors (managers), ten data servers spread across zones, HTTP and third-party copy on. */
export const highlyAvailable: XrootdClusterProps = {
  name: 'ha',
  namespace: 'xrootd',
  version: '5.8.1',
  redirector: { replicas: 3 },
  worker: { replicas: 10, storage: { class: 'standard', capacity: '500Gi' } },
  xrootd: { http: true, thirdPartyCopy: true, summaryMonitoring: 'xrootd-monitor.monitoring.svc.cluster.local:9931' },
  scheduling: { spreadAcrossZones: true, spreadAcrossHosts: true },
};

/** 200 data servers: more than a manager's 64 subscribers, so a supervisor tier appears; a metrics collector watches them. */
export const large: XrootdClusterProps = {
  name: 'large',
  namespace: 'xrootd',
  version: '5.8.1',
  redirector: { replicas: 2 },
  worker: { replicas: 200, storage: { capacity: '2Ti' } },
  monitoring: { enabled: true },
};

/** A read-only export next to a writable scratch area. */
export const readOnly: XrootdClusterProps = {
  name: 'readonly',
  namespace: 'xrootd',
  version: '5.8.1',
  worker: { replicas: 2 },
  xrootd: { exports: [{ path: '/store', readOnly: true }, { path: '/scratch', readOnly: false }] },
};

export const examples: readonly XrootdClusterProps[] = [minimal, highlyAvailable, large, readOnly];
