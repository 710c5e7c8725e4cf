import { describe, expect, it } from 'vitest';
import {
  RENEWAL_MAX_WAIT_MS,
  expiredCertificateMessage,
  renewalDueMs,
  renewalRetryDelayMs,
  renewalStep,
} from './renewal.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const DAY = 86_400_000;
const fixed = (v: number) => () => v;

describe('renewalDueMs: by two thirds of the lifetime, earlier by up to 1/15 of it', () => {
  it.each([
    ['24 h, no jitter', T0, T0 + DAY, 0, T0 + 16 * 3_600_000],
    ['24 h, most jitter', T0, T0 + DAY, 1, T0 + 16 * 3_600_000 - 5_760_000],
    ['15 s, no jitter', T0, T0 + 15_000, 0, T0 + 10_000],
    ['15 s, most jitter', T0, T0 + 15_000, 1, T0 + 9_000],
    ['no lifetime', T0, T0, 0.5, T0],
    ['notAfter before notBefore', T0, T0 - 10, 0.5, T0],
  ])('%s', (_name, notBefore, notAfter, r, expected) => {
    expect(renewalDueMs(notBefore, notAfter, fixed(r))).toBe(expected);
  });

  it('stays within [0.6, 2/3] of the lifetime for any random value', () => {
    for (let i = 0; i <= 100; i++) {
      const due = renewalDueMs(T0, T0 + 30_000, fixed(i / 100));
      expect(due).toBeGreaterThanOrEqual(T0 + 18_000);
      expect(due).toBeLessThanOrEqual(T0 + 20_000);
    }
  });
});

describe('renewalStep', () => {
  it.each([
    [
      'before due: wait until due',
      { notAfterMs: T0 + 30_000, dueMs: T0 + 20_000, nowMs: T0 },
      { kind: 'wait', delayMs: 20_000 },
    ],
    [
      'long before due: wait at most the longest wait',
      { notAfterMs: T0 + DAY, dueMs: T0 + DAY / 2, nowMs: T0 },
      { kind: 'wait', delayMs: RENEWAL_MAX_WAIT_MS },
    ],
    ['due', { notAfterMs: T0 + 30_000, dueMs: T0 + 20_000, nowMs: T0 + 20_000 }, { kind: 'renew' }],
    [
      'past due, still valid',
      { notAfterMs: T0 + 30_000, dueMs: T0 + 20_000, nowMs: T0 + 29_999 },
      { kind: 'renew' },
    ],
    [
      'expired',
      { notAfterMs: T0 + 30_000, dueMs: T0 + 20_000, nowMs: T0 + 30_000 },
      { kind: 'expired' },
    ],
    ['expired long ago', { notAfterMs: T0, dueMs: T0 - 1, nowMs: T0 + DAY }, { kind: 'expired' }],
  ])('%s', (_name, input, expected) => {
    expect(renewalStep(input)).toEqual(expected);
  });
});

describe('renewalRetryDelayMs: backoff, capped by a quarter of the time left', () => {
  it.each([
    ['first retry, plenty of time, no jitter', 0, T0, T0 + DAY, 0, 100],
    ['first retry, plenty of time, full', 0, T0, T0 + DAY, 1, 1_000],
    ['fifth retry, full', 4, T0, T0 + DAY, 1, 16_000],
    ['many retries: 5 min cap', 30, T0, T0 + DAY, 1, 300_000],
    ['little time left: a quarter of it', 30, T0, T0 + 40_000, 1, 10_000],
    ['almost expired: at least a second', 30, T0, T0 + 100, 1, 1_000],
  ])('%s', (_name, attempt, now, notAfter, r, expected) => {
    expect(renewalRetryDelayMs(attempt, now, notAfter, fixed(r))).toBe(expected);
  });
});

describe('expiredCertificateMessage', () => {
  it('says a new registration token is needed and how to make one', () => {
    const m = expiredCertificateMessage('edge-1', T0);
    expect(m).toContain('expired at 2030-01-01T00:00:00.000Z');
    expect(m).toContain('gitfleet-hub registration-token --target edge-1');
    expect(m).toContain('gitfleet registration-token edge-1');
    expect(m).toContain('--registration-token-file');
  });
});
