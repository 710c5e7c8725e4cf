/**
 * Anti-hot-loop guard for drift correction. When another controller keeps writing a field we
 * correct (an HPA on `/spec/replicas`, a mutating operator, a person with a script), correcting
 * at once every time turns the two into a write loop that floods the API server and the audit
 * log. The guard lets the first corrections through immediately, and once more than
 * `burstLimit` corrections happen within `windowMs` it calls the situation a fight and spaces
 * further corrections with exponential backoff (base doubling up to a cap). After a quiet period
 * without corrections it forgets the fight.
 *
 * Pure state machine: time is always passed in, nothing is scheduled here. Memory is bounded:
 * keys idle for longer than `forgetAfterMs` are dropped, and at most `maxKeys` are kept (least
 * recently corrected dropped first).
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';

export interface CorrectionGuardOptions {
  /** Corrections allowed within `windowMs` before backing off. @default 3 */
  readonly burstLimit?: number;
  /** Window in which corrections are counted. @default 60_000 */
  readonly windowMs?: number;
  /** First backoff delay once fighting. @default 1_000 */
  readonly baseBackoffMs?: number;
  /** Longest backoff delay. @default 300_000 (5 min) */
  readonly maxBackoffMs?: number;
  /** Quiet time (after the current backoff ends) that ends a fight. @default windowMs */
  readonly quietPeriodMs?: number;
  /** Keys without corrections for this long are forgotten. @default windowMs * 10 */
  readonly forgetAfterMs?: number;
  /** Most keys remembered. @default 10_000 */
  readonly maxKeys?: number;
}

export type ResolvedCorrectionGuardOptions = Required<CorrectionGuardOptions>;

/** A fight over one object, for the reporter. */
export interface Fight {
  /** The manager that most often made the drift we corrected ("unknown" if never named). */
  readonly manager: string;
  /** Corrections since the fight's streak began. */
  readonly count: number;
  /** Time from the first to the last correction of the streak. */
  readonly spanMs: number;
  /** Delay imposed after the last correction. */
  readonly backoffMs: number;
  /** Earliest time of the next correction. */
  readonly nextCorrectionAtMs: number;
}

export const DEFAULT_BURST_LIMIT = 3;
export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_BASE_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 300_000;
export const DEFAULT_MAX_KEYS = 10_000;

/** Manager name used when corrections were recorded without one. */
const UNKNOWN = 'unknown';

interface KeyState {
  /** Times of the last `burstLimit + 1` corrections, oldest first. */
  readonly recent: number[];
  /** Corrections since the streak began (the last quiet period). */
  streak: number;
  streakStartMs: number;
  lastMs: number;
  /** Set once more than burstLimit corrections fell within one window; cleared by quiet. */
  fighting: boolean;
  /** Corrections since the fight began (1 = the one that started it). */
  fightCorrections: number;
  /** Corrections per drifting manager in this streak. */
  readonly managers: Map<string, number>;
}

export class CorrectionGuard {
  readonly options: ResolvedCorrectionGuardOptions;
  /** Insertion order = order of last correction (re-inserted on each), so the oldest is first. */
  private readonly keys = new Map<string, KeyState>();

  /** @throws GitfleetError CONFIG_INVALID when an option is out of range */
  constructor(options: CorrectionGuardOptions = {}) {
    this.options = resolveOptions(options);
  }

  /** Number of keys remembered. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Records a correction of `key` at `nowMs` of drift made by `fieldManager` ("" if unknown).
   */
  recordCorrection(key: string, nowMs: number, fieldManager: string): void {
    let state = this.keys.get(key);
    if (state !== undefined && this.isQuiet(state, nowMs)) state = undefined;
    if (state === undefined) {
      state = {
        recent: [],
        streak: 0,
        streakStartMs: nowMs,
        lastMs: nowMs,
        fighting: false,
        fightCorrections: 0,
        managers: new Map(),
      };
    }
    const { burstLimit, windowMs } = this.options;
    state.recent.push(nowMs);
    if (state.recent.length > burstLimit + 1) state.recent.shift();
    state.streak += 1;
    state.lastMs = nowMs;
    const manager = fieldManager === '' ? UNKNOWN : fieldManager;
    state.managers.set(manager, (state.managers.get(manager) ?? 0) + 1);
    if (state.fighting) {
      state.fightCorrections += 1;
    } else {
      const first = state.recent[0];
      if (state.recent.length > burstLimit && first !== undefined && nowMs - first <= windowMs) {
        state.fighting = true;
        state.fightCorrections = 1;
      }
    }
    this.keys.delete(key);
    this.keys.set(key, state);
    this.prune(nowMs);
  }

