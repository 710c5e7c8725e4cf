import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import {
  DEFAULT_GIT_LIMITS,
  GIT_LIMIT_NAMES,
  readGitLimits,
  limitExceeded,
  resolveGitLimits,
  resolveReadLimits,
} from './limits.ts';
import { DEFAULT_READ_LIMITS } from './port.ts';

const MIB = 1024 * 1024;

describe('Git limits', () => {
  it('has a named default for every limit', () => {
    expect(DEFAULT_GIT_LIMITS).toEqual({
      maxFetchBytes: 256 * MIB,
      fetchTimeoutMs: 60_000,
      maxObjectBytes: 100 * MIB,
      maxFetchObjects: 500_000,
      maxFetchInflatedBytes: 2048 * MIB,
      maxFileBytes: 1 * MIB,
      maxTotalBytes: 32 * MIB,
      maxFiles: 10_000,
      maxTreeEntries: 50_000,
      maxTreeDepth: 64,
    });
    expect(GIT_LIMIT_NAMES).toHaveLength(10);
  });

  it('resolveGitLimits applies defaults, keeps overrides, refuses non-positive integers', () => {
    expect(resolveGitLimits()).toEqual(DEFAULT_GIT_LIMITS);
    expect(resolveGitLimits({ maxObjectBytes: 5 }).maxObjectBytes).toBe(5);
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => resolveGitLimits({ maxTreeDepth: bad })).toThrow(
        expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
      );
    }
  });

  it('resolveReadLimits: a call overrides the source, which overrides the defaults', () => {
    const base = resolveReadLimits(DEFAULT_READ_LIMITS, { maxFiles: 7 });
    expect(base.maxFiles).toBe(7);
    expect(resolveReadLimits(base, { maxTreeEntries: 3 })).toEqual({
      ...DEFAULT_READ_LIMITS,
      maxFiles: 7,
      maxTreeEntries: 3,
    });
    expect(() => resolveReadLimits(base, { maxFileBytes: 0 })).toThrow(/maxFileBytes/);
    expect(() => resolveReadLimits(base, { maxTotalBytes: 1.5 })).toThrow(/maxTotalBytes/);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an empty object', {}, []],
    ['known positive integers', { maxFileBytes: 2 * MIB, maxTreeDepth: 10 }, []],
    ['an unknown name', { maxFileSize: 1 }, ['gitLimits.maxFileSize: unknown limit']],
    ['zero', { maxFiles: 0 }, ['gitLimits.maxFiles: 0 is not a positive integer']],
    ['a string', { maxFiles: '10' }, ['gitLimits.maxFiles: "10" is not a positive integer']],
    ['a fraction', { maxTreeEntries: 0.5 }, ['gitLimits.maxTreeEntries: 0.5 is not']],
  ])('readGitLimits: %s', (_name, input, expected) => {
    const { problems } = readGitLimits(input);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(problems[i]).toContain(e));
  });

  it('readGitLimits keeps the valid limits', () => {
    expect(readGitLimits({ maxFileBytes: 5, maxFiles: -1, bogus: 2 }).limits).toEqual({
      maxFileBytes: 5,
    });
  });

  it('limitExceeded names the subject first, the limit and its value, and what to do', () => {
    const err = limitExceeded(
      'Git repository https://x/r.git at 0123456789ab',
      'file a.yaml is 9 bytes',
      'maxFileBytes',
      4,
      { path: 'a.yaml' },
      'make it smaller',
    );
    expect(err.code).toBe(ErrorCode.LimitExceeded);
    expect(err.terminal).toBe(true);
    expect(err.message).toBe(
      'Git repository https://x/r.git at 0123456789ab: file a.yaml is 9 bytes (limit maxFileBytes = 4); make it smaller, or raise maxFileBytes (--git-limits)',
    );
    expect(err.details).toEqual({ path: 'a.yaml', limit: 'maxFileBytes', max: 4 });
  });
});
