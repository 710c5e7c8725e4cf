/**
 * Standard 5-field cron schedules, parsed with precise errors. Part of the shared time
 * vocabulary (no imports): the fleet reader validates `syncWindows[].schedule` with it and
 * rollout/windows.ts evaluates it.
 *
 *   minute hour day-of-month month day-of-week
 *   0-59   0-23 1-31         1-12  0-7 (0 and 7 are Sunday)
 *
 * Each field is `*`, or a comma-separated list of `v`, `a-b`, `*\/n`, `a-b/n` and `a/n` (a to the
 * end, every n). Months and days of the week take names (`jan`-`dec`, `sun`-`sat`, any case).
 * `?` means `*` in the two day fields. Descriptors: `@yearly` (`@annually`), `@monthly`,
 * `@weekly`, `@daily` (`@midnight`), `@hourly`.
 *
 * Day rule (as cron, and as robfig/cron which Argo CD uses): when both day-of-month and
 * day-of-week are restricted, a day matches if EITHER does (`0 0 13 * fri` = every 13th and every
 * Friday); when one of them is `*` (or `?`, or `*\/1`), only the other counts. Like robfig/cron,
 * and unlike Vixie cron, `*\/2` counts as restricted.
 */

export interface CronSchedule {
  /** The text as written. */
  readonly source: string;
  /** Sorted, unique. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** 0-6, Sunday = 0. */
  readonly daysOfWeek: readonly number[];
  /** False when day-of-month is `*` (or `?`): then only day-of-week decides. */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** First value of `names` (months start at 1). */
  readonly namesFrom?: number;
  readonly question?: boolean;
}

const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, namesFrom: 0, question: true },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Days in each month, February counted as 29 (a leap year exists). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

class CronError extends Error {}

/**
 * The schedule, or why `text` is not one: a phrase to follow the text in a message (`"0 24 * * *"
 * is not a schedule: hour (field 2) "24": 24 is out of range 0-23`).
 *
 * @example parseCron('0 22 * * mon-fri') // { cron: { hours: [22], daysOfWeek: [1, 2, 3, 4, 5], ... } }
 * @example parseCron('0 24 * * *') // { problem: 'is not a schedule: hour (field 2) "24": 24 is out of range 0-23' }
 */
export function parseCron(text: string): { cron: CronSchedule } | { problem: string } {
  const trimmed = text.trim();
  let expanded = trimmed;
  if (trimmed.startsWith('@')) {
    const fields = DESCRIPTORS[trimmed.toLowerCase()];
    if (fields === undefined) {
      return {
        problem: `is not a schedule: unknown descriptor ${trimmed} (use @yearly, @monthly, @weekly, @daily or @hourly, or 5 fields)`,
      };
    }
    expanded = fields;
  }
  const parts = expanded.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== FIELDS.length) {
    return {
      problem: `has ${String(parts.length)} field${parts.length === 1 ? '' : 's'}; a schedule has 5: minute hour day-of-month month day-of-week (e.g. "0 22 * * mon-fri")`,
    };
  }
  try {
    const fields = FIELDS.map((spec, i) => parseField(parts[i] ?? '', spec, i + 1));
    const [minutes, hours, dom, months, dow] = fields as [Field, Field, Field, Field, Field];
    const cron: CronSchedule = {
      source: text,
      minutes: minutes.values,
      hours: hours.values,
      daysOfMonth: dom.values,
      months: months.values,
      daysOfWeek: [...new Set(dow.values.map((d) => d % 7))].sort((a, b) => a - b),
      domRestricted: !dom.star,
      dowRestricted: !dow.star,
    };
    const never = neverFires(cron);
    return never === undefined ? { cron } : { problem: never };
  } catch (e) {
    if (e instanceof CronError) return { problem: e.message };
    throw e;
  }
}

