import { describe, expect, it } from 'vitest';
import type { HealthStatus, SyncState } from '@gitfleet/proto';
import { ROLLOUT_DEFAULTS } from '../fleet/types.ts';
import type { Labels, RolloutStrategy, RolloutWave, SyncWindow } from '../fleet/types.ts';
import { planPreview, revisionFor, startRollout, step, supersedeRollout } from './plan.ts';
import type { StepInput, StepResult, TargetExplanation } from './plan.ts';
import type {
  ObservedStatus,
  RolloutCommand,
  RolloutState,
  RolloutTarget,
  TargetConnection,
} from './state.ts';
import { assignWaves, resolveMaxUnavailable } from './waves.ts';
import { windowsState } from './windows.ts';
import type { WindowsState } from './windows.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const T0 = Date.parse('2026-01-05T10:00:00Z');

type WaveInput = Pick<RolloutWave, 'name'> & Partial<RolloutWave>;

function strategy(waves: WaveInput[], rest: Partial<RolloutStrategy> = {}): RolloutStrategy {
  return {
    waves: waves.map((w) => ({
      selector: {},
      maxUnavailable: ROLLOUT_DEFAULTS.maxUnavailable,
      soakMs: 0,
      ...w,
    })),
    progressDeadlineMs: 10 * MIN,
    failureBudget: 0,
    onFailure: 'halt',
    staleTargets: 'block',
    ...rest,
  };
}

const dev = (env = 'dev'): Labels => ({ env });

/** Canary on dev one at a time with a 30s soak, then the rest two at a time. */
const CANARY_THEN_REST = strategy([
  {
    name: 'canary',
    selector: { matchLabels: { env: 'dev' } },
    maxUnavailable: { count: 1 },
    soakMs: 30 * SEC,
  },
  { name: 'rest', maxUnavailable: { count: 2 } },
]);

const SIX: Record<string, Labels> = {
  'dev-1': dev(),
  'dev-2': dev(),
  'prod-1': dev('prod'),
  'prod-2': dev('prod'),
  'prod-3': dev('prod'),
  'prod-4': dev('prod'),
};

/**
 * A small simulated fleet: targets, what they report, the rollout state and the clock. Every
 * target starts healthy at v1; `converge` makes targets report healthy at what revisionFor says.
 */
function world(
  strat: RolloutStrategy,
  labels: Record<string, Labels> = SIX,
  options: { from?: string; to?: string } = {},
) {
  const from = options.from ?? 'v1';
  const to = options.to ?? 'v2';
  const w = {
    strategy: strat,
    now: T0,
    state: startRollout('shop', from, to, T0),
    connection: {} as Record<string, TargetConnection>,
    windows: {} as Record<string, WindowsState>,
    statuses: Object.fromEntries(
      Object.keys(labels).map((name) => [
        name,
        { revision: from, sync: 'Synced', health: 'Healthy', sinceMs: T0 - MIN },
      ]),
    ) as Record<string, ObservedStatus>,
    last: undefined as StepResult | undefined,
    targets(): RolloutTarget[] {
      return Object.entries(labels).map(([name, l]) => ({
        name,
        labels: l,
        connection: w.connection[name] ?? 'Connected',
        ...(w.windows[name] === undefined ? {} : { syncWindow: w.windows[name] }),
      }));
    },
    step(extra: Partial<StepInput> = {}): StepResult {
      w.last = step({
        strategy: w.strategy,
        targets: w.targets(),
        statuses: w.statuses,
        state: w.state,
        nowMs: w.now,
        ...extra,
      });
      w.state = w.last.state;
      return w.last;
    },
    command(...commands: RolloutCommand[]): StepResult {
      return w.step({ commands });
    },
    report(
      name: string,
      revision: string,
      health: HealthStatus = 'Healthy',
      sync: SyncState = 'Synced',
    ): void {
      w.statuses[name] = { revision, sync, health, sinceMs: w.now };
    },
    /** Every Connected target reports healthy at the revision it should run. */
    converge(): void {
      for (const name of Object.keys(labels)) {
        if ((w.connection[name] ?? 'Connected') !== 'Connected') continue;
        const revision = revisionFor(w.state, name);
        const s = w.statuses[name];
        if (s?.revision !== revision) w.report(name, revision);
      }
    },
    tick(ms: number): void {
      w.now += ms;
    },
    moved(): string[] {
      return Object.keys(w.state.moved).sort();
    },
    why(name: string): TargetExplanation | undefined {
      return w.last?.explanation.targets.find((t) => t.target === name);
    },
  };
  return w;
}

