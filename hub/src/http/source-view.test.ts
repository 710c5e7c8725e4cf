import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import type { HubProblem, ResolverStatus } from '../resolve/resolver.ts';
import { sourcesView } from './source-view.ts';

const C = 'c'.repeat(40);
const APP = 'http://git.example/team/app.git';
const OTHER = 'http://git.example/team/other.git';
const status = (problems: HubProblem[] = []): ResolverStatus => ({
  fleetCommit: C,
  fleetAccepted: true,
  inForceCommit: C,
  inForceFrom: 'git',
  fleetProblems: [],
  problems,
  failures: [],
  lastError: undefined,
  lastPassAtMs: 100,
  lastPassMs: 5,
  changedLastPass: 0,
});
const seen = (repo: string, atMs: number, message = 'refused'): HubProblem => ({
  stage: 'source',
  code: 'GIT_AUTH_FAILED',
  message,
  action: 'x',
  repo,
  atMs,
});
const failing = (url: string, atMs: number) => ({
  url,
  lastError: { code: ErrorCode.GitAuthFailed, message: `${url}: HTTP 401`, atMs },
});

describe('sourcesView', () => {
  it.each<[string, HubProblem[], Parameters<typeof sourcesView>[1], [string, number, string][]]>([
    ['no source polls: as the resolver says', [seen(APP, 50)], [], [[APP, 50, 'refused']]],
    ['fetches succeed, nothing known', [], [{ url: APP, lastSuccessAtMs: 10 }], []],
    ['a failure after the pass shows', [], [failing(APP, 200)], [[APP, 200, `${APP}: HTTP 401`]]],
    [
      'the pass saw a newer failure: its own problem stays',
      [seen(APP, 300)],
      [failing(APP, 200)],
      [[APP, 300, 'refused']],
    ],
    [
      'an older problem is replaced by the newer failure',
      [seen(APP, 100)],
      [failing(APP, 200)],
      [[APP, 200, `${APP}: HTTP 401`]],
    ],
    [
      'a problem healed by a later successful fetch is gone',
      [seen(APP, 100), seen(OTHER, 100)],
      [{ url: APP, lastSuccessAtMs: 150 }, failing(OTHER, 120)],
      [[OTHER, 120, `${OTHER}: HTTP 401`]],
    ],
    [
      'a success before the problem heals nothing',
      [seen(APP, 100)],
      [{ url: APP, lastSuccessAtMs: 90 }],
      [[APP, 100, 'refused']],
    ],
  ])('%s', (_name, problems, polls, want) => {
    const v = sourcesView(status(problems), polls);
    expect(v.problems.map((p) => [p.repo, p.atMs, p.message])).toEqual(want);
    expect(v.fleetAccepted).toBe(true);
  });

  it('names what to do and keeps the same object when nothing changes', () => {
    const v = sourcesView(status(), [failing(APP, 200)]);
    expect(v.problems[0]).toMatchObject({
      stage: 'source',
      code: 'GIT_AUTH_FAILED',
      action: expect.stringMatching(/--repo-creds-file/) as string,
    });
    expect(v.lastError).toBe(`source: ${APP}: HTTP 401`);
    const s = status([seen(APP, 300)]);
    expect(sourcesView(s, [failing(APP, 200)])).toBe(s);
  });
});
