/**
 * Wall-clock time in an IANA time zone, through Intl only (no tz database of our own). Pure:
 * results depend on the inputs and on the ICU data of the runtime. A `ZoneClock` keeps its own
 * Intl formatter (costly to make) and the zones of the days it was asked about; whoever makes
 * one owns it and decides how long it lives.
 *
 * Local days are modelled as "wall-clock milliseconds": `Date.UTC(y, m - 1, d, h, min)` of the
 * local reading, so calendar arithmetic is plain UTC arithmetic. Converting a wall time back to
 * an instant follows Temporal's `disambiguation: 'compatible'`: a time that does not exist (the
 * spring-forward gap) moves forward by the gap (02:30 → 03:30 in Paris), and a time that occurs
 * twice (fall back) is its first occurrence.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Offsets of real zones lie in [-12h, +14h]. */
const MAX_OFFSET = 14 * HOUR;
/** Local days whose zone a clock keeps before it starts over. */
const MAX_CACHED_DAYS = 4096;

export const DAY_MS = DAY;
export const MAX_OFFSET_MS = MAX_OFFSET;

export interface WallTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * The offsets in force around one local day: `before` until instant `transition`, `after` from
 * it on. Without a transition near the day, `transition` is undefined and before === after.
 * (Assumes at most one transition within ±1 day of a day: true of every real zone.)
 */
export interface DayZone {
  readonly before: number;
  readonly after: number;
  readonly transition: number | undefined;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/**
 * Why `timeZone` is not an IANA time zone this runtime knows, or undefined.
 *
 * @example timeZoneProblem('Europe/Paris') === undefined
 */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (timeZone === '') return 'must not be empty';
  try {
    formatterFor(timeZone);
    return undefined;
  } catch {
    return 'is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)';
  }
}

/**
 * One time zone's wall clock, memoising the zone of each local day it computed.
 *
 * @example new ZoneClock('Europe/Paris').wallTimeOf(Date.parse('2026-01-05T23:00:00Z')).hour === 0
 */
export class ZoneClock {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat;
  private readonly days = new Map<number, DayZone>();

  /** Throws RangeError for a zone the runtime does not know (see timeZoneProblem). */
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.format = formatterFor(timeZone);
  }

  /** The wall-clock reading of instant `t`. */
  wallTimeOf(t: number): WallTime {
    const parts = this.format.formatToParts(t);
    const get = (type: Intl.DateTimeFormatPartTypes): number =>
      Number(parts.find((p) => p.type === type)?.value ?? '0');
    const year = get('year');
    // Years before 1 AD come with an era; irrelevant for schedules, but keep them monotonic.
    const era = parts.find((p) => p.type === 'era')?.value;
    return {
      year: era === 'BC' || era === 'B' ? 1 - year : year,
      month: get('month'),
      day: get('day'),
      hour: get('hour') % 24,
      minute: get('minute'),
      second: get('second'),
    };
  }

  /** Offset at instant `t` (local wall ms − UTC ms), whole seconds. */
  offsetAt(t: number): number {
    const w = this.wallTimeOf(t);
    const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    return wall - Math.floor(t / 1000) * 1000;
  }

  /** The offsets around local day `dayWall` (its midnight, in wall ms). */
  dayZone(dayWall: number): DayZone {
    const cached = this.days.get(dayWall);
    if (cached !== undefined) return cached;
    const lo = dayWall - MAX_OFFSET;
    const hi = dayWall + DAY + MAX_OFFSET;
    const before = this.offsetAt(lo);
    const after = this.offsetAt(hi);
    let transition: number | undefined;
    if (before !== after) {
      // The first instant with the `after` offset, to the second.
      let a = Math.floor(lo / 1000);
      let b = Math.ceil(hi / 1000);
      while (b - a > 1) {
        const mid = Math.floor((a + b) / 2);
        if (this.offsetAt(mid * 1000) === before) a = mid;
        else b = mid;
      }
      transition = b * 1000;
    }
    const zone = { before, after, transition };
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    this.days.set(dayWall, zone);
    return zone;
  }

  /** instantIn for a wall time of local day `dayWall` (its midnight, in wall ms). */
  instantOfWall(dayWall: number, wall: number): number {
    return instantIn(this.dayZone(dayWall), wall);
  }

  /** Midnight (in wall ms) of the local day instant `t` falls on. */
  localDayOf(t: number): number {
    const w = this.wallTimeOf(t);
    return Date.UTC(w.year, w.month - 1, w.day);
  }
}

/**
 * The instant a wall-clock time (wall ms) denotes, given the zone around its day: nonexistent
 * times move forward by the gap, repeated times take their first occurrence.
 */
export function instantIn(zone: DayZone, wall: number): number {
  const { before, after, transition } = zone;
  if (transition === undefined) return wall - before;
  const early = wall - before; // valid when before the transition
  const late = wall - after; // valid when at or after it
  const earlyOk = early < transition;
  const lateOk = late >= transition;
  if (earlyOk && lateOk) return Math.min(early, late); // repeated: first occurrence
  if (earlyOk) return early;
  if (lateOk) return late;
  return early; // in the gap: shifted forward by the gap's length
}
