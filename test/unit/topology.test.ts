import { capacity, supervisorOf, supervisorsNeeded, topology } from '../../constructs/topology.js';

describe('supervisor tier', () => {
  test.each([
    [1, 0], [64, 0], [65, 1], [127, 1], [128, 2], [200, 3], [1000, 15], [4096, 64],
  ])('%i data servers need %i supervisors', (workers, supervisors) => {
    expect(supervisorsNeeded(workers)).toBe(supervisors);
    expect(capacity(supervisors)).toBeGreaterThanOrEqual(workers);
    if (supervisors > 0) expect(capacity(supervisors - 1)).toBeLessThan(workers);
  });

  test('no manager or supervisor ever gets more than 64 subscribers', () => {
    for (const workers of [64, 65, 128, 200, 1000, 4096]) {
      const t = topology(3, workers);
      const perSupervisor = new Array<number>(t.supervisors).fill(0);
      let direct = 0;
      for (let n = 0; n < workers; n++) {
        const s = supervisorOf(t, n);
        if (s === undefined) direct++;
        else perSupervisor[s]++;
      }
      expect(direct + t.supervisors).toBeLessThanOrEqual(64);
      for (const count of perSupervisor) expect(count).toBeLessThanOrEqual(64);
      expect(direct + perSupervisor.reduce((a, b) => a + b, 0)).toBe(workers);
    }
  });

  test('an explicit supervisor count overrides the derived one', () => {
    expect(topology(1, 10, 2)).toEqual({ redirectors: 1, supervisors: 2, workers: 10, directWorkers: 10 });
    expect(topology(1, 200, 5).supervisors).toBe(5);
  });

  test('the first 64 - S data servers subscribe to the managers, the rest round-robin over supervisors', () => {
    const t = topology(1, 70);
    expect(t).toMatchObject({ supervisors: 1, directWorkers: 63 });
    expect(supervisorOf(t, 62)).toBeUndefined();
    expect(supervisorOf(t, 63)).toBe(0);
    expect(supervisorOf(t, 69)).toBe(0);
    const big = topology(1, 200);
    expect([61, 62, 63, 64].map((n) => supervisorOf(big, n))).toEqual([0, 1, 2, 0]);
  });
});
