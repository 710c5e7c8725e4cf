import { describe, expect, it } from 'vitest';
import { logThrottle } from './log-throttle.ts';

describe('logThrottle: one line per key per window, with the count of the ones suppressed', () => {
  it.each<[string, readonly [string, number][], readonly [boolean, number][]]>([
    ['first occurrence is logged', [['a', 0]], [[true, 0]]],
    [
      'repeats within the window are suppressed and counted',
      [
        ['a', 0],
        ['a', 1_000],
        ['a', 9_999],
      ],
      [
        [true, 0],
        [false, 1],
        [false, 2],
      ],
    ],
    [
      'after the window: logged again, saying how many were suppressed',
      [
        ['a', 0],
        ['a', 5_000],
        ['a', 10_000],
        ['a', 10_001],
      ],
      [
        [true, 0],
        [false, 1],
        [true, 1],
        [false, 1],
      ],
    ],
    [
      'keys are independent',
      [
        ['a', 0],
        ['b', 1],
        ['a', 2],
      ],
      [
        [true, 0],
        [true, 0],
        [false, 1],
      ],
    ],
  ])('%s', (_name, events, expected) => {
    let t = 0;
    const throttle = logThrottle(10_000, () => t);
    const got = events.map(([key, at]) => {
      t = at;
      const v = throttle.check(key);
      return [v.log, v.suppressed] as const;
    });
    expect(got).toEqual(expected);
  });

  it('forgets the oldest keys beyond 1,000 (bounded memory)', () => {
    let t = 0;
    const throttle = logThrottle(10_000, () => t);
    for (let i = 0; i <= 1_000; i++) throttle.check(`k${String(i)}`);
    t = 1;
    // k0 was forgotten: logged again at once; k1000 is still remembered
    expect(throttle.check('k0').log).toBe(true);
    expect(throttle.check('k1000').log).toBe(false);
  });
});
