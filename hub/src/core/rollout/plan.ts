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
import { advance, checkRollback } from './advance.ts';
import { applyCommand } from './commands.ts';
import { makeContext } from './context.ts';
import { draft, finish } from './draft.ts';
import { actionReason, explain } from './explain.ts';
import type { RolloutExplanation } from './explain.ts';
import { revisionFor, supersedeRollout } from './revisions.ts';
import type { ObservedStatus, RolloutCommand, RolloutState, RolloutTarget } from './state.ts';
import type { WindowsState } from './windows.ts';

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

export interface StepResult {
  readonly state: RolloutState;
  /** Targets whose revision changed in this step. */
  readonly actions: readonly RolloutAction[];
  readonly explanation: RolloutExplanation;
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
  const ctx = makeContext(input.strategy, input.targets, input.statuses, now, input.syncWindow);
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
