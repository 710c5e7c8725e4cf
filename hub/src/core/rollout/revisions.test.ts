import { describe, expect, it } from 'vitest';
import { CANARY_THEN_REST, MIN, T0, dev, moves, strategy, world } from './__fixtures__/world.ts';
import { revisionFor, startRollout, supersedeRollout } from './revisions.ts';
import type { RolloutState } from './state.ts';

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
