import { describe, expect, it } from 'vitest';
import { MIN, SEC, T0, dev, strategy } from './__fixtures__/world.ts';
import { planPreview } from './preview.ts';
import type { RolloutTarget } from './state.ts';
import { windowsState } from './windows.ts';

describe('planPreview', () => {
  it('explains every target before a rollout: wave, why, and what would hold it back', () => {
    const s = strategy(
      [
        {
          name: 'canary',
          selector: { matchLabels: { env: 'dev' } },
          maxUnavailable: { count: 1 },
          soakMs: 30 * SEC,
          gate: 'manual',
        },
        {
          name: 'prod',
          selector: { matchLabels: { env: 'prod' } },
          maxUnavailable: { percent: 50 },
        },
      ],
      { staleTargets: 'skip' },
    );
    const targets: RolloutTarget[] = [
      { name: 'dev-1', labels: dev(), connection: 'Connected' },
      { name: 'prod-1', labels: dev('prod'), connection: 'Stale' },
      {
        name: 'prod-2',
        labels: dev('prod'),
        connection: 'Connected',
        syncWindow: windowsState(
          [{ kind: 'deny', schedule: '0 0 * * *', durationMs: 12 * 60 * MIN, timeZone: 'UTC' }],
          T0,
        ),
      },
      { name: 'lab-1', labels: dev('lab'), connection: 'Connected' },
    ];
    const preview = planPreview(s, targets, {
      'dev-1': { revision: 'v1', sync: 'Synced', health: 'Healthy' },
    });
    expect(preview.targets.map((t) => [t.target, t.wave, t.membership, t.state, t.reason])).toEqual(
      [
        [
          'dev-1',
          'canary',
          'selector matched wave canary (env=dev)',
          'pending',
          'ready (reports v1 Synced/Healthy)',
        ],
        [
          'prod-1',
          'prod',
          'selector matched wave prod (env=prod)',
          'skipped',
          'would be skipped: target prod-1 is Stale: skipped (staleTargets: skip)',
        ],
        [
          'prod-2',
          'prod',
          'selector matched wave prod (env=prod)',
          'held',
          'would be held: sync window closed (deny 0 0 * * * for 12h, UTC) until 2026-01-05T12:00:00.000Z',
        ],
        [
          'lab-1',
          'unmatched',
          'no wave selector matched: implicit last wave unmatched',
          'pending',
          'ready (no report yet)',
        ],
      ],
    );
    expect(preview.summary).toBe(
      '3 wave(s): canary: 1 target (env=dev), maxUnavailable 1, soak 30s, gate manual → prod: 2 targets (env=prod), maxUnavailable 50% = 1 → unmatched: 1 target (no wave selector matched), maxUnavailable 100% = 1; progressDeadline 10m, failureBudget 0, onFailure halt, staleTargets skip',
    );
    expect(preview.waves.map((w) => [w.name, w.status, w.targets])).toEqual([
      ['canary', 'pending', ['dev-1']],
      ['prod', 'pending', ['prod-1', 'prod-2']],
      ['unmatched', 'pending', ['lab-1']],
    ]);
  });
});
