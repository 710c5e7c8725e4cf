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
