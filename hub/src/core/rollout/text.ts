/**
 * Small text helpers shared by the rollout's event messages and its explanations: short
 * revisions, instants, and bounded lists of target names.
 */

/** Commit SHAs are shortened to 12 characters; tags and branches stay as written. */
export function short(revision: string): string {
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

/** ISO 8601 of an instant. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const MAX_LISTED = 5;

/** Names joined with commas, at most five: `a, b, c, d, e and 3 more`; `none` when empty. */
export function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const more = names.length - MAX_LISTED;
  return more > 0 ? `${shown} and ${String(more)} more` : shown;
}
