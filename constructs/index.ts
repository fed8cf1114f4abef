/** The xrootd-k8s construct library. */
export { XrootdCluster } from './xrootd-cluster.js';
export { XrootdAgent, agentRules, AGENT_HTTP_PORT, AGENT_NODE_OPTIONS, type SecretGrant, type XrootdAgentProps } from './agent-install.js';
export { ARGOCD_SYNC_WAVE, roleSyncWave } from './gitops.js';
export { insecureWritableExports } from './security.js';
export { CONFIG_HASH_ANNOTATION, TLS_REVISION_ANNOTATION } from './pod-template.js';
export { XrootdCrds, xrootdCrd, xrootdGitSourceCrd, xrootdVersionCrd, XROOTD_GROUP, CATALOG_GROUP, API_VERSION } from './crds.js';
export { resolveCluster, type ClusterModel, type XrootdClusterProps, type RolloutPartitions } from './model.js';
export { BUILT_IN_CATALOG, VersionCatalog, compareVersions, downgradeRefusal, type XrootdFeature, type XrootdRelease } from './catalog.js';
export { ClusterNames, ROLES, type Role } from './names.js';
export { GIT_SOURCE_LABEL, INVENTORY_LABEL, MANAGED_BY, claimLabels, clusterLabels, clusterSelector, roleSelector } from './labels.js';
export { CONFIG_FILE, ENV, PROBE_SCRIPT, START_SCRIPT, renderConfigFiles } from './config.js';
export { supervisorsNeeded, topology, supervisorOf, SUBSCRIBER_SLOTS, type Topology } from './topology.js';
export type { SpaceThresholds } from './space.js';
export { olmBundle, OLM_CHANNEL, OLM_PACKAGE, type OlmBundleProps } from './olm-bundle.js';
export { SpecValidationError, issue, type SpecIssue } from './spec/validate.js';
export { DIRECTIVE_NAME, MANAGED_DIRECTIVES, MANAGED_SPELLINGS } from './spec/directives.js';
export { resolveGitSourceSpec } from './spec/git-source.js';
export type * from './spec/types.generated.js';
