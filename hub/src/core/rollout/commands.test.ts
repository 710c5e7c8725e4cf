import { describe, expect, it } from 'vitest';
import {
  CANARY_THEN_REST,
  MIN,
  SEC,
  SIX,
  dev,
  moves,
  strategy,
  world,
} from './__fixtures__/world.ts';
import { revisionFor } from './revisions.ts';
import type { RolloutCommand } from './state.ts';

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
