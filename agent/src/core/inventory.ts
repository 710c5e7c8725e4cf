/**
 * The inventory of an app: every object gitfleet applied for it, the set prune works on (Flux
 * `status.inventory`). Prune candidates are what the previous inventory holds and the desired set
 * no longer does; the live object is then checked before anything is deleted.
 */
import { metadataOf } from '@gitfleet/proto/domain';
import type { KubeObject, ObjectRef, PrunePolicy } from '@gitfleet/proto/domain';
import { annotationsOf, asString, labelsOf } from './kube-object.ts';
import { ANNOTATION_PRUNE } from './labels.ts';
import type { OwnerLabel } from './labels.ts';
import { declaredElsewhere, otherDeclarers } from './ownership.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** One object of an inventory. */
export interface InventoryEntry {
  readonly ref: ObjectRef;
  /** uid of the live object when gitfleet last applied it; absent if unknown (e.g. failed create). */
  readonly uid?: string;
}

/** Objects applied for one app, at the assignment they were last applied from. */
export interface Inventory {
  readonly app: string;
  readonly revision: string;
  readonly assignmentVersion: number;
  readonly entries: readonly InventoryEntry[];
}

/**
 * Stable key of an object: `<group>_<kind>_<namespace>_<name>` ("" for the core group and for
 * cluster-scoped objects). The version is left out, so serving an object under a new API version
 * is not a prune plus a create. Unambiguous: none of the parts can contain '_' (groups, namespaces
 * and names are DNS names, kinds are alphanumeric), and there is no ':' (keys end up in Redis and
 * job ids).
 *
 * @example inventoryKey({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' }) === 'apps_Deployment_shop_web'
 */
export function inventoryKey(
  ref: Pick<ObjectRef, 'group' | 'kind' | 'namespace' | 'name'>,
): string {
  return `${ref.group}_${ref.kind}_${ref.namespace}_${ref.name}`;
}

/** Result of {@link diffInventory}; each list keeps the order of its input, without duplicates. */
export interface InventoryDiff {
  /** In the previous inventory, not desired any more. */
  readonly toPrune: ObjectRef[];
  /** Desired and already in the previous inventory (the desired ref, with its current version). */
  readonly kept: ObjectRef[];
  /** Desired and not in the previous inventory. */
  readonly added: ObjectRef[];
}

/**
 * Compares the previous inventory (undefined: first sync) with the desired refs, by
 * {@link inventoryKey}.
 */
export function diffInventory(
  previous: Inventory | undefined,
  desiredRefs: readonly ObjectRef[],
): InventoryDiff {
  const before = new Set((previous?.entries ?? []).map((e) => inventoryKey(e.ref)));
  const desired = new Set<string>();
  const kept: ObjectRef[] = [];
  const added: ObjectRef[] = [];
  for (const ref of desiredRefs) {
    const key = inventoryKey(ref);
    if (desired.has(key)) continue;
    desired.add(key);
    (before.has(key) ? kept : added).push(ref);
  }
  const toPrune: ObjectRef[] = [];
  const seen = new Set<string>();
  for (const e of previous?.entries ?? []) {
    const key = inventoryKey(e.ref);
    if (desired.has(key) || seen.has(key)) continue;
    seen.add(key);
    toPrune.push(e.ref);
  }
  return { toPrune, kept, added };
}

/** Why a prune candidate is or is not deleted. */
export const PruneReason = {
  /** Deleted: in the inventory, not desired any more, ours. */
  Orphaned: 'orphaned',
  /** Kept: the assignment's prune policy is disabled. */
  PruneDisabled: 'prune-disabled',
  /** Kept: the desired set is empty and `allowEmpty` is false, so nothing at all is pruned. */
  EmptyDesired: 'empty-desired',
  /** Kept: the object carries `gitfleet.dev/prune: "false"`. */
  OptOut: 'opt-out',
  /** Kept: the live object lacks our app label (someone else's now; never delete it). */
  NotOwned: 'not-owned',
  /** Kept: another application assigned on the target declares it (it takes the object over). */
  DeclaredElsewhere: 'declared-elsewhere',
  /** Kept: the live object has another uid than the one we applied (deleted and re-created). */
  Replaced: 'replaced',
  /** Nothing to do: the object no longer exists. */
  Gone: 'gone',
} as const;
export type PruneReason = (typeof PruneReason)[keyof typeof PruneReason];

export const PruneAction = { Prune: 'prune', Skip: 'skip' } as const;
export type PruneAction = (typeof PruneAction)[keyof typeof PruneAction];

/** The verdict for one prune candidate. */
export interface PruneDecision {
  readonly ref: ObjectRef;
  readonly action: PruneAction;
  readonly reason: PruneReason;
  /** Says why, naming the object first. */
  readonly message: string;
  /**
   * True when a skipped candidate leaves the inventory (gone, opted out, not ours, replaced):
   * the app stops tracking it. False when it stays, to be decided again next time (prune
   * disabled, empty desired set), and for 'prune' (it leaves once the delete succeeded).
   */
  readonly dropFromInventory: boolean;
}

export interface DecidePruneInput {
  /** The inventory of the last pass; undefined on the first sync (nothing to prune). */
  readonly previous: Inventory | undefined;
  /** Refs of the objects the assignment now declares. */
  readonly desired: readonly ObjectRef[];
  readonly policy: PrunePolicy;
  /**
   * Live objects of the candidates by {@link inventoryKey}; undefined or absent = not found.
   * Only candidates are looked up, so it need not hold anything else.
   */
  readonly live: ReadonlyMap<string, KubeObject | undefined>;
  /** The label that marks objects of this app, normally `ownerLabel(app)`. */
  readonly ownerLabel: OwnerLabel;
  /**
   * Applications currently assigned on the target that declare a candidate, by
   * {@link inventoryKey} (absent: none). Such a candidate is never deleted.
   */
  readonly declaredBy?: ReadonlyMap<string, readonly string[]>;
}

