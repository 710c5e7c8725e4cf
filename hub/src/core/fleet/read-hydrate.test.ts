import { describe, expect, it } from 'vitest';
import { APP_PODINFO, fleetWith, lineOf } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { hydrateBranchProblem } from './read-hydrate.ts';

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
    app,
    problems: parsed.problems
      .filter((p) => p.file === F)
      .map((p) => ({ line: p.line, field: p.field, message: p.message })),
    text,
  };
}

describe('parseFleet: spec.hydrateTo', () => {
  it.each<[string, string[], unknown]>([
    ['absent', [], undefined],
    [
      'a branch and a directory',
      ['hydrateTo: { branch: rendered, path: podinfo }'],
      { branch: 'rendered', path: 'podinfo' },
    ],
    [
      'a path written with ./ and a trailing /',
      ['hydrateTo:', '  branch: env/rendered', '  path: ./out/podinfo/'],
      { branch: 'env/rendered', path: 'out/podinfo' },
    ],
  ])('%s → read, no problem', (_, lines, expected) => {
    const { app, problems } = read(podinfoWith(...lines));
    expect(problems).toEqual([]);
    expect(app?.hydrateTo).toEqual(expected);
    if (expected === undefined) expect(app !== undefined && 'hydrateTo' in app).toBe(false);
  });

  it.each<[string, string[], string, string, RegExp]>([
    [
      'no branch',
      ['hydrateTo:', '  path: out'],
      'hydrateTo:',
      'spec.hydrateTo.branch',
      /is required/,
    ],
    [
      'no path',
      ['hydrateTo:', '  branch: rendered'],
      'hydrateTo:',
      'spec.hydrateTo.path',
      /is required/,
    ],
    [
      'an unknown field',
      ['hydrateTo:', '  branch: rendered', '  path: out', '  repoURL: https://x.test/r.git'],
      'repoURL:',
      'spec.hydrateTo.repoURL',
      /unknown field "repoURL"/,
    ],
    [
      'a branch that is no ref',
      ['hydrateTo:', '  branch: "a..b"', '  path: out'],
      'branch: "a..b"',
      'spec.hydrateTo.branch',
      /contains '\.\.'/,
    ],
    [
      'a full ref name',
      ['hydrateTo:', '  branch: refs/heads/rendered', '  path: out'],
      'branch: refs/heads/rendered',
      'spec.hydrateTo.branch',
      /is not a branch name/,
    ],
    [
      'the branch the application reads',
      ['hydrateTo:', '  branch: main', '  path: out'],
      'branch: main',
      'spec.hydrateTo.branch',
      /is the branch the application reads/,
    ],
    [
      'a path leaving the repository',
      ['hydrateTo:', '  branch: rendered', '  path: ../out'],
      'path: ../out',
      'spec.hydrateTo.path',
      /must not contain '\.\.'/,
    ],
    [
      'the repository root',
      ['hydrateTo:', '  branch: rendered', '  path: "."'],
      'path: "."',
      'spec.hydrateTo.path',
      /is the repository root/,
    ],
    [
      'a number as path',
      ['hydrateTo:', '  branch: rendered', '  path: 42'],
      'path: 42',
      'spec.hydrateTo.path',
      /must be a string/,
    ],
    [
      'a list instead of a mapping',
      ['hydrateTo: [rendered]'],
      'hydrateTo:',
      'spec.hydrateTo',
      /must be a mapping/,
    ],
  ])('%s → a located problem', (_, lines, needle, field, message) => {
    const { app, problems, text } = read(podinfoWith(...lines));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: lineOf(text, needle), field });
    expect(problems[0]?.message).toMatch(message);
    // an unknown field is refused, the fields beside it are read all the same
    if (!field.endsWith('repoURL')) expect(app?.hydrateTo).toBeUndefined();
  });
});

describe('hydrateBranchProblem', () => {
  it.each<[string, RegExp | undefined]>([
    ['rendered', undefined],
    ['hydrated/web', undefined],
    ['', /must not be empty/],
    ['HEAD', /not a branch name/],
    ['refs/heads/x', /not a branch name/],
    ['a b', /whitespace/],
    ['x.lock', /\.lock/],
  ])('%j → %s', (branch, expected) => {
    const problem = hydrateBranchProblem(branch);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
