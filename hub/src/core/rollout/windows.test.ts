import { describe, expect, it } from 'vitest';
import type { SyncWindow } from '../fleet/types.ts';
import {
  activeWindowAt,
  describeWindow,
  nextStart,
  previousStart,
  windowCause,
  windowsState,
} from './windows.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string): number => Date.parse(iso);

function win(
  kind: 'allow' | 'deny',
  schedule: string,
  durationMs: number,
  timeZone = 'UTC',
): SyncWindow {
  return { kind, schedule, durationMs, timeZone };
}

/** Nights in Paris: 22:00 local for 8h. */
const PARIS_NIGHT = win('deny', '0 22 * * *', 8 * HOUR, 'Europe/Paris');
/** Office hours in New York: 09:00 local on weekdays for 8h. */
const NY_OFFICE = win('allow', '0 9 * * mon-fri', 8 * HOUR, 'America/New_York');

/**
 * Each row: windows, the instant asked, whether it is open, the reason, and the next change.
 * Instants are UTC; comments give local times. DST 2026: Europe/Paris springs forward on 29 March
 * (02:00 CET → 03:00 CEST, 01:00Z) and falls back on 25 October (03:00 CEST → 02:00 CET, 01:00Z);
 * America/New_York springs forward on 8 March (02:00 EST → 03:00 EDT, 07:00Z).
 */
