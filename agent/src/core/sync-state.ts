/**
 * Change sets: the result of one reconcile pass as data (one entry per object touched or
 * considered), and the sync state derived from it. Reports, inventories and metrics are all
 * computed from the change set, never from side channels.
 */
import { ApplyAction, SyncState } from '@gitfleet/proto/domain';
import type { ErrorDetail, ObjectRef } from '@gitfleet/proto/domain';

/** What happened to one object in a reconcile pass. */
export interface ChangeSetEntry {
  readonly ref: ObjectRef;
  readonly action: ApplyAction;
  /** Set exactly when `action` is 'failed'. */
  readonly error?: ErrorDetail;
  /** Human-readable detail ("drift reported, not corrected (warn)", "prune disabled"...). */
  readonly message?: string;
  /** uid of the live object after apply, recorded in the inventory (see inventory.ts). */
  readonly uid?: string;
  /**
   * True when the live object still differs from Git after this pass and nothing corrected it:
   * missing and not created, drifted in `warn` mode, not applied in manual sync mode, or a prune
   * candidate that was kept because prune is disabled. Only such entries make an app OutOfSync;
   * a 'skipped' entry without this flag was deliberately left alone and counts as in sync.
   */
  readonly outOfSync?: boolean;
  /**
   * True when the object leaves the inventory although it was not deleted: a prune candidate
   * that is already gone, opted out of prune, or no longer ours. See `toInventory`.
   */
  readonly dropFromInventory?: boolean;
}

/** A change set and its counts per action (every action present, 0 when unused). */
export interface ChangeSet {
  readonly entries: readonly ChangeSetEntry[];
  readonly counts: Readonly<Record<ApplyAction, number>>;
}

/** Bundles `entries` with their counts per action. */
export function summarizeChangeSet(entries: readonly ChangeSetEntry[]): ChangeSet {
  const counts = Object.fromEntries(Object.values(ApplyAction).map((a) => [a, 0])) as Record<
    ApplyAction,
    number
  >;
  for (const e of entries) counts[e.action] += 1;
  return { entries, counts };
}

/**
 * The sync state after a completed pass, by precedence:
 *
 * 1. any entry 'failed' → `Failed` (the pass did not reach the desired state; retried later);
 * 2. else any entry flagged `outOfSync` (missing, drifted and not corrected, awaiting prune)
 *    → `OutOfSync`;
 * 3. else → `Synced` (also for an empty change set: nothing desired, nothing left over).
 *
 * `Applying` is never derived: the reconciler reports it while a pass is still running.
 */
export function deriveSyncState(entries: readonly ChangeSetEntry[]): SyncState {
  if (entries.some((e) => e.action === ApplyAction.Failed)) return SyncState.Failed;
  if (entries.some((e) => e.outOfSync === true)) return SyncState.OutOfSync;
  return SyncState.Synced;
}
