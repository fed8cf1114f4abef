/**
 * The Events a reconcile records: a pure function of the status before and after and of what was
 * applied. Events mark transitions only, so a steady cluster is quiet.
 */
import type { XrootdStatus } from '../../../constructs/index.js';
import { summarize, type ApplyResult } from '../../apply/applier.js';
import type { EventType } from './context.js';

export interface EventSpec { readonly type: EventType; readonly reason: string; readonly message: string }

export function eventsOf(before: XrootdStatus | undefined, after: XrootdStatus, changed: readonly ApplyResult[]): EventSpec[] {
  const cond = (s: XrootdStatus | undefined, t: string) => s?.conditions?.find((c) => c.type === t);
  /** A condition turned True (or, with `onNewMessage`, says something new while True). */
  const raised = (type: string, onNewMessage = false) => {
    const [b, a] = [cond(before, type), cond(after, type)];
    return a?.status === 'True' && (b?.status !== 'True' || (onNewMessage && b?.message !== a.message)) ? a : undefined;
  };
  const events: EventSpec[] = [];
  const add = (type: EventType, reason: string, message: string) => events.push({ type, reason, message });
  if (changed.length) add('Normal', 'Applied', summarize(changed));
  const degraded = raised('Degraded', true);
  if (degraded) add('Warning', degraded.reason ?? 'Degraded', degraded.message ?? '');
  const deprecated = raised('Deprecated');
  if (deprecated) add('Warning', 'DeprecatedVersion', deprecated.message ?? '');
  for (const type of ['InsecureWritableExport', 'MembersMissing', 'StorageFull']) {
    const c = raised(type);
    if (c) add('Warning', type, c.message ?? '');
  }
  if (cond(before, 'VolumesExpanding')?.status === 'True' && cond(after, 'VolumesExpanding')?.status === 'False') {
    add('Normal', 'VolumesExpanded', cond(after, 'VolumesExpanding')?.message ?? '');
  }
  const retained = raised('VolumesRetained', true);
  if (retained) add('Warning', 'VolumesRetained', retained.message ?? '');
  const ready = raised('Ready');
  if (ready) add('Normal', 'Ready', ready.message ?? '');
  const [r0, r1] = [before?.rollout, after.rollout];
  if (r1?.phase && (r1.phase !== r0?.phase || r1.partition !== r0?.partition || r1.role !== r0?.role) && r1.phase !== 'Stuck') {
    add('Normal', r1.phase === 'Paused' ? 'RolloutPaused' : 'RollingOut', r1.message ?? '');
  }
  const [d0, d1] = [before?.drain, after.drain];
  if (d1?.phase === 'Copying' && (d0?.phase !== 'Copying' || d0.pod !== d1.pod)) {
    add('Normal', 'Draining', `copying the files of ${d1.pod} to ${d1.targets?.join(', ')} before it is removed (spec.worker.scaleDown: Drain)`);
  }
  // A data server lost with its node-local volume: said once, naming its claim.
  for (const p of after.lostNodes ?? []) {
    const known = before?.lostNodes?.some((b) => b.pod === p.pod && b.phase === p.phase && b.since === p.since);
    if (p.phase === 'Lost' && !known) add('Warning', 'DataServerLost', `${p.pod} on node ${p.node}, NotReady since ${p.since}: ${p.message}`);
  }
  if (r0?.phase && !r1?.phase) add('Normal', 'RolloutDone', `every pod runs the current template (${after.targetVersion})`);
  return events;
}
