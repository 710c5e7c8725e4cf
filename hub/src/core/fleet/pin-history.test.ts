import { describe, expect, it } from 'vitest';
import { setBy, type PinCommit, type SetByAnswer } from './pin-history.ts';

const K = 'prod\nweb\n';

/** A history from `id: parents; value` lines (value '-': the pin is absent). */
function history(spec: Record<string, [string[], string]>): Map<string, PinCommit> {
  return new Map(
    Object.entries(spec).map(([id, [parents, value]]) => [
      id,
      { parents, pins: new Map(value === '-' ? [] : [[K, value]]) },
    ]),
  );
}

describe('setBy', () => {
  it.each<{
    name: string;
    h: Record<string, [string[], string]>;
    head?: string;
    want: SetByAnswer;
  }>([
    {
      name: 'the head itself changed the value',
      h: { c3: [['c2'], 'v2'], c2: [['c1'], 'v1'], c1: [[], 'v1'] },
      want: { kind: 'set', commit: 'c3' },
    },
    {
      name: 'an older commit set it; later commits kept it',
      h: { c3: [['c2'], 'v2'], c2: [['c1'], 'v2'], c1: [[], 'v1'] },
      want: { kind: 'set', commit: 'c2' },
    },
    {
      name: 'there from the root commit',
      h: { c2: [['c1'], 'v1'], c1: [[], 'v1'] },
      want: { kind: 'set', commit: 'c1' },
    },
    {
      name: 'added where the parent had no pin',
      h: { c2: [['c1'], 'v1'], c1: [[], '-'] },
      want: { kind: 'set', commit: 'c2' },
    },
    {
      name: 'set back to an older value: the newest commit that wrote it counts',
      h: { c4: [['c3'], 'v1'], c3: [['c2'], 'v2'], c2: [['c1'], 'v1'], c1: [[], 'v1'] },
      want: { kind: 'set', commit: 'c4' },
    },
    {
      name: 'a merge brought it in: the commit on the side branch wrote it',
      h: {
        m: [['a2', 'b1'], 'v2'],
        a2: [['a1'], 'v1'],
        b1: [['a1'], 'v2'],
        a1: [[], 'v1'],
      },
      head: 'm',
      want: { kind: 'set', commit: 'b1' },
    },
    {
      name: 'a merge that wrote a value neither parent had',
      h: { m: [['a1', 'b1'], 'v3'], a1: [[], 'v1'], b1: [[], 'v2'] },
      head: 'm',
      want: { kind: 'set', commit: 'm' },
    },
    {
      name: 'the walk needs a parent not read yet',
      h: { c3: [['c2'], 'v2'], c2: [['c1'], 'v2'] },
      want: { kind: 'missing', commit: 'c1' },
    },
    {
      name: 'the head not read yet',
      h: {},
      head: 'c9',
      want: { kind: 'missing', commit: 'c9' },
    },
    {
      name: 'the pin is not in the file at the head',
      h: { c2: [['c1'], '-'], c1: [[], 'v1'] },
      want: { kind: 'absent' },
    },
  ])('$name', ({ h, head, want }) => {
    const hist = history(h);
    expect(setBy(hist, head ?? [...hist.keys()][0] ?? '', K)).toEqual(want);
  });

  it('keeps pins apart: another pin of the file changing does not count', () => {
    const other = 'prod\napi\n';
    const hist = new Map<string, PinCommit>([
      [
        'c2',
        {
          parents: ['c1'],
          pins: new Map([
            [K, 'v1'],
            [other, 'x2'],
          ]),
        },
      ],
      [
        'c1',
        {
          parents: [],
          pins: new Map([
            [K, 'v1'],
            [other, 'x1'],
          ]),
        },
      ],
    ]);
    expect(setBy(hist, 'c2', K)).toEqual({ kind: 'set', commit: 'c1' });
    expect(setBy(hist, 'c2', other)).toEqual({ kind: 'set', commit: 'c2' });
  });
});
