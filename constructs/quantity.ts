/** Kubernetes resource quantities: parsing and scaling (a subset: no exponents). */

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity in base units (bytes, cores), or undefined when it is not one. */
export function quantityValue(quantity: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(quantity);
  return m ? Number(m[1]) * SUFFIX[m[2] ?? ''] : undefined;
}

/** Each suffix as a fraction (numerator, denominator). */
const EXACT_SUFFIX: Record<string, readonly [bigint, bigint]> = {
  '': [1n, 1n], m: [1n, 1000n], k: [10n ** 3n, 1n], M: [10n ** 6n, 1n], G: [10n ** 9n, 1n], T: [10n ** 12n, 1n], P: [10n ** 15n, 1n], E: [10n ** 18n, 1n],
  Ki: [2n ** 10n, 1n], Mi: [2n ** 20n, 1n], Gi: [2n ** 30n, 1n], Ti: [2n ** 40n, 1n], Pi: [2n ** 50n, 1n], Ei: [2n ** 60n, 1n],
};

/**
 * Compares two quantities exactly (negative, zero or positive as a < b, a = b, a > b), or
 * undefined when one is not a quantity: 700m and 0.7 are equal, which floating point misses.
 */
export function compareQuantities(a: string, b: string): number | undefined {
  const exact = (q: string): readonly [bigint, bigint] | undefined => {
    const m = /^([0-9]+)(?:\.([0-9]+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
    if (!m) return undefined;
    const fraction = m[2] ?? '';
    const [num, den] = EXACT_SUFFIX[m[3] ?? ''];
    return [BigInt(m[1] + fraction) * num, 10n ** BigInt(fraction.length) * den];
  };
  const [x, y] = [exact(a), exact(b)];
  if (!x || !y) return undefined;
  const [left, right] = [x[0] * y[1], y[0] * x[1]];
  return left === right ? 0 : left < right ? -1 : 1;
}

/** Bytes in a size quantity (no milli), or undefined. */
export function quantityBytes(quantity: string): number | undefined {
  const v = quantityValue(quantity);
  return v === undefined || quantity.endsWith('m') ? undefined : Math.floor(v);
}

/** `factor` times a cpu quantity (in millicores) or a memory quantity (in Mi), rounded up. */
export function scaleQuantity(resource: string, quantity: string, factor: number): string {
  const v = quantityValue(quantity);
  if (v === undefined) return quantity;
  return resource === 'cpu' ? `${Math.max(1, Math.ceil(v * factor * 1000))}m` : `${Math.max(1, Math.ceil((v * factor) / 2 ** 20))}Mi`;
}
