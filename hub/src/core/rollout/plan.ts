/**
 * The rollout state machine, as pure functions: the controller (I/O) calls `step` whenever
 * something changed (a report, a command, a timer) and feeds `revisionFor` to the resolver.
 *
 * Rules (README.md next to this file has the long form):
 * - A rollout starts when an application's desired revision changes (`startRollout`, or a step
 *   with a new `desiredRevision`). Targets not yet moved keep `fromRevision`, the last revision
 *   that was healthy everywhere it ran.
 * - Waves go in order (waves.ts). Within the current wave targets are moved so that at most
 *   `maxUnavailable` of the wave's targets are moved-but-not-yet-healthy at once. A moved target
 *   is healthy when it is Connected and reports revision == toRevision, Synced and Healthy.
 * - When every target of the wave is healthy the soak starts; once it elapsed with the wave still
 *   healthy, the next wave starts, after an approval if it has `gate: manual`. Empty waves are
 *   passed over (gate included: there is nothing to protect).
 * - A moved target not healthy within `progressDeadline` (counted from its move, a resume, or
 *   the moment it stopped being healthy), or reporting Degraded at toRevision, has failed.
 *   Failures are final for the rollout and do not count against maxUnavailable. More failures
 *   than `failureBudget` → Halted (`onFailure: halt`) or RollingBack (`onFailure: rollback`:
 *   every target goes back to fromRevision, all at once; RolledBack when those moved are healthy
 *   there again).
 * - `staleTargets` governs targets not yet moved that are not Connected: `block` leaves them
 *   unmoved and the wave waits; `skip` leaves them unmoved without waiting (listed as skipped;
 *   they catch up when they reconnect, or get toRevision when the rollout completes). A moved
 *   target must prove itself whatever the policy: going Stale right after a move may be the new
 *   revision's fault.
 * - Targets of a wave already passed that are not moved (a target added later, a skipped one
 *   that reconnected) are caught up: moved at once, failures counted, nothing waits for them.
 * - A closed sync window (the target's environment) holds its moves, and the step says so.
 *   Rollbacks are not held: they restore what ran before.
 * - Commands: `pause` (no moves, no judgement; `resume` restarts the deadlines of targets in
 *   flight and the soak), `resume` (also from Halted: failures are forgiven and failed targets
 *   get a fresh deadline), `abort` (terminal, like Argo's terminate: stop where it is — moved
 *   targets keep toRevision, the rest keep what they have; after a rollback began, everything
 *   keeps fromRevision), `approve` (a wave's gate, possibly in advance), `rollback`.
 * - A new desired revision supersedes the running rollout: a new one starts from wave 0 with
 *   fromRevision = the last revision healthy everywhere (the old toRevision when the old rollout
 *   completed, else the old fromRevision); targets the old one moved keep their revision until
 *   the new one moves them.
 * - Zero soak and no waits: each step that sees a wave healthy starts the next one in the same
 *   step, so a rollout takes one step per wave (plus the first).
 */
import type { RolloutStrategy } from '../fleet/types.ts';
import { formatDuration } from './duration.ts';
import { MAX_HISTORY, isTerminal } from './state.ts';
import type {
  ObservedStatus,
  RolloutCommand,
  RolloutEvent,
  RolloutEventKind,
  RolloutPhase,
  RolloutState,
  RolloutTarget,
  TargetFailure,
} from './state.ts';
import { assignWaves, formatMaxUnavailable, selectorText } from './waves.ts';
import type { Wave } from './waves.ts';
import { windowCause } from './windows.ts';
import type { WindowsState } from './windows.ts';

// ---------------------------------------------------------------------------------------------
// Starting, superseding, and which revision a target runs

/**
 * A new rollout of `app` from `fromRevision` (the last revision healthy everywhere) to
 * `toRevision`, before its first step.
 */
export function startRollout(
  app: string,
  fromRevision: string,
  toRevision: string,
  nowMs: number,
): RolloutState {
  return {
    id: `${app}@${toRevision}@${String(nowMs)}`,
    app,
    fromRevision,
    toRevision,
    phase: 'Progressing',
    wave: 0,
    moved: {},
    progressSinceMs: {},
    healthySinceMs: {},
    failed: {},
    carried: {},
    approvals: [],
    startedAtMs: nowMs,
    history: [
      {
        atMs: nowMs,
        kind: 'started',
        message: `rollout of ${app} from ${short(fromRevision)} to ${short(toRevision)} started`,
      },
    ],
  };
}

