/**
 * Durations as the fleet writes them: a number and a unit, possibly several (Go style):
 * `250ms`, `30s`, `5m`, `1h30m`, `1.5h`. Units: ms, s, m, h. A bare `0` is zero. Part of the shared
 * time vocabulary (no imports): the fleet reader and the rollout code both use it.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Longest duration accepted anywhere in the fleet: 366 days. */
export const MAX_DURATION_MS = 366 * 24 * 3_600_000;

const SYNTAX = 'is not a duration: write a number and a unit (ms, s, m, h), e.g. 90s, 5m, 1h30m';

/**
 * The duration in milliseconds, or why `text` is not one.
 *
 * @example parseDuration('1h30m') // { ms: 5_400_000 }
 */
export function parseDuration(text: string): { ms: number } | { problem: string } {
  if (text === '0') return { ms: 0 };
  if (text === '') return { problem: SYNTAX };
  if (/^\d+(\.\d+)?$/.test(text)) {
    return { problem: `has no unit: write ${text}s, ${text}m or ${text}h (units: ms, s, m, h)` };
  }
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const match = PART.exec(text);
    if (match === null) {
      const rest = text.slice(at);
      return {
        problem:
          at === 0
            ? /^-/.test(text)
              ? 'must not be negative'
              : /^\d+(\.\d+)?d$/.test(text)
                ? 'uses days, which are not a unit here: write hours (24h for a day)'
                : SYNTAX
            : `${SYNTAX} (cannot read ${JSON.stringify(rest)})`,
      };
    }
    const [, amount = '0', unit = 'ms'] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? 0);
  }
  const ms = Math.round(total);
  if (ms > MAX_DURATION_MS) return { problem: 'is longer than 366 days' };
  return { ms };
}

/** Why `text` is not a duration, or undefined (the reader's check style). */
export function durationProblem(text: string): string | undefined {
  const parsed = parseDuration(text);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/**
 * A compact rendering that parseDuration reads back: `8h`, `1m30s`, `1s500ms`, `0s`.
 *
 * @example formatDuration(90_000) === '1m30s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${String(n)}${unit}`;
    rest -= n * size;
  }
  return `${sign}${out}`;
}
