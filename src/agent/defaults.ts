/** Defaults of the agent that its command line shows without loading the agent. */
export const DEFAULT_CONCURRENCY = 8;
/** Where a cluster's collector answers /membership ({cluster}, {namespace} filled in). */
export const DEFAULT_MEMBERSHIP_URL = 'http://{cluster}-collector.{namespace}.svc:9100/membership';
/** How long a Ready server may be missing from its manager's list before the cluster is MembersMissing (a subscription takes a few seconds; reports come every interval). */
export const MEMBERS_GRACE_SECONDS = 60;