describe('windowsState', () => {
  it.each<[string, SyncWindow[], string, boolean, string, string | undefined]>([
    ['no windows: open', [], '2026-01-05T12:00:00Z', true, 'open: no sync windows', undefined],
    [
      'deny at night in Paris (winter, UTC+1): 00:00 local is inside',
      [PARIS_NIGHT],
      '2026-01-05T23:00:00Z',
      false,
      'closed: deny 0 22 * * * for 8h, Europe/Paris',
      '2026-01-06T05:00:00.000Z',
    ],
    [
      'deny at night in Paris: 21:59 local is before it',
      [PARIS_NIGHT],
      '2026-01-05T20:59:00Z',
      true,
      'open: no deny window active',
      '2026-01-05T21:00:00.000Z',
    ],
    [
      'deny at night in Paris: the end is exclusive (06:00 local)',
      [PARIS_NIGHT],
      '2026-01-06T05:00:00Z',
      true,
      'open: no deny window active',
      '2026-01-06T21:00:00.000Z',
    ],
    [
      'deny at night in Paris (summer, UTC+2)',
      [PARIS_NIGHT],
      '2026-07-01T20:30:00Z',
      false,
      'closed: deny 0 22 * * * for 8h, Europe/Paris',
      '2026-07-02T04:00:00.000Z',
    ],
    [
      'spring-forward night: 8h are elapsed time, so the window ends at 07:00 CEST',
      [PARIS_NIGHT],
      '2026-03-29T04:30:00Z', // 06:30 CEST
      false,
      'closed: deny 0 22 * * * for 8h, Europe/Paris',
      '2026-03-29T05:00:00.000Z',
    ],
    [
      'fall-back night: the window started 22:00 CEST and ends at 05:00 CET',
      [PARIS_NIGHT],
      '2026-10-25T03:59:00Z', // 04:59 CET
      false,
      'closed: deny 0 22 * * * for 8h, Europe/Paris',
      '2026-10-25T04:00:00.000Z',
    ],
    [
      'a start inside the spring-forward gap (02:30) happens at 03:30 CEST: not yet at 03:15',
      [win('deny', '30 2 * * *', HOUR, 'Europe/Paris')],
      '2026-03-29T01:15:00Z',
      true,
      'open: no deny window active',
      '2026-03-29T01:30:00.000Z',
    ],
    [
      'a start inside the spring-forward gap happens at 03:30 CEST: active from then',
      [win('deny', '30 2 * * *', HOUR, 'Europe/Paris')],
      '2026-03-29T01:30:00Z',
      false,
      'closed: deny 30 2 * * * for 1h, Europe/Paris',
      '2026-03-29T02:30:00.000Z',
    ],
    [
      'a start in the repeated hour (02:30 twice) happens once, at the first 02:30 (CEST)',
      [win('deny', '30 2 * * *', HOUR, 'Europe/Paris')],
      '2026-10-25T00:45:00Z', // 02:45 CEST
      false,
      'closed: deny 30 2 * * * for 1h, Europe/Paris',
      '2026-10-25T01:30:00.000Z',
    ],
    [
      '… and not again at the second 02:30 (CET)',
      [win('deny', '30 2 * * *', HOUR, 'Europe/Paris')],
      '2026-10-25T01:45:00Z', // 02:45 CET
      true,
      'open: no deny window active',
      '2026-10-26T01:30:00.000Z',
    ],
    [
      'allow office hours in New York: Friday afternoon is inside',
      [NY_OFFICE],
      '2026-03-06T20:00:00Z', // Fri 15:00 EST
      true,
      'open: allow 0 9 * * mon-fri for 8h, America/New_York',
      '2026-03-06T22:00:00.000Z',
    ],
    [
      'allow office hours: Saturday is outside; Monday 09:00 is EDT after the DST change',
      [NY_OFFICE],
      '2026-03-07T15:00:00Z',
      false,
      'closed: outside every allow window (allow 0 9 * * mon-fri for 8h, America/New_York)',
      '2026-03-09T13:00:00.000Z',
    ],
    [
      'a zone with a half-hour offset (Asia/Kolkata, UTC+5:30)',
      [win('deny', '0 0 * * *', HOUR, 'Asia/Kolkata')],
      '2026-01-05T18:45:00Z', // 00:15 IST on the 6th
      false,
      'closed: deny 0 0 * * * for 1h, Asia/Kolkata',
      '2026-01-05T19:30:00.000Z',
    ],
    [
      'deny beats allow: both active',
      [win('allow', '0 8 * * *', 12 * HOUR), win('deny', '0 12 * * *', HOUR)],
      '2026-01-05T12:30:00Z',
      false,
      'closed: deny 0 12 * * * for 1h, UTC',
      '2026-01-05T13:00:00.000Z',
    ],
    [
      'deny beats allow: only the allow active → open until the deny starts',
      [win('allow', '0 8 * * *', 12 * HOUR), win('deny', '0 12 * * *', HOUR)],
      '2026-01-05T10:00:00Z',
      true,
      'open: allow 0 8 * * * for 12h, UTC',
      '2026-01-05T12:00:00.000Z',
    ],
    [
      'deny beats allow: after the deny, open again until the allow ends',
      [win('allow', '0 8 * * *', 12 * HOUR), win('deny', '0 12 * * *', HOUR)],
      '2026-01-05T13:00:00Z',
      true,
      'open: allow 0 8 * * * for 12h, UTC',
      '2026-01-05T20:00:00.000Z',
    ],
    [
      'deny beats allow: neither active, allow windows exist → closed',
      [win('allow', '0 8 * * *', 12 * HOUR), win('deny', '0 12 * * *', HOUR)],
      '2026-01-05T21:00:00Z',
      false,
      'closed: outside every allow window (allow 0 8 * * * for 12h, UTC)',
      '2026-01-06T08:00:00.000Z',
    ],
    [
      'two allow windows: the next change skips a boundary that changes nothing',
      [win('allow', '0 8 * * *', 4 * HOUR), win('allow', '0 10 * * *', 4 * HOUR)],
      '2026-01-05T09:00:00Z',
      true,
      'open: allow 0 8 * * * for 4h, UTC',
      '2026-01-05T14:00:00.000Z',
    ],
    [
      'steps and ranges: */20 9-10 for 5m is active at 09:42',
      [win('deny', '*/20 9-10 * * *', 5 * MIN)],
      '2026-01-05T09:42:00Z',
      false,
      'closed: deny */20 9-10 * * * for 5m, UTC',
      '2026-01-05T09:45:00.000Z',
    ],
    [
      'steps and ranges: */20 9-10 for 5m is not active at 09:46',
      [win('deny', '*/20 9-10 * * *', 5 * MIN)],
      '2026-01-05T09:46:00Z',
      true,
      'open: no deny window active',
      '2026-01-05T10:00:00.000Z',
    ],
    [
      'steps and ranges: after 10:40 the next start is 09:00 the next day',
      [win('deny', '*/20 9-10 * * *', 5 * MIN)],
      '2026-01-05T10:59:00Z',
      true,
      'open: no deny window active',
      '2026-01-06T09:00:00.000Z',
    ],
    [
      'a list: overlapping occurrences (:00 and :10, 15m each) make one activity until :25',
      [win('deny', '0,10 * * * *', 15 * MIN)],
      '2026-01-05T07:05:00Z',
      false,
      'closed: deny 0,10 * * * * for 15m, UTC',
      '2026-01-05T07:25:00.000Z',
    ],
    [
      'occurrences that always overlap never end: no next change',
      [win('deny', '*/15 * * * *', 20 * MIN)],
      '2026-01-05T07:05:00Z',
      false,
      'closed: deny */15 * * * * for 20m, UTC',
      undefined,
    ],
    [
      'day-of-month OR day-of-week: the 13th (a Tuesday)',
      [win('deny', '0 0 13 * fri', 24 * HOUR)],
      '2026-01-13T12:00:00Z',
      false,
      'closed: deny 0 0 13 * fri for 24h, UTC',
      '2026-01-14T00:00:00.000Z',
    ],
    [
      'day-of-month OR day-of-week: Friday the 16th',
      [win('deny', '0 0 13 * fri', 24 * HOUR)],
      '2026-01-16T12:00:00Z',
      false,
      'closed: deny 0 0 13 * fri for 24h, UTC',
      '2026-01-17T00:00:00.000Z',
    ],
    [
      'day-of-month OR day-of-week: Wednesday the 14th is neither',
      [win('deny', '0 0 13 * fri', 24 * HOUR)],
      '2026-01-14T12:00:00Z',
      true,
      'open: no deny window active',
      '2026-01-16T00:00:00.000Z',
    ],
    [
      'month names: a freeze through December, none in November',
      [win('deny', '0 0 1 dec *', 31 * 24 * HOUR)],
      '2026-11-30T23:59:00Z',
      true,
      'open: no deny window active',
      '2026-12-01T00:00:00.000Z',
    ],
    [
      'month names: late December is inside the freeze (search back 30 days)',
      [win('deny', '0 0 1 dec *', 31 * 24 * HOUR)],
      '2026-12-31T12:00:00Z',
      false,
      'closed: deny 0 0 1 dec * for 744h, UTC',
      '2027-01-01T00:00:00.000Z',
    ],
  ])('%s', (_name, windows, now, open, reason, next) => {
    const state = windowsState(windows, at(now));
    expect({
      open: state.open,
      reason: state.reason,
      next:
        state.nextChangeMs === undefined ? undefined : new Date(state.nextChangeMs).toISOString(),
    }).toEqual({ open, reason, next });
  });

  it('names the deciding window and its occurrence', () => {
    const state = windowsState([PARIS_NIGHT], at('2026-01-05T23:00:00Z'));
    expect(state.activeWindow).toEqual({
      window: PARIS_NIGHT,
      startMs: at('2026-01-05T21:00:00Z'),
      endMs: at('2026-01-06T05:00:00Z'),
    });
    expect(windowCause(state)).toBe('deny 0 22 * * * for 8h, Europe/Paris');
  });
});