/**
 * The rollout that replaces `previous` now that the desired revision is `toRevision`: from
 * wave 0, fromRevision = the last revision healthy everywhere (previous.toRevision if previous
 * completed, else previous.fromRevision). Targets previous moved (and did not roll back) keep
 * previous.toRevision until the new rollout moves them.
 */
export function supersedeRollout(
  previous: RolloutState,
  toRevision: string,
  nowMs: number,
): RolloutState {
  const completed = previous.phase === 'Completed';
  const from = completed ? previous.toRevision : previous.fromRevision;
  const carried: Record<string, string> = {};
  if (!completed && previous.rollback === undefined) {
    for (const [target, revision] of Object.entries(previous.carried)) carried[target] = revision;
    for (const target of Object.keys(previous.moved)) carried[target] = previous.toRevision;
    for (const [target, revision] of Object.entries(carried)) {
      if (revision === from) delete carried[target];
    }
  }
  const fresh = startRollout(previous.app, from, toRevision, nowMs);
  const running = !isTerminal(previous.phase);
  return {
    ...fresh,
    carried,
    previous: { id: previous.id, toRevision: previous.toRevision, phase: previous.phase },
    history: running
      ? [
          {
            atMs: nowMs,
            kind: 'superseded',
            message: `supersedes rollout ${previous.id} (${previous.phase}, to ${short(previous.toRevision)})${
              Object.keys(carried).length > 0
                ? `; ${String(Object.keys(carried).length)} target(s) keep ${short(previous.toRevision)} until moved`
                : ''
            }`,
          },
          ...fresh.history,
        ]
      : fresh.history,
  };
}

/**
 * The revision `target` should run under `state`: fromRevision once a rollback began;
 * toRevision for every target once the rollout completed; else toRevision for moved targets,
 * the carried revision for targets a superseded rollout moved, fromRevision otherwise.
 */
export function revisionFor(state: RolloutState, target: string): string {
  if (state.rollback !== undefined) return state.fromRevision;
  if (state.phase === 'Completed') return state.toRevision;
  if (Object.hasOwn(state.moved, target)) return state.toRevision;
  return own(state.carried, target) ?? state.fromRevision;
}

// ---------------------------------------------------------------------------------------------
// The step

export interface StepInput {
  readonly strategy: RolloutStrategy;
  /** The application's placed targets now. */
  readonly targets: readonly RolloutTarget[];
  /** Target name → what it last reported about the application. */
  readonly statuses: Readonly<Record<string, ObservedStatus>>;
  readonly state: RolloutState;
  readonly nowMs: number;
  /** Sync windows for targets that carry none of their own (absent: open). */
  readonly syncWindow?: WindowsState;
  /** Commands received since the last step, in order. */
  readonly commands?: readonly RolloutCommand[];
  /** The application's desired revision now; a different one supersedes the rollout. */
  readonly desiredRevision?: string;
}

/** Change `target` to run `revision` (the edge; revisionFor is the level). */
export interface RolloutAction {
  readonly kind: 'set-revision';
  readonly target: string;
  readonly revision: string;
  /** `move to <rev> (wave canary)`, `roll back to <rev>`, `catch up to <rev>`, … */
  readonly reason: string;
}

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

export interface RolloutExplanation {
  /** One line: where the rollout is and why. */
  readonly summary: string;
  readonly waves: readonly WaveExplanation[];
  /** Sorted by wave, then name. */
  readonly targets: readonly TargetExplanation[];
}

export interface StepResult {
  readonly state: RolloutState;
  /** Targets whose revision changed in this step. */
  readonly actions: readonly RolloutAction[];
  readonly explanation: RolloutExplanation;
}

