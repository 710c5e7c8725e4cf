/**
 * Wall-clock time in an IANA time zone, through Intl only (no tz database of our own). Pure:
 * results depend on the inputs and on the ICU data of the runtime; a per-zone cache keeps the
 * Intl work small.
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

export interface WallTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Why `timeZone` is not an IANA time zone this runtime knows, or undefined.
 *
 * @example timeZoneProblem('Europe/Paris') === undefined
 */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (timeZone === '') return 'must not be empty';
  try {
    formatter(timeZone);
    return undefined;
  } catch {
    return 'is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)';
  }
}

/** The wall-clock reading of instant `t` in `timeZone`. Throws RangeError for an unknown zone. */
export function wallTimeOf(timeZone: string, t: number): WallTime {
  const parts = formatter(timeZone).formatToParts(t);
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

/** Offset of `timeZone` at instant `t` (local wall ms − UTC ms), whole seconds. */
export function offsetAt(timeZone: string, t: number): number {
  const w = wallTimeOf(timeZone, t);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wall - Math.floor(t / 1000) * 1000;
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

const dayZones = new Map<string, DayZone>();
const MAX_CACHED_DAYS = 4096;

export function dayZone(timeZone: string, dayWall: number): DayZone {
  const key = `${timeZone}|${String(dayWall)}`;
  const cached = dayZones.get(key);
  if (cached !== undefined) return cached;
  const lo = dayWall - MAX_OFFSET;
  const hi = dayWall + DAY + MAX_OFFSET;
  const before = offsetAt(timeZone, lo);
  const after = offsetAt(timeZone, hi);
  let transition: number | undefined;
  if (before !== after) {
    // The first instant with the `after` offset, to the second.
    let a = Math.floor(lo / 1000);
    let b = Math.ceil(hi / 1000);
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (offsetAt(timeZone, mid * 1000) === before) a = mid;
      else b = mid;
    }
    transition = b * 1000;
  }
  const zone = { before, after, transition };
  if (dayZones.size >= MAX_CACHED_DAYS) dayZones.clear();
  dayZones.set(key, zone);
  return zone;
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

/** instantIn for a wall time of local day `dayWall` (its midnight, in wall ms). */
export function instantOfWall(timeZone: string, dayWall: number, wall: number): number {
  return instantIn(dayZone(timeZone, dayWall), wall);
}

/** Midnight (in wall ms) of the local day instant `t` falls on. */
export function localDayOf(timeZone: string, t: number): number {
  const w = wallTimeOf(timeZone, t);
  return Date.UTC(w.year, w.month - 1, w.day);
}

export const DAY_MS = DAY;
export const MAX_OFFSET_MS = MAX_OFFSET;
