import { describe, expect, it } from 'vitest';
import { LabeledCounter } from './counters.ts';

describe('LabeledCounter', () => {
  it.each<[string, readonly string[], readonly [string, number][], readonly string[]]>([
    [
      'known values render as 0 before they are counted',
      ['a', 'b'],
      [],
      ['{r="a"} 0', '{r="b"} 0'],
    ],
    [
      'counts add up per value',
      ['a'],
      [
        ['a', 1],
        ['a', 2],
        ['c', 5],
      ],
      ['{r="a"} 3', '{r="c"} 5'],
    ],
    [
      'values render sorted',
      [],
      [
        ['z', 1],
        ['m', 1],
      ],
      ['{r="m"} 1', '{r="z"} 1'],
    ],
  ])('%s', (_what, known, incs, lines) => {
    const c = new LabeledCounter<string>('x_total', 'Things.', 'r', known);
    for (const [v, by] of incs) c.inc(v, by);
    expect(c.render()).toEqual([
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      ...lines.map((l) => `x_total${l}`),
    ]);
  });

  it('reads single values and a snapshot', () => {
    const c = new LabeledCounter<'a' | 'b'>('x_total', 'Things.', 'r', ['a']);
    c.inc('b');
    expect([c.get('a'), c.get('b')]).toEqual([0, 1]);
    expect(c.snapshot()).toEqual({ a: 0, b: 1 });
  });
});
