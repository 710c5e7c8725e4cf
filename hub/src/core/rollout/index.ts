/**
 * Rollouts, the pure decision layer: which wave each target is in (waves.ts), when sync windows
 * allow a change (windows.ts, over the time vocabulary of core/time), the rollout state machine
 * (plan.ts) that an I/O controller steps and whose `revisionFor` (revisions.ts) it feeds to the
 * resolver, and the explanations for people (explain.ts, preview.ts). Time is always passed in.
 */
export { cronMatchesDay, cronProblem, parseCron } from '../time/cron.ts';
export type { CronSchedule } from '../time/cron.ts';
export {
  MAX_DURATION_MS,
  durationProblem,
  formatDuration,
  parseDuration,
} from '../time/duration.ts';
export { timeZoneProblem } from '../time/zone.ts';
export { TargetRolloutState } from './explain.ts';
export type { RolloutExplanation, TargetExplanation, WaveExplanation } from './explain.ts';
export { step } from './plan.ts';
export type { RolloutAction, StepInput, StepResult } from './plan.ts';
export { planPreview } from './preview.ts';
export type { PlanPreview } from './preview.ts';
export { revisionFor, startRollout, supersedeRollout } from './revisions.ts';
export { MAX_HISTORY, RolloutEventKind, RolloutPhase, isTerminal } from './state.ts';
export type {
  ObservedStatus,
  RolloutCommand,
  RolloutEvent,
  RolloutState,
  RolloutTarget,
  TargetConnection,
  TargetFailure,
} from './state.ts';
export { short } from './text.ts';
export { assignWaves, formatMaxUnavailable, resolveMaxUnavailable, selectorText } from './waves.ts';
export type { LabelledTarget, Wave, WaveMember } from './waves.ts';
export {
  activeWindowAt,
  describeWindow,
  nextStart,
  previousStart,
  windowCause,
  windowsState,
} from './windows.ts';
export type { ActiveWindow, WindowsState } from './windows.ts';
