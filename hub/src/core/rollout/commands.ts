/**
 * The commands people send (pause, resume, abort, approve, rollback), applied to a step's draft
 * in order. A command that does not apply is recorded as `ignored`, with the reason.
 */
import type { StepContext } from './context.ts';
import { startRollback } from './advance.ts';
import { event, inFlight } from './draft.ts';
import type { Draft } from './draft.ts';
import { isTerminal } from './state.ts';
import type { RolloutCommand } from './state.ts';
import { short } from './text.ts';

/** Applies one command to the draft, or records it as `ignored` with the reason. */
export function applyCommand(d: Draft, command: RolloutCommand, ctx: StepContext): void {
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
