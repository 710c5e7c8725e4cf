import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import { nextPollDelayMs, resolvePollerOptions } from './poller.ts';

describe('nextPollDelayMs', () => {
  const opts = { intervalMs: 10_000, jitterRatio: 0.1, maxBackoffMs: 60_000 };

  it.each([
    // failures, random, delay
    [0, 0.5, 10_000],
    [0, 0, 9_000],
    [0, 0.999_999, 11_000],
    [1, 0.5, 10_000],
    [2, 0.5, 20_000],
    [3, 0.5, 40_000],
    [4, 0.5, 60_000],
    [50, 0.5, 60_000],
    [50, 0, 54_000],
  ])('after %i failures with random %d: %i ms', (failures, random, want) => {
    expect(nextPollDelayMs(opts, failures, random)).toBe(want);
  });

  it('never backs off below the interval, and is never 0', () => {
    expect(
      nextPollDelayMs({ intervalMs: 120_000, jitterRatio: 0, maxBackoffMs: 60_000 }, 5, 0.3),
    ).toBe(120_000);
    expect(nextPollDelayMs({ intervalMs: 1, jitterRatio: 0.9, maxBackoffMs: 1 }, 0, 0)).toBe(1);
  });
});

describe('resolvePollerOptions', () => {
  it('applies defaults', () => {
    expect(resolvePollerOptions({ intervalMs: 30_000 })).toEqual({
      intervalMs: 30_000,
      jitterRatio: 0.1,
      maxBackoffMs: 300_000,
      maxConcurrentFetches: 4,
    });
  });

  it('collects every problem into one CONFIG_INVALID', () => {
    let err: unknown;
    try {
      resolvePollerOptions({ intervalMs: 0, jitterRatio: 1, maxConcurrentFetches: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: ErrorCode.ConfigInvalid });
    expect((err as Error).message).toContain('intervalMs');
    expect((err as Error).message).toContain('jitterRatio');
    expect((err as Error).message).toContain('maxConcurrentFetches');
  });
});
