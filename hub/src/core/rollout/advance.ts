/**
 * The forward half of the state machine: judge the health of moved targets, count failures
 * against the budget (halt or roll back), catch up targets of passed waves, move targets of the
 * current wave within maxUnavailable and sync windows, soak, open gates, and complete.
 */
import { formatDuration } from '../time/duration.ts';
import {
  describeStatus,
  isHealthyAt,
  isHeld,
  own,
  skippedWhileStale,
  statusOf,
} from './context.ts';
import type { StepContext } from './context.ts';
import { event } from './draft.ts';
import type { Draft } from './draft.ts';
import { list, short } from './text.ts';
import type { Wave } from './waves.ts';

/**
 * Moves the rollout forward as far as this instant allows: judge, catch up, pass empty waves,
 * wait at a gate, move within maxUnavailable, soak, next wave, complete. Several waves may pass
 * in one call when nothing needs to wait.
 */
export function advance(d: Draft, ctx: StepContext): void {
  for (let guard = 0; guard <= ctx.waves.length + 1; guard++) {
    judgeHealth(d, ctx);
    if (Object.keys(d.failed).length > ctx.strategy.failureBudget) {
      onTooManyFailures(d, ctx);
      return;
    }
    catchUp(d, ctx);
    const wave = ctx.waves[d.wave];
    if (wave === undefined) {
      // Every wave passed; catch-ups held by a sync window finish first (stale ones need not).
      const waiting = [...ctx.targets.values()].some(
        (t) =>
          t.connection === 'Connected' &&
          !Object.hasOwn(d.moved, t.name) &&
          !Object.hasOwn(d.failed, t.name),
      );
      if (waiting) {
        d.phase = 'Progressing';
        return;
      }
      complete(d, ctx);
      return;
    }
    if (wave.targets.length === 0) {
      if (!wave.implicit) {
        event(d, ctx, 'wave-skipped', `wave ${wave.name} passed over: it has no target`, {
          wave: wave.name,
        });
      }
      nextWave(d);
      continue;
    }
    if (d.waveStartedAtMs === undefined) {
      if (wave.gate === 'manual' && !d.approvals.includes(wave.name)) {
        if (d.phase !== 'WaitingApproval') {
          d.phase = 'WaitingApproval';
          event(d, ctx, 'waiting-approval', `wave ${wave.name} waits for approval (gate: manual)`, {
            wave: wave.name,
          });
        }
        return;
      }
      d.waveStartedAtMs = ctx.now;
      d.phase = 'Progressing';
      event(
        d,
        ctx,
        'wave-started',
        `wave ${wave.name} started: ${String(wave.targets.length)} target(s), maxUnavailable ${String(wave.maxUnavailable)}`,
        { wave: wave.name },
      );
    }
    moveWithin(d, ctx, wave);
    if (!waveDone(d, ctx, wave)) {
      d.phase = 'Progressing';
      d.waveHealthySinceMs = undefined;
      return;
    }
    if (d.waveHealthySinceMs === undefined) {
      d.waveHealthySinceMs = ctx.now;
      if (wave.soakMs > 0) {
        event(
          d,
          ctx,
          'soak-started',
          `wave ${wave.name} healthy: soaking ${formatDuration(wave.soakMs)}`,
          {
            wave: wave.name,
          },
        );
      }
    }
    if (ctx.now - d.waveHealthySinceMs < wave.soakMs) {
      d.phase = 'Soaking';
      return;
    }
    const skipped = wave.targets
      .map((m) => m.name)
      .filter((t) => !Object.hasOwn(d.moved, t) && !Object.hasOwn(d.failed, t));
    event(
      d,
      ctx,
      'wave-completed',
      `wave ${wave.name} completed${skipped.length > 0 ? `; skipped (not Connected): ${list(skipped)}` : ''}`,
      { wave: wave.name, ...(skipped.length > 0 ? { targets: skipped } : {}) },
    );
    nextWave(d);
  }
}

function nextWave(d: Draft): void {
  d.wave += 1;
  d.waveStartedAtMs = undefined;
  d.waveHealthySinceMs = undefined;
  d.phase = 'Progressing';
}

/** Health of every moved target not yet failed: streaks, deadlines, Degraded. */
function judgeHealth(d: Draft, ctx: StepContext): void {
  for (const target of Object.keys(d.moved)) {
    if (Object.hasOwn(d.failed, target) || !ctx.targets.has(target)) continue;
    if (isHealthyAt(ctx, target, d.toRevision)) {
      if (!Object.hasOwn(d.healthySinceMs, target)) d.healthySinceMs[target] = ctx.now;
      continue;
    }
    if (Object.hasOwn(d.healthySinceMs, target)) {
      delete d.healthySinceMs[target];
      d.progressSinceMs[target] = ctx.now;
    }
    const status = statusOf(ctx, target);
    const since = own(d.progressSinceMs, target) ?? own(d.moved, target) ?? ctx.now;
    if (status?.revision === d.toRevision && status.health === 'Degraded') {
      fail(d, ctx, target, 'Degraded');
    } else if (ctx.now - since >= ctx.strategy.progressDeadlineMs) {
      fail(
        d,
        ctx,
        target,
        `not healthy within progressDeadline ${formatDuration(ctx.strategy.progressDeadlineMs)} (${describeStatus(ctx, target)})`,
      );
    }
  }
}

function fail(d: Draft, ctx: StepContext, target: string, reason: string): void {
  const wave = ctx.waves[ctx.waveOf.get(target) ?? -1]?.name ?? '?';
  d.failed[target] = { atMs: ctx.now, reason, wave };
  delete d.healthySinceMs[target];
  const count = Object.keys(d.failed).length;
  event(
    d,
    ctx,
    'failed',
    `target ${target} failed: ${reason} (${String(count)} failed, failureBudget ${String(ctx.strategy.failureBudget)})`,
    { wave, targets: [target] },
  );
}

