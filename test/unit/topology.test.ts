import { capacity, supervisorsOf, supervisorsNeeded, topology } from '../../constructs/topology.js';

describe('supervisor tier', () => {
  test.each([
    [1, 0], [64, 0], [65, 2], [126, 2], [127, 3], [140, 3], [200, 5], [1000, 31], [2048, 64],
  ])('%i data servers need %i supervisors, each data server below them subscribing to two', (workers, supervisors) => {
    expect(supervisorsNeeded(workers)).toBe(supervisors);
    expect(capacity(supervisors)).toBeGreaterThanOrEqual(workers);
    if (supervisors > 2) expect(capacity(supervisors - 1)).toBeLessThan(workers);
  });

  test.each([
    [65, 1], [127, 1], [128, 2], [200, 3], [1000, 15], [4096, 64],
  ])('with redundancy 1, %i data servers need %i supervisors', (workers, supervisors) => {
    expect(supervisorsNeeded(workers, 1)).toBe(supervisors);
    expect(capacity(supervisors, 1)).toBeGreaterThanOrEqual(workers);
    expect(capacity(supervisors - 1, 1)).toBeLessThan(workers);
  });

  test.each([1, 2, 3])('with redundancy %i no manager or supervisor ever gets more than 64 subscribers, and each data server below the managers has that many distinct supervisors', (redundancy) => {
    for (const workers of [64, 65, 128, 200, 1000, capacity(64, redundancy)]) {
      const t = topology(3, workers, undefined, redundancy);
      const perSupervisor = new Array<number>(t.supervisors).fill(0);
      let direct = 0;
      for (let n = 0; n < workers; n++) {
        const s = supervisorsOf(t, n);
        if (s.length === 0) direct++;
        else expect(new Set(s).size).toBe(redundancy);
        for (const i of s) perSupervisor[i]++;
      }
      expect(direct + t.supervisors).toBeLessThanOrEqual(64);
      for (const count of perSupervisor) expect(count).toBeLessThanOrEqual(64);
      expect(direct + perSupervisor.reduce((a, b) => a + b, 0) / Math.max(redundancy, 1)).toBe(workers);
    }
  });

  test('an explicit supervisor count overrides the derived one', () => {
    expect(topology(1, 10, 2)).toEqual({ redirectors: 1, supervisors: 2, workers: 10, directWorkers: 10, redundancy: 2 });
    expect(topology(1, 200, 5).supervisors).toBe(5);
  });

  test('the first 64 - S data servers subscribe to the managers, each of the rest to consecutive supervisors', () => {
    const t = topology(1, 70);
    expect(t).toMatchObject({ supervisors: 2, directWorkers: 62, redundancy: 2 });
    expect(supervisorsOf(t, 61)).toEqual([]);
    expect(supervisorsOf(t, 62)).toEqual([0, 1]);
    expect(supervisorsOf(t, 63)).toEqual([1, 0]);
    const big = topology(1, 200);
    expect([58, 59, 60, 63].map((n) => supervisorsOf(big, n))).toEqual([[], [0, 1], [1, 2], [4, 0]]);
    expect(supervisorsOf(topology(1, 70, 1, 1), 69)).toEqual([0]);
  });
});