const moves = (r: StepResult): string[] => r.actions.map((a) => `${a.target}→${a.revision}`);

// ---------------------------------------------------------------------------------------------

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

describe('a healthy rollout', () => {
  it('advances wave by wave, respecting maxUnavailable and the soak', () => {
    const w = world(CANARY_THEN_REST);
    // Step 1: the canary wave starts; one target at a time.
    let r = w.step();
    expect(moves(r)).toEqual(['dev-1→v2']);
    expect(r.actions[0]?.reason).toBe('move to v2 (wave canary)');
    expect(w.why('dev-1')).toMatchObject({ state: 'progressing', wave: 'canary' });
    expect(w.why('dev-2')).toMatchObject({
      state: 'waiting',
      membership: 'selector matched wave canary (env=dev)',
      reason: 'waiting: maxUnavailable 1 reached (moving: dev-1)',
      revision: 'v1',
    });
    expect(w.why('prod-1')).toMatchObject({
      state: 'pending',
      reason: 'pending: wave rest comes after canary; keeps v1',
    });
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: wave 1/2 canary: 0/2 healthy, 1 moving, 1 waiting',
    );
    // Nothing changes until dev-1 is healthy at v2.
    w.tick(10 * SEC);
    expect(moves(w.step())).toEqual([]);
    w.converge();
    r = w.step();
    expect(moves(r)).toEqual(['dev-2→v2']);
    expect(w.why('dev-1')?.reason).toBe(`moved at ${new Date(T0).toISOString()}, healthy`);
    // Both healthy: the soak starts.
    w.converge();
    r = w.step();
    expect(r.state.phase).toBe('Soaking');
    expect(moves(r)).toEqual([]);
    w.tick(10 * SEC);
    r = w.step();
    expect(r.explanation.summary).toBe('shop v1 → v2: wave 1/2 canary healthy, soaking 10s of 30s');
    // Soak elapsed: the rest, two at a time.
    w.tick(20 * SEC);
    r = w.step();
    expect(r.state.phase).toBe('Progressing');
    expect(moves(r)).toEqual(['prod-1→v2', 'prod-2→v2']);
    expect(w.why('prod-3')?.reason).toBe(
      'waiting: maxUnavailable 2 reached (moving: prod-1, prod-2)',
    );
    // One becomes healthy: one more moves.
    w.report('prod-1', 'v2');
    expect(moves(w.step())).toEqual(['prod-3→v2']);
    w.converge();
    expect(moves(w.step())).toEqual(['prod-4→v2']);
    w.converge();
    r = w.step();
    expect(r.state.phase).toBe('Completed');
    expect(r.explanation.summary).toBe('shop v1 → v2: completed: 6 target(s) moved');
    expect(r.state.history.map((e) => e.kind)).toEqual([
      'started',
      'wave-started',
      'moved',
      'moved',
      'soak-started',
      'wave-completed',
      'wave-started',
      'moved',
      'moved',
      'moved',
      'wave-completed',
      'completed',
    ]);
  });

  it('a soak restarts when a target of the wave stops being healthy', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    expect(w.step().state.phase).toBe('Soaking');
    w.tick(20 * SEC);
    w.report('dev-1', 'v2', 'Progressing');
    expect(w.step().state).toMatchObject({ phase: 'Progressing' });
    expect(w.state.waveHealthySinceMs).toBeUndefined();
    w.report('dev-1', 'v2');
    w.tick(5 * SEC);
    expect(w.step().state.phase).toBe('Soaking');
    w.tick(29 * SEC);
    expect(w.step().state.phase).toBe('Soaking');
    w.tick(1 * SEC);
    expect(moves(w.step())).toEqual(['prod-1→v2']);
  });

  it('zero soak and no waits: one step per wave (plus the first)', () => {
    const labels: Record<string, Labels> = {};
    for (let i = 0; i < 60; i++)
      labels[`t-${String(i).padStart(2, '0')}`] = { ring: String(i % 3) };
    const s = strategy([
      { name: 'ring-0', selector: { matchLabels: { ring: '0' } } },
      { name: 'ring-1', selector: { matchLabels: { ring: '1' } } },
      { name: 'ring-2', selector: {} },
    ]);
    const w = world(s, labels);
    let steps = 0;
    while (w.state.phase !== 'Completed' && steps < 20) {
      w.step();
      w.converge();
      steps += 1;
    }
    expect(steps).toBe(4);
    expect(w.moved()).toHaveLength(60);
  });

  it('targets already at toRevision count as healthy at once (a wave can pass in the step that moves it)', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.report('dev-1', 'v2');
    w.report('prod-1', 'v2');
    const r = w.step();
    expect(r.state.phase).toBe('Soaking');
    w.tick(30 * SEC);
    expect(w.step().state.phase).toBe('Completed');
  });

  it('passes over empty waves, gate included', () => {
    const s = strategy([
      { name: 'qa', selector: { matchLabels: { env: 'qa' } }, gate: 'manual' },
      { name: 'all' },
    ]);
    const w = world(s, { 'prod-1': dev('prod') });
    const r = w.step();
    expect(moves(r)).toEqual(['prod-1→v2']);
    expect(r.state.history.map((e) => e.kind)).toEqual([
      'started',
      'wave-skipped',
      'wave-started',
      'moved',
    ]);
  });

  it('rolls unmatched targets out last, in the implicit wave', () => {
    const s = strategy([{ name: 'canary', selector: { matchLabels: { env: 'dev' } } }]);
    const w = world(s, { 'dev-1': dev(), 'lab-1': dev('lab') });
    expect(moves(w.step())).toEqual(['dev-1→v2']);
    expect(w.why('lab-1')).toMatchObject({
      wave: 'unmatched',
      waveIndex: 1,
      membership: 'no wave selector matched: implicit last wave unmatched',
      state: 'pending',
    });
    w.converge();
    expect(moves(w.step())).toEqual(['lab-1→v2']);
  });

  it('percentages resolve against the wave size', () => {
    const labels: Record<string, Labels> = {};
    for (let i = 1; i <= 8; i++) labels[`p-${String(i)}`] = dev('prod');
    const w = world(strategy([{ name: 'all', maxUnavailable: { percent: 25 } }]), labels);
    expect(moves(w.step())).toEqual(['p-1→v2', 'p-2→v2']);
    expect(w.last?.explanation.waves[0]).toMatchObject({
      maxUnavailable: 2,
      maxUnavailableSpec: '25%',
      description: 'all: 8 targets (everything), maxUnavailable 25% = 2',
    });
    w.converge();
    expect(moves(w.step())).toEqual(['p-3→v2', 'p-4→v2']);
  });
});

