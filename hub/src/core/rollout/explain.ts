/**
 * The explainer: every target's state and reason, every wave's description, and a one-line
 * summary of where the rollout is, in words for people (the CLI, the API). Reads a stored state
 * and the step's context; decides nothing.
 */
import { formatDuration } from '../time/duration.ts';
import {
  describeStatus,
  isHealthyAt,
  isHeld,
  own,
  skippedWhileStale,
  windowOf,
} from './context.ts';
import type { StepContext } from './context.ts';
import { revisionFor } from './revisions.ts';
import type { RolloutState, RolloutTarget } from './state.ts';
import { iso, list, short } from './text.ts';
import { formatMaxUnavailable, selectorText } from './waves.ts';
import type { Wave } from './waves.ts';
import { windowCause } from './windows.ts';

/** Where a target stands in the rollout, as the explanation says it. */
export const TargetRolloutState = {
  /** In a later wave. */
  Pending: 'pending',
  /** In the current wave, not moved: maxUnavailable, a gate, or a pause. */
  Waiting: 'waiting',
  /** Not moved because its sync window is closed. */
  Held: 'held',
  /** Not Connected, and the wave waits for it (staleTargets: block). */
  Blocked: 'blocked',
  /** Not Connected, not waited for (staleTargets: skip). */
  Skipped: 'skipped',
  /** Moved, not healthy yet. */
  Progressing: 'progressing',
  Healthy: 'healthy',
  Failed: 'failed',
  RollingBack: 'rolling-back',
  RolledBack: 'rolled-back',
  /** Not moved and never will be by this rollout (halted, aborted, rolled back). */
  Unchanged: 'unchanged',
} as const;
export type TargetRolloutState = (typeof TargetRolloutState)[keyof typeof TargetRolloutState];

/** One target: its wave and why, its state, the revision it should run, and why. */
export interface TargetExplanation {
  readonly target: string;
  readonly wave: string;
  readonly waveIndex: number;
  /** Why the target is in that wave: `selector matched wave canary (env=dev)`. */
  readonly membership: string;
  readonly state: TargetRolloutState;
  /** The revision it should run (revisionFor). */
  readonly revision: string;
  /** `waiting: maxUnavailable 1 reached (moving: dev-1)`, `moved at …, healthy`, … */
  readonly reason: string;
}

/** One wave as resolved over the placed targets, with where the rollout is in it. */
export interface WaveExplanation {
  readonly index: number;
  readonly name: string;
  readonly implicit: boolean;
  /** Member names, sorted. */
  readonly targets: readonly string[];
  /** Resolved against the wave's size. */
  readonly maxUnavailable: number;
  /** As written: `1`, `25%`. */
  readonly maxUnavailableSpec: string;
  readonly soakMs: number;
  readonly gate?: string;
  readonly status: 'done' | 'current' | 'pending' | 'empty';
  /** `canary: 1 target (env=dev), maxUnavailable 1, soak 30s, gate manual`. */
  readonly description: string;
}

/** What a step explains: one summary line, every wave, every target. */
export interface RolloutExplanation {
  /** One line: where the rollout is and why. */
  readonly summary: string;
  readonly waves: readonly WaveExplanation[];
  /** Sorted by wave, then name. */
  readonly targets: readonly TargetExplanation[];
}

/** Why a step's action changed `target`'s revision: `move to b2 (wave canary)`, … */
export function actionReason(state: RolloutState, target: string, ctx: StepContext): string {
  const rev = short(revisionFor(state, target));
  if (state.rollback !== undefined) return `roll back to ${rev}`;
  const wave = ctx.waves[ctx.waveOf.get(target) ?? -1]?.name ?? '?';
  if (Object.hasOwn(state.moved, target)) {
    return (ctx.waveOf.get(target) ?? 0) < state.wave && state.phase !== 'Completed'
      ? `catch up to ${rev} (wave ${wave} already passed)`
      : `move to ${rev} (wave ${wave})`;
  }
  if (state.phase === 'Completed') return `rollout completed: ${rev}`;
  return `keep ${rev}`;
}

