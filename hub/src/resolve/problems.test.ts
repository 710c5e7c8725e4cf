import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import {
  ProblemStage,
  actionFor,
  failureOf,
  formatHubProblem,
  problemOf,
  type HubProblem,
} from './problems.ts';

const C = 'a'.repeat(40);

describe('problemOf: an error at a stage becomes a located problem with what to do', () => {
  it.each<[string, ProblemStage, GitfleetError, Partial<HubProblem>]>([
    [
      'a file over a size limit (the git reader names it by path)',
      ProblemStage.Read,
      new GitfleetError(ErrorCode.LimitExceeded, 'vendor/crds.yaml is 5242880 bytes', {
        details: { repo: 'http://git/fleet.git', path: 'vendor/crds.yaml', limit: 'maxFileBytes' },
      }),
      {
        stage: 'read',
        code: 'LIMIT_EXCEEDED',
        file: 'vendor/crds.yaml',
        limit: 'maxFileBytes',
        repo: 'http://h/fleet.git',
        commit: C,
        action:
          'make vendor/crds.yaml smaller or remove it from the repository (or raise maxFileBytes); the last good fleet stays in force',
      },
    ],
    [
      'a YAML problem with file, line and field',
      ProblemStage.Read,
      new GitfleetError(ErrorCode.FleetInvalid, 'targets/a.yaml:3: too deep', {
        details: { file: 'targets/a.yaml', line: 3, field: 'metadata.labels' },
      }),
      { file: 'targets/a.yaml', line: 3, field: 'metadata.labels' },
    ],
    [
      'a fetch refused for credentials',
      ProblemStage.Fetch,
      new GitfleetError(ErrorCode.GitAuthFailed, 'http://h/fleet.git: 401'),
      {
        stage: 'fetch',
        code: 'GIT_AUTH_FAILED',
        action:
          "check the fleet repository's token (--fleet-token-file) and its read access; the last good fleet stays in force",
      },
    ],
    [
      'a branch that does not exist',
      ProblemStage.Head,
      new GitfleetError(ErrorCode.NotFound, 'ref main not found'),
      { stage: 'head', action: expect.stringMatching(/^check --fleet-branch/) as string },
    ],
  ])('%s', (_name, stage, err, expected) => {
    const p = problemOf(stage, err, {
      repo: 'http://h/fleet.git',
      ...(stage === ProblemStage.Read ? { commit: C } : {}),
      atMs: 7,
    });
    expect(p).toMatchObject({ message: err.message, atMs: 7, ...expected });
  });

  it('drops details that do not locate anything (no empty file, no line 0)', () => {
    const p = problemOf(
      ProblemStage.Pass,
      new GitfleetError(ErrorCode.Internal, 'boom', { details: { file: '', line: 0 } }),
      { atMs: 1 },
    );
    expect(p).not.toHaveProperty('file');
    expect(p).not.toHaveProperty('line');
    expect(p.details).toEqual({ file: '', line: 0 });
  });

  it.each<[ProblemStage, string, RegExp]>([
    [ProblemStage.Fetch, 'GIT_FETCH_FAILED', /Git server answers/],
    [ProblemStage.Fetch, 'SOURCE_REFUSED', /fix --fleet-repo/],
    [ProblemStage.Read, 'MANIFEST_INVALID', /push a commit/],
    [ProblemStage.Persist, 'INTERNAL', /check Redis/],
    [ProblemStage.Restore, 'INTERNAL', /reads the fleet from Git/],
    [ProblemStage.Pass, 'INTERNAL', /next pass retries/],
    [ProblemStage.Hydrate, 'GIT_AUTH_FAILED', /token that may push.*delivery to agents is not/],
    [ProblemStage.Hydrate, 'APPLY_CONFLICT', /only the hub write to this branch/],
    [ProblemStage.Hydrate, 'LIMIT_EXCEEDED', /raise the limit named/],
    [ProblemStage.Hydrate, 'CONFIG_INVALID', /fix spec.hydrateTo/],
    [ProblemStage.Hydrate, 'GIT_FETCH_FAILED', /tries again at the next pass/],
  ])('actionFor(%s, %s)', (stage, code, expected) => {
    expect(actionFor(stage, code, {})).toMatch(expected);
  });

  it('formats one line: stage, place, message', () => {
    const p = problemOf(
      ProblemStage.Read,
      new GitfleetError(ErrorCode.LimitExceeded, 'too big', { details: { path: 'big.yaml' } }),
      { atMs: 0 },
    );
    expect(formatHubProblem(p)).toBe('read: big.yaml: too big');
  });

  it('failureOf: the failure of a pair, located when the error says where', () => {
    expect(
      failureOf(
        'web',
        'edge',
        new GitfleetError(ErrorCode.ManifestInvalid, 'web on edge: x', {
          details: { file: 'apps/web/a.yaml', line: 4 },
        }),
      ),
    ).toEqual({
      app: 'web',
      target: 'edge',
      code: 'MANIFEST_INVALID',
      message: 'web on edge: x',
      file: 'apps/web/a.yaml',
      line: 4,
    });
    expect(failureOf('web', 'edge', new TypeError('x is undefined'))).toEqual({
      app: 'web',
      target: 'edge',
      code: 'INTERNAL',
      message: 'x is undefined',
    });
  });
});