function subject(ref: ObjectRef): string {
  const group = ref.group === '' ? '' : `.${ref.group}`;
  const where = ref.namespace === '' ? ref.name : `${ref.namespace}/${ref.name}`;
  return `${ref.kind}${group} ${where}`;
}

/**
 * Decides, for every object in the previous inventory that is no longer desired, whether to
 * delete it. Safety rules, in order:
 *
 * 1. prune disabled → keep all;
 * 2. desired set empty and `allowEmpty` false → keep all (an empty render is far more often a
 *    broken source than an intent to delete the app; Argo CD's allowEmpty);
 * 3. object already gone → nothing to do;
 * 4. live uid differs from the inventory's → keep (someone re-created it; it is not the object
 *    we applied);
 * 5. annotation `gitfleet.dev/prune: "false"` → keep;
 * 6. another application assigned on the target declares it → keep, and it leaves this app's
 *    inventory (the other application takes it over; see ownership.ts);
 * 7. live object without our owner label and value → keep (never delete what we don't own);
 * 8. else prune.
 */
export function decidePrune(input: DecidePruneInput): PruneDecision[] {
  const { previous, desired, policy, live, ownerLabel, declaredBy } = input;
  const candidates = diffInventory(previous, desired).toPrune;
  const uids = new Map((previous?.entries ?? []).map((e) => [inventoryKey(e.ref), e.uid]));
  const decide = (
    ref: ObjectRef,
    action: PruneAction,
    reason: PruneReason,
    message: string,
    dropFromInventory: boolean,
  ): PruneDecision => ({
    ref,
    action,
    reason,
    message: `${subject(ref)}: ${message}`,
    dropFromInventory,
  });

  if (!policy.enabled) {
    return candidates.map((ref) =>
      decide(
        ref,
        'skip',
        PruneReason.PruneDisabled,
        'not desired any more; prune is disabled, left in place',
        false,
      ),
    );
  }
  if (desired.length === 0 && !policy.allowEmpty) {
    const n = String(candidates.length);
    return candidates.map((ref) =>
      decide(
        ref,
        'skip',
        PruneReason.EmptyDesired,
        `the desired set is empty and allowEmpty is false: refusing to prune all ${n} objects of the app`,
        false,
      ),
    );
  }
  return candidates.map((ref) => {
    const key = inventoryKey(ref);
    const obj = live.get(key);
    if (obj === undefined) return decide(ref, 'skip', PruneReason.Gone, 'already gone', true);
    const uid = asString(metadataOf(obj)['uid']);
    const appliedUid = uids.get(key);
    if (appliedUid !== undefined && uid !== undefined && uid !== appliedUid) {
      return decide(
        ref,
        'skip',
        PruneReason.Replaced,
        `uid ${uid} is not the applied ${appliedUid}: re-created by someone else, left in place`,
        true,
      );
    }
    if (annotationsOf(obj)[ANNOTATION_PRUNE] === 'false') {
      return decide(
        ref,
        'skip',
        PruneReason.OptOut,
        `${ANNOTATION_PRUNE}: "false", left in place`,
        true,
      );
    }
    const others = otherDeclarers(ownerLabel.value, declaredBy?.get(key) ?? []);
    if (others.length > 0) {
      return decide(ref, 'skip', PruneReason.DeclaredElsewhere, declaredElsewhere(others), true);
    }
    const owner = labelsOf(obj)[ownerLabel.key];
    if (owner !== ownerLabel.value) {
      const found = owner === undefined ? 'no such label' : `"${owner}"`;
      return decide(
        ref,
        'skip',
        PruneReason.NotOwned,
        `label ${ownerLabel.key} is ${found}, not "${ownerLabel.value}": not ours, left in place`,
        true,
      );
    }
    return decide(ref, 'prune', PruneReason.Orphaned, 'not desired any more, pruning', false);
  });
}

/** Identity of the inventory being built. */
export interface InventoryMeta {
  readonly app: string;
  readonly revision: string;
  readonly assignmentVersion: number;
}

/**
 * The inventory after a pass, from its change set: every entry except those 'deleted' and those
 * flagged `dropFromInventory`. Failed and skipped entries stay, so a failed update (or a prune
 * that was refused) can never turn into a prune next time. uids come from the entries, falling
 * back to the previous inventory's (a failed update keeps the uid we applied before).
 * Duplicate refs are kept once (the first).
 */
export function toInventory(
  entries: readonly ChangeSetEntry[],
  meta: InventoryMeta,
  previous?: Inventory,
): Inventory {
  const previousUids = new Map((previous?.entries ?? []).map((e) => [inventoryKey(e.ref), e.uid]));
  const seen = new Set<string>();
  const out: InventoryEntry[] = [];
  for (const e of entries) {
    if (e.action === 'deleted' || e.dropFromInventory === true) continue;
    const key = inventoryKey(e.ref);
    if (seen.has(key)) continue;
    seen.add(key);
    const uid = e.uid ?? previousUids.get(key);
    out.push(uid === undefined ? { ref: e.ref } : { ref: e.ref, uid });
  }
  return { ...meta, entries: out };
}
