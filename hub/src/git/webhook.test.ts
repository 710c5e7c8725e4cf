import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GITEA_PUSH,
  GITHUB_PING,
  GITHUB_PUSH,
  GITLAB_PUSH,
} from './__fixtures__/webhook-payloads.ts';
import { MAX_WEBHOOK_BODY_BYTES, equalSecrets, verifyWebhook } from './webhook.ts';
import type { WebhookHeaders, WebhookSecrets, WebhookVerdict } from './webhook.ts';

const SECRETS: WebhookSecrets = {
  github: 'gh-secret-1',
  gitea: 'gitea-secret-2',
  gitlab: 'gl-token-3',
};

const hmac = (secret: string, body: Buffer): string =>
  createHmac('sha256', secret).update(body).digest('hex');
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function github(body: Buffer, event = 'push', secret = SECRETS.github ?? ''): WebhookHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/3f2a1b9',
    'x-github-event': event,
    'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'x-github-hook-id': '498103472',
    'x-hub-signature': 'sha1=0000000000000000000000000000000000000000',
    'x-hub-signature-256': `sha256=${hmac(secret, body)}`,
  };
}

/** Gitea also sends Gogs and GitHub compatibility headers. */
function gitea(body: Buffer, secret = SECRETS.gitea ?? ''): WebhookHeaders {
  const sig = hmac(secret, body);
  return {
    'Content-Type': 'application/json',
    'X-Gitea-Delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
    'X-Gitea-Event': 'push',
    'X-Gitea-Event-Type': 'push',
    'X-Gitea-Signature': sig,
    'X-Gogs-Delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
    'X-Gogs-Event': 'push',
    'X-Gogs-Signature': sig,
    'X-GitHub-Event': 'push',
    'X-Hub-Signature-256': `sha256=${sig}`,
  };
}

function gitlab(token = SECRETS.gitlab ?? '', event = 'Push Hook'): WebhookHeaders {
  return {
    'content-type': 'application/json',
    'x-gitlab-event': event,
    'x-gitlab-token': token,
    'x-gitlab-event-uuid': '9cebe914-4827-408f-b014-cfa23a47a35f',
    'x-gitlab-instance': 'https://gitlab.example.com',
  };
}

const GH_BODY = json(GITHUB_PUSH);
const GT_BODY = json(GITEA_PUSH);
const GL_BODY = json(GITLAB_PUSH);
const PING_BODY = json(GITHUB_PING);
const FORM_BODY = Buffer.from(`payload=${encodeURIComponent(JSON.stringify(GITHUB_PUSH))}`);

interface Case {
  readonly name: string;
  readonly headers: WebhookHeaders;
  readonly body: Buffer;
  readonly secrets?: WebhookSecrets;
  readonly want: Partial<WebhookVerdict> & Record<string, unknown>;
}

