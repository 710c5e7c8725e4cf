/**
 * When the agent renews its client certificate (docs/agent.md, "Registration and renewal"): by two
 * thirds of its lifetime, a little earlier by a random amount so that agents registered together
 * do not renew together; retried with backoff that never waits past a fraction of the time left;
 * and nothing to do once it has expired (Renew needs a valid certificate: only a new
 * registration token helps). Pure: the random source and the clock are parameters.
 */
import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { newTokenAdvice } from './enrollment.ts';

/** The share of a certificate's lifetime after which it is renewed. */
export const RENEW_AT_FRACTION = 2 / 3;
/** Renewal comes earlier by up to this share of the lifetime (uniformly). */
export const RENEW_JITTER_FRACTION = 1 / 15;
/** Backoff between failed renewals. */
export const RENEWAL_RETRY_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 300_000 };
/** The longest single wait: the files are read again at least this often. */
export const RENEWAL_MAX_WAIT_MS = 15 * 60_000;

/**
 * When a certificate valid from `notBeforeMs` to `notAfterMs` is due for renewal: uniformly in
 * [2/3 − 1/15, 2/3] of its lifetime.
 */
export function renewalDueMs(
  notBeforeMs: number,
  notAfterMs: number,
  random: () => number,
): number {
  const lifetime = Math.max(0, notAfterMs - notBeforeMs);
  const latest = notBeforeMs + lifetime * RENEW_AT_FRACTION;
  return Math.round(latest - random() * lifetime * RENEW_JITTER_FRACTION);
}

export type RenewalStep =
  /** Nothing to do before `delayMs` (then decide again). */
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'renew' }
  /** The certificate expired: Renew would be refused; a new registration token is needed. */
  | { readonly kind: 'expired' };

/** What to do now about a certificate due for renewal at `dueMs`. */
export function renewalStep(c: {
  readonly notAfterMs: number;
  readonly dueMs: number;
  readonly nowMs: number;
}): RenewalStep {
  if (c.nowMs >= c.notAfterMs) return { kind: 'expired' };
  if (c.nowMs >= c.dueMs) return { kind: 'renew' };
  return { kind: 'wait', delayMs: Math.min(c.dueMs - c.nowMs, RENEWAL_MAX_WAIT_MS) };
}

/**
 * The wait after failed renewal `attempt` (0-based): exponential with jitter, never more than a
 * quarter of the time the certificate has left (at least a second), so that several more tries
 * fit before it expires.
 */
export function renewalRetryDelayMs(
  attempt: number,
  nowMs: number,
  notAfterMs: number,
  random: () => number,
): number {
  const quarterLeft = Math.max(1_000, Math.floor((notAfterMs - nowMs) / 4));
  return Math.min(backoffDelayMs(attempt, RENEWAL_RETRY_BACKOFF, random), quarterLeft);
}

/** The log message when the certificate expired before it could be renewed. */
export function expiredCertificateMessage(target: string, notAfterMs: number): string {
  return (
    `the client certificate expired at ${new Date(notAfterMs).toISOString()} before it could be renewed: ` +
    `the hub refuses it, and renewal needs a valid one. ${newTokenAdvice(target)}, ` +
    `write it to the --registration-token-file and restart the agent`
  );
}
