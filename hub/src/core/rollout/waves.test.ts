import { describe, expect, it } from 'vitest';
import { CANARY_THEN_REST, dev, strategy } from './__fixtures__/world.ts';
import { assignWaves, resolveMaxUnavailable } from './waves.ts';

describe('assignWaves', () => {
  it('puts each target in the first wave that selects it, the rest in the implicit last wave', () => {
    const s = strategy([
      { name: 'canary', selector: { matchLabels: { canary: 'true' } } },
      { name: 'eu', selector: { matchLabels: { region: 'eu' } } },
      {
        name: 'prod',
        selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      },
    ]);
    const waves = assignWaves(s, [
      { name: 'prod-eu-2', labels: { env: 'prod', region: 'eu' } },
      { name: 'prod-eu-1', labels: { env: 'prod', region: 'eu', canary: 'true' } },
      { name: 'prod-us-1', labels: { env: 'prod', region: 'us' } },
      { name: 'lab-1', labels: { env: 'lab' } },
    ]);
    expect(waves.map((w) => [w.name, w.implicit, w.targets])).toEqual([
      [
        'canary',
        false,
        [{ name: 'prod-eu-1', reason: 'selector matched wave canary (canary=true)' }],
      ],
      ['eu', false, [{ name: 'prod-eu-2', reason: 'selector matched wave eu (region=eu)' }]],
      [
        'prod',
        false,
        [{ name: 'prod-us-1', reason: 'selector matched wave prod (env in (prod))' }],
      ],
      [
        'unmatched',
        true,
        [{ name: 'lab-1', reason: 'no wave selector matched: implicit last wave unmatched' }],
      ],
    ]);
  });

  it('an empty selector takes everything not in an earlier wave, and says so', () => {
    const waves = assignWaves(CANARY_THEN_REST, [
      { name: 'dev-1', labels: dev() },
      { name: 'prod-1', labels: dev('prod') },
    ]);
    expect(waves[1]?.targets).toEqual([
      { name: 'prod-1', reason: 'selector matched wave rest (everything not in canary)' },
    ]);
    expect(waves[2]).toMatchObject({ name: 'unmatched', implicit: true, targets: [] });
  });

  it.each<[string, { count: number } | { percent: number }, number, number]>([
    ['a count', { count: 3 }, 10, 3],
    ['25% of 10 rounds down', { percent: 25 }, 10, 2],
    ['25% of 3 is at least 1', { percent: 25 }, 3, 1],
    ['50% of 5', { percent: 50 }, 5, 2],
    ['12.5% of 16', { percent: 12.5 }, 16, 2],
    ['100% of 7', { percent: 100 }, 7, 7],
    ['any % of an empty wave is 1', { percent: 10 }, 0, 1],
  ])('resolveMaxUnavailable: %s', (_name, spec, size, expected) => {
    expect(resolveMaxUnavailable(spec, size)).toBe(expected);
  });
});
