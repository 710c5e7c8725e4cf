import { describe, expect, it } from 'vitest';
import type { Labels } from '../fleet/types.ts';
import {
  CANARY_THEN_REST,
  MIN,
  SEC,
  SIX,
  T0,
  dev,
  moves,
  strategy,
  world,
} from './__fixtures__/world.ts';
import { revisionFor } from './revisions.ts';
import { windowsState } from './windows.ts';

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

describe('history', () => {
  it('is bounded', () => {
    const w = world(CANARY_THEN_REST);
    for (let i = 0; i < 150; i++) w.command({ kind: 'approve', wave: 'nope' });
    expect(w.state.history).toHaveLength(100);
  });
});
