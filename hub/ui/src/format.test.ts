import { describe, expect, it } from 'vitest';
import { ago, duration, shortSha } from './format.ts';

describe('format', () => {
  it.each([
    ['0123456789abcdef0123456789abcdef01234567', '0123456'],
    ['', ''],
    ['v1.2.0', 'v1.2.0'],
    [undefined, ''],
  ])('shortSha(%j) = %j', (sha, want) => {
    expect(shortSha(sha)).toBe(want);
  });
  it.each<[number | undefined, string]>([
    [undefined, 'never'],
    [100_000, '0 s ago'],
    [100_000 - 59_000, '59 s ago'],
    [100_000 - 61_000, '1 min ago'],
    [100_000 + 5_000, 'just now'],
  ])('ago(%j)', (ms, want) => {
    expect(ago(ms, 100_000)).toBe(want);
  });
  it.each([
    [45_000, '45 s'],
    [200_000, '3 min 20 s'],
    [3_900_000, '1 h 5 min'],
  ])('duration(%i)', (ms, want) => {
    expect(duration(ms)).toBe(want);
  });
});
