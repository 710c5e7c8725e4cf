import { describe, expect, it } from 'vitest';
import { APP_PODINFO, fleetWith, lineOf } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { DEFAULT_POLICIES } from './read-policies.ts';

const F = 'apps/podinfo/application.yaml';

/** The podinfo application with `lines` added under `spec:`. */
function podinfoWith(...lines: string[]): string {
  expect(APP_PODINFO.split('\nspec:\n')).toHaveLength(2);
  return APP_PODINFO.replace('\nspec:\n', `\nspec:\n${lines.map((l) => `  ${l}\n`).join('')}`);
}

function read(text: string) {
  const parsed = parseFleet(fleetWith({ [F]: text }));
  const app = parsed.spec.applications.find((a) => a.name === 'podinfo');
  return {
    policies: app?.policies,
    problems: parsed.problems
      .filter((p) => p.file === F)
      .map((p) => ({ line: p.line, field: p.field, message: p.message })),
    text,
  };
}

describe('parseFleet: spec.destination and spec.syncPolicy', () => {
  it.each<[string, string[], Record<string, unknown>]>([
    ['neither', [], {}],
    [
      'a destination namespace',
      ['destination: { namespace: guestbook }'],
      { destinationNamespace: 'guestbook' },
    ],
    [
      'a destination namespace to create',
      ['destination: { namespace: guestbook }', 'syncPolicy: { createNamespace: true }'],
      { destinationNamespace: 'guestbook', createNamespace: true },
    ],
    [
      'createNamespace: false',
      ['destination: { namespace: guestbook }', 'syncPolicy: { createNamespace: false }'],
      { destinationNamespace: 'guestbook' },
    ],
    ['an empty destination and syncPolicy', ['destination: {}', 'syncPolicy: {}'], {}],
  ])('%s → the namespace policies, no problem', (_, lines, expected) => {
    const { policies, problems } = read(podinfoWith(...lines));
    expect(problems).toEqual([]);
    expect(policies).toEqual({ ...DEFAULT_POLICIES, ...expected });
  });

  it('an application without them has exactly the policies it always had', () => {
    const { policies } = read(APP_PODINFO);
    expect(policies).toEqual(DEFAULT_POLICIES);
    expect(policies !== undefined && 'destinationNamespace' in policies).toBe(false);
    expect(policies !== undefined && 'createNamespace' in policies).toBe(false);
  });

  it.each<[string, string[], string, string, RegExp]>([
    [
      'a namespace that is no DNS label',
      ['destination:', '  namespace: Guest_Book'],
      'Guest_Book',
      'spec.destination.namespace',
      /"Guest_Book" is not a DNS label/,
    ],
    [
      'a namespace longer than 63',
      ['destination:', `  namespace: ${'n'.repeat(64)}`],
      'n'.repeat(64),
      'spec.destination.namespace',
      /is not a DNS label/,
    ],
    [
      'a namespace that is a number',
      ['destination:', '  namespace: 42'],
      'namespace: 42',
      'spec.destination.namespace',
      /must be a string/,
    ],
    [
      'createNamespace without a destination namespace',
      ['syncPolicy:', '  createNamespace: true'],
      'createNamespace: true',
      'spec.syncPolicy.createNamespace',
      /needs spec.destination.namespace/,
    ],
    [
      'createNamespace that is not a boolean',
      ['destination: { namespace: guestbook }', 'syncPolicy:', '  createNamespace: "yes"'],
      'createNamespace: "yes"',
      'spec.syncPolicy.createNamespace',
      /true or false/,
    ],
    [
      'an Argo CD destination server',
      ['destination:', '  server: https://kubernetes.default.svc', '  namespace: guestbook'],
      'server:',
      'spec.destination.server',
      /unknown field|not allowed|unknown/,
    ],
  ])('%s → a located problem', (_, lines, needle, field, message) => {
    const { problems, text } = read(podinfoWith(...lines));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: lineOf(text, needle), field });
    expect(problems[0]?.message).toMatch(message);
  });
});
