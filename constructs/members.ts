/**
 * Which servers each manager (redirector) and supervisor should have subscribed, from the
 * topology: what status.members checks and the membership alerts compare against.
 */
import type { ClusterModel } from './model.js';
import { supervisorsOf } from './topology.js';

/** Each manager's and supervisor's pod, its role, and the pods that should be subscribed to it. */
export function expectedMembers(model: ClusterModel): Map<string, { role: 'redirector' | 'supervisor'; expected: string[] }> {
  const { names, topology: t } = model;
  const out = new Map<string, { role: 'redirector' | 'supervisor'; expected: string[] }>();
  const supervisors = Array.from({ length: t.supervisors }, (_, i) => names.pod('supervisor', i));
  const direct = Array.from({ length: Math.min(t.workers, t.supervisors ? t.directWorkers : t.workers) }, (_, i) => names.pod('worker', i));
  for (let r = 0; r < t.redirectors; r++) out.set(names.pod('redirector', r), { role: 'redirector', expected: [...direct, ...supervisors] });
  for (let s = 0; s < t.supervisors; s++) out.set(names.pod('supervisor', s), { role: 'supervisor', expected: [] });
  for (let w = 0; w < t.workers; w++) {
    for (const s of supervisorsOf(t, w)) out.get(names.pod('supervisor', s))!.expected.push(names.pod('worker', w));
  }
  return out;
}
