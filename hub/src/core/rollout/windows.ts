/**
 * Sync windows (an Environment's `syncWindows`), Argo CD semantics: no windows → open; any allow
 * windows → open only while one of them is active; an active deny window closes, whatever the
 * allow windows say (deny beats allow).
 *
 * A window is active at instant t when one of its schedule's starts s has s ≤ t < s + duration.
 * Starts are wall-clock times in the window's time zone: on a spring-forward day a start inside
 * the gap happens when the gap ends (02:30 → 03:30 in Paris), on a fall-back day a start in the
 * repeated hour happens once (its first occurrence). Durations are elapsed time (Argo adds a Go
 * time.Duration): an 8h window from 22:00 on the night clocks go back ends at 05:00 local.
 *
 * Pure: time is passed in. What is worth keeping between calls (the parsed schedule, the zone's
 * clock, the starts of the days looked at) is memoised on the identity of the SyncWindow value,
 * which the fleet creates once per parse and never changes; the memo goes with it.
 */
import type { SyncWindow } from '../fleet/types.ts';
import { cronMatchesDay, parseCron } from '../time/cron.ts';
import type { CronSchedule } from '../time/cron.ts';
import { formatDuration } from '../time/duration.ts';
import { DAY_MS, MAX_OFFSET_MS, ZoneClock, instantIn } from '../time/zone.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** How far ahead the next start of a schedule is searched (as robfig/cron: 5 years). */
const SEARCH_AHEAD_MS = 5 * 366 * DAY_MS;
/** How far overlapping occurrences are followed to find where a continuous activity ends. */
const CHAIN_HORIZON_MS = 32 * DAY_MS;
/** Boundaries examined when looking for the next change of the open/closed answer. */
const MAX_BOUNDARIES = 64;

/** One occurrence of a window: active on [startMs, endMs). */
export interface ActiveWindow {
  readonly window: SyncWindow;
  readonly startMs: number;
  /**
   * When the activity ends: the end of this occurrence, or of later ones that overlap it
   * (`* * * * *` for 5m never ends). Undefined when it goes on past the search horizon.
   */
  readonly endMs: number | undefined;
}

export interface WindowsState {
  /** True when the windows allow a sync at the instant asked. */
  readonly open: boolean;
  /**
   * Why, in one line: `open: no sync windows`, `open: allow 0 8 * * mon-fri for 10h, UTC`,
   * `closed: deny 0 22 * * * for 8h, Europe/Paris`, `closed: outside every allow window (…)`.
   */
  readonly reason: string;
  /** The window that decides: the active deny (closed), or the active allow (open). */
  readonly activeWindow?: ActiveWindow;
  /** Next instant the answer changes, when one is found within the search horizon. */
  readonly nextChangeMs?: number;
}

/**
 * `deny 0 22 * * * for 8h, Europe/Paris`: the window as people write it.
 */
export function describeWindow(window: SyncWindow): string {
  return `${window.kind} ${window.schedule} for ${formatDuration(window.durationMs)}, ${window.timeZone}`;
}

/** Local days whose starts an `Occurrences` keeps before it starts over. */
const MAX_CACHED_DAYS = 4096;

/** A window's starts, day by day, memoised. */
class Occurrences {
  readonly window: SyncWindow;
  readonly zone: ZoneClock;
  private readonly cron: CronSchedule;
  private readonly days = new Map<number, readonly number[]>();

  constructor(window: SyncWindow) {
    const parsed = parseCron(window.schedule);
    if ('problem' in parsed) {
      // The fleet reader refuses such windows; reaching here is a caller bug.
      throw new RangeError(
        `sync window schedule ${JSON.stringify(window.schedule)} ${parsed.problem}`,
      );
    }
    this.window = window;
    this.cron = parsed.cron;
    this.zone = new ZoneClock(window.timeZone);
  }

  /** Start instants on one local day (its midnight in wall ms), sorted. */
  startsOfDay(dayWall: number): readonly number[] {
    const cached = this.days.get(dayWall);
    if (cached !== undefined) return cached;
    const cron = this.cron;
    const d = new Date(dayWall);
    let out: number[] = [];
    if (cronMatchesDay(cron, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay())) {
      const zone = this.zone.dayZone(dayWall);
      for (const h of cron.hours) {
        for (const m of cron.minutes) out.push(instantIn(zone, dayWall + h * HOUR + m * MINUTE));
      }
      // Only a DST day can disorder them (a gap shifts its times forward).
      if (zone.transition !== undefined) out = [...new Set(out)].sort((a, b) => a - b);
    }
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    this.days.set(dayWall, out);
    return out;
  }
}

/**
 * Occurrences by window value. SyncWindow values are readonly and made once per fleet parse, so a
 * window's identity stands for its content; an entry goes when the fleet that holds it does.
 */
const memo = new WeakMap<SyncWindow, Occurrences>();

function occurrencesOf(window: SyncWindow): Occurrences {
  let o = memo.get(window);
  if (o === undefined) {
    o = new Occurrences(window);
    memo.set(window, o);
  }
  return o;
}

/**
 * The latest start of `window` at or before `t`, not before `notBeforeMs`; undefined if none.
 */
export function previousStart(
  window: SyncWindow,
  t: number,
  notBeforeMs: number,
): number | undefined {
  return previousIn(occurrencesOf(window), t, notBeforeMs);
}

/** The first start of `window` strictly after `t` (within 5 years); undefined if none. */
export function nextStart(window: SyncWindow, t: number): number | undefined {
  return nextIn(occurrencesOf(window), t);
}

