import { resolveCluster } from '../../constructs/index.js';
import { decideExternalAddresses, loadBalancerAddress } from '../../src/agent/external-addresses.js';

const model = resolveCluster({ name: 'x', worker: { replicas: 2 }, expose: { type: 'LoadBalancer' } });
const lb = (ip?: string, hostname?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, status: { loadBalancer: { ingress: [{ ...(ip ? { ip } : {}), ...(hostname ? { hostname } : {}) }] } } });
const pod = (name: string, createdAt: string, ready = true) => ({ name, ready, deleting: false, createdAt });
const T0 = '2026-12-02T10:00:00.000Z';
const T1 = '2026-12-02T11:00:00.000Z';

test('an IP of the load balancer is the address; a host name alone, or something else, is none', () => {
  expect(loadBalancerAddress(lb('198.51.100.7'))).toBe('198.51.100.7');
  expect(loadBalancerAddress(lb(undefined, 'lb.example.org'))).toBeUndefined();
  expect(loadBalancerAddress(lb('198.51.100.7; reboot'))).toBeUndefined();
  expect(loadBalancerAddress(undefined)).toBeUndefined();
});

test('pods made before their address was seen are restarted one at a time while the others of their role are Ready; the first sighting is kept', () => {
  const services = { 'x-worker-0': lb('198.51.100.20'), 'x-worker-1': lb('198.51.100.21') } as Record<string, any>;
  const service = (n: string) => services[n];
  const first = decideExternalAddresses({ model, service, pods: [pod('x-worker-0', T0), pod('x-worker-1', T0)], now: T1 });
  expect(first.addresses).toEqual({ 'x-worker-0': '198.51.100.20', 'x-worker-1': '198.51.100.21' });
  expect(first).toMatchObject({ restart: 'x-worker-0', pending: 1 });
  expect(first.status).toEqual([{ pod: 'x-worker-0', address: '198.51.100.20', since: T1 }, { pod: 'x-worker-1', address: '198.51.100.21', since: T1 }]);
  // worker-0 is back, not Ready yet: worker-1 waits.
  const waiting = decideExternalAddresses({ model, service, previous: first.status, pods: [pod('x-worker-0', '2026-12-02T11:00:05Z', false), pod('x-worker-1', T0)], now: '2026-12-02T11:00:06Z' });
  expect(waiting.restart).toBeUndefined();
  expect(waiting.pending).toBe(1);
  expect(waiting.status[0].since).toBe(T1);
  const next = decideExternalAddresses({ model, service, previous: first.status, pods: [pod('x-worker-0', '2026-12-02T11:00:05Z'), pod('x-worker-1', T0)], now: '2026-12-02T11:00:20Z' });
  expect(next).toMatchObject({ restart: 'x-worker-1', pending: 0 });
  // A new address is a new sighting: the pod is restarted again.
  services['x-worker-1'] = lb('198.51.100.99');
  const moved = decideExternalAddresses({ model, service, previous: next.status, pods: [pod('x-worker-0', '2026-12-02T11:00:05Z'), pod('x-worker-1', '2026-12-02T11:00:30Z')], now: '2026-12-02T12:00:00Z' });
  expect(moved).toMatchObject({ restart: 'x-worker-1' });
  expect(moved.status[1]).toEqual({ pod: 'x-worker-1', address: '198.51.100.99', since: '2026-12-02T12:00:00Z' });
});

test('without LoadBalancer exposure there is nothing to announce', () => {
  expect(decideExternalAddresses({ model: resolveCluster({ name: 'x' }), service: () => lb('198.51.100.20'), pods: [], now: T1 })).toEqual({ addresses: {}, status: [], pending: 0 });
});
