/**
 * The mutable copy of a RolloutState that one step works on, and the way back to a stored
 * state. Only the step's own functions touch a draft; it never outlives the step.
 */
import type { StepContext } from './context.ts';
import { MAX_HISTORY } from './state.ts';
import type {
  RolloutEvent,
  RolloutEventKind,
  RolloutPhase,
  RolloutState,
  TargetFailure,
} from './state.ts';

/** The mutable copy a step works on. */
export interface Draft {
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

/** A copy of `state` the step may change. */
export function draft(state: RolloutState): Draft {
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

/** The stored state of a draft: absent fields left out, history bounded to MAX_HISTORY. */
export function finish(d: Draft): RolloutState {
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

/** Appends one history event at the step's instant. */
export function event(
  d: Draft,
  ctx: StepContext,
  kind: RolloutEventKind,
  message: string,
  extra: { wave?: string; targets?: readonly string[]; by?: string } = {},
): void {
  d.history.push({ atMs: ctx.now, kind, message, ...extra });
}

/** Moved targets neither healthy nor failed yet. */
export function inFlight(d: Draft): string[] {
  return Object.keys(d.moved).filter(
    (t) => !Object.hasOwn(d.healthySinceMs, t) && !Object.hasOwn(d.failed, t),
  );
}