/** `held: sync window closed (deny 0 22 * * * for 8h, Europe/Paris) until …`. */
export function heldReason(ctx: StepContext, target: RolloutTarget): string {
  const w = windowOf(ctx, target);
  if (w === undefined) return 'held: sync window closed';
  const until = w.nextChangeMs === undefined ? '' : ` until ${iso(w.nextChangeMs)}`;
  return `held: sync window closed (${windowCause(w)})${until}`;
}

/** The state and reason of a target that is not Connected, by the staleTargets policy. */
export function staleReason(
  ctx: StepContext,
  target: RolloutTarget,
): { state: TargetRolloutState; reason: string } {
  return ctx.strategy.staleTargets === 'block'
    ? {
        state: 'blocked',
        reason: `target ${target.name} is ${target.connection}: blocking (staleTargets: block)`,
      }
    : {
        state: 'skipped',
        reason: `target ${target.name} is ${target.connection}: skipped (staleTargets: skip)`,
      };
}

function explainTarget(
  state: RolloutState,
  ctx: StepContext,
  target: RolloutTarget,
  waveIndex: number,
  flying: () => string,
): { state: TargetRolloutState; reason: string } {
  const name = target.name;
  const from = short(state.fromRevision);
  const to = short(state.toRevision);
  const moved = own(state.moved, name);
  const carried = own(state.carried, name);
  const keeps = `keeps ${short(revisionFor(state, name))}`;

  if (state.rollback !== undefined) {
    if (moved === undefined && carried === undefined) {
      return { state: 'unchanged', reason: `not moved by this rollout: ${keeps}` };
    }
    if (isHealthyAt(ctx, name, state.fromRevision)) {
      return { state: 'rolled-back', reason: `rolled back to ${from}, healthy` };
    }
    if (skippedWhileStale(ctx, name)) {
      return {
        state: 'skipped',
        reason: `rolling back to ${from}: target is ${target.connection}, not waited for (staleTargets: skip)`,
      };
    }
    return {
      state: state.phase === 'Aborted' ? 'unchanged' : 'rolling-back',
      reason: `${state.phase === 'Aborted' ? 'aborted while rolling back' : 'rolling back'} to ${from}: ${describeStatus(ctx, name)}`,
    };
  }

  const failure = own(state.failed, name);
  if (failure !== undefined) {
    const tolerated =
      state.phase === 'Halted'
        ? ''
        : ` (tolerated by failureBudget ${String(ctx.strategy.failureBudget)})`;
    return { state: 'failed', reason: `failed: ${failure.reason}${tolerated}` };
  }

  if (moved !== undefined) {
    if (isHealthyAt(ctx, name, state.toRevision)) {
      return { state: 'healthy', reason: `moved at ${iso(moved)}, healthy` };
    }
    const since = own(state.progressSinceMs, name) ?? moved;
    const waited = formatDuration(Math.max(0, ctx.now - since));
    return {
      state: 'progressing',
      reason: `moved at ${iso(moved)}, not healthy yet (${describeStatus(ctx, name)}); ${waited} of progressDeadline ${formatDuration(ctx.strategy.progressDeadlineMs)}`,
    };
  }

  const carriedNote = carried === undefined ? '' : ` (from the superseded rollout)`;
  switch (state.phase) {
    case 'Completed':
      if (isHealthyAt(ctx, name, state.toRevision)) {
        return { state: 'healthy', reason: `rollout completed; healthy at ${to}` };
      }
      return {
        state: target.connection === 'Connected' ? 'progressing' : 'skipped',
        reason: `not moved while ${target.connection === 'Connected' ? 'held' : target.connection}; gets ${to} now that the rollout completed (${describeStatus(ctx, name)})`,
      };
    case 'Aborted':
      return { state: 'unchanged', reason: `aborted before its turn: ${keeps}${carriedNote}` };
    case 'Halted':
      return { state: 'unchanged', reason: `halted before its turn: ${keeps}${carriedNote}` };
    case 'Paused':
      return { state: 'waiting', reason: `paused: ${keeps}${carriedNote}` };
    default:
      break;
  }

  const current = ctx.waves[state.wave];
  if (waveIndex > state.wave) {
    return {
      state: 'pending',
      reason: `pending: wave ${ctx.waves[waveIndex]?.name ?? '?'} comes after ${current?.name ?? '?'}; ${keeps}${carriedNote}`,
    };
  }
  if (target.connection !== 'Connected') {
    const stale = staleReason(ctx, target);
    return waveIndex < state.wave
      ? {
          state: 'skipped',
          reason: `target ${name} is ${target.connection}: moved once Connected again (wave ${ctx.waves[waveIndex]?.name ?? '?'} already passed)`,
        }
      : stale;
  }
  if (isHeld(ctx, target)) return { state: 'held', reason: heldReason(ctx, target) };
  if (waveIndex < state.wave) {
    return {
      state: 'waiting',
      reason: `catching up: wave ${ctx.waves[waveIndex]?.name ?? '?'} already passed`,
    };
  }
  if (state.phase === 'WaitingApproval' && current !== undefined) {
    return {
      state: 'waiting',
      reason: `waiting: gate needs approval (wave ${current.name}, gate: manual)${carriedNote}`,
    };
  }
  return {
    state: 'waiting',
    reason: `waiting: maxUnavailable ${String(current?.maxUnavailable ?? 0)} reached (moving: ${flying()})${carriedNote}`,
  };
}

