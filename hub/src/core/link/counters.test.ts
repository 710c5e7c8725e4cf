import { describe, expect, it } from 'vitest';
import { LabeledCounter } from './counters.ts';

describe('LabeledCounter', () => {
  it.each<[string, readonly string[], readonly [string, number][], Record<string, number>]>([
    ['known values are 0 before they are counted', ['a', 'b'], [], { a: 0, b: 0 }],
    [
      'counts add up per value',
      ['a'],
      [
        ['a', 1],
        ['a', 2],
        ['c', 5],
      ],
      { a: 3, c: 5 },
    ],
    ['nothing known, nothing counted', [], [], {}],
  ])('%s', (_what, known, incs, snapshot) => {
    const c = new LabeledCounter<string>(known);
    for (const [v, by] of incs) c.inc(v, by);
    expect(c.snapshot()).toEqual(snapshot);
  });

  it('reads single values and a snapshot', () => {
    const c = new LabeledCounter<'a' | 'b'>(['a']);
    c.inc('b');
    expect([c.get('a'), c.get('b')]).toEqual([0, 1]);
    expect(c.snapshot()).toEqual({ a: 0, b: 1 });
  });
});
