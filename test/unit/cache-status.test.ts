/** status.cache from the collector's figures of a cache cluster's servers (src/agent/cache-status.ts). */
import { resolveCluster } from '../../constructs/index.js';
import { CACHE_DISPOSABLE, cacheStatus } from '../../src/agent/cache-status.js';

const cacheModel = resolveCluster({ name: 'edge', version: '5.8.1', worker: { replicas: 2 }, monitoring: { enabled: true }, cache: { origin: { address: 'origin:1094' } } });
const server = (pod: string, over: Record<string, unknown> = {}) => ({
  pod, sentBytes: 1000, fetchedBytes: 250, hitBytes: 900, missBytes: 0, bypassBytes: 0, reportedAt: 1796548500000,
  disks: [{ disk: 0, bytes: 100, usedBytes: 30 }, { disk: 1, bytes: 100, usedBytes: 10 }], ...over,
});

test('fill level over every data disk and the fullest server; hit ratio as bytes sent less bytes fetched', () => {
  const status = cacheStatus(cacheModel, { managers: [], caches: [server('edge-worker-0'), server('edge-worker-1', { sentBytes: 3000, fetchedBytes: 250, disks: [{ disk: 0, bytes: 200, usedBytes: 180 }] })] });
  expect(status).toEqual({
    servers: 2, fillPercent: 55, fullestPercent: 90, sentBytes: 4000, fetchedBytes: 500, hitPercent: 88, disposable: CACHE_DISPOSABLE,
  });
});

test('without what the release fetched (before 5.7.2) no hit ratio is claimed; a data cluster and no figures give none', () => {
  expect(cacheStatus(cacheModel, { managers: [], caches: [server('edge-worker-0', { fetchedBytes: undefined })] })).toEqual({
    servers: 1, fillPercent: 20, fullestPercent: 20, disposable: CACHE_DISPOSABLE,
  });
  expect(cacheStatus(cacheModel, { managers: [], caches: [] })).toBeUndefined();
  expect(cacheStatus(cacheModel, undefined)).toBeUndefined();
  expect(cacheStatus(resolveCluster({ name: 'data', version: '5.8.1', monitoring: { enabled: true } }), { managers: [], caches: [server('data-worker-0')] })).toBeUndefined();
});

test('more fetched than sent (reads ahead nobody asked for) reads as no hits, never below zero', () => {
  expect(cacheStatus(cacheModel, { managers: [], caches: [server('edge-worker-0', { sentBytes: 100, fetchedBytes: 400 })] })?.hitPercent).toBe(0);
});