/** Why `text` is not a schedule, or undefined. */
export function cronProblem(text: string): string | undefined {
  const parsed = parseCron(text);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/**
 * True when the schedule fires on that calendar day (`month` 1-12, `dayOfWeek` 0-6, Sunday 0),
 * with cron's day-of-month / day-of-week OR rule.
 */
export function cronMatchesDay(
  cron: CronSchedule,
  month: number,
  dayOfMonth: number,
  dayOfWeek: number,
): boolean {
  if (!cron.months.includes(month)) return false;
  const dom = cron.daysOfMonth.includes(dayOfMonth);
  const dow = cron.daysOfWeek.includes(dayOfWeek);
  if (cron.domRestricted && cron.dowRestricted) return dom || dow;
  if (cron.domRestricted) return dom;
  if (cron.dowRestricted) return dow;
  return true;
}

interface Field {
  readonly values: number[];
  /** `*` or `?` (or `*\/1`) somewhere in the list: the field does not restrict. */
  readonly star: boolean;
}

function parseField(text: string, spec: FieldSpec, position: number): Field {
  const where = `${spec.name} (field ${String(position)}) ${JSON.stringify(text)}`;
  const fail = (why: string): never => {
    throw new CronError(`is not a schedule: ${where}: ${why}`);
  };
  const values = new Set<number>();
  let star = false;
  for (const item of text.split(',')) {
    if (item === '') fail('empty list item');
    const [rangeText = '', stepText, extra] = item.split('/');
    if (extra !== undefined) fail(`"${item}" has more than one '/'`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) fail(`step "${stepText}" is not a number`);
      step = Number(stepText);
      if (step < 1) fail('step must be at least 1');
    }
    let from: number;
    let to: number;
    if (rangeText === '*' || (rangeText === '?' && spec.question === true)) {
      from = spec.min;
      to = spec.max === 7 ? 6 : spec.max;
      if (step === 1) star = true;
    } else if (rangeText === '?') {
      return fail(`'?' is only allowed in day-of-month and day-of-week`);
    } else {
      const dash = rangeText.indexOf('-', 1);
      if (dash === -1) {
        from = value(rangeText, spec, fail);
        // `a/n`: from a to the end of the range, every n (day-of-week ends at 6, Saturday).
        to = stepText === undefined ? from : spec.max === 7 ? 6 : spec.max;
      } else {
        from = value(rangeText.slice(0, dash), spec, fail);
        to = value(rangeText.slice(dash + 1), spec, fail);
        if (from > to) {
          fail(
            `range ${rangeText} goes backwards (${String(from)} > ${String(to)})${
              spec.names === DAY_NAMES ? '; for a week-end range use 5-7 or fri,sat,sun' : ''
            }`,
          );
        }
      }
    }
    if (step > spec.max - spec.min + 1) {
      fail(`step ${String(step)} is larger than the range ${String(spec.min)}-${String(spec.max)}`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), star };
}

function value(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) {
      fail(`${text} is out of range ${String(spec.min)}-${String(spec.max)}`);
    }
    return n;
  }
  if (spec.names !== undefined) {
    const i = spec.names.indexOf(text.toLowerCase());
    if (i !== -1) return i + (spec.namesFrom ?? 0);
    return fail(
      `"${text}" is not a ${spec.name} (${String(spec.min)}-${String(spec.max)} or ${spec.names[0] ?? ''}-${spec.names[spec.names.length - 1] ?? ''})`,
    );
  }
  if (text === '') return fail('a range needs a value on both sides of "-"');
  return fail(`"${text}" is not a number (${String(spec.min)}-${String(spec.max)})`);
}

/** A schedule whose day-of-month never occurs in its months (`0 0 31 4 *`, `0 0 30 feb *`). */
function neverFires(cron: CronSchedule): string | undefined {
  if (!cron.domRestricted || cron.dowRestricted) return undefined;
  const possible = cron.months.some((m) =>
    cron.daysOfMonth.some((d) => d <= (MONTH_DAYS[m - 1] ?? 31)),
  );
  if (possible) return undefined;
  return `never fires: day-of-month ${cron.daysOfMonth.join(',')} does not occur in month ${cron.months.join(',')}`;
}
