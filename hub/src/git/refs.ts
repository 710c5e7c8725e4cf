/**
 * Ref decisions, pure: what a revision string names in a ref snapshot, and what changed between
 * two snapshots. The adapter does the object-store look-ups these decisions ask for.
 */

const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const SHORT_SHA = /^[0-9a-f]{4,63}$/;

export const HEADS = 'refs/heads/';
export const TAGS = 'refs/tags/';

export function isFullSha(s: string): boolean {
  return FULL_SHA.test(s);
}

/** What a revision string names. */
export type RefLookup =
  /** A ref of the snapshot. */
  | { readonly kind: 'ref'; readonly ref: string; readonly commit: string }
  /** A full SHA: check it in the object store. */
  | { readonly kind: 'sha'; readonly sha: string }
  /** Hex that names no ref: expand it in the object store. */
  | { readonly kind: 'short-sha'; readonly prefix: string }
  /** A branch and a tag of that name point to different commits. */
  | { readonly kind: 'ambiguous'; readonly refs: readonly string[] }
  | { readonly kind: 'not-found' };

export interface RefTable {
  readonly refs: ReadonlyMap<string, string>;
  readonly defaultBranch?: string;
}

/**
 * Resolution order: a full SHA; `HEAD` (the default branch); a full ref name (`refs/…`); a
 * branch or a tag of that name (both, on different commits: ambiguous — write `refs/heads/x` or
 * `refs/tags/x`); then 4–63 hex digits as an abbreviated SHA. Hex is matched case-insensitively.
 */
export function lookupRef(table: RefTable | undefined, rev: string): RefLookup {
  const lower = rev.toLowerCase();
  if (isFullSha(lower)) return { kind: 'sha', sha: lower };
  const refs = table?.refs ?? new Map<string, string>();
  const found = (ref: string): RefLookup | undefined => {
    const commit = refs.get(ref);
    return commit === undefined ? undefined : { kind: 'ref', ref, commit };
  };
  if (rev === 'HEAD') {
    const head = table?.defaultBranch;
    return (head === undefined ? undefined : found(head)) ?? { kind: 'not-found' };
  }
  if (rev.startsWith('refs/')) return found(rev) ?? { kind: 'not-found' };
  const branch = found(`${HEADS}${rev}`);
  const tag = found(`${TAGS}${rev}`);
  if (branch?.kind === 'ref' && tag?.kind === 'ref' && branch.commit !== tag.commit) {
    return { kind: 'ambiguous', refs: [branch.ref, tag.ref] };
  }
  const named = branch ?? tag;
  if (named !== undefined) return named;
  if (SHORT_SHA.test(lower)) return { kind: 'short-sha', prefix: lower };
  return { kind: 'not-found' };
}

/** A ref whose commit differs between two snapshots (`forced` is for the adapter to decide). */
export interface RefDiff {
  readonly ref: string;
  readonly before?: string;
  readonly after?: string;
}

/** Added, moved and removed refs, in ref order. */
export function diffRefs(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): RefDiff[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  const out: RefDiff[] = [];
  for (const ref of names) {
    const a = before.get(ref);
    const b = after.get(ref);
    if (a === b) continue;
    out.push({
      ref,
      ...(a === undefined ? {} : { before: a }),
      ...(b === undefined ? {} : { after: b }),
    });
  }
  return out;
}

/** Same refs, same commits. */
export function sameRefs(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [ref, sha] of a) if (b.get(ref) !== sha) return false;
  return true;
}

/** Code-unit order (stable across locales), as Git sorts ref names. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
