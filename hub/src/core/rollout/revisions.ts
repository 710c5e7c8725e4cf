/**
 * Starting and superseding a rollout, and which revision each target runs under it (the level a
 * controller applies).
 */
import { own } from './context.ts';
import { isTerminal } from './state.ts';
import type { RolloutState } from './state.ts';
import { short } from './text.ts';

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
