/**
 * How a reconcile fails: the errors that are the spec's or the cluster's fault become a reason and
 * a message in status (and are not retried until something changes); any other error is retried.
 */
import { SpecValidationError } from '../../../constructs/index.js';
import { MissingKindError, RefusedObjectsError } from '../../apply/applier.js';
import { ApiError } from '../../kube/client.js';
import { toResourceIssue } from '../../resources.js';
import type { Failure } from '../status.js';
import { VolumeAdoptionError } from '../volume-adoption.js';
import { VolumeChangeError } from '../volume-expansion.js';

/** A spec that needs another project's CRD: looked at again, as the CRD may be installed any time. */
export const MISSING_CRD = 'MissingCustomResourceDefinition';
export const ADOPTION_FAILED = 'VolumeAdoptionFailed';
/** The API server refused one of the objects (a dry run, or the write itself). */
export const APPLY_REJECTED = 'ApplyRejected';

/** A child another controller holds. */
export class OwnershipError extends Error {}
/** A version change the catalog forbids (a downgrade below incompatibleBelow). */
export class DowngradeRefusedError extends Error {}

/** The failure a reconcile reports in status, or undefined for an error to retry. */
export function failureOf(e: unknown, key: string): Failure | undefined {
  if (e instanceof SpecValidationError) {
    return { reason: 'InvalidSpec', message: e.issues.map((i) => toResourceIssue(i, { file: key, document: 0 }).message).join('; ') };
  }
  if (e instanceof DowngradeRefusedError) return { reason: 'DowngradeRefused', message: e.message };
  if (e instanceof OwnershipError) return { reason: 'OwnershipConflict', message: e.message };
  if (e instanceof MissingKindError) return { reason: MISSING_CRD, message: e.message };
  if (e instanceof RefusedObjectsError) return { reason: APPLY_REJECTED, message: e.message };
  if (e instanceof VolumeChangeError) return { reason: e.reason, message: e.message };
  if (e instanceof VolumeAdoptionError) return { reason: ADOPTION_FAILED, message: e.message };
  // Not granted what adoption needs (an install without it, or the admission policy's refusal): say so, do not retry blindly.
  if (e instanceof ApiError && e.status === 403 && /persistentvolume/.test(e.message)) return { reason: 'VolumeAdoptionForbidden', message: e.message };
  if (e instanceof ApiError && (e.status === 422 || e.status === 400)) return { reason: APPLY_REJECTED, message: e.message };
  return undefined;
}
