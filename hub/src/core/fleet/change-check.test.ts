import { describe, expect, it } from 'vitest';
import { fleetChangeRefusal } from './change-check.ts';

const ENV =
  'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata: { name: prod }\nspec:\n  selector: {}\n';
const BAD = `${ENV}  frozen: maybe\n`;

describe('fleetChangeRefusal', () => {
  it.each<{ name: string; before: string; after: string; want: boolean | undefined }>([
    {
      name: 'a good change of a good fleet',
      before: ENV,
      after: `${ENV}  frozen: true\n`,
      want: undefined,
    },
    { name: 'a change that brings an error', before: ENV, after: BAD, want: true },
    { name: 'errors there already, none added', before: BAD, after: `${BAD}# note\n`, want: false },
  ])('$name', ({ before, after, want }) => {
    const r = fleetChangeRefusal(new Map([['envs.yaml', before]]), 'envs.yaml', after);
    expect(r?.introduced).toBe(want);
    if (want !== undefined) expect(r?.errors.some((e) => e.startsWith('envs.yaml:'))).toBe(true);
  });
});