describe('window occurrences', () => {
  it.each<[string, SyncWindow, string, string | undefined]>([
    [
      'the latest start at or before t (t on a start)',
      PARIS_NIGHT,
      '2026-01-05T21:00:00Z',
      '2026-01-05T21:00:00Z',
    ],
    [
      'the latest start: the day before',
      PARIS_NIGHT,
      '2026-01-05T20:00:00Z',
      '2026-01-04T21:00:00Z',
    ],
    [
      'within the spring-forward day',
      win('deny', '30 2 * * *', HOUR, 'Europe/Paris'),
      '2026-03-29T12:00:00Z',
      '2026-03-29T01:30:00Z',
    ],
    [
      'day after spring-forward (CEST)',
      win('deny', '30 2 * * *', HOUR, 'Europe/Paris'),
      '2026-03-30T12:00:00Z',
      '2026-03-30T00:30:00Z',
    ],
  ])('previousStart: %s', (_name, window, t, expected) => {
    const found = previousStart(window, at(t), at(t) - 7 * 24 * HOUR);
    expect(found === undefined ? undefined : new Date(found).toISOString()).toBe(
      expected === undefined ? undefined : new Date(at(expected)).toISOString(),
    );
  });

  it.each<[string, SyncWindow, string, string | undefined]>([
    ['strictly after t', PARIS_NIGHT, '2026-01-05T21:00:00Z', '2026-01-06T21:00:00Z'],
    ['New York across its DST change', NY_OFFICE, '2026-03-06T15:00:00Z', '2026-03-09T13:00:00Z'],
    [
      'Feb 29 only in leap years',
      win('deny', '0 0 29 feb *', HOUR),
      '2026-01-01T00:00:00Z',
      '2028-02-29T00:00:00Z',
    ],
  ])('nextStart: %s', (_name, window, t, expected) => {
    const found = nextStart(window, at(t));
    expect(found === undefined ? undefined : new Date(found).toISOString()).toBe(
      expected === undefined ? undefined : new Date(at(expected)).toISOString(),
    );
  });

  it('previousStart respects its lower bound', () => {
    expect(
      previousStart(PARIS_NIGHT, at('2026-01-05T20:00:00Z'), at('2026-01-05T00:00:00Z')),
    ).toBeUndefined();
  });

  it('activeWindowAt searches back over at most the duration', () => {
    const w = win('deny', '0 0 * * mon', 2 * HOUR); // Mondays 00:00-02:00 UTC
    expect(activeWindowAt(w, at('2026-01-05T01:59:59Z'))?.startMs).toBe(at('2026-01-05T00:00:00Z'));
    expect(activeWindowAt(w, at('2026-01-05T02:00:00Z'))).toBeUndefined();
  });

  it('describes a window as written', () => {
    expect(describeWindow(win('allow', '0 8 * * mon-fri', 90 * MIN, 'Europe/Paris'))).toBe(
      'allow 0 8 * * mon-fri for 1h30m, Europe/Paris',
    );
  });
});
