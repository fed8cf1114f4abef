/**
 * The phases of an Xrootd reconcile, in order. Each automatic behaviour is a pure decision taken in
 * the plan (plan.ts) and one carry-out listed here; adding one means its file and one line below.
 */
import { dryRunPlan, recheckOptionalKinds } from './apply.js';
import { autoExpandVolume } from './auto-expand.js';
import { reportAutoscale } from './autoscale.js';
import type { ClusterContext } from './context.js';
import { markDrained, reportDrained } from './drain.js';
import { announceExternalAddress } from './external-addresses.js';
import { healUnsubscribed } from './healing.js';
import { moveFromLostNodes } from './lost-nodes.js';
import { releaseToNodeDrain } from './node-drain.js';
import { carryOutMaintenance } from './maintenance.js';
import type { Plan } from './plan.js';
import { prepareVolumes } from './volumes.js';

export interface Phase {
  readonly name: string;
  /** It may restart a pod: skipped once an earlier phase has (one restart at a time); it returns whether it did. */
  readonly restartsPods?: boolean;
  readonly run: (ctx: ClusterContext, plan: Plan) => Promise<boolean | void>;
}

/** Before the objects are applied. */
export const BEFORE_APPLY: readonly Phase[] = [
  { name: 'optional kinds', run: recheckOptionalKinds },
  { name: 'dry run', run: dryRunPlan },
  { name: 'volumes', run: prepareVolumes },
  { name: 'drained volume', run: markDrained },
];

/** After the objects are applied. */
export const AFTER_APPLY: readonly Phase[] = [
  // Not held by another restart: a pod on a lost node serves nothing where it is.
  { name: 'lost nodes', run: moveFromLostNodes },
  { name: 'maintenance', restartsPods: true, run: carryOutMaintenance },
  { name: 'external addresses', restartsPods: true, run: announceExternalAddress },
  { name: 'healing', restartsPods: true, run: healUnsubscribed },
  { name: 'node drain', run: releaseToNodeDrain },
  { name: 'auto expand', run: autoExpandVolume },
  { name: 'autoscale report', run: reportAutoscale },
  { name: 'drain report', run: reportDrained },
];

/** Runs phases in order; whether one of them restarted a pod. */
export async function runPhases(phases: readonly Phase[], ctx: ClusterContext, plan: Plan): Promise<boolean> {
  let restarted = false;
  for (const phase of phases) {
    if (phase.restartsPods && restarted) continue;
    if (await phase.run(ctx, plan)) restarted = true;
  }
  return restarted;
}