/** The mutable copy a step works on. */
interface Draft {
  id: string;
  app: string;
  fromRevision: string;
  toRevision: string;
  phase: RolloutPhase;
  wave: number;
  moved: Record<string, number>;
  progressSinceMs: Record<string, number>;
  healthySinceMs: Record<string, number>;
  failed: Record<string, TargetFailure>;
  carried: Readonly<Record<string, string>>;
  approvals: string[];
  waveStartedAtMs: number | undefined;
  waveHealthySinceMs: number | undefined;
  pausedPhase: RolloutPhase | undefined;
  rollback: { readonly startedAtMs: number; readonly reason: string } | undefined;
  previous: RolloutState['previous'];
  startedAtMs: number;
  history: RolloutEvent[];
}

interface Ctx {
  readonly strategy: RolloutStrategy;
  readonly now: number;
  readonly waves: readonly Wave[];
  readonly targets: ReadonlyMap<string, RolloutTarget>;
  readonly statuses: Readonly<Record<string, ObservedStatus>>;
  readonly syncWindow: WindowsState | undefined;
  /** Target → index of its wave. */
  readonly waveOf: ReadonlyMap<string, number>;
}

function makeCtx(
  strategy: RolloutStrategy,
  targets: readonly RolloutTarget[],
  statuses: Readonly<Record<string, ObservedStatus>>,
  now: number,
  syncWindow: WindowsState | undefined,
): Ctx {
  const waves = assignWaves(strategy, targets);
  const waveOf = new Map<string, number>();
  for (const w of waves) for (const m of w.targets) waveOf.set(m.name, w.index);
  return {
    strategy,
    now,
    waves,
    targets: new Map(targets.map((t) => [t.name, t])),
    statuses,
    syncWindow,
    waveOf,
  };
}

/**
 * One decision: applies the commands, moves what may move, judges health, advances waves, and
 * explains every target. Pure; call it whenever a report, a command or a deadline arrives.
 *
 * @example
 * let state = startRollout('shop', 'a1', 'b2', now);
 * const { state: next, actions } = step({ strategy, targets, statuses, state, nowMs: now });
 * // actions: [{ kind: 'set-revision', target: 'dev-1', revision: 'b2', reason: 'move to b2 (wave canary)' }]
 */
export function step(input: StepInput): StepResult {
  const now = input.nowMs;
  const ctx = makeCtx(input.strategy, input.targets, input.statuses, now, input.syncWindow);
  const before = new Map(input.targets.map((t) => [t.name, revisionFor(input.state, t.name)]));
  let state = input.state;
  if (input.desiredRevision !== undefined && input.desiredRevision !== state.toRevision) {
    state = supersedeRollout(state, input.desiredRevision, now);
  }
  const d = draft(state);
  for (const command of input.commands ?? []) applyCommand(d, command, ctx);
  if (d.phase === 'Progressing' || d.phase === 'Soaking' || d.phase === 'WaitingApproval') {
    advance(d, ctx);
  } else if (d.phase === 'RollingBack') {
    checkRollback(d, ctx);
  }
  const next = finish(d);
  const actions: RolloutAction[] = [];
  for (const t of input.targets) {
    const revision = revisionFor(next, t.name);
    if (before.get(t.name) === revision) continue;
    actions.push({
      kind: 'set-revision',
      target: t.name,
      revision,
      reason: actionReason(next, t.name, ctx),
    });
  }
  return { state: next, actions, explanation: explain(next, ctx) };
}

