import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_QUOTA, type StreamQuota } from '@gitfleet/proto/domain';
import {
  newBucket,
  quotaExceededMessage,
  quotaProblems,
  resizeBucket,
  streamCapacity,
  takeToken,
  type TokenBucket,
} from './stream-quota.ts';

const Q: StreamQuota = { messagesPerSecond: 10, burstMessages: 5, burstPerApp: 2 };

/** Takes tokens at the given times; returns which were admitted. */
function takes(bucket: TokenBucket, times: readonly number[], quota = Q): boolean[] {
  let b = bucket;
  return times.map((t) => {
    const r = takeToken(b, quota, t);
    b = r.bucket;
    return r.ok;
  });
}

describe('streamCapacity', () => {
  it.each([
    [0, 5],
    [1, 7],
    [10, 25],
    [-3, 5],
  ])('with %i apps is %i', (apps, capacity) => {
    expect(streamCapacity(Q, apps)).toBe(capacity);
  });
});

describe('takeToken', () => {
  it.each<[string, readonly number[], readonly boolean[]]>([
    ['a full burst at once is admitted', [0, 0, 0, 0, 0], [true, true, true, true, true]],
    ['one past the burst is refused', [0, 0, 0, 0, 0, 0], [true, true, true, true, true, false]],
    [
      'refills at messagesPerSecond (one token per 100 ms)',
      [0, 0, 0, 0, 0, 0, 100, 100],
      [true, true, true, true, true, false, true, false],
    ],
    [
      'steady traffic at the rate is always admitted',
      Array.from({ length: 50 }, (_, i) => i * 100),
      Array.from({ length: 50 }, () => true),
    ],
    [
      'a long pause refills to capacity, not beyond',
      [0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000],
      [true, true, true, true, true, true, true, true, true, true, false],
    ],
    [
      'a clock that went back refills nothing',
      [1_000, 1_000, 1_000, 1_000, 1_000, 0, 500],
      [true, true, true, true, true, false, false],
    ],
  ])('%s', (_what, times, admitted) => {
    expect(takes(newBucket(Q, 0, 0), times)).toEqual(admitted);
  });

  it('a refused take leaves the stream refused until the bucket refills', () => {
    let b = newBucket(Q, 0, 0);
    for (let i = 0; i < 5; i++) b = takeToken(b, Q, 0).bucket;
    const refused = takeToken(b, Q, 50);
    expect(refused.ok).toBe(false);
    expect(refused.bucket.tokens).toBeCloseTo(0.5);
    expect(takeToken(refused.bucket, Q, 100).ok).toBe(true);
  });
});

describe('resizeBucket', () => {
  it.each<[string, number, number, number, number]>([
    // name, tokens before, apps before, apps after, tokens after
    ['more apps add their burst', 3, 0, 2, 7],
    ['the same number of apps changes nothing', 3, 2, 2, 3],
    ['fewer apps only cap the tokens', 9, 2, 0, 5],
    ['fewer apps keep fewer tokens as they are', 1, 2, 0, 1],
  ])('%s', (_what, tokens, before, after, expected) => {
    const b: TokenBucket = { tokens, capacity: streamCapacity(Q, before), atMs: 0 };
    const r = resizeBucket(b, Q, after);
    expect(r.tokens).toBe(expected);
    expect(r.capacity).toBe(streamCapacity(Q, after));
  });
});

describe('quotaProblems', () => {
  it.each<[string, StreamQuota, readonly string[]]>([
    ['the default quota', DEFAULT_STREAM_QUOTA, []],
    [
      'a zero rate',
      { ...Q, messagesPerSecond: 0 },
      [`messagesPerSecond must be a number ≥ ${String(Number.MIN_VALUE)}`],
    ],
    ['no burst', { ...Q, burstMessages: 0 }, ['burstMessages must be a number ≥ 1']],
    ['a negative burst per app', { ...Q, burstPerApp: -1 }, ['burstPerApp must be a number ≥ 0']],
    ['NaN', { ...Q, burstMessages: Number.NaN }, ['burstMessages must be a number ≥ 1']],
  ])('%s', (_what, quota, problems) => {
    expect(quotaProblems(quota)).toEqual(problems);
  });
});

describe('quotaExceededMessage', () => {
  it('names the target, the rate, the burst and what to do', () => {
    const m = quotaExceededMessage('edge-1', Q, 25);
    expect(m).toMatch(/^target edge-1: the agent sent more than 10 messages\/s \(burst 25\)/);
    expect(m).toContain('messagesPerSecond');
    expect(m).toContain('nothing past the limit was stored');
    expect(m).toContain('Reconnect with backoff');
  });
});
