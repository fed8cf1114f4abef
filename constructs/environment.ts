/** The environment contract between the pod spec (or a test) and the start script (run.sh, probe.sh). */
export const ENV = {
  podName: 'XRD_POD_NAME',
  /** The pod's namespace (downward API): host names are built from it. */
  namespace: 'XRD_NAMESPACE',
  host: 'XRD_HOST',
  port: 'XRD_PORT',
  cmsdPort: 'XRD_CMSD_PORT',
  adminDir: 'XRD_ADMIN_DIR',
  dataDir: 'XRD_DATA_DIR',
  /** `XRD_MANAGER_0` ... : `host:port` of every manager's cmsd. */
  managerPrefix: 'XRD_MANAGER_',
  /** Per-pod `host:port` of a supervisor's cmsd with `{ordinal}` for its ordinal. */
  supervisorAddress: 'XRD_SUPERVISOR_ADDRESS',
  /** Set by the start script for data servers that subscribe to supervisors: `XRD_SUPERVISOR_0` ... (spec.supervisor.redundancy of them). */
  supervisorPrefix: 'XRD_SUPERVISOR_',
  /** Where the TLS Secret (tls.crt, tls.key, ca.crt) is mounted, when the cluster has TLS. */
  tlsDir: 'XRD_TLS_DIR',
  /** `host:port` of the cluster's metrics collector (spec.monitoring). */
  collector: 'XRD_COLLECTOR',
  /** Set by the start script: the directory of the configuration it runs (the ConfigMap's files). */
  configDir: 'XRD_CONFIG_DIR',
  /** Data servers: the file listing the ordinals in maintenance (the maintenance ConfigMap's, not hashed into the config). */
  maintenanceFile: 'XRD_MAINTENANCE_FILE',
  /** expose.type LoadBalancer, data servers and supervisors: the file of `<pod> <address>` lines (the external-addresses ConfigMap). */
  externalFile: 'XRD_EXTERNAL_FILE',
  /** Cache servers with spec.cache.origin.credentials: where their Secrets' token and proxy are mounted. */
  originCredentialsDir: 'XRD_ORIGIN_CREDENTIALS_DIR',
  /** Set by the start script for a data server in maintenance: the configuration announces its exports read-only. */
  inMaintenance: 'XRD_MAINTENANCE',
  /** Data servers with spec.worker.nodeDrain: the pod's node (downward API), looked up in the cordoned nodes' file. */
  nodeName: 'XRD_NODE_NAME',
} as const;
