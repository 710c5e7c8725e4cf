/**
 * The rollout pages' model, pure: the stored state and explanation of `GET /api/v1/rollout`
 * read defensively (the API types them as open objects), the soak countdown of the current wave,
 * the commands a rollout takes in its phase, the wave waiting at its gate, and the history newest
 * first.
 */
import type {
  RolloutExplanation,
  TargetExplanation,
  WaveExplanation,
} from '../../../src/core/rollout/explain.ts';
import type { RolloutEvent, RolloutPhase, RolloutState } from '../../../src/core/rollout/state.ts';

export type {
  RolloutExplanation,
  RolloutEvent,
  RolloutPhase,
  RolloutState,
  TargetExplanation,
  WaveExplanation,
};

export type CommandName = 'pause' | 'resume' | 'abort' | 'rollback' | 'approve';

const PHASES: readonly RolloutPhase[] = [
  'Progressing',
  'Paused',
  'WaitingApproval',
  'Soaking',
  'Halted',
  'RollingBack',
  'RolledBack',
  'Completed',
  'Aborted',
];

/** True for phases nothing leaves. */
export function isTerminalPhase(phase: string): boolean {
  return phase === 'RolledBack' || phase === 'Completed' || phase === 'Aborted';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
const numbers = (v: unknown): Record<string, number> => {
  const out: Record<string, number> = {};
  if (isRecord(v)) for (const [k, n] of Object.entries(v)) if (typeof n === 'number') out[k] = n;
  return out;
};

function waveOf(v: unknown, i: number): WaveExplanation {
  const w = isRecord(v) ? v : {};
  const status = str(w['status']);
  const gate = str(w['gate']);
  return {
    index: num(w['index']) ?? i,
    name: str(w['name']),
    implicit: w['implicit'] === true,
    targets: strings(w['targets']),
    maxUnavailable: num(w['maxUnavailable']) ?? 0,
    maxUnavailableSpec: str(w['maxUnavailableSpec']),
    soakMs: num(w['soakMs']) ?? 0,
    ...(gate === '' ? {} : { gate }),
    status: status === 'done' || status === 'current' || status === 'empty' ? status : 'pending',
    description: str(w['description']),
  };
}

function targetOf(v: unknown): TargetExplanation {
  const t = isRecord(v) ? v : {};
  return {
    target: str(t['target']),
    wave: str(t['wave']),
    waveIndex: num(t['waveIndex']) ?? 0,
    membership: str(t['membership']),
    state: str(t['state']) as TargetExplanation['state'],
    revision: str(t['revision']),
    reason: str(t['reason']),
  };
}

/** An explanation (or a plan preview) from the API's open object. */
export function explanationOf(v: unknown): RolloutExplanation {
  const e = isRecord(v) ? v : {};
  return {
    summary: str(e['summary']),
    waves: Array.isArray(e['waves']) ? e['waves'].map(waveOf) : [],
    targets: Array.isArray(e['targets']) ? e['targets'].map(targetOf) : [],
  };
}

function eventOf(v: unknown): RolloutEvent {
  const e = isRecord(v) ? v : {};
  const wave = str(e['wave']);
  const by = str(e['by']);
  return {
    atMs: num(e['atMs']) ?? 0,
    kind: str(e['kind']) as RolloutEvent['kind'],
    message: str(e['message']),
    ...(wave === '' ? {} : { wave }),
    ...(Array.isArray(e['targets']) ? { targets: strings(e['targets']) } : {}),
    ...(by === '' ? {} : { by }),
  };
}

/** The fields of a stored state the pages show, from the API's open object. */
export type StateView = Pick<
  RolloutState,
  | 'id'
  | 'app'
  | 'fromRevision'
  | 'toRevision'
  | 'phase'
  | 'wave'
  | 'moved'
  | 'approvals'
  | 'waveStartedAtMs'
  | 'waveHealthySinceMs'
  | 'pausedPhase'
  | 'rollback'
  | 'startedAtMs'
  | 'history'
> & {
  readonly failed: Readonly<
    Record<string, { readonly reason: string; readonly atMs: number; readonly wave: string }>
  >;
};

function phaseOf(v: unknown): RolloutPhase | undefined {
  return PHASES.find((p) => p === v);
}

export function stateOf(v: unknown): StateView {
  const s = isRecord(v) ? v : {};
  const failed: Record<string, { reason: string; atMs: number; wave: string }> = {};
  if (isRecord(s['failed'])) {
    for (const [t, f] of Object.entries(s['failed'])) {
      const r = isRecord(f) ? f : {};
      failed[t] = { reason: str(r['reason']), atMs: num(r['atMs']) ?? 0, wave: str(r['wave']) };
    }
  }
  const rb = isRecord(s['rollback']) ? s['rollback'] : undefined;
  const paused = phaseOf(s['pausedPhase']);
  const waveStartedAtMs = num(s['waveStartedAtMs']);
  const waveHealthySinceMs = num(s['waveHealthySinceMs']);
  return {
    id: str(s['id']),
    app: str(s['app']),
    fromRevision: str(s['fromRevision']),
    toRevision: str(s['toRevision']),
    phase: phaseOf(s['phase']) ?? 'Progressing',
    wave: num(s['wave']) ?? 0,
    moved: numbers(s['moved']),
    failed,
    approvals: strings(s['approvals']),
    ...(waveStartedAtMs === undefined ? {} : { waveStartedAtMs }),
    ...(waveHealthySinceMs === undefined ? {} : { waveHealthySinceMs }),
    ...(paused === undefined ? {} : { pausedPhase: paused }),
    ...(rb === undefined
      ? {}
      : { rollback: { startedAtMs: num(rb['startedAtMs']) ?? 0, reason: str(rb['reason']) } }),
    startedAtMs: num(s['startedAtMs']) ?? 0,
    history: Array.isArray(s['history']) ? s['history'].map(eventOf) : [],
  };
}

/** A wave's soak as the page shows it. */
export type Soak =
  | { readonly kind: 'none' }
  /** Before the wave is healthy (or in a later wave). */
  | { readonly kind: 'waiting'; readonly soakMs: number }
  | {
      readonly kind: 'running';
      readonly soakMs: number;
      readonly startMs: number;
      readonly endMs: number;
      readonly remainingMs: number;
    }
  | { readonly kind: 'passed'; readonly soakMs: number };

/**
 * The soak of `wave` at `nowMs`: it runs only in the current wave of a Soaking rollout, from
 * `waveHealthySinceMs` (the wave first seen healthy) for the wave's `soakMs`. A resume restarts
 * it, so a paused soak shows as waiting.
 */
export function soakOf(
  state: Pick<StateView, 'phase' | 'wave' | 'waveHealthySinceMs'>,
  wave: Pick<WaveExplanation, 'index' | 'soakMs' | 'status'>,
  nowMs: number,
): Soak {
  if (wave.soakMs <= 0) return { kind: 'none' };
  if (wave.status === 'done' || wave.index < state.wave)
    return { kind: 'passed', soakMs: wave.soakMs };
  if (
    wave.index === state.wave &&
    state.phase === 'Soaking' &&
    state.waveHealthySinceMs !== undefined
  ) {
    const endMs = state.waveHealthySinceMs + wave.soakMs;
    return {
      kind: 'running',
      soakMs: wave.soakMs,
      startMs: state.waveHealthySinceMs,
      endMs,
      remainingMs: Math.max(0, endMs - nowMs),
    };
  }
  return { kind: 'waiting', soakMs: wave.soakMs };
}

/** Whether a soak counts down now (the page then ticks and polls). */
export function soakRunning(state: StateView, waves: readonly WaveExplanation[]): boolean {
  const w = waves.find((x) => x.index === state.wave);
  return w !== undefined && soakOf(state, w, 0).kind === 'running';
}

/**
 * The wave waiting at its manual gate, not approved yet: the current wave of a rollout
 * WaitingApproval (or paused while it was).
 */
export function waveAwaitingApproval(
  state: Pick<StateView, 'phase' | 'pausedPhase' | 'wave' | 'approvals'>,
  waves: readonly WaveExplanation[],
): WaveExplanation | undefined {
  const waiting =
    state.phase === 'WaitingApproval' ||
    (state.phase === 'Paused' && state.pausedPhase === 'WaitingApproval');
  if (!waiting) return undefined;
  const w = waves.find((x) => x.index === state.wave);
  if (w === undefined || w.gate === undefined || state.approvals.includes(w.name)) return undefined;
  return w;
}

/** The commands (other than approve) that apply in `phase`, as the hub applies them. */
export function commandsFor(phase: RolloutPhase): Exclude<CommandName, 'approve'>[] {
  if (isTerminalPhase(phase)) return [];
  const out: Exclude<CommandName, 'approve'>[] = [];
  if (phase === 'Progressing' || phase === 'Soaking' || phase === 'WaitingApproval')
    out.push('pause');
  if (phase === 'Paused' || phase === 'Halted') out.push('resume');
  out.push('abort');
  if (phase !== 'RollingBack') out.push('rollback');
  return out;
}

/** The label of a command's button. */
export function commandLabel(command: CommandName, wave?: string): string {
  if (command === 'approve') return `Approve ${wave ?? ''}`.trim();
  return command.charAt(0).toUpperCase() + command.slice(1);
}

/** What the page says once the hub accepted a command (it applies it at its next step). */
export function acceptedText(app: string, command: CommandName, wave?: string): string {
  const what = command === 'approve' ? `approval of wave ${wave ?? ''}` : command;
  return `${what} of ${app} accepted; the rollout applies it at its next step`;
}

/** The history, newest first. */
export function historyNewestFirst(history: readonly RolloutEvent[]): RolloutEvent[] {
  return [...history].sort((a, b) => b.atMs - a.atMs);
}

/** Something the page can tell changed after a command: phase, wave, approvals, history. */
export function stateFingerprint(s: StateView): string {
  return [s.id, s.phase, String(s.wave), s.approvals.join(','), String(s.history.length)].join('|');
}

/** `2 min 5 s` left of a soak, to the second (rounded up so 0 s means over). */
export function countdownText(soak: Soak, fmt: (ms: number) => string): string {
  switch (soak.kind) {
    case 'none':
      return '';
    case 'waiting':
      return `soak ${fmt(soak.soakMs)} once the wave is healthy`;
    case 'passed':
      return `soak ${fmt(soak.soakMs)} passed`;
    case 'running':
      return soak.remainingMs === 0
        ? `soak of ${fmt(soak.soakMs)} over; the next step starts the next wave`
        : `soaking: ${fmt(Math.ceil(soak.remainingMs / 1000) * 1000)} left of ${fmt(soak.soakMs)}`;
  }
}

/** The targets of each wave (by wave index), in the explanation's order. */
export function targetsByWave(
  targets: readonly TargetExplanation[],
): Map<number, TargetExplanation[]> {
  const out = new Map<number, TargetExplanation[]>();
  for (const t of targets) {
    const list = out.get(t.waveIndex);
    if (list === undefined) out.set(t.waveIndex, [t]);
    else list.push(t);
  }
  return out;
}

/** Whether a phase (or a target state) is a problem, for the badges' tone. */
export function tone(value: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  switch (value) {
    case 'Completed':
    case 'healthy':
    case 'done':
      return 'ok';
    case 'Halted':
    case 'RollingBack':
    case 'RolledBack':
    case 'Aborted':
    case 'failed':
    case 'blocked':
    case 'rolling-back':
    case 'rolled-back':
      return 'bad';
    case 'Paused':
    case 'WaitingApproval':
    case 'held':
    case 'skipped':
    case 'waiting':
      return 'warn';
    default:
      return 'neutral';
  }
}
