/**
 * The outcome of a sync pass as data: the entries and error of a set rejected by validation, of
 * objects whose apply or delete failed, of prune candidates kept, the app's error after a pass,
 * and the backoff before a pass is retried.
 */
import { ErrorCode, describeObject } from '@gitfleet/proto/domain';
import type { ErrorDetail, ObjectRef } from '@gitfleet/proto/domain';
import { inventoryKey, type PruneDecision } from './inventory.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** Longest error message of an app (the rest is cut). */
export const MAX_APP_ERROR_LENGTH = 4_000;

/** First retry of a failed pass after 2 s, doubling up to 5 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(300_000, 2_000 * 2 ** attempt);
}

/** The app's error when discovery could not reach the API server (the set is not judged). */
export function unreachableError(error: ErrorDetail): ErrorDetail {
  return { code: error.code, message: `cluster API unavailable: ${error.message}` };
}

/**
 * The change set of a set rejected by validation, in declaration order: the invalid objects
 * failed, every other one skipped (nothing of the set is applied).
 */
export function invalidSetEntries(
  refs: readonly ObjectRef[],
  invalid: ReadonlyMap<string, ErrorDetail>,
): Map<string, ChangeSetEntry> {
  return new Map(
    refs.map((ref) => {
      const problem = invalid.get(inventoryKey(ref));
      const entry: ChangeSetEntry =
        problem === undefined
          ? {
              ref,
              action: 'skipped',
              message: 'not applied: another object of the set is invalid',
              outOfSync: true,
            }
          : { ref, action: 'failed', error: problem };
      return [inventoryKey(ref), entry] as const;
    }),
  );
}

/** The app's error for a set rejected by validation (`total` objects declared). */
export function invalidSetError(
  invalid: ReadonlyMap<string, ErrorDetail>,
  total: number,
): ErrorDetail {
  const problems = [...invalid.values()].map((e) => e.message).join('; ');
  return {
    code: ErrorCode.ManifestInvalid,
    message:
      `${invalid.size} of ${total} objects are invalid; nothing was applied: ${problems}`.slice(
        0,
        MAX_APP_ERROR_LENGTH,
      ),
  };
}

/** The entry of an object whose write failed (retried by a later pass). */
export function failedEntry(ref: ObjectRef, error: ErrorDetail): ChangeSetEntry {
  return { ref, action: 'failed', error, outOfSync: true };
}

/** The app's error after a pass with failed entries (the first one's code), if any failed. */
export function failedPassError(entries: Iterable<ChangeSetEntry>): ErrorDetail | undefined {
  const failed = [...entries].filter((e) => e.action === 'failed');
  if (failed.length === 0) return undefined;
  const list = failed.map((e) => `${describeObject(e.ref)}: ${e.error?.message ?? ''}`).join('; ');
  return {
    code: failed[0]?.error?.code ?? ErrorCode.ApplyFailed,
    message: `${failed.length} object(s) failed: ${list}`.slice(0, MAX_APP_ERROR_LENGTH),
  };
}

/** How many entries have `action`. */
export function countAction(
  entries: Iterable<ChangeSetEntry>,
  action: ChangeSetEntry['action'],
): number {
  let n = 0;
  for (const e of entries) if (e.action === action) n++;
  return n;
}

/** The entries of prune candidates kept, in decision order (out of sync while they stay). */
export function keptCandidateEntries(decisions: readonly PruneDecision[]): ChangeSetEntry[] {
  return decisions
    .filter((d) => d.action === 'skip')
    .map((d) => ({
      ref: d.ref,
      action: 'skipped',
      message: d.message,
      outOfSync: !d.dropFromInventory,
      dropFromInventory: d.dropFromInventory,
    }));
}

/** The app's error when prune refused an empty desired set, if it did. */
export function emptyDesiredError(decisions: readonly PruneDecision[]): ErrorDetail | undefined {
  if (!decisions.some((d) => d.reason === 'empty-desired')) return undefined;
  return {
    code: ErrorCode.ManifestInvalid,
    message: decisions.find((d) => d.reason === 'empty-desired')?.message ?? 'empty desired set',
  };
}

/** The entry of a pruned object: deleted, or failed with `error`. */
export function prunedEntry(ref: ObjectRef, error: ErrorDetail | undefined): ChangeSetEntry {
  return error === undefined
    ? { ref, action: 'deleted', message: 'pruned: no longer in Git' }
    : failedEntry(ref, error);
}
