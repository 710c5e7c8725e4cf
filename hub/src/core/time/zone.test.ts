import { describe, expect, it } from 'vitest';
import { ZoneClock, timeZoneProblem } from './zone.ts';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
/** Midnight of a local day and a time on it, in wall ms. */
const day = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const wall = (date: string, time: string): number => Date.parse(`${date}T${time}:00Z`);

describe('timeZoneProblem', () => {
  it.each<[string, string | undefined]>([
    ['UTC', undefined],
    ['Europe/Paris', undefined],
    ['Asia/Kolkata', undefined],
    ['', 'must not be empty'],
    ['Mars/Olympus_Mons', 'is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)'],
  ])('%j', (zone, problem) => {
    expect(timeZoneProblem(zone)).toBe(problem);
  });
});

/**
 * DST 2026: Europe/Paris springs forward on 29 March (02:00 CET → 03:00 CEST, 01:00Z) and falls
 * back on 25 October (03:00 CEST → 02:00 CET, 01:00Z).
 */
describe('ZoneClock', () => {
  const paris = new ZoneClock('Europe/Paris');

  it('reads the wall clock and the offset of an instant', () => {
    expect(paris.wallTimeOf(at('2026-01-05T23:00:00Z'))).toEqual({
      year: 2026,
      month: 1,
      day: 6,
      hour: 0,
      minute: 0,
      second: 0,
    });
    expect(paris.offsetAt(at('2026-01-05T23:00:00Z'))).toBe(HOUR);
    expect(paris.offsetAt(at('2026-07-01T12:00:00Z'))).toBe(2 * HOUR);
    expect(new ZoneClock('Asia/Kolkata').offsetAt(at('2026-01-05T12:00:00Z'))).toBe(5.5 * HOUR);
    expect(paris.localDayOf(at('2026-01-05T23:30:00Z'))).toBe(day('2026-01-06'));
  });

  it.each<[string, string, number, number, string | undefined]>([
    ['an ordinary winter day', '2026-01-05', HOUR, HOUR, undefined],
    ['the spring-forward day', '2026-03-29', HOUR, 2 * HOUR, '2026-03-29T01:00:00Z'],
    ['the fall-back day', '2026-10-25', 2 * HOUR, HOUR, '2026-10-25T01:00:00Z'],
  ])('dayZone: %s', (_name, date, before, after, transition) => {
    expect(paris.dayZone(day(date))).toEqual({
      before,
      after,
      transition: transition === undefined ? undefined : at(transition),
    });
  });

  it.each<[string, string, string, string]>([
    ['an ordinary time', '2026-01-05', '22:00', '2026-01-05T21:00:00Z'],
    [
      'a time in the spring-forward gap moves forward by the gap',
      '2026-03-29',
      '02:30',
      '2026-03-29T01:30:00Z',
    ],
    ['the first time after the gap', '2026-03-29', '03:00', '2026-03-29T01:00:00Z'],
    [
      'a repeated time is its first occurrence (CEST)',
      '2026-10-25',
      '02:30',
      '2026-10-25T00:30:00Z',
    ],
    ['after the repeated hour', '2026-10-25', '03:00', '2026-10-25T02:00:00Z'],
  ])('instantOfWall: %s', (_name, date, time, instant) => {
    expect(new Date(paris.instantOfWall(day(date), wall(date, time))).toISOString()).toBe(
      new Date(at(instant)).toISOString(),
    );
  });

  it('throws RangeError for an unknown zone', () => {
    expect(() => new ZoneClock('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
