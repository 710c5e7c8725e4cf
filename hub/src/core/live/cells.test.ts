import { describe, expect, it } from 'vitest';
import {
  Coalescer,
  cellUpdate,
  dueByClock,
  rowSignature,
  staleAtMs,
  type CellUpdate,
  type ClockFields,
} from './cells.ts';

const row = { target: 't', app: 'a', sync: 'Synced', health: 'Healthy', drift: 0 };

describe('cellUpdate', () => {
  const cases: readonly {
    name: string;
    last: Record<string, unknown> | undefined;
    now: Record<string, unknown> | undefined;
    want: CellUpdate;
  }[] = [
    { name: 'a row never sent', last: undefined, now: row, want: 'send' },
    { name: 'the same row', last: row, now: { ...row }, want: 'none' },
    {
      name: 'fields in another order',
      last: row,
      now: { health: 'Healthy', drift: 0, app: 'a', target: 't', sync: 'Synced' },
      want: 'none',
    },
    { name: 'sync changed', last: row, now: { ...row, sync: 'OutOfSync' }, want: 'send' },
    { name: 'drift count changed', last: row, now: { ...row, drift: 2 }, want: 'send' },
    {
      name: 'connection changed',
      last: { ...row, connection: 'Connected' },
      now: { ...row, connection: 'Stale' },
      want: 'send',
    },
    { name: 'only lastSeenMs moved', last: row, now: { ...row, lastSeenMs: 5 }, want: 'none' },
    { name: 'only reportedAtMs moved', last: row, now: { ...row, reportedAtMs: 9 }, want: 'none' },
    { name: 'an undefined field', last: row, now: { ...row, error: undefined }, want: 'none' },
    {
      name: 'nested fields in another order',
      last: { ...row, error: { code: 'X', message: 'm' } },
      now: { ...row, error: { message: 'm', code: 'X' } },
      want: 'none',
    },
    {
      name: 'a nested field changed',
      last: { ...row, error: { code: 'X', message: 'm' } },
      now: { ...row, error: { code: 'X', message: 'n' } },
      want: 'send',
    },
    { name: 'a row removed', last: row, now: undefined, want: 'remove' },
    { name: 'a row never sent and gone', last: undefined, now: undefined, want: 'none' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const last = c.last === undefined ? undefined : rowSignature(c.last);
      expect(cellUpdate(last, c.now)).toBe(c.want);
    });
  }
});

describe('Coalescer', () => {
  type Step =
    | { readonly mark: string }
    | {
        readonly take: number;
        readonly keys: readonly string[];
        readonly nextAtMs: number | undefined;
      };
  const cases: readonly { name: string; steps: readonly Step[] }[] = [
    {
      name: 'a first change is due at once',
      steps: [{ mark: 'a' }, { take: 0, keys: ['a'], nextAtMs: undefined }],
    },
    {
      name: 'marks before a take make one',
      steps: [
        { mark: 'a' },
        { mark: 'a' },
        { mark: 'a' },
        { take: 0, keys: ['a'], nextAtMs: undefined },
      ],
    },
    {
      name: 'a change within the interval waits for its end',
      steps: [
        { mark: 'a' },
        { take: 0, keys: ['a'], nextAtMs: undefined },
        { mark: 'a' },
        { take: 100, keys: [], nextAtMs: 250 },
        { mark: 'a' },
        { take: 249, keys: [], nextAtMs: 250 },
        { take: 250, keys: ['a'], nextAtMs: undefined },
      ],
    },
    {
      name: 'rows are limited each on their own',
      steps: [
        { mark: 'a' },
        { take: 0, keys: ['a'], nextAtMs: undefined },
        { mark: 'a' },
        { mark: 'b' },
        { take: 10, keys: ['b'], nextAtMs: 250 },
        { mark: 'b' },
        { take: 20, keys: [], nextAtMs: 250 },
        { take: 260, keys: ['a', 'b'], nextAtMs: undefined },
      ],
    },
    {
      name: 'a change after the interval is due at once',
      steps: [
        { mark: 'a' },
        { take: 0, keys: ['a'], nextAtMs: undefined },
        { mark: 'a' },
        { take: 1_000, keys: ['a'], nextAtMs: undefined },
      ],
    },
    { name: 'nothing marked, nothing due', steps: [{ take: 0, keys: [], nextAtMs: undefined }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const co = new Coalescer(250);
      for (const s of c.steps) {
        if ('mark' in s) co.mark(s.mark);
        else expect(co.take(s.take)).toEqual({ keys: s.keys, nextAtMs: s.nextAtMs });
      }
    });
  }
});

describe('staleAtMs', () => {
  const cases: readonly [string, ClockFields, number | undefined][] = [
    [
      'Connected turns Stale just past the threshold',
      { connection: 'Connected', lastSeenMs: 1_000 },
      31_001,
    ],
    [
      'Stale already: the clock changes nothing',
      { connection: 'Stale', lastSeenMs: 1_000 },
      undefined,
    ],
    [
      'Disconnected: only a new stream changes it',
      { connection: 'Disconnected', lastSeenMs: 1_000 },
      undefined,
    ],
    ['never seen', { connection: 'Connected' }, undefined],
  ];
  it.each(cases)('%s', (_name, row, expected) => {
    expect(staleAtMs(row, 30_000)).toBe(expected);
  });
});

describe('dueByClock', () => {
  it('names the keys whose time has come, sorted, and no other', () => {
    const deadlines = new Map([
      ['c', 100],
      ['a', 50],
      ['b', 101],
    ]);
    expect(dueByClock(deadlines, 100)).toEqual(['a', 'c']);
    expect(dueByClock(deadlines, 49)).toEqual([]);
    expect(dueByClock(new Map(), 1e12)).toEqual([]);
  });
});
