/**
 * What a change set keeps from the previous pass of the same assignment version: an object this
 * version created or configured, and that a later pass (a resync, a retry) found unchanged, still
 * shows as created or configured — the report tells what the version did, not what the last
 * no-op pass did.
 */
import type { ChangeSetEntry } from './sync-state.ts';

/**
 * The change set of a pass (`next`, in its order) with the carried-over entries of `previous`
 * when both passes applied the same version (`sameVersion`): an 'unchanged' entry whose previous
 * entry is 'created' or 'configured' keeps that entry, with the new uid when the pass has one, and
 * is in sync.
 */
export function carryOverEntries(
  previous: ReadonlyMap<string, ChangeSetEntry>,
  next: ReadonlyMap<string, ChangeSetEntry>,
  sameVersion: boolean,
): Map<string, ChangeSetEntry> {
  const out = new Map(next);
  if (!sameVersion) return out;
  for (const [key, e] of next) {
    const before = previous.get(key);
    if (
      e.action === 'unchanged' &&
      (before?.action === 'created' || before?.action === 'configured')
    ) {
      out.set(key, { ...before, ...(e.uid === undefined ? {} : { uid: e.uid }), outOfSync: false });
    }
  }
  return out;
}
