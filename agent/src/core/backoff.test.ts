import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RECONNECT_BACKOFF, reconnectLogDue } from './backoff.ts';

describe('backoffDelayMs', () => {
  const opts = { baseMs: 100, capMs: 5_000 };
  it.each([
    // attempt, random, expected
    [0, 0, 10],
    [0, 1, 100],
    [1, 1, 200],
    [3, 0.5, Math.round(80 + 0.5 * 720)],
    [6, 1, 5_000],
    [40, 1, 5_000],
    [40, 0, 500],
  ])('attempt %i with random %f → %i ms', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, opts, () => random)).toBe(expected);
  });

  it('never exceeds the cap and grows on average', () => {
    const avg = (attempt: number): number => {
      let sum = 0;
      for (let i = 0; i < 1_000; i++)
        sum += backoffDelayMs(attempt, DEFAULT_RECONNECT_BACKOFF, Math.random);
      return sum / 1_000;
    };
    expect(avg(1)).toBeLessThan(avg(4));
    for (let i = 0; i < 100; i++) {
      expect(backoffDelayMs(50, DEFAULT_RECONNECT_BACKOFF, Math.random)).toBeLessThanOrEqual(
        30_000,
      );
    }
  });
});

describe('reconnectLogDue', () => {
  it.each<[number, number, boolean]>([
    // attempt, ms since the last line, logged
    [1, 0, true],
    [2, 500, false],
    [9, 20_000, false],
    [10, 0, true],
    [11, 0, false],
    [20, 0, false],
    [100, 0, true],
    [1_000, 0, true],
    [1_001, 0, false],
    [37, 59_999, false],
    [37, 60_000, true],
    [0, 0, true],
  ])('attempt %i, %i ms after the last line → %s', (attempt, since, expected) => {
    expect(reconnectLogDue(attempt, since)).toBe(expected);
  });
});
