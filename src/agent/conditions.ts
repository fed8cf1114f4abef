/**
 * What every status the agent writes shares: kstatus conditions that keep
 * their transition time while their value holds, a comparison that ignores
 * timestamps, and a write only when something really changed.
 */
import type { XrootdCondition } from '../../constructs/index.js';
import { isSubset } from '../json.js';
import type { KubeClient } from '../kube/client.js';
import { objectPath, refOf, type KubeObject } from '../kube/kinds.js';
import { mergePatch } from '../kube/merge-patch.js';

export interface StatusWithConditions { readonly conditions?: readonly XrootdCondition[] }

/** A condition as of `now`; its lastTransitionTime stays the previous one while the value is unchanged. */
export function condition(previous: StatusWithConditions | undefined, at: { generation?: number; now: string },
  type: string, status: boolean, reason: string, message: string): XrootdCondition {
  const before = previous?.conditions?.find((c) => c.type === type);
  const value = status ? 'True' : 'False';
  return {
    type, status: value, reason, message,
    observedGeneration: at.generation,
    lastTransitionTime: before?.status === value && before.lastTransitionTime ? before.lastTransitionTime : at.now,
  };
}

/** Conditions compared without their timestamps, and empty values as absent (the server keeps `supervisors: {}`): equal statuses need no write. */
export function sameStatus<S extends StatusWithConditions>(a: S | undefined, b: S): boolean {
  const strip = (s: StatusWithConditions | undefined): unknown =>
    s && { ...s, conditions: s.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) };
  return isSubset(strip(a), strip(b)) && isSubset(strip(b), strip(a));
}

/** Writes `after` to the object's status subresource unless it equals the current one; true when written (`written` gets the server's answer). */
export async function writeStatus<S extends StatusWithConditions>(
  client: KubeClient,
  obj: KubeObject & { status?: S },
  after: S,
  written?: (object: KubeObject) => void,
): Promise<boolean> {
  if (sameStatus(obj.status, after)) return false;
  const object = await client.request<KubeObject>('PATCH', `${objectPath(refOf(obj))}/status`, { body: { status: mergePatch(obj.status, after) }, contentType: 'application/merge-patch+json' });
  written?.(object);
  return true;
}
