import { describe, expect, it } from 'vitest';
import { APP_SHOP, ENV_PROD, fleetWith, lineOf } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { ROLLOUT_DEFAULTS } from './types.ts';

const S = 'apps/shop/application.yaml';
const E = 'environments/prod.yaml';
const ROLLOUT_START = APP_SHOP.indexOf('  rollout:\n');
const WINDOWS_START = ENV_PROD.indexOf('  syncWindows:\n');

/** The shop application with its `rollout:` block replaced by `block` (indented as in spec). */
function shopWithRollout(block: string): string {
  return `${APP_SHOP.slice(0, ROLLOUT_START)}${block}`;
}

/** The prod environment with its `syncWindows:` block replaced. */
function prodWithWindows(block: string): string {
  return `${ENV_PROD.slice(0, WINDOWS_START)}${block}`;
}

function problemsOf(changes: Record<string, string>) {
  return parseFleet(fleetWith(changes)).problems;
}

describe('Application.spec.rollout', () => {
  it('fills defaults for everything but waves and selectors', () => {
    const text = shopWithRollout(
      '  rollout:\n    waves:\n      - name: all\n        selector: {}\n',
    );
    const { spec, problems } = parseFleet(fleetWith({ [S]: text }));
    expect(problems).toEqual([]);
    expect(spec.applications[1]?.rollout).toEqual({
      waves: [{ name: 'all', selector: {}, maxUnavailable: { percent: 100 }, soakMs: 0 }],
      progressDeadlineMs: ROLLOUT_DEFAULTS.progressDeadlineMs,
      failureBudget: 0,
      onFailure: 'halt',
      staleTargets: 'block',
    });
  });

  it.each<[string, string, unknown]>([
    ['a count', '3', { count: 3 }],
    ['a whole percentage', '"25%"', { percent: 25 }],
    ['a fractional percentage', '12.5%', { percent: 12.5 }],
    ['100%', '100%', { percent: 100 }],
  ])('maxUnavailable: %s', (_name, written, expected) => {
    const text = shopWithRollout(
      `  rollout:\n    waves:\n      - name: all\n        selector: {}\n        maxUnavailable: ${written}\n`,
    );
    const { spec, problems } = parseFleet(fleetWith({ [S]: text }));
    expect(problems).toEqual([]);
    expect(spec.applications[1]?.rollout?.waves[0]?.maxUnavailable).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ['milliseconds', '250ms', 250],
    ['Go-style compound', '1h30m', 5_400_000],
    ['fractions', '1.5m', 90_000],
    ['a bare zero', '0', 0],
  ])('soak: %s', (_name, written, ms) => {
    const text = shopWithRollout(
      `  rollout:\n    waves:\n      - name: all\n        selector: {}\n        soak: ${written}\n`,
    );
    const { spec, problems } = parseFleet(fleetWith({ [S]: text }));
    expect(problems).toEqual([]);
    expect(spec.applications[1]?.rollout?.waves[0]?.soakMs).toBe(ms);
  });

  /** One row: the rollout block, then the problems (line found by a needle in the block). */
  type Row = [name: string, block: string, expected: readonly [string, string, RegExp][]];
  const WAVE = '      - name: canary\n        selector: {}\n';

  it.each<Row>([
    [
      'waves missing',
      '  rollout:\n    onFailure: halt\n',
      [['  rollout:', 'spec.rollout.waves', /^is required$/]],
    ],
    [
      'no waves',
      '  rollout:\n    waves: []\n',
      [['waves: []', 'spec.rollout.waves', /needs at least one wave/]],
    ],
    [
      'duplicate wave names (at the second)',
      `  rollout:\n    waves:\n${WAVE}      - name: canary # again\n        selector: {}\n`,
      [
        [
          'canary # again',
          'spec.rollout.waves[1].name',
          /wave "canary" is declared twice \(line \d+ and here\); wave names are unique/,
        ],
      ],
    ],
    [
      'a wave name that is not a DNS label',
      '  rollout:\n    waves:\n      - name: Canary_1\n        selector: {}\n',
      [['Canary_1', 'spec.rollout.waves[0].name', /"Canary_1" is not a DNS label/]],
    ],
    [
      'the reserved wave name',
      '  rollout:\n    waves:\n      - name: unmatched\n        selector: {}\n',
      [
        [
          'name: unmatched',
          'spec.rollout.waves[0].name',
          /"unmatched" is reserved for the implicit last wave/,
        ],
      ],
    ],
    [
      'a wave without selector (at the wave)',
      '  rollout:\n    waves:\n      - name: canary\n',
      [['name: canary', 'spec.rollout.waves[0].selector', /^is required$/]],
    ],
    [
      'a typo in a wave field',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailible: 1\n`,
      [
        [
          'maxUnavailible',
          'spec.rollout.waves[0].maxUnavailible',
          /unknown field "maxUnavailible"; did you mean "maxUnavailable"\?/,
        ],
      ],
    ],
    [
      'a bad selector inside a wave',
      '  rollout:\n    waves:\n      - name: canary\n        selector: { matchLabels: { env: [dev] } }\n',
      [['env: [dev]', 'spec.rollout.waves[0].selector.matchLabels.env', /must be a string/]],
    ],
    [
      'maxUnavailable 0',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailable: 0\n`,
      [
        [
          'maxUnavailable',
          'spec.rollout.waves[0].maxUnavailable',
          /must be a count ≥ 1 or a percentage in \(0%, 100%\], e.g. 1 or "25%", got 0/,
        ],
      ],
    ],
    [
      'maxUnavailable 1.5',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailable: 1.5\n`,
      [['maxUnavailable', 'spec.rollout.waves[0].maxUnavailable', /got 1.5/]],
    ],
    [
      'maxUnavailable 0%',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailable: 0%\n`,
      [['maxUnavailable', 'spec.rollout.waves[0].maxUnavailable', /got "0%"/]],
    ],
    [
      'maxUnavailable 150%',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailable: 150%\n`,
      [['maxUnavailable', 'spec.rollout.waves[0].maxUnavailable', /got "150%"/]],
    ],
    [
      'maxUnavailable as a word',
      `  rollout:\n    waves:\n${WAVE}        maxUnavailable: half\n`,
      [['maxUnavailable', 'spec.rollout.waves[0].maxUnavailable', /got "half"/]],
    ],
    [
      'soak without a unit (string)',
      `  rollout:\n    waves:\n${WAVE}        soak: "30"\n`,
      [['soak', 'spec.rollout.waves[0].soak', /"30" has no unit: write 30s, 30m or 30h/]],
    ],
    [
      'soak as a number',
      `  rollout:\n    waves:\n${WAVE}        soak: 30\n`,
      [
        [
          'soak',
          'spec.rollout.waves[0].soak',
          /must be a duration with a unit, e.g. 30s or 30m \(got the number 30\)/,
        ],
      ],
    ],
    [
      'soak in days',
      `  rollout:\n    waves:\n${WAVE}        soak: 2d\n`,
      [['soak', 'spec.rollout.waves[0].soak', /"2d" uses days.*24h for a day/]],
    ],
    [
      'soak negative',
      `  rollout:\n    waves:\n${WAVE}        soak: -5s\n`,
      [['soak', 'spec.rollout.waves[0].soak', /"-5s" must not be negative/]],
    ],
    [
      'soak with garbage after a valid part',
      `  rollout:\n    waves:\n${WAVE}        soak: 5m3\n`,
      [['soak', 'spec.rollout.waves[0].soak', /"5m3" is not a duration.*cannot read "3"/]],
    ],
    [
      'gate other than manual',
      `  rollout:\n    waves:\n${WAVE}        gate: auto\n`,
      [['gate', 'spec.rollout.waves[0].gate', /"auto" is not one of manual/]],
    ],
    [
      'progressDeadline of zero',
      `  rollout:\n    waves:\n${WAVE}    progressDeadline: 0s\n`,
      [['progressDeadline', 'spec.rollout.progressDeadline', /"0s" must be longer than 0/]],
    ],
    [
      'progressDeadline over the limit',
      `  rollout:\n    waves:\n${WAVE}    progressDeadline: 9000h\n`,
      [['progressDeadline', 'spec.rollout.progressDeadline', /is longer than 366 days/]],
    ],
    [
      'failureBudget negative',
      `  rollout:\n    waves:\n${WAVE}    failureBudget: -1\n`,
      [['failureBudget', 'spec.rollout.failureBudget', /must be a whole number ≥ 0, got -1/]],
    ],
    [
      'failureBudget as a string',
      `  rollout:\n    waves:\n${WAVE}    failureBudget: "1"\n`,
      [['failureBudget', 'spec.rollout.failureBudget', /must be a whole number ≥ 0$/]],
    ],
    [
      'onFailure typo',
      `  rollout:\n    waves:\n${WAVE}    onFailure: rollbak\n`,
      [
        [
          'onFailure',
          'spec.rollout.onFailure',
          /"rollbak" is not one of rollback, halt \(did you mean rollback\?\)/,
        ],
      ],
    ],
    [
      'staleTargets unknown',
      `  rollout:\n    waves:\n${WAVE}    staleTargets: ignore\n`,
      [['staleTargets', 'spec.rollout.staleTargets', /"ignore" is not one of block, skip/]],
    ],
    [
      'several problems at once, in order',
      '  rollout:\n    waves:\n      - name: a\n        selector: {}\n        soak: soon\n      - name: a\n        selector: {}\n    failureBudget: -2\n    onFailure: retry\n',
      [
        ['soak: soon', 'spec.rollout.waves[0].soak', /"soon" is not a duration/],
        [
          '      - name: a\n        selector: {}\n    failureBudget',
          'spec.rollout.waves[1].name',
          /declared twice/,
        ],
        ['failureBudget', 'spec.rollout.failureBudget', /got -2/],
        ['onFailure', 'spec.rollout.onFailure', /"retry" is not one of/],
      ],
    ],
  ])('%s', (_name, block, expected) => {
    const text = shopWithRollout(block);
    const { problems, spec } = parseFleet(fleetWith({ [S]: text }));
    const lineIn = (needle: string): number => {
      if (needle.includes('\n')) {
        const at = text.lastIndexOf(needle);
        return text.slice(0, at).split('\n').length;
      }
      return lineOf(text, needle);
    };
    expect(problems.map((p) => [p.file, p.line, p.field, p.severity])).toEqual(
      expected.map(([needle, field]) => [S, lineIn(needle), field, 'error']),
    );
    expected.forEach(([, , message], i) => expect(problems[i]?.message).toMatch(message));
    // A strategy with a problem is not half-used.
    expect(spec.applications[1]?.rollout).toBeUndefined();
  });

  it.each<[string, string, string, string, RegExp]>([
    [
      'placed targets no wave selects go to the implicit last wave (warning)',
      '  rollout:\n    waves:\n      - name: canary\n        selector: { matchLabels: { env: dev } }\n',
      '    waves:',
      'spec.rollout.waves',
      /^target\(s\) prod-eu-1, prod-us-1 match no wave; they roll out last, in the implicit wave "unmatched"$/,
    ],
    [
      'a wave that selects none of the placed targets (warning)',
      '  rollout:\n    waves:\n      - name: qa\n        selector: { matchLabels: { env: qa } }\n      - name: rest\n        selector: {}\n',
      'env: qa',
      'spec.rollout.waves[0].selector',
      /^wave "qa" selects none of the application's targets \(env=qa\); it is passed over$/,
    ],
    [
      'a wave whose targets all went to earlier waves (warning)',
      '  rollout:\n    waves:\n      - name: all\n        selector: {}\n      - name: eu\n        selector: { matchLabels: { region: eu } }\n',
      'region: eu',
      'spec.rollout.waves[1].selector',
      /^wave "eu" gets no target: every target it selects is in an earlier wave; it is passed over$/,
    ],
  ])('%s', (_name, block, needle, field, message) => {
    const text = shopWithRollout(block);
    const { problems, spec } = parseFleet(fleetWith({ [S]: text }));
    expect(problems.map((p) => [p.file, p.line, p.field, p.severity])).toEqual([
      [S, lineOf(text, needle), field, 'warning'],
    ]);
    expect(problems[0]?.message).toMatch(message);
    // Warnings do not block: the strategy is read.
    expect(spec.applications[1]?.rollout).toBeDefined();
  });
});

describe('Environment.spec.syncWindows', () => {
  const HOUR = 3_600_000;

  it('reads windows with defaults (timeZone UTC)', () => {
    const text = prodWithWindows(
      '  syncWindows:\n    - { kind: allow, schedule: "@daily", duration: 1h30m }\n    - { kind: deny, schedule: "*/15 9-17 * jan-mar 1-5", duration: 5m, timeZone: America/New_York }\n',
    );
    const { spec, problems } = parseFleet(fleetWith({ [E]: text }));
    expect(problems).toEqual([]);
    expect(spec.environments[1]?.syncWindows).toEqual([
      { kind: 'allow', schedule: '@daily', durationMs: 1.5 * HOUR, timeZone: 'UTC' },
      {
        kind: 'deny',
        schedule: '*/15 9-17 * jan-mar 1-5',
        durationMs: 5 * 60_000,
        timeZone: 'America/New_York',
      },
    ]);
  });

  it.each<[string, string, readonly [string, string, RegExp][]]>([
    [
      'unknown kind',
      '    - { kind: block, schedule: "0 22 * * *", duration: 8h }\n',
      [['kind: block', 'spec.syncWindows[0].kind', /"block" is not one of allow, deny/]],
    ],
    [
      'hour out of range',
      '    - { kind: deny, schedule: "0 24 * * *", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /"0 24 \* \* \*" is not a schedule: hour \(field 2\) "24": 24 is out of range 0-23/,
        ],
      ],
    ],
    [
      'three fields',
      '    - { kind: deny, schedule: "0 22 *", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /has 3 fields; a schedule has 5: minute hour day-of-month month day-of-week/,
        ],
      ],
    ],
    [
      'unknown day name',
      '    - { kind: deny, schedule: "0 22 * * mon-fry", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /day-of-week \(field 5\) "mon-fry": "fry" is not a day-of-week \(0-7 or sun-sat\)/,
        ],
      ],
    ],
    [
      'a backwards range',
      '    - { kind: deny, schedule: "0 22 * * fri-mon", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /range fri-mon goes backwards \(5 > 1\); for a week-end range use 5-7/,
        ],
      ],
    ],
    [
      'a zero step',
      '    - { kind: deny, schedule: "*/0 * * * *", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /minute \(field 1\) "\*\/0": step must be at least 1/,
        ],
      ],
    ],
    [
      'a day that never comes',
      '    - { kind: deny, schedule: "0 0 31 apr,jun *", duration: 8h }\n',
      [
        [
          'kind: deny',
          'spec.syncWindows[0].schedule',
          /never fires: day-of-month 31 does not occur in month 4,6/,
        ],
      ],
    ],
    [
      'a schedule that YAML reads as a number',
      '    - { kind: deny, schedule: 5, duration: 8h }\n',
      [['kind: deny', 'spec.syncWindows[0].schedule', /must be a string, got the number 5/]],
    ],
    [
      'duration missing (at the window)',
      '    - { kind: deny, schedule: "0 22 * * *" }\n',
      [['kind: deny', 'spec.syncWindows[0].duration', /^is required$/]],
    ],
    [
      'duration zero',
      '    - { kind: deny, schedule: "0 22 * * *", duration: 0s }\n',
      [['kind: deny', 'spec.syncWindows[0].duration', /"0s" must be longer than 0/]],
    ],
    [
      'unknown time zone',
      '    - { kind: deny, schedule: "0 22 * * *", duration: 8h, timeZone: Mars/Olympus }\n',
      [['kind: deny', 'spec.syncWindows[0].timeZone', /"Mars\/Olympus" is not an IANA time zone/]],
    ],
    [
      'unknown field',
      '    - { kind: deny, schedule: "0 22 * * *", duration: 8h, tz: UTC }\n',
      [['kind: deny', 'spec.syncWindows[0].tz', /unknown field "tz"/]],
    ],
  ])('%s', (_name, item, expected) => {
    const text = prodWithWindows(`  syncWindows:\n${item}`);
    const { problems, spec } = parseFleet(fleetWith({ [E]: text }));
    expect(problems.map((p) => [p.file, p.line, p.field, p.severity])).toEqual(
      expected.map(([needle, field]) => [E, lineOf(text, needle), field, 'error']),
    );
    expected.forEach(([, , message], i) => expect(problems[i]?.message).toMatch(message));
    expect(spec.environments[1]?.syncWindows).toBeUndefined();
  });

  it('names the column of a bad schedule', () => {
    const text = prodWithWindows(
      '  syncWindows:\n    - kind: deny\n      schedule: "61 * * * *"\n      duration: 1h\n',
    );
    const [problem] = problemsOf({ [E]: text });
    expect(problem).toMatchObject({
      file: E,
      line: lineOf(text, 'schedule:'),
      column: 17,
      field: 'spec.syncWindows[0].schedule',
      message: '"61 * * * *" is not a schedule: minute (field 1) "61": 61 is out of range 0-59',
    });
  });
});
