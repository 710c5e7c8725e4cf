import { describe, expect, it } from 'vitest';
import { steadyClock } from './steady-clock.ts';

describe('steadyClock', () => {
  const cases: ReadonlyArray<{
    name: string;
    wallSteps: readonly number[];
    monoSteps: readonly number[];
    want: readonly number[];
  }> = [
    {
      name: 'follows elapsed monotonic time',
      wallSteps: [1_000_000],
      monoSteps: [50, 1_050, 2_050],
      want: [1_001_000, 1_002_000],
    },
    {
      name: 'a forward wall step is not seen',
      wallSteps: [1_000_000, 1_000_000 + 3_600_000],
      monoSteps: [0, 500],
      want: [1_000_500],
    },
    {
      name: 'a backward wall step is not seen',
      wallSteps: [1_000_000, 1_000_000 - 3_600_000],
      monoSteps: [0, 500, 900],
      want: [1_000_500, 1_000_900],
    },
    {
      name: 'fractional monotonic time is floored to whole milliseconds',
      wallSteps: [10],
      monoSteps: [0.25, 1.9],
      want: [11],
    },
  ];
  it.each(cases)('$name', ({ wallSteps, monoSteps, want }) => {
    let w = 0;
    let m = 0;
    const clock = steadyClock(
      () => wallSteps[Math.min(w++, wallSteps.length - 1)] ?? 0,
      () => monoSteps[Math.min(m++, monoSteps.length - 1)] ?? 0,
    );
    expect(want.map(() => clock())).toEqual(want);
  });
});
