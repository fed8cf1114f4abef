/** A Git source's status: its conditions (kstatus) and the sync request it has handled. */
import type { XrootdCondition, XrootdGitSourceStatus } from '../../../constructs/index.js';
import { condition } from '../conditions.js';
import { SYNC_REQUEST_ANNOTATION, type GitSourceObject } from './resource.js';

/** Acknowledges a sync request (the annotation's value) once a sync has run after it. */
export function handled(source: GitSourceObject): Partial<XrootdGitSourceStatus> {
  const request = source.metadata.annotations?.[SYNC_REQUEST_ANNOTATION];
  return request ? { lastHandledSyncRequest: request } : {};
}

/** Ready and Stalled (kstatus): Ready while the newest commit is applied, Stalled while it is refused. */
export function conditions(source: GitSourceObject, ok: boolean, reason: string, message: string): XrootdCondition[] {
  const at = { generation: source.metadata.generation, now: new Date().toISOString() };
  return [condition(source.status, at, 'Ready', ok, reason, message), condition(source.status, at, 'Stalled', !ok && reason !== 'Suspended', reason, message)];
}
