import { describe, expect, it } from 'vitest';
import { diffRefs, lookupRef, sameRefs } from './refs.ts';
import type { RefTable } from './refs.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

const TABLE: RefTable = {
  refs: new Map([
    ['refs/heads/main', A],
    ['refs/heads/release/1.2', B],
    ['refs/heads/both-same', C],
    ['refs/tags/both-same', C],
    ['refs/heads/both-diff', A],
    ['refs/tags/both-diff', B],
    ['refs/tags/v1.0.0', B],
    ['refs/heads/cafe', C],
  ]),
  defaultBranch: 'refs/heads/main',
};

describe('lookupRef', () => {
  it.each([
    ['main', { kind: 'ref', ref: 'refs/heads/main', commit: A }],
    ['HEAD', { kind: 'ref', ref: 'refs/heads/main', commit: A }],
    ['release/1.2', { kind: 'ref', ref: 'refs/heads/release/1.2', commit: B }],
    ['v1.0.0', { kind: 'ref', ref: 'refs/tags/v1.0.0', commit: B }],
    ['refs/tags/v1.0.0', { kind: 'ref', ref: 'refs/tags/v1.0.0', commit: B }],
    ['both-same', { kind: 'ref', ref: 'refs/heads/both-same', commit: C }],
    ['both-diff', { kind: 'ambiguous', refs: ['refs/heads/both-diff', 'refs/tags/both-diff'] }],
    ['refs/tags/both-diff', { kind: 'ref', ref: 'refs/tags/both-diff', commit: B }],
    [A, { kind: 'sha', sha: A }],
    [A.toUpperCase(), { kind: 'sha', sha: A }],
    ['cafe', { kind: 'ref', ref: 'refs/heads/cafe', commit: C }], // a branch wins over a short SHA
    ['DEADBEEF', { kind: 'short-sha', prefix: 'deadbeef' }],
    ['abc', { kind: 'not-found' }], // too short for a SHA
    ['refs/heads/nope', { kind: 'not-found' }],
    ['nope', { kind: 'not-found' }],
  ])('%s', (rev, want) => {
    expect(lookupRef(TABLE, rev)).toEqual(want);
  });

  it('answers only SHAs before the first fetch', () => {
    expect(lookupRef(undefined, 'main')).toEqual({ kind: 'not-found' });
    expect(lookupRef(undefined, 'HEAD')).toEqual({ kind: 'not-found' });
    expect(lookupRef(undefined, A)).toEqual({ kind: 'sha', sha: A });
  });
});

describe('diffRefs and sameRefs', () => {
  it('lists added, moved and removed refs in ref order', () => {
    const before = new Map([
      ['refs/heads/main', A],
      ['refs/heads/gone', B],
      ['refs/tags/v1', C],
    ]);
    const after = new Map([
      ['refs/tags/v1', C],
      ['refs/heads/main', B],
      ['refs/heads/added', C],
    ]);
    expect(diffRefs(before, after)).toEqual([
      { ref: 'refs/heads/added', after: C },
      { ref: 'refs/heads/gone', before: B },
      { ref: 'refs/heads/main', before: A, after: B },
    ]);
    expect(diffRefs(after, after)).toEqual([]);
    expect(sameRefs(after, new Map([...after].reverse()))).toBe(true);
    expect(sameRefs(before, after)).toBe(false);
    expect(sameRefs(new Map(), new Map())).toBe(true);
  });
});
