/**
 * Which commit set a pin: starting at the commit in force, follow a parent whose file holds the
 * pin at the same value, as long as there is one (the first such parent, in parent order); the
 * commit where no parent holds that value is the one that gave the pin its current value — the
 * root commit, when the pin was there from the start. Merges are walked through, so the answer
 * is the commit that wrote the value, not the merge that brought it in.
 *
 * Pure and incremental: the history is a map of the commits read so far; when the walk needs a
 * commit that is not in it, the answer says which, and the caller reads it and asks again.
 */

/** One commit of the history: its parents and the pins of the file at it (pinKey → value). */
export interface PinCommit {
  readonly parents: readonly string[];
  /** Empty when the file is absent (or unreadable) at this commit. */
  readonly pins: ReadonlyMap<string, string>;
}

export type SetByAnswer =
  /** The commit that gave the pin its value. */
  | { readonly kind: 'set'; readonly commit: string }
  /** The walk needs this commit of the history: read it, then ask again. */
  | { readonly kind: 'missing'; readonly commit: string }
  /** The pin is not in the file at the head. */
  | { readonly kind: 'absent' };

/**
 * The commit that set pin `key` to its value at `head`, over the commits of `history`.
 *
 * @example setBy(history, head, pinKey({ environment: 'prod', app: 'web' }))
 */
export function setBy(
  history: ReadonlyMap<string, PinCommit>,
  head: string,
  key: string,
): SetByAnswer {
  const start = history.get(head);
  if (start === undefined) return { kind: 'missing', commit: head };
  const value = start.pins.get(key);
  if (value === undefined) return { kind: 'absent' };
  let at = head;
  let node: PinCommit = start;
  // each step moves to an older commit of the DAG, so the walk ends
  for (;;) {
    let next: string | undefined;
    for (const p of node.parents) {
      const parent = history.get(p);
      if (parent === undefined) return { kind: 'missing', commit: p };
      if (parent.pins.get(key) === value) {
        next = p;
        break;
      }
    }
    if (next === undefined) return { kind: 'set', commit: at };
    const n = history.get(next);
    if (n === undefined) return { kind: 'missing', commit: next };
    at = next;
    node = n;
  }
}