const cases: Case[] = [
  {
    name: 'GitHub push',
    headers: github(GH_BODY),
    body: GH_BODY,
    want: {
      ok: true,
      provider: 'github',
      event: 'push',
      repoUrls: [
        'https://github.com/acme/fleet.git',
        'git@github.com:acme/fleet.git',
        'https://github.com/acme/fleet',
      ],
      ref: 'refs/heads/main',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    },
  },
  {
    name: 'GitHub push, form-encoded',
    headers: { ...github(FORM_BODY), 'content-type': 'application/x-www-form-urlencoded' },
    body: FORM_BODY,
    want: { ok: true, provider: 'github', ref: 'refs/heads/main' },
  },
  {
    name: 'Gitea push (with its GitHub compatibility headers)',
    headers: gitea(GT_BODY),
    body: GT_BODY,
    want: {
      ok: true,
      provider: 'gitea',
      event: 'push',
      repoUrls: [
        'https://gitea.acme.example/acme/fleet.git',
        'git@gitea.acme.example:acme/fleet.git',
        'https://gitea.acme.example/acme/fleet',
      ],
      ref: 'refs/heads/main',
      after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
    },
  },
  {
    name: 'GitLab push hook',
    headers: gitlab(),
    body: GL_BODY,
    want: {
      ok: true,
      provider: 'gitlab',
      event: 'Push Hook',
      repoUrls: [
        'http://example.com/mike/diaspora.git',
        'git@example.com:mike/diaspora.git',
        'http://example.com/mike/diaspora',
      ],
      ref: 'refs/heads/master',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      deliveryId: '9cebe914-4827-408f-b014-cfa23a47a35f',
    },
  },
  {
    name: 'GitLab tag push hook',
    headers: gitlab(undefined, 'Tag Push Hook'),
    body: json({ ...GITLAB_PUSH, object_kind: 'tag_push', ref: 'refs/tags/v1.0.0' }),
    want: { ok: true, provider: 'gitlab', ref: 'refs/tags/v1.0.0' },
  },
  {
    name: 'GitHub ping: accepted, no fetch',
    headers: github(PING_BODY, 'ping'),
    body: PING_BODY,
    want: { ok: false, status: 202, reason: 'ping', provider: 'github' },
  },
  {
    name: 'GitHub issues event: accepted, ignored',
    headers: github(GH_BODY, 'issues'),
    body: GH_BODY,
    want: { ok: false, status: 202, provider: 'github' },
  },
  {
    name: 'GitHub bad signature',
    headers: { ...github(GH_BODY), 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    body: GH_BODY,
    want: { ok: false, status: 401, provider: 'github' },
  },
  {
    name: 'GitHub body modified after signing',
    headers: github(GH_BODY),
    body: json({ ...GITHUB_PUSH, ref: 'refs/heads/evil' }),
    want: { ok: false, status: 401 },
  },
  {
    name: 'GitHub signature header missing',
    headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
    body: GH_BODY,
    want: { ok: false, status: 401, reason: 'header X-Hub-Signature-256 is missing' },
  },
  {
    name: 'GitHub signature malformed (sha1 only)',
    headers: { ...github(GH_BODY), 'x-hub-signature-256': 'sha1=abc' },
    body: GH_BODY,
    want: { ok: false, status: 401 },
  },
  {
    name: 'GitHub signature sent twice',
    headers: { ...github(GH_BODY), 'x-hub-signature-256': ['sha256=aa', 'sha256=bb'] },
    body: GH_BODY,
    want: { ok: false, status: 401 },
  },
  {
    name: 'GitHub request signed with the Gitea secret',
    headers: github(GH_BODY, 'push', SECRETS.gitea),
    body: GH_BODY,
    want: { ok: false, status: 401, provider: 'github' },
  },
  {
    name: 'Gitea request signed with the GitHub secret',
    headers: gitea(GT_BODY, SECRETS.github),
    body: GT_BODY,
    want: { ok: false, status: 401, provider: 'gitea' },
  },
  {
    name: 'GitLab wrong token',
    headers: gitlab('gl-token-4'),
    body: GL_BODY,
    want: { ok: false, status: 401, reason: 'X-Gitlab-Token does not match' },
  },
  {
    name: 'GitLab token missing',
    headers: { 'x-gitlab-event': 'Push Hook' },
    body: GL_BODY,
    want: { ok: false, status: 401 },
  },
  {
    name: 'GitLab request when only a GitHub secret is configured',
    headers: gitlab(),
    body: GL_BODY,
    secrets: { github: SECRETS.github },
    want: { ok: false, status: 401, reason: 'no webhook secret is configured for gitlab' },
  },
  {
    name: 'no provider header',
    headers: { 'content-type': 'application/json' },
    body: GH_BODY,
    want: { ok: false, status: 400 },
  },
  {
    name: 'authenticated but not JSON',
    headers: github(Buffer.from('{"ref":')),
    body: Buffer.from('{"ref":'),
    want: { ok: false, status: 400, reason: 'payload is not a JSON object' },
  },
  {
    name: 'authenticated but without a repository',
    headers: github(json({ ref: 'refs/heads/main' })),
    body: json({ ref: 'refs/heads/main' }),
    want: { ok: false, status: 400, reason: 'payload names no repository clone URL' },
  },
  {
    name: 'authenticated, repository URLs that are not clone URLs are dropped',
    headers: github(json({ repository: { clone_url: 'javascript:alert(1)', ssh_url: 42 } })),
    body: json({ repository: { clone_url: 'javascript:alert(1)', ssh_url: 42 } }),
    want: { ok: false, status: 400 },
  },
];

describe('verifyWebhook', () => {
  it.each(cases)('$name', ({ headers, body, secrets, want }) => {
    const verdict = verifyWebhook({ headers, body, secrets: secrets ?? SECRETS });
    expect(verdict).toMatchObject(want);
  });

  it('rejects a body over 1 MiB before looking at anything else', () => {
    const body = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
    expect(verifyWebhook({ headers: github(body), body, secrets: SECRETS })).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('never reads the payload of an unauthenticated request (a huge bogus JSON is just a 401)', () => {
    const body = Buffer.from(`{"repository": ${'['.repeat(100_000)}`);
    const verdict = verifyWebhook({
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'1'.repeat(64)}` },
      body,
      secrets: SECRETS,
    });
    expect(verdict).toMatchObject({ ok: false, status: 401 });
  });

  it('drops an `after` that is not a SHA, and keeps an all-zero one (deleted branch)', () => {
    const deleted = json({ ...GITHUB_PUSH, after: '0'.repeat(40), deleted: true });
    expect(
      verifyWebhook({ headers: github(deleted), body: deleted, secrets: SECRETS }),
    ).toMatchObject({
      ok: true,
      after: '0'.repeat(40),
    });
    const odd = json({ ...GITHUB_PUSH, after: 'not-a-sha' });
    const verdict = verifyWebhook({ headers: github(odd), body: odd, secrets: SECRETS });
    expect(verdict.ok && 'after' in verdict).toBe(false);
  });
});

describe('equalSecrets', () => {
  it.each([
    ['same', 'same', true],
    ['same', 'Same', false],
    ['short', 'a much longer value', false],
    ['', '', true],
  ])('%j vs %j → %s', (a, b, want) => {
    expect(equalSecrets(a, b)).toBe(want);
  });
});
