/**
 * Before a rollout: which wave each target would be in and why, and what would hold it back.
 */
import type { RolloutStrategy } from '../fleet/types.ts';
import { formatDuration } from '../time/duration.ts';
import { describeStatus, isHeld, makeContext, statusOf } from './context.ts';
import { describeWave, heldReason, staleReason, waveExplanations } from './explain.ts';
import type { TargetExplanation, TargetRolloutState, WaveExplanation } from './explain.ts';
import type { ObservedStatus, RolloutTarget } from './state.ts';
import type { WindowsState } from './windows.ts';

/** A plan preview: the same shape as a step's explanation. */
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
  const ctx = makeContext(strategy, targets, statuses, options.nowMs ?? 0, options.syncWindow);
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
