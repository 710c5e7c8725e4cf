/**
 * What `gitfleet rollout …` prints for people: the list of rollouts, one rollout's waves and
 * targets, the plan preview, and the frames of `rollout watch` (one progress bar per wave, the
 * summary, the reasons of the targets that wait) or its one-line-per-change form. Pure functions
 * of the hub's JSON (the shapes `-o json` prints), tested without a hub.
 */
import type {
  RolloutExplanation,
  TargetExplanation,
  WaveExplanation,
} from '../core/rollout/explain.ts';
import type { PlanPreview } from '../core/rollout/preview.ts';
import type { RolloutEvent, RolloutState } from '../core/rollout/state.ts';
import { formatDuration } from '../core/time/duration.ts';
import { age, isoTime, shortSha, stripAnsi, table, type Painter, type Style } from './format.ts';

/** `GET /api/v1/rollout?app=`: the stored state and the hub's explanation of it now. */
export interface RolloutView {
  readonly app: string;
  readonly state: RolloutState;
  readonly explanation: RolloutExplanation;
}

/** One item of `GET /api/v1/rollouts`. */
export interface RolloutListItem {
  readonly app: string;
  readonly id: string;
  readonly phase: string;
  readonly fromRevision: string;
  readonly toRevision: string;
  /** Index of the current wave (the number of waves once all passed). */
  readonly wave: number;
  readonly summary: string;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Target states that mean "moved to the new revision" (healthy or not, or moved and back). */
const MOVED_STATES: ReadonlySet<string> = new Set([
  'progressing',
  'healthy',
  'failed',
  'rolling-back',
  'rolled-back',
]);

/** Target states whose reason `watch` shows: why they do not move, or why they failed. */
export const ATTENTION_STATES: readonly string[] = ['waiting', 'held', 'blocked', 'failed'];

/** How `rollout watch` ends in each phase: 0 (Completed), 1 (stopped for good), or not yet. */
export function watchOutcome(phase: string): 0 | 1 | undefined {
  if (phase === 'Completed') return 0;
  if (phase === 'Halted' || phase === 'RolledBack' || phase === 'Aborted') return 1;
  return undefined;
}

export function phaseStyle(phase: string): Style[] {
  switch (phase) {
    case 'Completed':
      return ['green'];
    case 'Halted':
    case 'RollingBack':
    case 'RolledBack':
    case 'Aborted':
      return ['red'];
    case 'WaitingApproval':
    case 'Paused':
      return ['yellow'];
    default:
      return ['cyan'];
  }
}

export function targetStateStyle(state: string): Style[] {
  switch (state) {
    case 'healthy':
    case 'rolled-back':
      return ['green'];
    case 'failed':
    case 'blocked':
      return ['red'];
    case 'progressing':
    case 'waiting':
    case 'rolling-back':
    case 'held':
      return ['yellow'];
    default:
      return ['dim'];
  }
}

/** `a, b, c and 2 more`. */
export function nameList(names: readonly string[], max = 3): string {
  if (names.length === 0) return '-';
  const more = names.length - max;
  return more > 0 ? `${names.slice(0, max).join(', ')} and ${String(more)} more` : names.join(', ');
}

/** The summary without its `web 3f2a9c1d5e6f → 8e1b2c3d4e5f: ` head (shown in columns). */
export function summaryTail(summary: string): string {
  return summary.replace(/^\S+ \S+ → \S+: /, '');
}

function soak(ms: number): string {
  return ms > 0 ? formatDuration(ms) : '-';
}

function maxUnavailable(w: WaveExplanation): string {
  return w.maxUnavailableSpec.endsWith('%')
    ? `${w.maxUnavailableSpec} (=${String(w.maxUnavailable)})`
    : w.maxUnavailableSpec;
}

function gate(w: WaveExplanation, approvals: readonly string[]): string {
  if (w.gate === undefined) return approvals.includes(w.name) ? 'approved' : '-';
  return approvals.includes(w.name) ? `${w.gate}, approved` : w.gate;
}

/** The waves worth a row: every declared one, and the implicit `unmatched` when it has targets. */
export function shownWaves(waves: readonly WaveExplanation[]): WaveExplanation[] {
  return waves.filter((w) => !w.implicit || w.targets.length > 0);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Progress of the waves

export interface WaveProgress {
  readonly index: number;
  readonly name: string;
  readonly status: WaveExplanation['status'];
  readonly gate?: string;
  readonly approved: boolean;
  readonly total: number;
  /** Moved to the new revision (healthy, progressing, failed, or moved and rolled back). */
  readonly moved: number;
  /** Healthy at the new revision. */
  readonly healthy: number;
  readonly failed: number;
}

/** Per wave: how many of its targets moved, are healthy, failed. */
export function waveProgress(view: RolloutView): WaveProgress[] {
  const byWave = new Map<string, TargetExplanation[]>();
  for (const t of view.explanation.targets) {
    const list = byWave.get(t.wave) ?? [];
    list.push(t);
    byWave.set(t.wave, list);
  }
  return shownWaves(view.explanation.waves).map((w) => {
    const members = byWave.get(w.name) ?? [];
    const moved = members.filter(
      (t) => MOVED_STATES.has(t.state) || Object.hasOwn(view.state.moved, t.target),
    ).length;
    return {
      index: w.index,
      name: w.name,
      status: w.status,
      ...(w.gate === undefined ? {} : { gate: w.gate }),
      approved: view.state.approvals.includes(w.name),
      total: Math.max(w.targets.length, members.length),
      moved,
      healthy: members.filter((t) => t.state === 'healthy').length,
      failed: members.filter((t) => t.state === 'failed').length,
    };
  });
}

export const BAR = { healthy: '█', failed: '✗', moving: '▒', rest: '░' } as const;

/**
 * A bar of `width` cells: healthy targets (█, green), failed ones (✗, red), moved but not healthy
 * yet (▒, yellow), the rest (░). Cells are given by cumulative rounding, so they always add up
 * to `width`; an empty wave is a bar of blanks.
 *
 * @example progressBar({ total: 4, moved: 3, healthy: 2, failed: 0 }, 8, plain) === '[████▒▒░░]'
 */
export function progressBar(
  w: Pick<WaveProgress, 'total' | 'moved' | 'healthy' | 'failed'>,
  width: number,
  p: Painter,
): string {
  if (w.total <= 0) return `[${' '.repeat(width)}]`;
  const healthy = Math.min(w.healthy, w.total);
  const failed = Math.min(w.failed, w.total - healthy);
  const moved = Math.min(Math.max(w.moved, healthy + failed), w.total);
  const at = (n: number): number => Math.round((n / w.total) * width);
  const h = at(healthy);
  const f = at(healthy + failed) - h;
  const m = at(moved) - h - f;
  const rest = width - h - f - m;
  return `[${p.paint(BAR.healthy.repeat(h), 'green')}${p.paint(BAR.failed.repeat(f), 'red')}${p.paint(
    BAR.moving.repeat(m),
    'yellow',
  )}${p.paint(BAR.rest.repeat(rest), 'dim')}]`;
}

/** `2/3 moved, 1/3 healthy, 1 failed`. */
export function progressCounts(w: WaveProgress): string {
  if (w.total === 0) return 'no targets';
  const n = String(w.total);
  return [
    `${String(w.moved)}/${n} moved`,
    `${String(w.healthy)}/${n} healthy`,
    ...(w.failed > 0 ? [`${String(w.failed)} failed`] : []),
  ].join(', ');
}

/** What to type next, when the rollout waits for a person. */
export function nextStep(view: RolloutView): string | undefined {
  const app = view.app;
  switch (view.state.phase) {
    case 'WaitingApproval': {
      const wave = view.explanation.waves.find((w) => w.status === 'current');
      return `approve it: gitfleet rollout approve ${app} --wave ${wave?.name ?? 'WAVE'}`;
    }
    case 'Paused':
      return `continue it: gitfleet rollout resume ${app}`;
    case 'Halted':
      return `gitfleet rollout resume ${app} (retry), rollback ${app} or abort ${app}`;
    default:
      return undefined;
  }
}

/** Targets that wait, are held or blocked, or failed: their reasons are worth a line. */
export function attention(view: RolloutView): TargetExplanation[] {
  return view.explanation.targets.filter((t) => ATTENTION_STATES.includes(t.state));
}

// ---------------------------------------------------------------------------------------------
// rollout list

export function formatRolloutList(items: readonly RolloutListItem[], p: Painter): string {
  if (items.length === 0)
    return 'no rollouts: no application has a spec.rollout (or no revision was seen yet)';
  const sorted = [...items].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  return table(
    ['APP', 'PHASE', 'FROM', 'TO', 'SUMMARY'],
    sorted.map((r) => [
      r.app,
      p.paint(r.phase, ...phaseStyle(r.phase)),
      shortSha(r.fromRevision),
      shortSha(r.toRevision),
      summaryTail(r.summary),
    ]),
    p,
  );
}

// ---------------------------------------------------------------------------------------------
// rollout status

function header(view: RolloutView, p: Painter, nowMs: number): string {
  const s = view.state;
  const revs =
    s.fromRevision === s.toRevision
      ? shortSha(s.toRevision)
      : `${shortSha(s.fromRevision)} → ${shortSha(s.toRevision)}`;
  return `${p.paint(`rollout of ${view.app}`, 'bold')} ${revs}  ${p.paint(s.phase, 'bold', ...phaseStyle(s.phase))}  (started ${isoTime(s.startedAtMs)}, ${age(s.startedAtMs, nowMs)} ago)`;
}

function wavesTable(
  waves: readonly WaveExplanation[],
  approvals: readonly string[],
  progress: readonly WaveProgress[] | undefined,
  p: Painter,
): string {
  const head = ['WAVE', 'MEMBERS', 'MAXUNAVAILABLE', 'SOAK', 'GATE', 'STATUS'];
  if (progress !== undefined) head.push('PROGRESS');
  return table(
    head,
    shownWaves(waves).map((w) => {
      const status =
        w.status === 'current'
          ? p.paint(w.status, 'bold', 'cyan')
          : w.status === 'done'
            ? p.paint(w.status, 'green')
            : p.paint(w.status, 'dim');
      const row = [
        w.name,
        w.targets.length === 0 ? '(none)' : `${String(w.targets.length)}: ${nameList(w.targets)}`,
        maxUnavailable(w),
        soak(w.soakMs),
        gate(w, approvals),
        status,
      ];
      const prog = progress?.find((x) => x.name === w.name);
      if (progress !== undefined) row.push(prog === undefined ? '-' : progressCounts(prog));
      return row;
    }),
    p,
  );
}

/** Phase, revisions, the waves (members, maxUnavailable, soak, gate, status, progress), the targets, recent events. */
export function formatRolloutStatus(
  view: RolloutView,
  p: Painter,
  nowMs: number,
  events = 5,
): string {
  const lines = [header(view, p, nowMs), summaryTail(view.explanation.summary), ''];
  lines.push(wavesTable(view.explanation.waves, view.state.approvals, waveProgress(view), p));
  lines.push('');
  if (view.explanation.targets.length === 0) lines.push('no targets follow the rollout');
  else {
    lines.push(
      table(
        ['TARGET', 'WAVE', 'STATE', 'REVISION', 'REASON'],
        view.explanation.targets.map((t) => [
          t.target,
          t.wave,
          p.paint(t.state, ...targetStateStyle(t.state)),
          shortSha(t.revision),
          t.reason,
        ]),
        p,
      ),
    );
  }
  const recent = view.state.history.slice(-events);
  if (recent.length > 0) {
    lines.push('', p.paint('recent events:', 'bold'));
    lines.push(...recent.map((e) => `  ${formatEvent(e, nowMs)}`));
  }
  const hint = nextStep(view);
  if (hint !== undefined) lines.push('', p.paint(hint, 'yellow'));
  return lines.join('\n');
}

export function formatEvent(e: RolloutEvent, nowMs: number): string {
  return `${isoTime(e.atMs)} (${age(e.atMs, nowMs)} ago)  ${e.kind}: ${e.message}`;
}

// ---------------------------------------------------------------------------------------------
// rollout plan

/** The plan preview: each wave, then which target is in which wave and why, and what it would do now. */
export function formatRolloutPlan(app: string, plan: PlanPreview, p: Painter): string {
  const lines = [`${p.paint(`plan of ${app}`, 'bold')}: ${plan.summary}`, ''];
  lines.push(wavesTable(plan.waves, [], undefined, p));
  lines.push('');
  if (plan.targets.length === 0) lines.push('no targets follow the application’s own revision');
  else {
    lines.push(
      table(
        ['TARGET', 'WAVE', 'WHY', 'NOW'],
        plan.targets.map((t) => [
          t.target,
          t.wave,
          t.membership,
          t.state === 'pending' ? t.reason : p.paint(t.reason, ...targetStateStyle(t.state)),
        ]),
        p,
      ),
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// rollout watch

/**
 * The line cut to `width` printed cells (colour codes kept, `…` at the cut, colours reset), so
 * that a redraw in place never wraps.
 */
export function fit(line: string, width: number): string {
  if (width <= 0 || [...stripAnsi(line)].length <= width) return line;
  let out = '';
  let shown = 0;
  let coloured = false;
  // eslint-disable-next-line no-control-regex
  const parts = line.split(/(\u001b\[[0-9;]*m)/);
  for (const part of parts) {
    if (part.startsWith('\u001b[')) {
      out += part;
      coloured = true;
      continue;
    }
    for (const ch of part) {
      if (shown === width - 1) return `${out}…${coloured ? '\u001b[0m' : ''}`;
      out += ch;
      shown++;
    }
  }
  return out;
}

export interface FrameOptions {
  /** Terminal columns; lines are cut to it (0: not cut). */
  readonly columns?: number;
  /** Cells of each bar. */
  readonly barWidth?: number;
  /** At most this many reason lines. */
  readonly maxReasons?: number;
}

/**
 * One frame of `rollout watch` on a terminal: the header, a bar per wave (moved and healthy of its
 * targets), the summary, and the reasons of waiting/held/blocked/failed targets.
 */
export function formatWatchFrame(
  view: RolloutView,
  p: Painter,
  nowMs: number,
  opts: FrameOptions = {},
): string[] {
  const barWidth = opts.barWidth ?? 24;
  const progress = waveProgress(view);
  const nameWidth = Math.max(0, ...progress.map((w) => [...w.name].length));
  const lines = [header(view, p, nowMs)];
  for (const w of progress) {
    const notes = [
      w.status === 'current' ? p.paint('current', 'bold', 'cyan') : w.status,
      ...(w.gate === undefined ? [] : [`gate ${w.gate}${w.approved ? ' (approved)' : ''}`]),
    ];
    lines.push(
      `  ${w.name.padEnd(nameWidth)}  ${progressBar(w, barWidth, p)}  ${progressCounts(w)}  ${notes.join(', ')}`,
    );
  }
  lines.push(summaryTail(view.explanation.summary));
  const waiting = attention(view);
  const max = opts.maxReasons ?? 8;
  for (const t of waiting.slice(0, max)) {
    lines.push(`  ${t.target}: ${p.paint(t.reason, ...targetStateStyle(t.state))}`);
  }
  if (waiting.length > max) lines.push(`  … and ${plural(waiting.length - max, 'more target')}`);
  const hint = nextStep(view);
  if (hint !== undefined) lines.push(p.paint(hint, 'yellow'));
  const columns = opts.columns ?? 0;
  return columns > 0 ? lines.map((l) => fit(l, columns)) : lines;
}

/**
 * What a change is, for the one-line-per-change output: the phase, the wave, each target's
 * state, and the reasons of targets that wait (not the summary: its soak clock ticks).
 */
export function watchKey(view: RolloutView): string {
  return JSON.stringify([
    view.state.id,
    view.state.phase,
    view.state.wave,
    view.state.approvals,
    view.explanation.targets.map((t) => [
      t.target,
      t.state,
      ATTENTION_STATES.includes(t.state) ? t.reason : '',
    ]),
  ]);
}

/**
 * One line for a change (not a terminal): time, phase, per wave healthy/total (and how many are
 * moving or failed), then the summary; then, indented, the reasons of targets that wait.
 */
export function formatWatchLines(view: RolloutView, nowMs: number): string[] {
  const waves = waveProgress(view)
    .filter((w) => w.total > 0)
    .map((w) => {
      const moving = w.moved - w.healthy - w.failed;
      const extra = [
        ...(moving > 0 ? [`${String(moving)} moving`] : []),
        ...(w.failed > 0 ? [`${String(w.failed)} failed`] : []),
      ];
      return `${w.name} ${String(w.healthy)}/${String(w.total)}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    });
  return [
    `${isoTime(nowMs)} ${view.state.phase} [${waves.join(' · ')}] ${summaryTail(view.explanation.summary)}`,
    ...attention(view).map((t) => `  ${t.target}: ${t.reason}`),
  ];
}

/** The `-o json` record of a change (one JSON document per line). */
export interface WatchRecord {
  readonly atMs: number;
  readonly app: string;
  readonly id: string;
  readonly phase: string;
  readonly fromRevision: string;
  readonly toRevision: string;
  readonly wave: number;
  readonly summary: string;
  readonly waves: readonly WaveProgress[];
  readonly targets: readonly Pick<
    TargetExplanation,
    'target' | 'wave' | 'state' | 'revision' | 'reason'
  >[];
}

export function watchRecord(view: RolloutView, nowMs: number): WatchRecord {
  return {
    atMs: nowMs,
    app: view.app,
    id: view.state.id,
    phase: view.state.phase,
    fromRevision: view.state.fromRevision,
    toRevision: view.state.toRevision,
    wave: view.state.wave,
    summary: view.explanation.summary,
    waves: waveProgress(view),
    targets: view.explanation.targets.map((t) => ({
      target: t.target,
      wave: t.wave,
      state: t.state,
      revision: t.revision,
      reason: t.reason,
    })),
  };
}

/** Whether the rollout is of `revision` (a commit SHA or its abbreviation). */
export function isRolloutOf(state: Pick<RolloutState, 'toRevision'>, revision: string): boolean {
  return state.toRevision === revision || state.toRevision.startsWith(revision);
}
