import { describe, expect, it } from 'vitest';
import { fleet } from '@gitfleet/hub';

const { parseFleet, placementOf, resolveRevisionRef } = fleet;
import { EXAMPLE_FLEET_FILES } from './example-fleet.ts';

describe('the demo fleet repository', () => {
  const parsed = parseFleet(new Map(Object.entries(EXAMPLE_FLEET_FILES)));

  it('is a valid fleet definition', () => {
    expect(parsed.problems).toEqual([]);
  });

  it('places podinfo on dev, staging and prod, tracking main everywhere', () => {
    expect(placementOf(parsed.spec, 'podinfo')).toEqual(['dev', 'prod', 'staging']);
    for (const t of ['dev', 'staging', 'prod']) {
      expect(resolveRevisionRef(parsed.spec, 'podinfo', t)).toMatchObject({
        ref: 'main',
        source: 'application',
      });
    }
  });

  it('rolls podinfo out dev → staging → prod, prod behind a manual gate', () => {
    const rollout = parsed.spec.applications.find((a) => a.name === 'podinfo')?.rollout;
    expect(rollout?.waves.map((w) => [w.name, w.soakMs, w.gate])).toEqual([
      ['canary', 15_000, undefined],
      ['staging', 0, undefined],
      ['prod', 0, 'manual'],
    ]);
    expect(rollout).toMatchObject({ onFailure: 'rollback', progressDeadlineMs: 120_000 });
  });
});
