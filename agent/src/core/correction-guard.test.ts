import { describe, expect, it } from 'vitest';
import { isGitfleetError } from '@gitfleet/proto/domain';
import { CorrectionGuard, describeFight } from './correction-guard.ts';
import type { CorrectionGuardOptions } from './correction-guard.ts';

const KEY = 'shop_web_apps_Deployment';
const HPA = 'kube-controller-manager';

/** Records corrections at the given times and returns nextCorrectionAt right after each. */
function run(guard: CorrectionGuard, times: readonly number[], manager = HPA): number[] {
  return times.map((t) => {
    guard.recordCorrection(KEY, t, manager);
    return guard.nextCorrectionAt(KEY, t) - t;
  });
}

describe('CorrectionGuard backoff', () => {
  it.each<[string, CorrectionGuardOptions, number[], number[]]>([
    ['first corrections are immediate', {}, [0, 1_000, 2_000], [0, 0, 0]],
    [
      'the 4th within 60 s starts doubling from 1 s',
      {},
      [0, 1_000, 2_000, 3_000, 4_000, 6_000, 10_000, 18_000],
      [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000],
    ],
    [
      'corrections spread wider than the window never back off',
      {},
      [0, 30_000, 61_000, 92_000, 123_000],
      [0, 0, 0, 0, 0],
    ],
    [
      'capped at maxBackoffMs',
      { maxBackoffMs: 5_000 },
      [0, 1, 2, 3, 1_003, 3_003, 7_003, 12_003, 17_003],
      [0, 0, 0, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000],
    ],
    ['burstLimit 0 backs off from the first', { burstLimit: 0 }, [0, 1_000], [1_000, 2_000]],
  ])('%s', (_name, options, times, delays) => {
    expect(run(new CorrectionGuard(options), times)).toEqual(delays);
  });

  it('nextCorrectionAt is the later of now and the end of the backoff', () => {
    const guard = new CorrectionGuard();
    run(guard, [0, 100, 200, 300, 400]); // backoff 2 s after the 5th
    expect(guard.nextCorrectionAt(KEY, 1_000)).toBe(2_400);
    expect(guard.nextCorrectionAt(KEY, 5_000)).toBe(5_000);
    expect(guard.nextCorrectionAt('other', 7)).toBe(7);
  });

  it('a quiet period after the backoff ends the fight', () => {
    const guard = new CorrectionGuard();
    run(guard, [0, 1, 2, 3]); // fighting, backoff 1 s
    expect(guard.fightingWith(KEY, 1_003)).toBeDefined();
    // quiet = backoff (1 s) + quietPeriodMs (60 s) after the last correction
    expect(guard.fightingWith(KEY, 61_002)).toBeDefined();
    expect(guard.fightingWith(KEY, 61_003)).toBeUndefined();
    expect(run(guard, [61_003, 61_004, 61_005])).toEqual([0, 0, 0]);
  });
});

describe('CorrectionGuard.fightingWith', () => {
  it('is undefined before the fight starts', () => {
    const guard = new CorrectionGuard();
    run(guard, [0, 1_000, 2_000]);
    expect(guard.fightingWith(KEY, 2_000)).toBeUndefined();
  });

  it('names the manager that drifted the object most often', () => {
    const guard = new CorrectionGuard();
    guard.recordCorrection(KEY, 0, 'kubectl-edit');
    guard.recordCorrection(KEY, 2_000, HPA);
    guard.recordCorrection(KEY, 4_000, HPA);
    guard.recordCorrection(KEY, 6_000, '');
    guard.recordCorrection(KEY, 8_000, HPA);
    const fight = guard.fightingWith(KEY, 8_000);
    expect(fight).toEqual({
      manager: HPA,
      count: 5,
      spanMs: 8_000,
      backoffMs: 2_000,
      nextCorrectionAtMs: 10_000,
    });
    expect(fight && describeFight(fight)).toBe(
      'fighting with kube-controller-manager: 5 corrections in 8 s, backing off 2 s',
    );
  });

  it('says unknown when no manager was named', () => {
    const guard = new CorrectionGuard();
    for (const t of [0, 1, 2, 3]) guard.recordCorrection(KEY, t, '');
    expect(guard.fightingWith(KEY, 3)?.manager).toBe('unknown');
  });

  it('describes fractional seconds', () => {
    expect(
      describeFight({
        manager: 'x',
        count: 4,
        spanMs: 1_500,
        backoffMs: 1_000,
        nextCorrectionAtMs: 0,
      }),
    ).toBe('fighting with x: 4 corrections in 1.5 s, backing off 1 s');
  });
});

describe('CorrectionGuard memory', () => {
  it('forgets keys idle for longer than forgetAfterMs', () => {
    const guard = new CorrectionGuard({ windowMs: 1_000 });
    guard.recordCorrection('a', 0, HPA);
    guard.recordCorrection('b', 5_000, HPA);
    guard.prune(10_001);
    expect(guard.size).toBe(1);
    guard.recordCorrection('c', 15_001, HPA); // prunes on the way
    expect(guard.size).toBe(1);
  });

  it('keeps at most maxKeys, dropping the least recently corrected', () => {
    const guard = new CorrectionGuard({ maxKeys: 2 });
    guard.recordCorrection('a', 0, HPA);
    guard.recordCorrection('b', 1, HPA);
    guard.recordCorrection('a', 2, HPA);
    guard.recordCorrection('c', 3, HPA);
    expect(guard.size).toBe(2);
    expect(guard.nextCorrectionAt('b', 3)).toBe(3);
    guard.forget('a');
    expect(guard.size).toBe(1);
  });

  it('holds 100,000 corrections over 20,000 objects in bounded memory', () => {
    const guard = new CorrectionGuard({ maxKeys: 1_000 });
    for (let i = 0; i < 100_000; i++) guard.recordCorrection(`k${String(i % 20_000)}`, i, HPA);
    expect(guard.size).toBe(1_000);
  });
});

describe('CorrectionGuard options', () => {
  it('rejects invalid options, listing every problem', () => {
    try {
      new CorrectionGuard({ burstLimit: -1, windowMs: 0, baseBackoffMs: 10, maxBackoffMs: 5 });
      expect.unreachable('constructor should throw');
    } catch (err) {
      expect(isGitfleetError(err, 'CONFIG_INVALID')).toBe(true);
      const message = (err as Error).message;
      expect(message).toContain('burstLimit');
      expect(message).toContain('windowMs');
      expect(message).toContain('maxBackoffMs must be >= baseBackoffMs');
    }
  });

  it('resolves defaults', () => {
    expect(new CorrectionGuard().options).toEqual({
      burstLimit: 3,
      windowMs: 60_000,
      baseBackoffMs: 1_000,
      maxBackoffMs: 300_000,
      quietPeriodMs: 60_000,
      forgetAfterMs: 600_000,
      maxKeys: 10_000,
    });
  });
});
