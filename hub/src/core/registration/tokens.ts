/**
 * Registration tokens (docs/security.md, "Registration, renewal and revocation"): how long one
 * may live, and whether the one a Register presents lets the agent register for its target. A
 * token is one-time: the store marks it used for the first Register that presents it, whatever
 * the outcome, so a refusal always ends with "create a new token".
 */

/** A token lives this long unless asked otherwise. */
export const DEFAULT_TOKEN_TTL_MS = 3_600_000;
export const MIN_TOKEN_TTL_MS = 60_000;
/** Seven days: a token is for an agent being installed, not a standing credential. */
export const MAX_TOKEN_TTL_MS = 7 * 24 * 3_600_000;

/** A token as the store keeps it (by the SHA-256 of the token; the token itself is not kept). */
export interface TokenRecord {
  readonly target: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** When a Register first presented it; absent on the first presentation. */
  readonly usedAtMs?: number;
}

/** Why a token TTL is refused, or undefined. */
export function tokenTtlProblem(ttlMs: number): string | undefined {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < MIN_TOKEN_TTL_MS || ttlMs > MAX_TOKEN_TTL_MS) {
    return 'must be from 1m to 168h (7 days)';
  }
  return undefined;
}

/** What to do after a refusal: the same advice everywhere. */
export function newTokenHint(target: string): string {
  return `create a new token (gitfleet-hub registration-token --target ${target}, or gitfleet registration-token ${target}) and give it to the agent`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Why Register for `target` with the token whose record is `record` (undefined: no such token in
 * the store) is refused, or undefined. `declared`: whether the target is declared in the fleet in
 * force (undefined: no fleet in force yet).
 */
export function tokenRefusal(
  record: TokenRecord | undefined,
  target: string,
  nowMs: number,
  declared: boolean | undefined,
): string | undefined {
  const hint = newTokenHint(target);
  if (record === undefined) {
    return `registration token unknown (never issued by this hub, or expired more than a day ago): ${hint}`;
  }
  if (record.usedAtMs !== undefined) {
    return `registration token already used at ${iso(record.usedAtMs)} (a token registers once): ${hint}`;
  }
  if (nowMs >= record.expiresAtMs) {
    return `registration token expired at ${iso(record.expiresAtMs)}: ${hint}`;
  }
  if (record.target !== target) {
    return `registration token is for target ${record.target}, not ${target}: ${hint}`;
  }
  if (declared === undefined) {
    return `no fleet definition is in force on this hub yet, so target ${target} cannot be checked: wait for the hub to read the fleet, then ${hint}`;
  }
  if (!declared) {
    return `target ${target} is not declared in the fleet: declare it, then ${hint}`;
  }
  return undefined;
}