describe('failures', () => {
  const halting = strategy(
    [
      { name: 'canary', selector: { matchLabels: { env: 'dev' } } },
      { name: 'rest', maxUnavailable: { count: 1 } },
    ],
    { onFailure: 'halt' },
  );

  it('Degraded after the move halts (onFailure: halt) and nothing more moves', () => {
    const w = world(halting);
    w.step();
    w.report('dev-1', 'v2', 'Degraded');
    w.report('dev-2', 'v2');
    const r = w.step();
    expect(r.state.phase).toBe('Halted');
    expect(r.state.failed['dev-1']).toEqual({ atMs: T0, reason: 'Degraded', wave: 'canary' });
    expect(w.why('dev-1')).toMatchObject({ state: 'failed', reason: 'failed: Degraded' });
    expect(w.why('prod-1')).toMatchObject({
      state: 'unchanged',
      reason: 'halted before its turn: keeps v1',
    });
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: halted in wave 1/2 canary: dev-1: Degraded (1 failed of failureBudget 0); resume, rollback or abort',
    );
    w.tick(MIN);
    expect(moves(w.step())).toEqual([]);
    expect(revisionFor(w.state, 'dev-1')).toBe('v2');
  });

  it('Degraded at the old revision (the report from before the move) is not a failure', () => {
    const w = world(halting);
    w.report('dev-1', 'v1', 'Degraded');
    w.step();
    expect(w.step().state.phase).toBe('Progressing');
    expect(w.state.failed).toEqual({});
  });

  it('not healthy within progressDeadline is a failure', () => {
    const w = world(halting);
    w.step();
    w.report('dev-1', 'v2', 'Progressing');
    w.converge();
    w.report('dev-1', 'v2', 'Progressing');
    w.tick(10 * MIN - 1);
    expect(w.step().state.phase).toBe('Progressing');
    expect(w.why('dev-1')?.reason).toBe(
      `moved at ${new Date(T0).toISOString()}, not healthy yet (reports v2 Synced/Progressing); 9m59s999ms of progressDeadline 10m`,
    );
    w.tick(1);
    const r = w.step();
    expect(r.state.phase).toBe('Halted');
    expect(r.state.failed['dev-1']?.reason).toBe(
      'not healthy within progressDeadline 10m (reports v2 Synced/Progressing)',
    );
  });

  it('a target that was healthy and then is not gets a fresh deadline from that moment', () => {
    const w = world(halting, { 'dev-1': dev(), 'prod-1': dev('prod'), 'prod-2': dev('prod') });
    w.connection['prod-2'] = 'Stale'; // keeps the rollout running (staleTargets: block)
    w.step();
    w.converge();
    w.step(); // canary done; prod-1 moves
    w.converge();
    w.tick(20 * MIN);
    w.report('dev-1', 'v2', 'Progressing'); // an HPA scaling, say
    w.step();
    expect(w.state.failed).toEqual({});
    w.tick(10 * MIN);
    expect(w.step().state.failed['dev-1']?.reason).toMatch(/^not healthy within progressDeadline/);
  });

  it('the failure budget tolerates failures across the rollout, then halts', () => {
    const s = strategy(
      [
        { name: 'canary', selector: { matchLabels: { env: 'dev' } } },
        { name: 'rest', maxUnavailable: { count: 1 } },
      ],
      { failureBudget: 1 },
    );
    const w = world(s, {
      'dev-1': dev(),
      'dev-2': dev(),
      'prod-1': dev('prod'),
      'prod-2': dev('prod'),
    });
    w.step();
    w.report('dev-1', 'v2', 'Degraded');
    w.report('dev-2', 'v2');
    // Tolerated: the canary wave passes without dev-1, and the failure does not hold a slot.
    let r = w.step();
    expect(r.state.phase).toBe('Progressing');
    expect(moves(r)).toEqual(['prod-1→v2']);
    expect(w.why('dev-1')?.reason).toBe('failed: Degraded (tolerated by failureBudget 1)');
    expect(r.explanation.summary).toContain('1 failed of failureBudget 1');
    w.report('prod-1', 'v2', 'Degraded');
    r = w.step();
    expect(r.state.phase).toBe('Halted');
    expect(Object.keys(r.state.failed).sort()).toEqual(['dev-1', 'prod-1']);
  });

  it('breaking health rolls every moved target back (onFailure: rollback), then RolledBack', () => {
    const s = strategy(
      [
        { name: 'canary', selector: { matchLabels: { env: 'dev' } } },
        { name: 'rest', maxUnavailable: { count: 2 } },
      ],
      { onFailure: 'rollback' },
    );
    const w = world(s);
    w.step();
    w.converge();
    w.step(); // canary healthy → prod-1, prod-2 move
    expect(w.moved()).toEqual(['dev-1', 'dev-2', 'prod-1', 'prod-2']);
    w.report('prod-1', 'v2', 'Progressing');
    w.report('prod-2', 'v2', 'Degraded');
    let r = w.step();
    expect(r.state.phase).toBe('RollingBack');
    expect(moves(r)).toEqual(['dev-1→v1', 'dev-2→v1', 'prod-1→v1', 'prod-2→v1']);
    expect(r.actions.every((a) => a.reason === 'roll back to v1')).toBe(true);
    expect(w.why('prod-3')).toMatchObject({ state: 'unchanged', revision: 'v1' });
    expect(w.why('dev-1')).toMatchObject({
      state: 'rolling-back',
      reason: 'rolling back to v1: reports v2 Synced/Healthy',
    });
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: rolling back to v1: 0/4 back (1 failed target(s) > failureBudget 0 (prod-2: Degraded))',
    );
    w.report('dev-1', 'v1');
    w.report('dev-2', 'v1');
    w.report('prod-1', 'v1');
    r = w.step();
    expect(r.state.phase).toBe('RollingBack');
    expect(r.explanation.summary).toMatch(/rolling back to v1: 3\/4 back/);
    w.report('prod-2', 'v1');
    r = w.step();
    expect(r.state.phase).toBe('RolledBack');
    expect(w.why('prod-2')).toMatchObject({
      state: 'rolled-back',
      reason: 'rolled back to v1, healthy',
    });
    expect(Object.keys(SIX).map((t) => revisionFor(r.state, t))).toEqual(Array(6).fill('v1'));
  });

  it('resume after a halt forgives failures and restarts their deadline', () => {
    const w = world(halting, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.report('dev-1', 'v2', 'Degraded');
    expect(w.step().state.phase).toBe('Halted');
    w.report('dev-1', 'v2', 'Progressing');
    w.tick(MIN);
    let r = w.command({ kind: 'resume', by: 'alice' });
    expect(r.state.phase).toBe('Progressing');
    expect(r.state.failed).toEqual({});
    expect(r.state.progressSinceMs['dev-1']).toBe(T0 + MIN);
    expect(r.state.history.at(-1)).toMatchObject({
      kind: 'resumed',
      by: 'alice',
      message:
        'resumed by alice after halt: 1 failure(s) forgiven, their progressDeadline restarts',
    });
    w.report('dev-1', 'v2');
    r = w.step();
    expect(moves(r)).toEqual(['prod-1→v2']);
  });

  it('a rollback command rolls back from any running phase', () => {
    const w = world(halting, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    w.command({ kind: 'pause' });
    const r = w.command({ kind: 'rollback', by: 'bob' });
    expect(r.state.phase).toBe('RollingBack');
    expect(r.state.rollback?.reason).toBe('rollback requested by bob');
    expect(moves(r)).toEqual(['dev-1→v1']);
    w.converge();
    expect(w.step().state.phase).toBe('RolledBack');
  });
});