function onTooManyFailures(d: Draft, ctx: StepContext): void {
  const failures = Object.entries(d.failed)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([t, f]) => `${t}: ${f.reason}`);
  const why = `${String(failures.length)} failed target(s) > failureBudget ${String(ctx.strategy.failureBudget)} (${list(failures)})`;
  if (ctx.strategy.onFailure === 'halt') {
    d.phase = 'Halted';
    d.waveHealthySinceMs = undefined;
    event(d, ctx, 'halted', `halted: ${why}`);
  } else {
    startRollback(d, ctx, why);
  }
}

/** Every target goes back to fromRevision, all at once (sync windows do not hold it). */
export function startRollback(d: Draft, ctx: StepContext, reason: string): void {
  d.rollback = { startedAtMs: ctx.now, reason };
  d.phase = 'RollingBack';
  d.pausedPhase = undefined;
  d.waveHealthySinceMs = undefined;
  const back = involvedInRollback(d, ctx);
  event(
    d,
    ctx,
    'rollback-started',
    `rolling back ${String(back.length)} target(s) to ${short(d.fromRevision)}: ${reason}`,
    { targets: back },
  );
  checkRollback(d, ctx);
}

/** Targets of the application this rollout (or the one it superseded) moved off fromRevision. */
function involvedInRollback(d: Draft, ctx: StepContext): string[] {
  return [...ctx.targets.keys()]
    .filter((t) => Object.hasOwn(d.moved, t) || Object.hasOwn(d.carried, t))
    .sort();
}

/** RolledBack once every target involved is healthy at fromRevision (or away and skipped). */
export function checkRollback(d: Draft, ctx: StepContext): void {
  const pending = involvedInRollback(d, ctx).filter(
    (t) => !isHealthyAt(ctx, t, d.fromRevision) && !skippedWhileStale(ctx, t),
  );
  if (pending.length > 0) return;
  d.phase = 'RolledBack';
  event(
    d,
    ctx,
    'rolled-back',
    `rolled back to ${short(d.fromRevision)}: ${d.rollback?.reason ?? ''}`,
  );
}

function move(d: Draft, ctx: StepContext, target: string): void {
  d.moved[target] = ctx.now;
  d.progressSinceMs[target] = ctx.now;
  if (isHealthyAt(ctx, target, d.toRevision)) d.healthySinceMs[target] = ctx.now;
}

/** Moves unmoved targets of waves already passed (late joiners, reconnected skipped targets). */
function catchUp(d: Draft, ctx: StepContext): void {
  const moved: string[] = [];
  for (const wave of ctx.waves.slice(0, d.wave)) {
    for (const { name } of wave.targets) {
      if (Object.hasOwn(d.moved, name) || Object.hasOwn(d.failed, name)) continue;
      const t = ctx.targets.get(name);
      if (t === undefined || t.connection !== 'Connected' || isHeld(ctx, t)) continue;
      move(d, ctx, name);
      moved.push(name);
    }
  }
  if (moved.length > 0) {
    event(
      d,
      ctx,
      'caught-up',
      `moved ${String(moved.length)} target(s) of waves already passed to ${short(d.toRevision)}: ${list(moved)}`,
      { targets: moved },
    );
  }
}

function moveWithin(d: Draft, ctx: StepContext, wave: Wave): void {
  const members = wave.targets.map((m) => m.name);
  const flying = members.filter(
    (t) =>
      Object.hasOwn(d.moved, t) &&
      !Object.hasOwn(d.healthySinceMs, t) &&
      !Object.hasOwn(d.failed, t),
  ).length;
  let room = wave.maxUnavailable - flying;
  const moved: string[] = [];
  for (const name of members) {
    if (room <= 0) break;
    if (Object.hasOwn(d.moved, name) || Object.hasOwn(d.failed, name)) continue;
    const t = ctx.targets.get(name);
    if (t === undefined || t.connection !== 'Connected' || isHeld(ctx, t)) continue;
    move(d, ctx, name);
    moved.push(name);
    if (!Object.hasOwn(d.healthySinceMs, name)) room -= 1;
  }
  if (moved.length > 0) {
    event(
      d,
      ctx,
      'moved',
      `moved ${String(moved.length)} target(s) of wave ${wave.name} to ${short(d.toRevision)}: ${list(moved)}`,
      { wave: wave.name, targets: moved },
    );
  }
}

function waveDone(d: Draft, ctx: StepContext, wave: Wave): boolean {
  return wave.targets.every(
    ({ name }) =>
      Object.hasOwn(d.failed, name) ||
      Object.hasOwn(d.healthySinceMs, name) ||
      (!Object.hasOwn(d.moved, name) && skippedWhileStale(ctx, name)),
  );
}

function complete(d: Draft, ctx: StepContext): void {
  d.phase = 'Completed';
  d.waveStartedAtMs = undefined;
  d.waveHealthySinceMs = undefined;
  const all = [...ctx.targets.keys()];
  const late = all.filter((t) => !Object.hasOwn(d.moved, t)).sort();
  const failed = Object.keys(d.failed).length;
  event(
    d,
    ctx,
    'completed',
    `completed: ${short(d.toRevision)} on ${String(all.length - late.length)} target(s)${
      failed > 0 ? ` (${String(failed)} failed within failureBudget)` : ''
    }${late.length > 0 ? `; not moved while not Connected, get it now: ${list(late)}` : ''}`,
    late.length > 0 ? { targets: late } : {},
  );
}
