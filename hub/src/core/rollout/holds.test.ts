import { describe, expect, it } from 'vitest';
import type { RolloutStrategy, SyncWindow } from '../fleet/types.ts';
import { CANARY_THEN_REST, MIN, SEC, dev, moves, strategy, world } from './__fixtures__/world.ts';
import { windowsState } from './windows.ts';

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
