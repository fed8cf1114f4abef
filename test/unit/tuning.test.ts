import { CONFIG_FILE, renderConfigFiles, resolveCluster } from '../../constructs/index.js';
import { tuningOf } from '../../constructs/tuning.js';

test('threads from a quarter of the memory limit at 2 MiB each, within 64 and 8192; at least 4 per core; an eighth for the buffer pool, below 2 GiB', () => {
  expect(tuningOf({ requests: { cpu: '500m' }, limits: { memory: '4Gi' } })).toEqual({ minThreads: 8, maxThreads: 512, bufferPoolMiB: 512 });
  expect(tuningOf({ requests: {}, limits: { memory: '1Gi', cpu: '4' } })).toEqual({ minThreads: 16, maxThreads: 128, bufferPoolMiB: 128 });
  expect(tuningOf({ requests: {}, limits: { memory: '256Mi' } })).toEqual({ minThreads: 8, maxThreads: 64, bufferPoolMiB: 32 });
  expect(tuningOf({ requests: {}, limits: { memory: '64Gi', cpu: '64' } })).toEqual({ minThreads: 256, maxThreads: 8192, bufferPoolMiB: 1900 });
  // No memory limit: XRootD's own defaults.
  expect(tuningOf({ requests: { memory: '1Gi' }, limits: {} })).toBeUndefined();
});

test('each role\'s block carries its own, before its extraDirectives (which may override them)', () => {
  const config = renderConfigFiles(resolveCluster({
    name: 'c', namespace: 'ns', worker: { resources: { requests: { cpu: '2' }, limits: { memory: '8Gi' } }, extraDirectives: ['xrd.sched maxt 4000'] },
  }))[CONFIG_FILE];
  const worker = config.slice(config.lastIndexOf('else if named supervisor'));
  expect(worker).toMatch(/xrd\.sched mint 8 maxt 1024 avlt 768\n\s*xrd\.buffers 1024m\n\s*xrd\.sched maxt 4000/);
  expect(config).toMatch(/if named redirector\n(?:.*\n)*?\s*xrd\.sched mint 8 maxt 128 avlt 96\n\s*xrd\.buffers 128m/);
});
