/**
 * Ownership between the applications of one target. Every object gitfleet applies carries the
 * label `gitfleet.dev/app` naming the one application that owns it. Two applications may render
 * the same object (two apps that both ship Namespace `shop` is the common case); then:
 *
 * - the object stays with the application that owns it, and the other one's apply of it fails
 *   with OWNERSHIP_CONFLICT naming both (Argo CD's SharedResourceWarning, but refusing): the
 *   label never flips between applications, so watch events always reach the owner;
 * - no application deletes an object another assignment on the target still declares — neither
 *   a prune nor the removal of an application.
 *
 * The agent is the only writer of the label on its target, so deciding in one process (the
 * reconciler keeps a claim per object, see {@link currentOwner}) is enough to keep it stable.
 */
import { ErrorCode, describeObject } from '@gitfleet/proto/domain';
import type { ErrorDetail, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import { labelsOf } from './kube-object.ts';
import { LABEL_APP } from './labels.ts';

/** The application named by the ownership label of `obj` (undefined: none, or no object). */
export function labelOwner(obj: KubeObject | undefined): string | undefined {
  if (obj === undefined) return undefined;
  const owner = labelsOf(obj)[LABEL_APP];
  return owner === undefined || owner === '' ? undefined : owner;
}

/**
 * The application that owns an object now: the claim the reconciler recorded when it last let an
 * application write it, else the live object's label. The claim wins because it is set before
 * the write goes out, so two passes running at once (or a cache that has not seen the write yet)
 * still agree on one owner.
 */
export function currentOwner(
  claim: string | undefined,
  live: KubeObject | undefined,
): string | undefined {
  return claim ?? labelOwner(live);
}

/** Why an application may or may not write an object. */
export const TakeReason = {
  /** No owner: the object is absent, or exists without an ownership label (it is adopted). */
  Unowned: 'unowned',
  /** The application owns it already. */
  Ours: 'ours',
  /**
   * The label names an application that no longer declares the object (it is not assigned on
   * this target any more, or its new version dropped the object): nobody manages it, so the
   * application that declares it now takes it over. Refusing would leave it unmanaged until
   * someone relabels it by hand; handing it over is also how an object moves between apps.
   */
  Orphan: 'orphan',
  /** Refused: another assigned application declares and owns it. */
  OwnedByOther: 'owned-by-other',
} as const;
export type TakeReason = (typeof TakeReason)[keyof typeof TakeReason];

export interface TakeInput {
  /** The application that wants to write the object. */
  readonly app: string;
  readonly ref: ObjectRef;
  /** Its owner now ({@link currentOwner}). */
  readonly owner: string | undefined;
  /** Applications currently assigned on this target whose desired set declares the object. */
  readonly declaredBy: readonly string[];
}

export type TakeDecision =
  | { readonly action: 'take'; readonly reason: Exclude<TakeReason, 'owned-by-other'> }
  | {
      readonly action: 'refuse';
      readonly reason: 'owned-by-other';
      readonly owner: string;
      /** OWNERSHIP_CONFLICT naming the object and both applications. */
      readonly error: ErrorDetail;
    };

function quoteList(apps: readonly string[]): string {
  const q = apps.map((a) => `"${a}"`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} and ${q.at(-1) ?? ''}`;
}

/**
 * Whether `app` may write (create, update, correct) the object. Rules, in order: no owner → take;
 * owned by `app` → take; owned by another application that still declares it → refuse with
 * OWNERSHIP_CONFLICT; owned by an application that no longer declares it → take (orphan).
 *
 * @example decideTake({ app: 'b', ref, owner: 'a', declaredBy: ['a', 'b'] }).action === 'refuse'
 */
export function decideTake(input: TakeInput): TakeDecision {
  const { app, ref, owner, declaredBy } = input;
  if (owner === undefined) return { action: 'take', reason: TakeReason.Unowned };
  if (owner === app) return { action: 'take', reason: TakeReason.Ours };
  if (!declaredBy.includes(owner)) return { action: 'take', reason: TakeReason.Orphan };
  const all = [...new Set([owner, ...declaredBy, app])];
  return {
    action: 'refuse',
    reason: TakeReason.OwnedByOther,
    owner,
    error: {
      code: ErrorCode.OwnershipConflict,
      message:
        `${describeObject(ref)}: declared by applications ${quoteList(all)} on this target; it ` +
        `belongs to "${owner}" (label ${LABEL_APP}), so "${app}" does not take it over: remove ` +
        `it from all but one of these applications`,
    },
  };
}

/** Why an object may or may not be deleted when `app` stops declaring it. */
export const DeleteReason = {
  /** Deleted: owned by the application and declared by no other. */
  Owned: 'owned',
  /** Kept: already gone. */
  Gone: 'gone',
  /** Kept: the label names another application (or none): never delete what is not ours. */
  NotOwned: 'not-owned',
  /** Kept: another assignment on the target declares it; that application takes it over. */
  DeclaredElsewhere: 'declared-elsewhere',
} as const;
export type DeleteReason = (typeof DeleteReason)[keyof typeof DeleteReason];

export interface DeleteInput {
  /** The application that stops declaring the object (prune, or its removal). */
  readonly app: string;
  readonly ref: ObjectRef;
  /** The live object; undefined when not found. */
  readonly live: KubeObject | undefined;
  /** Applications currently assigned on this target whose desired set declares the object. */
  readonly declaredBy: readonly string[];
}

export interface DeleteDecision {
  readonly action: 'delete' | 'keep';
  readonly reason: DeleteReason;
  /** Says why, naming the object first. */
  readonly message: string;
}

/** The applications of `declaredBy` other than `app`. */
export function otherDeclarers(app: string, declaredBy: readonly string[]): string[] {
  return [...new Set(declaredBy.filter((a) => a !== app))];
}

/** Why an object declared by `others` is kept ("still declared by application "b", …"). */
export function declaredElsewhere(others: readonly string[]): string {
  const one = others.length === 1;
  return `still declared by application${one ? '' : 's'} ${quoteList(others)}, left in place for ${one ? 'it' : 'them'}`;
}

/**
 * Whether `app` may delete the object as it stops declaring it: only when the live object is
 * labelled for `app` and no other application assigned on this target declares it. Checked
 * against the desired sets of all current assignments, so removing one application never takes
 * away what another still runs (for a Namespace: everything inside it).
 */
export function decideDelete(input: DeleteInput): DeleteDecision {
  const { app, ref, live, declaredBy } = input;
  const subject = describeObject(ref);
  if (live === undefined) {
    return { action: 'keep', reason: DeleteReason.Gone, message: `${subject}: already gone` };
  }
  const others = otherDeclarers(app, declaredBy);
  if (others.length > 0) {
    return {
      action: 'keep',
      reason: DeleteReason.DeclaredElsewhere,
      message: `${subject}: ${declaredElsewhere(others)}`,
    };
  }
  const owner = labelOwner(live);
  if (owner !== app) {
    const found = owner === undefined ? 'no such label' : `"${owner}"`;
    return {
      action: 'keep',
      reason: DeleteReason.NotOwned,
      message: `${subject}: label ${LABEL_APP} is ${found}, not "${app}": not ours, left in place`,
    };
  }
  return { action: 'delete', reason: DeleteReason.Owned, message: `${subject}: deleting` };
}
