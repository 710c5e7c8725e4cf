import { describe, expect, it } from 'vitest';
import { cronMatchesDay, parseCron } from './cron.ts';
import type { CronSchedule } from './cron.ts';

function cron(text: string): CronSchedule {
  const parsed = parseCron(text);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.cron;
}

const range = (a: number, b: number): number[] =>
  Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('parseCron: fields', () => {
  it.each<[string, string, Partial<CronSchedule>]>([
    [
      'every field a star',
      '* * * * *',
      {
        minutes: range(0, 59),
        hours: range(0, 23),
        daysOfMonth: range(1, 31),
        months: range(1, 12),
        daysOfWeek: range(0, 6),
        domRestricted: false,
        dowRestricted: false,
      },
    ],
    ['a step over a star', '*/15 * * * *', { minutes: [0, 15, 30, 45] }],
    ['a range', '0 9-17 * * *', { hours: range(9, 17) }],
    ['a range with a step', '10-50/20 * * * *', { minutes: [10, 30, 50] }],
    ['a start with a step (to the end)', '5/20 * * * *', { minutes: [5, 25, 45] }],
    ['a list mixing values and ranges', '0 1,3,5-7,22 * * *', { hours: [1, 3, 5, 6, 7, 22] }],
    ['duplicates collapse and sort', '30,10,10-12 * * * *', { minutes: [10, 11, 12, 30] }],
    ['month names, any case', '0 0 1 jan,JUL,Dec *', { months: [1, 7, 12] }],
    ['month name ranges', '0 0 1 mar-may *', { months: [3, 4, 5] }],
    [
      'weekday names',
      '0 22 * * mon-fri',
      { daysOfWeek: [1, 2, 3, 4, 5], dowRestricted: true, domRestricted: false },
    ],
    ['7 is Sunday', '0 0 * * 7', { daysOfWeek: [0] }],
    ['a range up to 7', '0 0 * * 5-7', { daysOfWeek: [0, 5, 6] }],
    ['a weekday start with a step ends at Saturday', '0 0 * * 1/2', { daysOfWeek: [1, 3, 5] }],
    ['? is a star in the day fields', '0 0 ? * mon', { domRestricted: false, dowRestricted: true }],
    ['*/1 is still a star', '0 0 */1 * mon', { domRestricted: false }],
    [
      '*/2 restricts (robfig/cron, unlike Vixie)',
      '0 0 */2 * mon',
      { domRestricted: true, daysOfMonth: range(1, 31).filter((d) => d % 2 === 1) },
    ],
    ['@daily', '@daily', { minutes: [0], hours: [0], domRestricted: false, dowRestricted: false }],
    ['@weekly is Sunday midnight', '@weekly', { daysOfWeek: [0], dowRestricted: true }],
    ['@hourly', '@HOURLY', { minutes: [0], hours: range(0, 23) }],
    ['@yearly', '@yearly', { months: [1], daysOfMonth: [1] }],
    ['extra spaces are fine', '  0   22 * *  *  ', { minutes: [0], hours: [22] }],
  ])('%s: %s', (_name, text, expected) => {
    expect(cron(text)).toMatchObject(expected);
  });

  it('keeps the text as written', () => {
    expect(cron('0 22 * * mon-fri').source).toBe('0 22 * * mon-fri');
  });
});

