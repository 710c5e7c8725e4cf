/**
 * Rollouts, the pure decision layer: which wave each target is in (waves.ts), when sync windows
 * allow a change (windows.ts, cron.ts), and the rollout state machine (plan.ts) that an I/O
 * controller steps and whose `revisionFor` it feeds to the resolver. Time is always passed in.
 */
export { cronMatchesDay, cronProblem, parseCron } from './cron.ts';
export type { CronSchedule } from './cron.ts';
export { MAX_DURATION_MS, durationProblem, formatDuration, parseDuration } from './duration.ts';
export {
  TargetRolloutState,
  planPreview,
  revisionFor,
  short,
  startRollout,
  step,
  supersedeRollout,
} from './plan.ts';
export type {
  PlanPreview,
  RolloutAction,
  RolloutExplanation,
  StepInput,
  StepResult,
  TargetExplanation,
  WaveExplanation,
} from './plan.ts';
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
export { timeZoneProblem } from './zone.ts';
