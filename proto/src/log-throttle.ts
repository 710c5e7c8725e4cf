/**
 * Log throttling for errors that repeat while a dependency is down (a Redis connection retrying
 * every few hundred milliseconds, a rejection in a loop): the first occurrence of a key is logged
 * at once, repeats within the window are only counted, and the next line after the window says
 * how many were suppressed. Pure apart from the clock it is given.
 */

/** Default window: one line per key per 10 s. */
export const DEFAULT_LOG_THROTTLE_MS = 10_000;
/** Keys remembered at most (the oldest are forgotten first); bounds memory under odd errors. */
const MAX_KEYS = 1_000;

export interface ThrottleVerdict {
  /** True: write the line now. */
  readonly log: boolean;
  /** Occurrences of the key not logged since its last line (to report with this one). */
  readonly suppressed: number;
}

export interface LogThrottle {
  /** Whether an occurrence of `key` at this moment is to be logged. */
  check(key: string): ThrottleVerdict;
}

export function logThrottle(
  windowMs: number = DEFAULT_LOG_THROTTLE_MS,
  now: () => number = Date.now,
): LogThrottle {
  const seen = new Map<string, { atMs: number; suppressed: number }>();
  return {
    check(key) {
      const t = now();
      const entry = seen.get(key);
      if (entry !== undefined && t - entry.atMs < windowMs) {
        entry.suppressed++;
        return { log: false, suppressed: entry.suppressed };
      }
      const suppressed = entry?.suppressed ?? 0;
      seen.delete(key);
      if (seen.size >= MAX_KEYS) {
        const oldest = seen.keys().next();
        if (oldest.done !== true) seen.delete(oldest.value);
      }
      seen.set(key, { atMs: t, suppressed: 0 });
      return { log: true, suppressed };
    },
  };
}
