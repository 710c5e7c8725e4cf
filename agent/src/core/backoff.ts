/**
 * Reconnect backoff: exponential with full jitter (AWS architecture blog "Exponential Backoff And
 * Jitter"), so a fleet of agents that lost the hub at the same moment does not reconnect in lockstep.
 * Pure: the random source is a parameter.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 30_000 };

/** Delay before attempt `attempt` (0-based): uniform in [0, min(cap, base·2^attempt)], at least 1/10 of it. */
export function backoffDelayMs(
  attempt: number,
  opts: BackoffOptions,
  random: () => number,
): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  const floor = ceiling / 10;
  return Math.round(floor + random() * (ceiling - floor));
}

/** While the hub stays unreachable, a reminder is logged at least this often. */
export const RECONNECT_LOG_INTERVAL_MS = 60_000;

/**
 * Whether failed connection attempt number `attempt` (1-based, counted since the link was last
 * ready) gets a log line: the first failure, then attempts 10, 100, 1,000… (one line per band of
 * ten times as many attempts), and in any case when the last line is at least
 * {@link RECONNECT_LOG_INTERVAL_MS} old — so a long outage shows up in the log about once a
 * minute, and a short one with one line, never one line per attempt.
 *
 * @example [1, 2, 9, 10, 11, 100].filter((n) => reconnectLogDue(n, 0)) → [1, 10, 100]
 */
export function reconnectLogDue(attempt: number, msSinceLastLine: number): boolean {
  if (attempt <= 1) return true;
  if (msSinceLastLine >= RECONNECT_LOG_INTERVAL_MS) return true;
  let n = attempt;
  while (n % 10 === 0) n /= 10;
  return n === 1;
}
