import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from '@gitfleet/proto';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  compareKeys,
  decodeContinue,
  encodeContinue,
  paginate,
  parsePageRequest,
  type KeyShape,
  type Page,
  type SortKey,
} from './paginate.ts';

interface Row {
  readonly target: string;
  readonly app: string;
}
const keyOf = (r: Row): SortKey => [r.target, r.app];
const SHAPE: KeyShape = ['string', 'string'];

/** 2 targets × 3 apps, deliberately out of order. */
const ROWS: Row[] = [
  { target: 'b', app: 'z' },
  { target: 'a', app: 'y' },
  { target: 'b', app: 'x' },
  { target: 'a', app: 'x' },
  { target: 'a', app: 'z' },
  { target: 'b', app: 'y' },
];
const SORTED = ['a/x', 'a/y', 'a/z', 'b/x', 'b/y', 'b/z'];
const names = (rows: readonly Row[]): string[] => rows.map((r) => `${r.target}/${r.app}`);

/** Every page of `items` at `limit`, following the continue tokens. */
function walk(items: readonly Row[], limit: number): Row[][] {
  const pages: Row[][] = [];
  let token: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: Page<Row> = paginate(items, keyOf, parsePageRequest(String(limit), token, SHAPE));
    expect(page.metadata.total).toBe(items.length);
    pages.push(page.items);
    if (page.metadata.continue === undefined) return pages;
    token = page.metadata.continue;
  }
  throw new Error('walk did not end');
}

describe('compareKeys', () => {
  it.each<[SortKey, SortKey, number]>([
    [['a'], ['a'], 0],
    [['a'], ['b'], -1],
    [['b', 'a'], ['a', 'z'], 1],
    [['a'], ['a', ''], -1],
    [[2], [10], -1], // numbers numerically, not as text
    [[-5], [-10], 1],
    [['Z'], ['a'], -1], // code points, not locale
    [['a', 1], ['a', 1], 0],
  ])('%j vs %j → %i', (a, b, want) => {
    expect(Math.sign(compareKeys(a, b))).toBe(want);
  });
});

describe('paginate', () => {
  it.each([
    { limit: 1, pages: [['a/x'], ['a/y'], ['a/z'], ['b/x'], ['b/y'], ['b/z']] },
    {
      limit: 2,
      pages: [
        ['a/x', 'a/y'],
        ['a/z', 'b/x'],
        ['b/y', 'b/z'],
      ],
    },
    {
      limit: 4,
      pages: [
        ['a/x', 'a/y', 'a/z', 'b/x'],
        ['b/y', 'b/z'],
      ],
    },
    { limit: 6, pages: [SORTED] },
    { limit: 500, pages: [SORTED] },
  ])('limit $limit walks every item exactly once, in key order', ({ limit, pages }) => {
    expect(walk(ROWS, limit).map(names)).toEqual(pages);
  });

  it('an empty list is one empty page without a token', () => {
    const page = paginate([], keyOf, { limit: 10 });
    expect(page).toEqual({ items: [], metadata: { total: 0 } });
  });

  it('the last page has no continue token', () => {
    expect(paginate(ROWS, keyOf, { limit: 6 }).metadata).toEqual({ total: 6 });
    expect(paginate(ROWS, keyOf, { limit: 5 }).metadata.continue).toBeDefined();
  });

  it('items added or removed between pages do not shift the rest', () => {
    const first = paginate(ROWS, keyOf, { limit: 2 });
    expect(names(first.items)).toEqual(['a/x', 'a/y']);
    const token = first.metadata.continue ?? '';
    // a/y (the last returned) is gone, a/a (before it) and a/yy (after it) appeared
    const changed = [
      ...ROWS.filter((r) => !(r.target === 'a' && r.app === 'y')),
      { target: 'a', app: 'a' },
      { target: 'a', app: 'yy' },
    ];
    const next = paginate(changed, keyOf, parsePageRequest('2', token, SHAPE));
    expect(names(next.items)).toEqual(['a/yy', 'a/z']);
  });

  it('a token past the end gives an empty last page', () => {
    const page = paginate(ROWS, keyOf, { limit: 3, after: ['z', 'z'] });
    expect(page).toEqual({ items: [], metadata: { total: 6 } });
  });

  it('newest-first order by negated numbers', () => {
    const entries = [{ at: 5 }, { at: 30 }, { at: 100 }, { at: 7 }];
    const page = paginate(entries, (e) => [-e.at], { limit: 3 });
    expect(page.items.map((e) => e.at)).toEqual([100, 30, 7]);
    const rest = paginate(entries, (e) => [-e.at], {
      limit: 3,
      after: decodeContinue(page.metadata.continue ?? '', ['number']),
    });
    expect(rest.items.map((e) => e.at)).toEqual([5]);
  });
});

describe('continue tokens', () => {
  it('round-trip any key, as URL-safe text', () => {
    const key: SortKey = ['tärget/ü', 'a+b=c', -17, ''];
    const token = encodeContinue(key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinue(token, ['string', 'string', 'number', 'string'])).toEqual(key);
  });

  it.each<{ what: string; token: string; shape?: KeyShape }>([
    { what: 'not base64url', token: 'a+b/c=' },
    { what: 'not JSON', token: Buffer.from('{nope').toString('base64url') },
    { what: 'not an array', token: encodeContinue({ a: 1 } as unknown as SortKey) },
    { what: 'of another list (length)', token: encodeContinue(['a']) },
    { what: 'of another list (types)', token: encodeContinue(['a', 1]) },
    {
      what: 'a non-finite number',
      token: Buffer.from('[1e999,"a"]').toString('base64url'),
      shape: ['number', 'string'],
    },
  ])('refuses a token that is $what', ({ token, shape }) => {
    try {
      decodeContinue(token, shape ?? SHAPE);
      expect.unreachable();
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.InvalidRequest)).toBe(true);
      expect((err as Error).message).toMatch(/^query parameter continue: /);
    }
  });
});

describe('parsePageRequest', () => {
  it.each([
    { limit: null, want: DEFAULT_LIMIT },
    { limit: '', want: DEFAULT_LIMIT },
    { limit: '1', want: 1 },
    { limit: '0500', want: 500 },
    { limit: String(MAX_LIMIT), want: MAX_LIMIT },
  ])('limit $limit → $want', ({ limit, want }) => {
    expect(parsePageRequest(limit, null, SHAPE)).toEqual({ limit: want });
  });

  it.each(['0', '-1', '5001', '1.5', 'ten', '1e3', ' 5', '9999999999'])(
    'refuses limit=%s, naming the parameter and what is allowed',
    (limit) => {
      try {
        parsePageRequest(limit, null, SHAPE);
        expect.unreachable();
      } catch (err) {
        expect(isGitfleetError(err, ErrorCode.InvalidRequest)).toBe(true);
        expect((err as Error).message).toBe(
          `query parameter limit: ${JSON.stringify(limit)} is not allowed: an integer from 1 to 5000 (default 500)`,
        );
        expect((err as { details: unknown }).details).toEqual({ parameter: 'limit' });
      }
    },
  );

  it('an empty continue is no continue', () => {
    expect(parsePageRequest('3', '', SHAPE)).toEqual({ limit: 3 });
  });
});