/** The current wave's targets moved but not yet healthy, as a short list (computed once). */
function flyingList(state: RolloutState, ctx: StepContext): () => string {
  let text: string | undefined;
  return () => {
    text ??= list(
      (ctx.waves[state.wave]?.targets ?? [])
        .map((m) => m.name)
        .filter(
          (t) =>
            Object.hasOwn(state.moved, t) &&
            !Object.hasOwn(state.healthySinceMs, t) &&
            !Object.hasOwn(state.failed, t),
        ),
    );
    return text;
  };
}

/** `canary: 1 target (env=dev), maxUnavailable 1, soak 30s, gate manual`. */
export function describeWave(w: Wave): string {
  const size = `${String(w.targets.length)} target${w.targets.length === 1 ? '' : 's'}`;
  const selector = w.implicit ? 'no wave selector matched' : selectorText(w.selector ?? {});
  const percent = 'percent' in w.maxUnavailableSpec ? ` = ${String(w.maxUnavailable)}` : '';
  const parts = [`maxUnavailable ${formatMaxUnavailable(w.maxUnavailableSpec)}${percent}`];
  if (w.soakMs > 0) parts.push(`soak ${formatDuration(w.soakMs)}`);
  if (w.gate !== undefined) parts.push(`gate ${w.gate}`);
  return `${w.name}: ${size} (${selector}), ${parts.join(', ')}`;
}

/** Every wave, with its status relative to `current` (undefined before a rollout). */
export function waveExplanations(ctx: StepContext, current: number | undefined): WaveExplanation[] {
  return ctx.waves.map((w) => ({
    index: w.index,
    name: w.name,
    implicit: w.implicit,
    targets: w.targets.map((m) => m.name),
    maxUnavailable: w.maxUnavailable,
    maxUnavailableSpec: formatMaxUnavailable(w.maxUnavailableSpec),
    soakMs: w.soakMs,
    ...(w.gate === undefined ? {} : { gate: w.gate }),
    status:
      w.targets.length === 0
        ? 'empty'
        : current === undefined
          ? 'pending'
          : w.index < current
            ? 'done'
            : w.index === current
              ? 'current'
              : 'pending',
    description: describeWave(w),
  }));
}

/** Every target's state and reason (sorted by wave, then name), the waves, and the summary. */
export function explain(state: RolloutState, ctx: StepContext): RolloutExplanation {
  const targets: TargetExplanation[] = [];
  const flying = flyingList(state, ctx);
  for (const wave of ctx.waves) {
    for (const member of wave.targets) {
      const target = ctx.targets.get(member.name);
      if (target === undefined) continue;
      const { state: s, reason } = explainTarget(state, ctx, target, wave.index, flying);
      targets.push({
        target: member.name,
        wave: wave.name,
        waveIndex: wave.index,
        membership: member.reason,
        state: s,
        revision: revisionFor(state, member.name),
        reason,
      });
    }
  }
  return {
    summary: summarize(state, ctx, targets),
    waves: waveExplanations(ctx, state.wave),
    targets,
  };
}