describe('targets that join late', () => {
  it('a target added to a wave already passed is caught up at once, outside maxUnavailable', () => {
    const labels: Record<string, Labels> = {
      'dev-1': dev(),
      'prod-1': dev('prod'),
      'prod-2': dev('prod'),
    };
    const w = world(CANARY_THEN_REST, labels);
    w.step();
    w.converge();
    w.step();
    w.tick(30 * SEC);
    expect(moves(w.step())).toEqual(['prod-1→v2', 'prod-2→v2']);
    labels['dev-9'] = dev(); // a new dev cluster appears in the fleet
    w.statuses['dev-9'] = { revision: 'v1', sync: 'Synced', health: 'Healthy' };
    const r = w.step();
    expect(moves(r)).toEqual(['dev-9→v2']);
    expect(r.actions[0]?.reason).toBe('catch up to v2 (wave canary already passed)');
    expect(r.state.history.at(-1)?.kind).toBe('caught-up');
  });

  it('completion waits for catch-ups held by a sync window', () => {
    const labels: Record<string, Labels> = { 'dev-1': dev(), 'prod-1': dev('prod') };
    const w = world(
      strategy([{ name: 'canary', selector: { matchLabels: { env: 'dev' } } }, { name: 'rest' }]),
      labels,
    );
    w.step();
    w.converge();
    w.step(); // prod-1 moves
    labels['dev-9'] = dev();
    w.windows['dev-9'] = windowsState(
      [{ kind: 'deny', schedule: '0 0 * * *', durationMs: 12 * 60 * MIN, timeZone: 'UTC' }],
      T0,
    );
    w.converge();
    let r = w.step();
    expect(r.state.phase).toBe('Progressing');
    expect(w.why('dev-9')?.state).toBe('held');
    expect(r.explanation.summary).toMatch(
      /every wave passed; 1 target\(s\) of passed waves still to catch up \(held: sync window closed/,
    );
    delete w.windows['dev-9'];
    r = w.step();
    expect(moves(r)).toEqual(['dev-9→v2']);
    w.converge();
    expect(w.step().state.phase).toBe('Completed');
  });
});

describe('Degraded after having been healthy', () => {
  it('fails the target even during the soak', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    expect(w.step().state.phase).toBe('Soaking');
    w.tick(10 * SEC);
    w.report('dev-1', 'v2', 'Degraded');
    const r = w.step();
    expect(r.state.phase).toBe('Halted');
    expect(r.state.failed['dev-1']?.reason).toBe('Degraded');
  });
});