/**
 * The occurrence of `window` active at `t`, or undefined. Searches back over at most the
 * window's duration; the end merges later occurrences that overlap or touch it.
 */
export function activeWindowAt(window: SyncWindow, t: number): ActiveWindow | undefined {
  return activeIn(occurrencesOf(window), t);
}

function previousIn(o: Occurrences, t: number, notBeforeMs: number): number | undefined {
  // From the next local day: a gap may shift one of its times into today.
  const first = o.zone.localDayOf(t) + DAY_MS;
  for (let day = first; day + DAY_MS + MAX_OFFSET_MS >= notBeforeMs; day -= DAY_MS) {
    const starts = o.startsOfDay(day);
    for (let i = starts.length - 1; i >= 0; i--) {
      const s = starts[i] ?? Infinity;
      if (s <= t) return s >= notBeforeMs ? s : undefined;
    }
  }
  return undefined;
}

function nextIn(o: Occurrences, t: number): number | undefined {
  const first = o.zone.localDayOf(t) - DAY_MS;
  for (let day = first; day - MAX_OFFSET_MS <= t + SEARCH_AHEAD_MS; day += DAY_MS) {
    const found = o.startsOfDay(day).find((s) => s > t);
    if (found !== undefined) return found;
  }
  return undefined;
}

function activeIn(o: Occurrences, t: number): ActiveWindow | undefined {
  const window = o.window;
  if (window.durationMs <= 0) return undefined;
  const start = previousIn(o, t, t - window.durationMs + 1);
  if (start === undefined) return undefined;
  let end = start + window.durationMs;
  for (let day = o.zone.localDayOf(start); ; day += DAY_MS) {
    // No start of this day or later can reach back to `end`: the activity ends there.
    if (day - MAX_OFFSET_MS > end) return { window, startMs: start, endMs: end };
    if (end - start > CHAIN_HORIZON_MS) return { window, startMs: start, endMs: undefined };
    for (const s of o.startsOfDay(day)) {
      if (s <= start) continue;
      if (s > end) return { window, startMs: start, endMs: end };
      end = Math.max(end, s + window.durationMs);
    }
  }
}

interface Evaluation {
  readonly open: boolean;
  readonly deny: ActiveWindow | undefined;
  readonly allow: ActiveWindow | undefined;
  readonly hasAllow: boolean;
  /** Earliest instant after t where some window starts or stops being active. */
  readonly boundary: number | undefined;
}

function later(a: ActiveWindow, b: ActiveWindow | undefined): ActiveWindow {
  if (b === undefined) return a;
  if (a.endMs === undefined) return a;
  if (b.endMs === undefined) return b;
  return a.endMs >= b.endMs ? a : b;
}

function evaluate(windows: readonly Occurrences[], t: number): Evaluation {
  let deny: ActiveWindow | undefined;
  let allow: ActiveWindow | undefined;
  let boundary: number | undefined;
  const consider = (at: number | undefined): void => {
    if (at !== undefined && at > t && (boundary === undefined || at < boundary)) boundary = at;
  };
  for (const o of windows) {
    const active = activeIn(o, t);
    if (active === undefined) {
      consider(nextIn(o, t));
      continue;
    }
    consider(active.endMs);
    if (o.window.kind === 'deny') deny = later(active, deny);
    else allow = later(active, allow);
  }
  const hasAllow = windows.some((o) => o.window.kind === 'allow');
  const open = deny === undefined && (!hasAllow || allow !== undefined);
  return { open, deny, allow, hasAllow, boundary };
}

/**
 * Whether syncs are allowed at `nowMs` under `windows`, why, and when that changes next.
 *
 * @example windowsState([{ kind: 'deny', schedule: '0 22 * * *', durationMs: 8 * 3_600_000, timeZone: 'Europe/Paris' }], Date.parse('2026-01-05T23:00:00Z'))
 * // { open: false, reason: 'closed: deny 0 22 * * * for 8h, Europe/Paris', nextChangeMs: Date.parse('2026-01-06T05:00:00Z'), activeWindow: … }
 */
export function windowsState(windows: readonly SyncWindow[], nowMs: number): WindowsState {
  if (windows.length === 0) return { open: true, reason: 'open: no sync windows' };
  const occurrences = windows.map(occurrencesOf);
  const now = evaluate(occurrences, nowMs);
  let nextChangeMs: number | undefined;
  let at = now.boundary;
  for (let i = 0; i < MAX_BOUNDARIES && at !== undefined; i++) {
    const then = evaluate(occurrences, at);
    if (then.open !== now.open) {
      nextChangeMs = at;
      break;
    }
    at = then.boundary;
  }
  const next = nextChangeMs === undefined ? {} : { nextChangeMs };
  if (now.deny !== undefined) {
    return {
      open: false,
      reason: `closed: ${describeWindow(now.deny.window)}`,
      activeWindow: now.deny,
      ...next,
    };
  }
  if (now.allow !== undefined) {
    return {
      open: true,
      reason: `open: ${describeWindow(now.allow.window)}`,
      activeWindow: now.allow,
      ...next,
    };
  }
  if (now.hasAllow) {
    const allows = windows.filter((w) => w.kind === 'allow').map(describeWindow);
    return {
      open: false,
      reason: `closed: outside every allow window (${allows.join('; ')})`,
      ...next,
    };
  }
  return { open: true, reason: 'open: no deny window active', ...next };
}

/**
 * The state's reason without its `open: ` / `closed: ` prefix, for messages such as
 * `held: sync window closed (deny 0 22 * * * for 8h, Europe/Paris)`.
 */
export function windowCause(state: WindowsState): string {
  return state.reason.replace(/^(open|closed): /, '');
}
