import { describe, expect, it } from 'vitest';
import { isGitfleetError } from '@gitfleet/proto/domain';
import { fleetWith } from './__fixtures__/fleet-repo.ts';
import { acceptFleet, fleetInvalidError, formatProblem } from './accept.ts';
import { parseFleet } from './parse-fleet.ts';
import type { FleetProblem, FleetSpec, ParsedFleet } from './types.ts';

const good = parseFleet(fleetWith());
const empty: FleetSpec = { targets: [], applications: [], environments: [] };

const error: FleetProblem = {
  file: 'targets/dev.yaml',
  line: 7,
  column: 1,
  field: '',
  message: 'YAML: Tabs are not allowed as indentation',
  severity: 'error',
};
const warning: FleetProblem = {
  file: 'apps/shop/application.yaml',
  line: 13,
  column: 5,
  field: 'spec.placement.selector',
  message: 'matches no target (env in (qa))',
  severity: 'warning',
};

describe('acceptFleet: the last good definition stays in force', () => {
  const otherGood: ParsedFleet = { spec: { ...good.spec, environments: [] }, problems: [] };

  it.each<[string, FleetSpec | undefined, ParsedFleet, FleetSpec | undefined, boolean]>([
    ['first definition, valid', undefined, good, good.spec, true],
    [
      'first definition, invalid: nothing in force yet',
      undefined,
      { spec: good.spec, problems: [error] },
      undefined,
      false,
    ],
    ['valid change replaces the previous', good.spec, otherGood, otherGood.spec, true],
    [
      'invalid change keeps the previous',
      good.spec,
      { spec: otherGood.spec, problems: [warning, error] },
      good.spec,
      false,
    ],
    [
      'warnings do not block',
      good.spec,
      { spec: otherGood.spec, problems: [warning] },
      otherGood.spec,
      true,
    ],
    ['empty after empty is fine', empty, { spec: empty, problems: [] }, empty, true],
    ['the first definition may be empty', undefined, { spec: empty, problems: [] }, empty, true],
  ])('%s', (_name, previous, parsed, inForce, accepted) => {
    const decision = acceptFleet(previous, parsed);
    expect(decision.inForce).toBe(inForce);
    expect(decision.accepted).toBe(accepted);
    expect(decision.problems).toEqual(parsed.problems);
  });

  it('refuses an empty repository in place of a non-empty fleet', () => {
    const decision = acceptFleet(good.spec, { spec: empty, problems: [] });
    expect(decision.accepted).toBe(false);
    expect(decision.inForce).toBe(good.spec);
    expect(decision.problems).toEqual([
      expect.objectContaining({
        file: '',
        line: 0,
        severity: 'error',
        message: expect.stringMatching(
          /declares no fleet objects while the fleet in force declares 7/,
        ) as unknown,
      }),
    ]);
  });

  it('end to end: a broken commit leaves the good fleet in force, with the problem for status', () => {
    const broken = parseFleet(
      fleetWith({
        'environments/prod.yaml':
          'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata:\n  name: prod\nspec:\n  selector: { matchLabels: { env: prod } }\n  pins: { billing: v1 }\n',
      }),
    );
    const decision = acceptFleet(good.spec, broken);
    expect(decision).toEqual({ inForce: good.spec, accepted: false, problems: broken.problems });
    expect(decision.problems.map(formatProblem)).toEqual([
      'environments/prod.yaml:7:11: error: spec.pins.billing: Application "billing" is not declared in the fleet',
    ]);
  });
});

describe('formatProblem and fleetInvalidError', () => {
  it.each<[FleetProblem, string]>([
    [error, 'targets/dev.yaml:7:1: error: YAML: Tabs are not allowed as indentation'],
    [
      warning,
      'apps/shop/application.yaml:13:5: warning: spec.placement.selector: matches no target (env in (qa))',
    ],
    [
      { file: '', line: 0, field: '', message: 'empty', severity: 'error' },
      '(repository): error: empty',
    ],
  ])('%#', (problem, expected) => {
    expect(formatProblem(problem)).toBe(expected);
  });

  it('is undefined without errors, FLEET_INVALID and terminal with them', () => {
    expect(fleetInvalidError([warning])).toBeUndefined();
    const err = fleetInvalidError([warning, error, { ...error, line: 9 }]);
    expect(isGitfleetError(err, 'FLEET_INVALID')).toBe(true);
    expect(err?.terminal).toBe(true);
    expect(err?.message).toBe(
      'fleet definition refused: targets/dev.yaml:7:1: error: YAML: Tabs are not allowed as indentation (and 1 more error(s))',
    );
    expect(err?.details).toEqual({
      errors: 2,
      warnings: 1,
      file: 'targets/dev.yaml',
      line: 7,
      field: '',
    });
  });
});
