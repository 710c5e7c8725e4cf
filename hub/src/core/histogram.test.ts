import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.ts';

describe('Histogram', () => {
  it.each<[string, number[], string[]]>([
    [
      'nothing observed',
      [],
      [
        'h_bucket{le="0.1"} 0',
        'h_bucket{le="1"} 0',
        'h_bucket{le="+Inf"} 0',
        'h_sum 0',
        'h_count 0',
      ],
    ],
    [
      'cumulative buckets, a value on a bound counts in it',
      [0.05, 0.1, 0.5, 3],
      [
        'h_bucket{le="0.1"} 2',
        'h_bucket{le="1"} 3',
        'h_bucket{le="+Inf"} 4',
        'h_sum 3.65',
        'h_count 4',
      ],
    ],
    [
      'negative and non-finite values are ignored',
      [-1, Number.NaN, Number.POSITIVE_INFINITY, 0.2],
      [
        'h_bucket{le="0.1"} 0',
        'h_bucket{le="1"} 1',
        'h_bucket{le="+Inf"} 1',
        'h_sum 0.2',
        'h_count 1',
      ],
    ],
  ])('%s', (_, values, lines) => {
    const h = new Histogram('h', 'help text', [0.1, 1]);
    for (const v of values) h.observe(v);
    expect(h.render()).toEqual(['# HELP h help text', '# TYPE h histogram', ...lines]);
  });

  it('refuses bounds that do not ascend', () => {
    expect(() => new Histogram('h', '', [1, 1])).toThrow(/ascend/);
  });
});