function actionReason(state: RolloutState, target: string, ctx: Ctx): string {
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

function draft(state: RolloutState): Draft {
  return {
    id: state.id,
    app: state.app,
    fromRevision: state.fromRevision,
    toRevision: state.toRevision,
    phase: state.phase,
    wave: state.wave,
    moved: { ...state.moved },
    progressSinceMs: { ...state.progressSinceMs },
    healthySinceMs: { ...state.healthySinceMs },
    failed: { ...state.failed },
    carried: state.carried,
    approvals: [...state.approvals],
    waveStartedAtMs: state.waveStartedAtMs,
    waveHealthySinceMs: state.waveHealthySinceMs,
    pausedPhase: state.pausedPhase,
    rollback: state.rollback,
    previous: state.previous,
    startedAtMs: state.startedAtMs,
    history: [...state.history],
  };
}

function finish(d: Draft): RolloutState {
  const history = d.history.length > MAX_HISTORY ? d.history.slice(-MAX_HISTORY) : d.history;
  return {
    id: d.id,
    app: d.app,
    fromRevision: d.fromRevision,
    toRevision: d.toRevision,
    phase: d.phase,
    wave: d.wave,
    moved: d.moved,
    progressSinceMs: d.progressSinceMs,
    healthySinceMs: d.healthySinceMs,
    failed: d.failed,
    carried: d.carried,
    approvals: d.approvals,
    ...(d.waveStartedAtMs === undefined ? {} : { waveStartedAtMs: d.waveStartedAtMs }),
    ...(d.waveHealthySinceMs === undefined ? {} : { waveHealthySinceMs: d.waveHealthySinceMs }),
    ...(d.pausedPhase === undefined ? {} : { pausedPhase: d.pausedPhase }),
    ...(d.rollback === undefined ? {} : { rollback: d.rollback }),
    ...(d.previous === undefined ? {} : { previous: d.previous }),
    startedAtMs: d.startedAtMs,
    history,
  };
}

function event(
  d: Draft,
  ctx: Ctx,
  kind: RolloutEventKind,
  message: string,
  extra: { wave?: string; targets?: readonly string[]; by?: string } = {},
): void {
  d.history.push({ atMs: ctx.now, kind, message, ...extra });
}

// ---------------------------------------------------------------------------------------------
// Commands

function applyCommand(d: Draft, command: RolloutCommand, ctx: Ctx): void {
  const by = command.by === undefined ? {} : { by: command.by };
  const who = command.by === undefined ? '' : ` by ${command.by}`;
  const ignore = (why: string): void =>
    event(d, ctx, 'ignored', `${command.kind}${who} ignored: ${why}`, by);
  if (isTerminal(d.phase)) {
    ignore(`the rollout is ${d.phase}`);
    return;
  }
  switch (command.kind) {
    case 'pause':
      if (d.phase === 'Progressing' || d.phase === 'Soaking' || d.phase === 'WaitingApproval') {
        d.pausedPhase = d.phase;
        d.phase = 'Paused';
        event(d, ctx, 'paused', `paused${who}`, by);
      } else {
        ignore(`the rollout is ${d.phase}`);
      }
      return;
    case 'resume':
      if (d.phase === 'Paused') {
        d.phase = d.pausedPhase === 'WaitingApproval' ? 'WaitingApproval' : 'Progressing';
        d.pausedPhase = undefined;
        d.waveHealthySinceMs = undefined;
        for (const target of inFlight(d)) d.progressSinceMs[target] = ctx.now;
        event(
          d,
          ctx,
          'resumed',
          `resumed${who}; deadlines of targets in flight and the soak restart`,
          by,
        );
      } else if (d.phase === 'Halted') {
        const forgiven = Object.keys(d.failed).sort();
        for (const target of forgiven) {
          delete d.failed[target];
          d.progressSinceMs[target] = ctx.now;
        }
        for (const target of inFlight(d)) d.progressSinceMs[target] = ctx.now;
        d.phase = 'Progressing';
        d.waveHealthySinceMs = undefined;
        event(
          d,
          ctx,
          'resumed',
          `resumed${who} after halt: ${String(forgiven.length)} failure(s) forgiven, their progressDeadline restarts`,
          { ...by, targets: forgiven },
        );
      } else {
        ignore(`the rollout is ${d.phase}, not Paused or Halted`);
      }
      return;
    case 'abort': {
      const moved = Object.keys(d.moved).length;
      d.phase = 'Aborted';
      d.pausedPhase = undefined;
      event(
        d,
        ctx,
        'aborted',
        d.rollback === undefined
          ? `aborted${who}: ${String(moved)} moved target(s) keep ${short(d.toRevision)}, the others keep what they run`
          : `aborted${who} during rollback: every target keeps ${short(d.fromRevision)}`,
        by,
      );
      return;
    }
    case 'approve': {
      const wave = ctx.waves.find((w) => w.name === command.wave && !w.implicit);
      if (wave === undefined) {
        ignore(
          `no wave named ${JSON.stringify(command.wave)} (waves: ${ctx.strategy.waves.map((w) => w.name).join(', ')})`,
        );
        return;
      }
      if (!d.approvals.includes(wave.name)) d.approvals.push(wave.name);
      event(
        d,
        ctx,
        'approved',
        `wave ${wave.name} approved${who}${wave.gate === undefined ? ' (it has no gate)' : ''}`,
        { ...by, wave: wave.name },
      );
      return;
    }
    case 'rollback':
      if (d.phase === 'RollingBack') {
        ignore('already rolling back');
        return;
      }
      startRollback(d, ctx, `rollback requested${who}`);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Moving forward

function statusOf(ctx: Ctx, target: string): ObservedStatus | undefined {
  return own(ctx.statuses, target);
}

function isHealthyAt(ctx: Ctx, target: string, revision: string): boolean {
  const t = ctx.targets.get(target);
  const s = statusOf(ctx, target);
  return (
    t?.connection === 'Connected' &&
    s?.revision === revision &&
    s.sync === 'Synced' &&
    s.health === 'Healthy'
  );
}

function windowOf(ctx: Ctx, target: RolloutTarget): WindowsState | undefined {
  return target.syncWindow ?? ctx.syncWindow;
}

function isHeld(ctx: Ctx, target: RolloutTarget): boolean {
  return windowOf(ctx, target)?.open === false;
}

function inFlight(d: Draft): string[] {
  return Object.keys(d.moved).filter(
    (t) => !Object.hasOwn(d.healthySinceMs, t) && !Object.hasOwn(d.failed, t),
  );
}

function advance(d: Draft, ctx: Ctx): void {
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
function judgeHealth(d: Draft, ctx: Ctx): void {
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

function fail(d: Draft, ctx: Ctx, target: string, reason: string): void {
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

function onTooManyFailures(d: Draft, ctx: Ctx): void {
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

function startRollback(d: Draft, ctx: Ctx, reason: string): void {
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
function involvedInRollback(d: Draft, ctx: Ctx): string[] {
  return [...ctx.targets.keys()]
    .filter((t) => Object.hasOwn(d.moved, t) || Object.hasOwn(d.carried, t))
    .sort();
}

function checkRollback(d: Draft, ctx: Ctx): void {
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

function skippedWhileStale(ctx: Ctx, target: string): boolean {
  const t = ctx.targets.get(target);
  return t !== undefined && t.connection !== 'Connected' && ctx.strategy.staleTargets === 'skip';
}

function move(d: Draft, ctx: Ctx, target: string): void {
  d.moved[target] = ctx.now;
  d.progressSinceMs[target] = ctx.now;
  if (isHealthyAt(ctx, target, d.toRevision)) d.healthySinceMs[target] = ctx.now;
}

/** Moves unmoved targets of waves already passed (late joiners, reconnected skipped targets). */
function catchUp(d: Draft, ctx: Ctx): void {
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

function moveWithin(d: Draft, ctx: Ctx, wave: Wave): void {
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

function waveDone(d: Draft, ctx: Ctx, wave: Wave): boolean {
  return wave.targets.every(
    ({ name }) =>
      Object.hasOwn(d.failed, name) ||
      Object.hasOwn(d.healthySinceMs, name) ||
      (!Object.hasOwn(d.moved, name) && skippedWhileStale(ctx, name)),
  );
}

function complete(d: Draft, ctx: Ctx): void {
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

// ---------------------------------------------------------------------------------------------
// Explanation

function describeStatus(ctx: Ctx, target: string): string {
  const t = ctx.targets.get(target);
  const s = statusOf(ctx, target);
  const conn = t === undefined || t.connection === 'Connected' ? '' : `${t.connection}; `;
  if (s === undefined || s.revision === undefined) return `${conn}no report yet`;
  return `${conn}reports ${short(s.revision)} ${s.sync ?? 'Unknown'}/${s.health ?? 'Unknown'}`;
}

function heldReason(ctx: Ctx, target: RolloutTarget): string {
  const w = windowOf(ctx, target);
  if (w === undefined) return 'held: sync window closed';
  const until = w.nextChangeMs === undefined ? '' : ` until ${iso(w.nextChangeMs)}`;
  return `held: sync window closed (${windowCause(w)})${until}`;
}

function staleReason(
  ctx: Ctx,
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
  ctx: Ctx,
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
function flyingList(state: RolloutState, ctx: Ctx): () => string {
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

function describeWave(w: Wave): string {
  const size = `${String(w.targets.length)} target${w.targets.length === 1 ? '' : 's'}`;
  const selector = w.implicit ? 'no wave selector matched' : selectorText(w.selector ?? {});
  const percent = 'percent' in w.maxUnavailableSpec ? ` = ${String(w.maxUnavailable)}` : '';
  const parts = [`maxUnavailable ${formatMaxUnavailable(w.maxUnavailableSpec)}${percent}`];
  if (w.soakMs > 0) parts.push(`soak ${formatDuration(w.soakMs)}`);
  if (w.gate !== undefined) parts.push(`gate ${w.gate}`);
  return `${w.name}: ${size} (${selector}), ${parts.join(', ')}`;
}

function waveExplanations(ctx: Ctx, current: number | undefined): WaveExplanation[] {
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

function explain(state: RolloutState, ctx: Ctx): RolloutExplanation {
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

function summarize(state: RolloutState, ctx: Ctx, targets: readonly TargetExplanation[]): string {
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

// ---------------------------------------------------------------------------------------------
// Before a rollout

export interface PlanPreview {
  readonly summary: string;
  readonly waves: readonly WaveExplanation[];
  readonly targets: readonly TargetExplanation[];
}

/**
 * What a rollout under `strategy` would do with `targets` now, before one starts: which target
 * is in which wave and why, and what would hold each one back (connection, sync window).
 *
 * @example planPreview(strategy, targets, statuses).targets[0]
 * // { target: 'dev-1', wave: 'canary', membership: 'selector matched wave canary (env=dev)', state: 'pending', reason: 'ready: Connected; reports a1 Synced/Healthy', … }
 */
export function planPreview(
  strategy: RolloutStrategy,
  targets: readonly RolloutTarget[],
  statuses: Readonly<Record<string, ObservedStatus>>,
  options: { readonly nowMs?: number; readonly syncWindow?: WindowsState } = {},
): PlanPreview {
  const ctx = makeCtx(strategy, targets, statuses, options.nowMs ?? 0, options.syncWindow);
  const out: TargetExplanation[] = [];
  for (const wave of ctx.waves) {
    for (const member of wave.targets) {
      const target = ctx.targets.get(member.name);
      if (target === undefined) continue;
      let state: TargetRolloutState = 'pending';
      let reason = `ready (${describeStatus(ctx, member.name)})`;
      if (target.connection !== 'Connected') {
        const stale = staleReason(ctx, target);
        state = stale.state;
        reason = `would be ${stale.state === 'blocked' ? 'blocking' : 'skipped'}: ${stale.reason}`;
      } else if (isHeld(ctx, target)) {
        state = 'held';
        reason = `would be ${heldReason(ctx, target)}`;
      }
      const revision = statusOf(ctx, member.name)?.revision ?? '';
      out.push({
        target: member.name,
        wave: wave.name,
        waveIndex: wave.index,
        membership: member.reason,
        state,
        revision,
        reason,
      });
    }
  }
  const waves = waveExplanations(ctx, undefined);
  const used = ctx.waves.filter((w) => w.targets.length > 0 || !w.implicit);
  const summary = `${String(used.length)} wave(s): ${used.map(describeWave).join(' → ')}; progressDeadline ${formatDuration(
    strategy.progressDeadlineMs,
  )}, failureBudget ${String(strategy.failureBudget)}, onFailure ${strategy.onFailure}, staleTargets ${strategy.staleTargets}`;
  return { summary, waves, targets: out };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Commit SHAs are shortened to 12 characters; tags and branches stay as written. */
export function short(revision: string): string {
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 12) : revision;
}

const isoCache = new Map<number, string>();

/** ISO 8601 of an instant (memoised: many targets share a move time). */
function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoCache.size >= 1024) isoCache.clear();
    isoCache.set(ms, text);
  }
  return text;
}

const MAX_LISTED = 5;

function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const more = names.length - MAX_LISTED;
  return more > 0 ? `${shown} and ${String(more)} more` : shown;
}
