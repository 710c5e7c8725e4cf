import { describe, expect, it } from 'vitest';
import {
  commitAuthorOf,
  environmentCommitMessage,
  type CommitAuthor,
  type EnvironmentCommit,
} from './env-commit.ts';

const BASE: EnvironmentCommit = {
  subject: 'pin web to v2 in prod',
  environment: 'prod',
  file: 'envs.yaml',
  via: { key: 'Gitfleet-Command', value: 'gitfleet pin web v2 --env prod' },
};

describe('environmentCommitMessage', () => {
  it.each<{ name: string; c: EnvironmentCommit; want: string[] }>([
    {
      name: 'a freeze: no reason, no pin trailer',
      c: { ...BASE, subject: 'freeze prod' },
      want: [
        'freeze prod',
        '',
        'Environment: prod (envs.yaml)',
        'Gitfleet-Command: gitfleet pin web v2 --env prod',
      ],
    },
    {
      name: 'a pin with a one-line reason and a previous pin',
      c: { ...BASE, reason: 'hotfix', pin: { previous: 'v1' } },
      want: [
        'pin web to v2 in prod: hotfix',
        '',
        'Previous-Pin: v1',
        'Environment: prod (envs.yaml)',
        'Gitfleet-Command: gitfleet pin web v2 --env prod',
      ],
    },
    {
      name: 'a reason of several lines is written whole; no previous pin',
      c: {
        ...BASE,
        reason: 'hotfix\nsee the incident',
        pin: { previous: undefined },
        via: { key: 'Gitfleet-Api', value: 'POST /api/v1/promote by alice' },
      },
      want: [
        'pin web to v2 in prod: hotfix',
        '',
        'hotfix\nsee the incident',
        '',
        'Previous-Pin: (none)',
        'Environment: prod (envs.yaml)',
        'Gitfleet-Api: POST /api/v1/promote by alice',
      ],
    },
  ])('$name', ({ c, want }) => {
    expect(environmentCommitMessage(c)).toBe(want.join('\n'));
  });
});

describe('commitAuthorOf', () => {
  it.each<[string, CommitAuthor]>([
    ['dana', { name: 'dana', email: 'dana@gitfleet.invalid' }],
    ['Alice Example', { name: 'Alice Example', email: 'alice.example@gitfleet.invalid' }],
    [
      'oidc:alice@example.com',
      { name: 'oidc:alice@example.com', email: 'oidc-alice-example.com@gitfleet.invalid' },
    ],
    [
      'eve <evil@x>\nInjected',
      { name: 'eve evil@xInjected', email: 'eve.evil-xinjected@gitfleet.invalid' },
    ],
    ['', { name: 'gitfleet-api', email: 'gitfleet-api@gitfleet.invalid' }],
    ['<>', { name: 'gitfleet-api', email: 'gitfleet-api@gitfleet.invalid' }],
  ])('%j', (identity, want) => {
    expect(commitAuthorOf(identity)).toEqual(want);
  });
});
