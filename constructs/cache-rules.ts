/** The rules of a cache cluster's spec that the CRD cannot check (spec.cache; docs/xcache.md). */
import type { ResolvedXrootdSpec } from './api/types.generated.js';
import { issue, type SpecIssue } from './api/validate.js';
import { compareQuantities } from './quantity.js';

/**
 * pfc.ram below the cache servers' memory limit: they hold that much in blocks besides their own
 * needs. The library's rule only: the CRD cannot afford parsing quantities within its CEL budget.
 */
export function checkCacheMemory(spec: Pick<ResolvedXrootdSpec, 'cache' | 'worker'>, issues: SpecIssue[]): void {
  const limit = spec.worker.resources?.limits?.memory;
  if (!spec.cache || limit === undefined || (compareQuantities(spec.cache.ram, limit) ?? -1) < 0) return;
  issues.push(issue('cache.ram', `must be below worker.resources.limits.memory (${limit}): a cache server holds pfc.ram in blocks besides its own needs`, spec.cache.ram));
}