  /**
   * Earliest time at which `key` may be corrected again: `nowMs` (immediately) unless the guard
   * is backing off a fight.
   */
  nextCorrectionAt(key: string, nowMs: number): number {
    const state = this.keys.get(key);
    if (state === undefined || this.isQuiet(state, nowMs)) return nowMs;
    return Math.max(nowMs, state.lastMs + this.backoffOf(state));
  }

  /** The fight over `key`, if the guard is backing off one at `nowMs`. */
  fightingWith(key: string, nowMs: number): Fight | undefined {
    const state = this.keys.get(key);
    if (state === undefined || !state.fighting || this.isQuiet(state, nowMs)) return undefined;
    const backoffMs = this.backoffOf(state);
    return {
      manager: topManager(state.managers),
      count: state.streak,
      spanMs: state.lastMs - state.streakStartMs,
      backoffMs,
      nextCorrectionAtMs: state.lastMs + backoffMs,
    };
  }

  /** Forgets `key` (the object was deleted, or left the assignment). */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /** Drops keys idle for longer than `forgetAfterMs`, then the oldest beyond `maxKeys`. */
  prune(nowMs: number): void {
    for (const [key, state] of this.keys) {
      const idleMs = nowMs - state.lastMs;
      if (idleMs <= this.options.forgetAfterMs || !this.isQuiet(state, nowMs)) break;
      this.keys.delete(key);
    }
    for (const key of this.keys.keys()) {
      if (this.keys.size <= this.options.maxKeys) break;
      this.keys.delete(key);
    }
  }

  private backoffOf(state: KeyState): number {
    if (!state.fighting) return 0;
    const { baseBackoffMs, maxBackoffMs } = this.options;
    // 2^(n-1) overflows to Infinity long after the cap; Math.min keeps it finite.
    return Math.min(maxBackoffMs, baseBackoffMs * 2 ** (state.fightCorrections - 1));
  }

  /** Quiet: no correction for the current backoff plus the quiet period. */
  private isQuiet(state: KeyState, nowMs: number): boolean {
    return nowMs - state.lastMs >= this.backoffOf(state) + this.options.quietPeriodMs;
  }
}

/** "fighting with kube-controller-manager: 6 corrections in 12 s, backing off 8 s" */
export function describeFight(fight: Fight): string {
  return (
    `fighting with ${fight.manager}: ${String(fight.count)} corrections in ` +
    `${formatSeconds(fight.spanMs)}, backing off ${formatSeconds(fight.backoffMs)}`
  );
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? String(s) : s.toFixed(1)} s`;
}

function topManager(managers: ReadonlyMap<string, number>): string {
  // Prefer a named manager over "unknown" when both were seen.
  let best = UNKNOWN;
  let bestCount = 0;
  for (const [manager, count] of managers) {
    if (manager !== UNKNOWN && count > bestCount) {
      best = manager;
      bestCount = count;
    }
  }
  return best;
}

function resolveOptions(o: CorrectionGuardOptions): ResolvedCorrectionGuardOptions {
  const windowMs = o.windowMs ?? DEFAULT_WINDOW_MS;
  const resolved: ResolvedCorrectionGuardOptions = {
    burstLimit: o.burstLimit ?? DEFAULT_BURST_LIMIT,
    windowMs,
    baseBackoffMs: o.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS,
    maxBackoffMs: o.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    quietPeriodMs: o.quietPeriodMs ?? windowMs,
    forgetAfterMs: o.forgetAfterMs ?? windowMs * 10,
    maxKeys: o.maxKeys ?? DEFAULT_MAX_KEYS,
  };
  const problems: string[] = [];
  const positiveInt = (name: keyof ResolvedCorrectionGuardOptions, min: number): void => {
    const v = resolved[name];
    if (!Number.isSafeInteger(v) || v < min)
      problems.push(`${name} must be an integer >= ${String(min)}`);
  };
  positiveInt('burstLimit', 0);
  positiveInt('windowMs', 1);
  positiveInt('baseBackoffMs', 1);
  positiveInt('maxBackoffMs', 1);
  positiveInt('quietPeriodMs', 0);
  positiveInt('forgetAfterMs', 1);
  positiveInt('maxKeys', 1);
  if (resolved.maxBackoffMs < resolved.baseBackoffMs)
    problems.push('maxBackoffMs must be >= baseBackoffMs');
  if (problems.length > 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `correction guard options invalid:\n- ${problems.join('\n- ')}`,
      { terminal: true },
    );
  }
  return Object.freeze(resolved);
}
