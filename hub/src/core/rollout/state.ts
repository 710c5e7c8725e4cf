/**
 * The rollout's vocabulary: phases, what the controller feeds a step, the persisted state, the
 * commands people send, and the history. Plain readonly JSON-shaped values, so a RolloutState can
 * be stored in Redis and compared as it is.
 */
import type { HealthStatus, SyncState } from '@gitfleet/proto/domain';
import type { LabelledTarget } from './waves.ts';
import type { WindowsState } from './windows.ts';

export const RolloutPhase = {
  /** Moving targets of the current wave, or waiting for them to become healthy. */
  Progressing: 'Progressing',
  /** Stopped by a person; `resume` continues. */
  Paused: 'Paused',
  /** The next wave has `gate: manual` and no approval yet. */
  WaitingApproval: 'WaitingApproval',
  /** The current wave is healthy; waiting `soak` before the next one. */
  Soaking: 'Soaking',
  /** Too many failures with `onFailure: halt`; `resume` retries, `rollback` or `abort` end it. */
  Halted: 'Halted',
  /** Too many failures with `onFailure: rollback` (or a `rollback` command). */
  RollingBack: 'RollingBack',
  /** Every moved target is healthy again at the previous revision. Terminal. */
  RolledBack: 'RolledBack',
  /** Every wave passed. Terminal. */
  Completed: 'Completed',
  /** Stopped for good where it was (`abort`). Terminal. */
  Aborted: 'Aborted',
} as const;
export type RolloutPhase = (typeof RolloutPhase)[keyof typeof RolloutPhase];

const TERMINAL: ReadonlySet<RolloutPhase> = new Set(['RolledBack', 'Completed', 'Aborted']);

/** True for phases nothing leaves (RolledBack, Completed, Aborted); a new revision starts anew. */
export function isTerminal(phase: RolloutPhase): boolean {
  return TERMINAL.has(phase);
}

/** The hub's view of a target's agent (as the status API reports it). */
export type TargetConnection = 'Connected' | 'Stale' | 'Disconnected';

/** A placed target of the application, as one step sees it. */
export interface RolloutTarget extends LabelledTarget {
  readonly connection: TargetConnection;
  /**
   * The sync windows of the target's environment now (windowsState). Absent: the step's
   * `syncWindow`, and without that, open.
   */
  readonly syncWindow?: WindowsState;
}

/** What the target last reported about the application. */
export interface ObservedStatus {
  /** Revision (commit) applied. */
  readonly revision?: string;
  readonly sync?: SyncState;
  readonly health?: HealthStatus;
  /** Since when the report says so. */
  readonly sinceMs?: number;
}

export type RolloutCommand =
  | { readonly kind: 'pause' | 'resume' | 'abort' | 'rollback'; readonly by?: string }
  | { readonly kind: 'approve'; readonly wave: string; readonly by?: string };

export interface TargetFailure {
  readonly atMs: number;
  /** `Degraded`, `not healthy within progressDeadline 10m (reports … Progressing)`. */
  readonly reason: string;
  readonly wave: string;
}

export const RolloutEventKind = {
  Started: 'started',
  Superseded: 'superseded',
  WaveStarted: 'wave-started',
  WaveSkipped: 'wave-skipped',
  WaitingApproval: 'waiting-approval',
  Approved: 'approved',
  Moved: 'moved',
  CaughtUp: 'caught-up',
  SoakStarted: 'soak-started',
  WaveCompleted: 'wave-completed',
  Failed: 'failed',
  Halted: 'halted',
  RollbackStarted: 'rollback-started',
  RolledBack: 'rolled-back',
  Completed: 'completed',
  Paused: 'paused',
  Resumed: 'resumed',
  Aborted: 'aborted',
  /** A command that did not apply (wrong phase, unknown wave). */
  Ignored: 'ignored',
} as const;
export type RolloutEventKind = (typeof RolloutEventKind)[keyof typeof RolloutEventKind];

export interface RolloutEvent {
  readonly atMs: number;
  readonly kind: RolloutEventKind;
  /** One line for people. */
  readonly message: string;
  readonly wave?: string;
  readonly targets?: readonly string[];
  /** Who sent the command, for command events. */
  readonly by?: string;
}

/** Events kept in a state (the oldest go first). */
export const MAX_HISTORY = 100;

/** One rollout of one application from one revision to another. */
export interface RolloutState {
  /** `<app>@<toRevision>@<startedAtMs>`. */
  readonly id: string;
  readonly app: string;
  /** The last revision healthy everywhere it ran: what targets not yet moved keep. */
  readonly fromRevision: string;
  readonly toRevision: string;
  readonly phase: RolloutPhase;
  /** Index into assignWaves(strategy, targets); equal to the number of waves once all passed. */
  readonly wave: number;
  /** Target → when it was moved to toRevision. */
  readonly moved: Readonly<Record<string, number>>;
  /**
   * Target → start of its current progressDeadline: its move, a resume, or the moment it stopped
   * being healthy. For moved targets only.
   */
  readonly progressSinceMs: Readonly<Record<string, number>>;
  /** Moved target → since when the rollout has seen it healthy at toRevision (current streak). */
  readonly healthySinceMs: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, TargetFailure>>;
  /**
   * Targets moved by a rollout this one superseded → the revision they run, which they keep
   * until this rollout moves them (so a superseded canary does not bounce back first).
   */
  readonly carried: Readonly<Record<string, string>>;
  /** Names of waves approved (approvals may come before the wave is reached). */
  readonly approvals: readonly string[];
  /** When the current wave started moving targets (after its gate). */
  readonly waveStartedAtMs?: number;
  /** When the current wave was first seen healthy: the soak's start. */
  readonly waveHealthySinceMs?: number;
  /** The phase `resume` returns to (Paused only). */
  readonly pausedPhase?: RolloutPhase;
  /** Set once a rollback started: every target then runs fromRevision. */
  readonly rollback?: { readonly startedAtMs: number; readonly reason: string };
  /** The rollout this one superseded. */
  readonly previous?: {
    readonly id: string;
    readonly toRevision: string;
    readonly phase: RolloutPhase;
  };
  readonly startedAtMs: number;
  readonly history: readonly RolloutEvent[];
}
