/**
 * What a sync pass does with one object of the set: skip it without a request when nothing
 * changed, leave it (manual sync), or apply it; and whether the pass claims the object before the
 * write goes out. Pure: the sync pass (../reconcile/sync-pass.ts) does the reads and the apply.
 */
import type { ConflictMode, ErrorDetail, ObjectRef } from '@gitfleet/proto/domain';
import type { ChangeSetEntry } from './sync-state.ts';

/** How live compares with the desired object (absent when there is no live object). */
export interface LiveComparison {
  /** The ownership label names another app (taking over rewrites it, which is no drift). */
  readonly relabel: boolean;
  readonly drifted: boolean;
  /** Some difference could only be decided by the server (a dry run). */
  readonly undecidable: boolean;
}

export interface ApplySkipInput extends LiveComparison {
  /** A pass of this version already applied the set (this agent's or the persisted one). */
  readonly appliedBefore: boolean;
}

/**
 * The skip rule: same owner, no proven drift, and nothing undecidable (or this version was applied
 * before, so an undecidable difference is the server's own rendering of our apply): no request.
 */
export function skipsApply(input: ApplySkipInput): boolean {
  return !input.relabel && !input.drifted && (!input.undecidable || input.appliedBefore);
}

/** Whether this version was applied before: by a completed pass, or per the inventory. */
export function appliedBefore(
  version: number,
  syncedVersion: number,
  inventoryVersion: number | undefined,
): boolean {
  return syncedVersion === version || inventoryVersion === version;
}

export interface ApplyInput {
  /** undefined: the object does not exist. */
  readonly live: LiveComparison | undefined;
  readonly appliedBefore: boolean;
  /** Manual sync without a sync request: report, never write. */
  readonly manual: boolean;
  readonly conflict: ConflictMode;
}

export type ApplyDecision =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'skip'; readonly message: string }
  | { readonly kind: 'apply'; readonly action: 'created' | 'configured'; readonly force: boolean };

export function decideApply(input: ApplyInput): ApplyDecision {
  const { live } = input;
  if (live !== undefined && skipsApply({ ...live, appliedBefore: input.appliedBefore }))
    return { kind: 'unchanged' };
  if (input.manual) {
    return {
      kind: 'skip',
      message: live === undefined ? 'missing; manual sync' : 'differs from Git; manual sync',
    };
  }
  return {
    kind: 'apply',
    action: live === undefined ? 'created' : 'configured',
    force: input.conflict === 'force',
  };
}

/**
 * Whether the app claims an object it may write before the write goes out (so a concurrent pass of
 * another app sees the owner): always when it writes; in manual mode only what it owns already.
 */
export function claimsBeforeWrite(manual: boolean, ownedAlready: boolean): boolean {
  return !manual || ownedAlready;
}

/**
 * The entry of an object another app owns: failed with OWNERSHIP_CONFLICT, and not in this app's
 * inventory (it never applied it, so it must never prune or delete it).
 */
export function conflictEntry(ref: ObjectRef, error: ErrorDetail): ChangeSetEntry {
  return { ref, action: 'failed', error, outOfSync: true, dropFromInventory: true };
}

/** The entry of an object per the decision (`uid`: of live when unchanged, else of the result). */
export function applyEntry(
  ref: ObjectRef,
  decision: ApplyDecision,
  uid: string | undefined,
): ChangeSetEntry {
  switch (decision.kind) {
    case 'unchanged':
      return { ref, action: 'unchanged', uid };
    case 'skip':
      return { ref, action: 'skipped', message: decision.message, outOfSync: true };
    case 'apply':
      return { ref, action: decision.action, uid };
  }
}
