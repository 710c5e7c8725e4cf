import { describe, expect, it } from 'vitest';
import { hydrateMessage, hydrateTime } from './commit.ts';
import type { HydrateGroup } from './layout.ts';

const sha = (c: string): string => c.repeat(40);
const group = (name: string, revisions: string[]): HydrateGroup => ({
  name,
  revisions,
  targets: [],
  files: [],
});

describe('hydrateMessage', () => {
  it.each<[string, HydrateGroup[], string]>([
    ['no targets', [], 'hydrate web: no targets\n'],
    [
      'one source commit',
      [group('dev', [sha('a')]), group('prod', [sha('a')])],
      `hydrate web: aaaaaaaaaaaa\n\ndev: ${sha('a')}\nprod: ${sha('a')}\n`,
    ],
    [
      'environments at different commits, targets in no environment',
      [
        group('dev', [sha('b')]),
        group('prod', [sha('a'), sha('b')]),
        group('_targets', [sha('c')]),
      ],
      `hydrate web: aaaaaaaaaaaa, bbbbbbbbbbbb, cccccccccccc\n\ndev: ${sha('b')}\nprod: ${sha('a')}, ${sha('b')}\n(no environment): ${sha('c')}\n`,
    ],
    [
      'more commits than the subject shows',
      [group('dev', [sha('a'), sha('b'), sha('c'), sha('d'), sha('e')])],
      `hydrate web: aaaaaaaaaaaa, bbbbbbbbbbbb, cccccccccccc +2\n\ndev: ${[sha('a'), sha('b'), sha('c'), sha('d'), sha('e')].join(', ')}\n`,
    ],
  ])('%s', (_, groups, expected) => {
    expect(hydrateMessage('web', groups)).toBe(expected);
  });
});

describe('hydrateTime', () => {
  it.each<[string, number[], number]>([
    ['none known', [], 0],
    ['one', [1_700_000_000], 1_700_000_000],
    ['the newest of several', [1_700_000_000, 1_800_000_000, 1_600_000_000], 1_800_000_000],
    ['bad values ignored', [Number.NaN, -5, 1.5, 42], 42],
  ])('%s', (_, times, expected) => {
    expect(hydrateTime(times)).toBe(expected);
  });
});