function summarize(
  state: RolloutState,
  ctx: StepContext,
  targets: readonly TargetExplanation[],
): string {
  const head = `${state.app} ${short(state.fromRevision)} → ${short(state.toRevision)}: `;
  const count = (s: TargetRolloutState, wave?: number): number =>
    targets.filter((t) => t.state === s && (wave === undefined || t.waveIndex === wave)).length;
  const failed = Object.keys(state.failed).length;
  const budget = `${String(failed)} failed of failureBudget ${String(ctx.strategy.failureBudget)}`;
  const wave = ctx.waves[state.wave];
  const where =
    wave === undefined
      ? ''
      : `wave ${String(state.wave + 1)}/${String(
          // the implicit 'unmatched' wave counts only when it has targets
          ctx.waves.filter((w) => !w.implicit || w.targets.length > 0).length,
        )} ${wave.name}`;
  switch (state.phase) {
    case 'Completed': {
      const late = targets
        .filter((t) => !Object.hasOwn(state.moved, t.target))
        .map((t) => t.target);
      return `${head}completed: ${String(targets.length - late.length)} target(s) moved${
        failed > 0 ? `, ${String(failed)} failed within failureBudget` : ''
      }${late.length > 0 ? `; ${list(late)} not moved while not Connected, get ${short(state.toRevision)} now` : ''}`;
    }
    case 'Aborted':
      return `${head}aborted${state.rollback === undefined ? '' : ' during rollback'}: ${String(Object.keys(state.moved).length)} target(s) moved, left as they are`;
    case 'RolledBack':
      return `${head}rolled back to ${short(state.fromRevision)} (${state.rollback?.reason ?? ''})`;
    case 'RollingBack': {
      const back = count('rolled-back');
      const total = back + count('rolling-back') + count('skipped');
      return `${head}rolling back to ${short(state.fromRevision)}: ${String(back)}/${String(total)} back (${state.rollback?.reason ?? ''})`;
    }
    case 'Halted':
      return `${head}halted in ${where}: ${Object.entries(state.failed)
        .map(([t, f]) => `${t}: ${f.reason}`)
        .join('; ')} (${budget}); resume, rollback or abort`;
    case 'Paused':
      return `${head}paused in ${where} (was ${state.pausedPhase ?? 'Progressing'})`;
    case 'WaitingApproval':
      return `${head}${where} waits for approval (gate: manual)`;
    case 'Soaking':
      return `${head}${where} healthy, soaking ${formatDuration(
        Math.max(0, ctx.now - (state.waveHealthySinceMs ?? ctx.now)),
      )} of ${formatDuration(wave?.soakMs ?? 0)}`;
    case 'Progressing': {
      const i = state.wave;
      if (wave === undefined) {
        const held = targets.filter((t) => t.state === 'held');
        return `${head}every wave passed; ${String(held.length)} target(s) of passed waves still to catch up (${held[0]?.reason ?? 'held'})`;
      }
      const size = wave?.targets.length ?? 0;
      const extras: string[] = [];
      const held = count('held', i);
      const blocked = targets.filter((t) => t.state === 'blocked' && t.waveIndex === i);
      const skipped = count('skipped', i);
      if (held > 0) {
        const first = targets.find((t) => t.state === 'held' && t.waveIndex === i);
        extras.push(`${String(held)} ${first?.reason ?? 'held'}`);
      }
      if (blocked.length > 0)
        extras.push(
          `blocked by ${list(blocked.map((t) => t.target))} (not Connected, staleTargets: block)`,
        );
      if (skipped > 0) extras.push(`${String(skipped)} skipped (not Connected)`);
      if (failed > 0) extras.push(budget);
      return `${head}${where}: ${String(count('healthy', i))}/${String(size)} healthy, ${String(
        count('progressing', i),
      )} moving, ${String(count('waiting', i))} waiting${extras.length > 0 ? `; ${extras.join('; ')}` : ''}`;
    }
  }
}
