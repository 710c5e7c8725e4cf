/**
 * How a Secret's value appears wherever it is shown (drift records, diffs, status): never the
 * value, a fingerprint `*** sha256:<hex>` of it instead, so a reader still sees whether and where
 * it changed. The agent and the hub hash differently (a salted digest, a keyed HMAC) but write and
 * recognise the same form.
 */

/** The mask's prefix. */
export const SECRET_MASK = '***';

const MASKED = /^\*\*\* sha256:[0-9a-f]{8,64}$/;

/** The mask of a value whose (salted or keyed) SHA-256 is `hexDigest`, keeping `keep` digits. */
export function maskedValue(hexDigest: string, keep: number): string {
  return `${SECRET_MASK} sha256:${hexDigest.slice(0, keep)}`;
}

/** Whether a value is already a mask (the agent's, 8 digits, or the hub's, 12). */
export function isMaskedValue(value: unknown): boolean {
  return typeof value === 'string' && MASKED.test(value);
}