describe('manual gates', () => {
  const gated = strategy([
    { name: 'canary', selector: { matchLabels: { env: 'dev' } } },
    { name: 'prod', gate: 'manual' },
  ]);

  it('waits for an approval before the wave starts', () => {
    const w = world(gated, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    let r = w.step();
    expect(r.state.phase).toBe('WaitingApproval');
    expect(moves(r)).toEqual([]);
    expect(w.why('prod-1')).toMatchObject({
      state: 'waiting',
      reason: 'waiting: gate needs approval (wave prod, gate: manual)',
    });
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: wave 2/2 prod waits for approval (gate: manual)',
    );
    w.tick(MIN);
    expect(w.step().state.phase).toBe('WaitingApproval');
    r = w.command({ kind: 'approve', wave: 'prod', by: 'carol' });
    expect(moves(r)).toEqual(['prod-1→v2']);
    expect(r.state.approvals).toEqual(['prod']);
  });

  it('an approval given in advance means no wait', () => {
    const w = world(gated, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.command({ kind: 'approve', wave: 'prod' });
    w.converge();
    expect(moves(w.step())).toEqual(['prod-1→v2']);
  });

  it('approving a wave that does not exist is ignored, and says why', () => {
    const w = world(gated, { 'dev-1': dev(), 'prod-1': dev('prod') });
    const r = w.command({ kind: 'approve', wave: 'prdo' });
    expect(r.state.approvals).toEqual([]);
    expect(r.state.history.find((e) => e.kind === 'ignored')?.message).toBe(
      'approve ignored: no wave named "prdo" (waves: canary, prod)',
    );
  });
});

describe('stale targets', () => {
  const s = (staleTargets: 'block' | 'skip'): RolloutStrategy =>
    strategy([{ name: 'canary', selector: { matchLabels: { env: 'dev' } } }, { name: 'rest' }], {
      staleTargets,
    });

  it('block: the wave waits for the target, and says so', () => {
    const w = world(s('block'), { 'dev-1': dev(), 'dev-2': dev(), 'prod-1': dev('prod') });
    w.connection['dev-2'] = 'Stale';
    let r = w.step();
    expect(moves(r)).toEqual(['dev-1→v2']);
    expect(w.why('dev-2')).toMatchObject({
      state: 'blocked',
      reason: 'target dev-2 is Stale: blocking (staleTargets: block)',
    });
    w.converge();
    w.tick(30 * MIN); // blocking never turns into a failure by itself
    r = w.step();
    expect(r.state.phase).toBe('Progressing');
    expect(moves(r)).toEqual([]);
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: wave 1/2 canary: 1/2 healthy, 0 moving, 0 waiting; blocked by dev-2 (not Connected, staleTargets: block)',
    );
    w.connection['dev-2'] = 'Connected';
    expect(moves(w.step())).toEqual(['dev-2→v2']);
  });

  it('skip: the target is skipped and listed, the rollout goes on, and it catches up when back', () => {
    const w = world(s('skip'), { 'dev-1': dev(), 'dev-2': dev(), 'prod-1': dev('prod') });
    w.connection['dev-2'] = 'Disconnected';
    w.step();
    expect(w.why('dev-2')).toMatchObject({
      state: 'skipped',
      reason: 'target dev-2 is Disconnected: skipped (staleTargets: skip)',
    });
    w.converge();
    const r = w.step();
    expect(moves(r)).toEqual(['prod-1→v2']);
    expect(r.state.history.find((e) => e.kind === 'wave-completed')).toMatchObject({
      message: 'wave canary completed; skipped (not Connected): dev-2',
      targets: ['dev-2'],
    });
    w.connection['dev-2'] = 'Connected';
    const back = w.step();
    expect(moves(back)).toEqual(['dev-2→v2']);
    expect(back.actions[0]?.reason).toBe('catch up to v2 (wave canary already passed)');
  });

  it('skip: a target still away at the end gets toRevision with the completed rollout', () => {
    const w = world(s('skip'), { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.connection['prod-1'] = 'Stale';
    w.step();
    w.converge();
    const r = w.step();
    expect(r.state.phase).toBe('Completed');
    expect(moves(r)).toEqual(['prod-1→v2']);
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: completed: 1 target(s) moved; prod-1 not moved while not Connected, get v2 now',
    );
  });

  it('skip does not skip a moved target: going Stale after the move must still end healthy', () => {
    const w = world(s('skip'), { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    w.connection['dev-1'] = 'Stale';
    const r = w.step();
    expect(r.state.phase).toBe('Progressing');
    expect(moves(r)).toEqual([]);
    expect(w.why('dev-1')?.reason).toMatch(/not healthy yet \(Stale; reports v2 Synced\/Healthy\)/);
  });
});

describe('sync windows', () => {
  const PARIS_NIGHT: SyncWindow = {
    kind: 'deny',
    schedule: '0 22 * * *',
    durationMs: 8 * 60 * MIN,
    timeZone: 'Europe/Paris',
  };
  const night = Date.parse('2026-01-05T23:00:00Z');

  it('a closed window holds the next wave and says so; it moves once the window opens', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    w.step();
    w.tick(30 * SEC);
    const closed = windowsState([PARIS_NIGHT], night);
    let r = w.step({ syncWindow: closed });
    expect(moves(r)).toEqual([]);
    expect(w.why('prod-1')).toMatchObject({
      state: 'held',
      reason:
        'held: sync window closed (deny 0 22 * * * for 8h, Europe/Paris) until 2026-01-06T05:00:00.000Z',
    });
    expect(r.explanation.summary).toContain(
      '1 held: sync window closed (deny 0 22 * * * for 8h, Europe/Paris)',
    );
    r = w.step({ syncWindow: windowsState([PARIS_NIGHT], Date.parse('2026-01-06T05:00:00Z')) });
    expect(moves(r)).toEqual(['prod-1→v2']);
  });

  it("windows are per target (its environment's): other targets of the wave move", () => {
    const w = world(strategy([{ name: 'all' }]), { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.windows['prod-1'] = windowsState([PARIS_NIGHT], night);
    expect(moves(w.step())).toEqual(['dev-1→v2']);
    expect(w.why('prod-1')?.state).toBe('held');
  });

  it('a rollback is not held by a closed window', () => {
    const s = strategy([{ name: 'all' }], { onFailure: 'rollback' });
    const w = world(s, { 'dev-1': dev() });
    w.step();
    w.report('dev-1', 'v2', 'Degraded');
    const r = w.step({ syncWindow: windowsState([PARIS_NIGHT], night) });
    expect(r.state.phase).toBe('RollingBack');
    expect(moves(r)).toEqual(['dev-1→v1']);
  });
});

describe('pause, resume, abort', () => {
  it('pause stops moves and judgement; resume continues with fresh deadlines', () => {
    const w = world(CANARY_THEN_REST);
    w.step();
    let r = w.command({ kind: 'pause', by: 'dave' });
    expect(r.state).toMatchObject({ phase: 'Paused', pausedPhase: 'Progressing' });
    w.converge();
    w.tick(20 * MIN); // past the deadline: no judgement while paused
    r = w.step();
    expect(moves(r)).toEqual([]);
    expect(r.state.failed).toEqual({});
    expect(w.why('dev-2')).toMatchObject({ state: 'waiting', reason: 'paused: keeps v1' });
    expect(r.explanation.summary).toBe('shop v1 → v2: paused in wave 1/2 canary (was Progressing)');
    r = w.command({ kind: 'resume' });
    expect(r.state.phase).toBe('Progressing');
    expect(moves(r)).toEqual(['dev-2→v2']);
  });

  it('pausing during a soak restarts the soak on resume', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge();
    w.step();
    w.tick(25 * SEC);
    w.command({ kind: 'pause' });
    w.tick(MIN);
    let r = w.command({ kind: 'resume' });
    expect(r.state.phase).toBe('Soaking');
    w.tick(29 * SEC);
    expect(w.step().state.phase).toBe('Soaking');
    w.tick(SEC);
    r = w.step();
    expect(moves(r)).toEqual(['prod-1→v2']);
  });

  it('abort stops where it is: moved targets keep toRevision, the others what they run', () => {
    const w = world(CANARY_THEN_REST);
    w.step();
    w.converge();
    w.step();
    const r = w.command({ kind: 'abort', by: 'erin' });
    expect(r.state.phase).toBe('Aborted');
    expect(moves(r)).toEqual([]);
    expect(Object.keys(SIX).map((t) => `${t}:${revisionFor(r.state, t)}`)).toEqual([
      'dev-1:v2',
      'dev-2:v2',
      'prod-1:v1',
      'prod-2:v1',
      'prod-3:v1',
      'prod-4:v1',
    ]);
    expect(w.why('prod-1')?.reason).toBe('aborted before its turn: keeps v1');
    expect(r.explanation.summary).toBe(
      'shop v1 → v2: aborted: 2 target(s) moved, left as they are',
    );
    // Terminal: later commands are ignored, and nothing moves any more.
    const after = w.command({ kind: 'resume' });
    expect(after.state.phase).toBe('Aborted');
    expect(after.state.history.at(-1)?.message).toBe('resume ignored: the rollout is Aborted');
  });

  it.each<[string, RolloutCommand['kind'], string]>([
    [
      'resume when not paused',
      'resume',
      'resume ignored: the rollout is Progressing, not Paused or Halted',
    ],
    ['pause twice', 'pause', 'pause ignored: the rollout is Paused'],
  ])('%s is ignored with a reason', (_name, kind, message) => {
    const w = world(CANARY_THEN_REST);
    w.step();
    if (kind === 'pause') w.command({ kind: 'pause' });
    const r = w.command({ kind } as RolloutCommand);
    expect(r.state.history.at(-1)?.message).toBe(message);
  });
});

describe('superseding', () => {
  it('a new revision while one runs starts again from wave 0; moved targets keep their revision until moved', () => {
    const w = world(CANARY_THEN_REST, { 'dev-1': dev(), 'dev-2': dev(), 'prod-1': dev('prod') });
    w.step();
    w.converge(); // dev-1 healthy at v2
    w.step(); // dev-2 moves
    const r = w.step({ desiredRevision: 'v3' });
    expect(r.state).toMatchObject({
      fromRevision: 'v1',
      toRevision: 'v3',
      wave: 0,
      carried: { 'dev-1': 'v2', 'dev-2': 'v2' },
      previous: { toRevision: 'v2', phase: 'Progressing' },
    });
    // dev-1 moves straight from v2 to v3; dev-2 keeps v2 meanwhile (no bounce back to v1).
    expect(moves(r)).toEqual(['dev-1→v3']);
    expect(w.why('dev-2')?.reason).toBe(
      'waiting: maxUnavailable 1 reached (moving: dev-1) (from the superseded rollout)',
    );
    expect(revisionFor(r.state, 'dev-2')).toBe('v2');
    expect(revisionFor(r.state, 'prod-1')).toBe('v1');
    expect(r.state.history[0]?.kind).toBe('superseded');
  });

  it('after a completed rollout, the next one starts from its toRevision', () => {
    const w = world(strategy([{ name: 'all' }]), { 'dev-1': dev() });
    w.step();
    w.converge();
    expect(w.step().state.phase).toBe('Completed');
    const r = w.step({ desiredRevision: 'v3' });
    expect(r.state).toMatchObject({ fromRevision: 'v2', toRevision: 'v3', carried: {} });
    expect(moves(r)).toEqual(['dev-1→v3']);
  });

  it('superseding a rollback starts from the revision being rolled back to, nothing carried', () => {
    const prev: RolloutState = {
      ...startRollout('shop', 'v1', 'v2', T0),
      phase: 'RollingBack',
      moved: { 'dev-1': T0 },
      rollback: { startedAtMs: T0, reason: 'test' },
    };
    expect(supersedeRollout(prev, 'v3', T0 + MIN)).toMatchObject({
      fromRevision: 'v1',
      toRevision: 'v3',
      carried: {},
    });
  });

  it('the same desired revision does not supersede', () => {
    const w = world(CANARY_THEN_REST);
    w.step();
    const id = w.state.id;
    expect(w.step({ desiredRevision: 'v2' }).state.id).toBe(id);
  });
});

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

describe('history', () => {
  it('is bounded', () => {
    const w = world(CANARY_THEN_REST);
    for (let i = 0; i < 150; i++) w.command({ kind: 'approve', wave: 'nope' });
    expect(w.state.history).toHaveLength(100);
  });
});
