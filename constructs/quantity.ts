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