describe('parseCron: precise errors', () => {
  it.each<[string, string]>([
    ['', 'has 0 fields; a schedule has 5: minute hour day-of-month month day-of-week'],
    ['0 22 * *', 'has 4 fields; a schedule has 5'],
    ['0 0 22 * * *', 'has 6 fields; a schedule has 5'],
    ['60 * * * *', 'is not a schedule: minute (field 1) "60": 60 is out of range 0-59'],
    ['0 24 * * *', 'is not a schedule: hour (field 2) "24": 24 is out of range 0-23'],
    ['0 0 0 * *', 'is not a schedule: day-of-month (field 3) "0": 0 is out of range 1-31'],
    ['0 0 32 * *', 'day-of-month (field 3) "32": 32 is out of range 1-31'],
    ['0 0 1 13 *', 'month (field 4) "13": 13 is out of range 1-12'],
    ['0 0 * * 8', 'day-of-week (field 5) "8": 8 is out of range 0-7'],
    ['0 0 1 jam *', 'month (field 4) "jam": "jam" is not a month (1-12 or jan-dec)'],
    ['0 0 * * fry', '"fry" is not a day-of-week (0-7 or sun-sat)'],
    ['0 0 * * fri-mon', 'range fri-mon goes backwards (5 > 1); for a week-end range use 5-7'],
    ['0 17-9 * * *', 'hour (field 2) "17-9": range 17-9 goes backwards (17 > 9)'],
    ['*/0 * * * *', 'minute (field 1) "*/0": step must be at least 1'],
    ['*/x * * * *', 'step "x" is not a number'],
    ['*/5/2 * * * *', '"*/5/2" has more than one \'/\''],
    ['*/61 * * * *', 'step 61 is larger than the range 0-59'],
    ['1,,2 * * * *', 'minute (field 1) "1,,2": empty list item'],
    ['a * * * *', 'minute (field 1) "a": "a" is not a number (0-59)'],
    ['-5 * * * *', '"-5" is not a number (0-59)'],
    ['5- * * * *', 'a range needs a value on both sides of "-"'],
    ['? * * * *', 'minute (field 1) "?": \'?\' is only allowed in day-of-month and day-of-week'],
    ['@reboot', 'unknown descriptor @reboot (use @yearly, @monthly, @weekly, @daily or @hourly'],
    ['0 0 30 feb *', 'never fires: day-of-month 30 does not occur in month 2'],
    ['0 0 31 4,6,9,11 *', 'never fires: day-of-month 31 does not occur in month 4,6,9,11'],
  ])('%j', (text, message) => {
    const parsed = parseCron(text);
    expect(parsed).toHaveProperty('problem');
    expect('problem' in parsed ? parsed.problem : '').toContain(message);
  });

  it.each(['0 0 29 feb *', '0 0 31 feb mon', '0 0 31 4,5 *'])(
    '%j is fine (Feb 29 exists; day-of-week can fire; May has 31 days)',
    (text) => {
      expect(parseCron(text)).toHaveProperty('cron');
    },
  );
});

describe('cronMatchesDay: the day-of-month / day-of-week rule', () => {
  // 2026-01-12 is a Monday; the 13th a Tuesday; the 16th a Friday.
  it.each<[string, number, number, number, boolean]>([
    ['both restricted: the 13th (a Tuesday) by day-of-month', 1, 13, 2, true],
    ['both restricted: Friday the 16th by day-of-week', 1, 16, 5, true],
    ['both restricted: neither', 1, 14, 3, false],
  ])('0 0 13 * fri — %s', (_name, month, dom, dow, expected) => {
    expect(cronMatchesDay(cron('0 0 13 * fri'), month, dom, dow)).toBe(expected);
  });

  it.each<[string, string, number, number, number, boolean]>([
    ['only day-of-month restricted: a Friday that is not the 13th', '0 0 13 * *', 1, 16, 5, false],
    ['only day-of-month restricted: the 13th', '0 0 13 * *', 1, 13, 2, true],
    ['only day-of-week restricted: the 13th, a Tuesday', '0 0 * * fri', 1, 13, 2, false],
    ['only day-of-week restricted: a Friday', '0 0 * * fri', 1, 16, 5, true],
    ['? in day-of-month: only day-of-week counts', '0 0 ? * fri', 1, 13, 2, false],
    ['*/2 restricts: an odd day', '0 0 */2 * mon', 1, 13, 2, true],
    ['*/2 restricts: even Monday', '0 0 */2 * mon', 1, 12, 1, true],
    ['*/2 restricts: even Wednesday', '0 0 */2 * mon', 1, 14, 3, false],
    ['month must match', '0 0 * jul *', 1, 13, 2, false],
    ['7 means Sunday', '0 0 * * 7', 1, 11, 0, true],
  ])('%s', (_name, text, month, dom, dow, expected) => {
    expect(cronMatchesDay(cron(text), month, dom, dow)).toBe(expected);
  });
});
