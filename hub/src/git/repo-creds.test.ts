import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, jsonLogger } from '@gitfleet/proto';
import { loadHubConfig } from '../config.ts';
import { parseRepoCreds } from '../core/git-creds/index.ts';
import { toFetchError } from './errors.ts';
import { scopedHeaders } from './metered-http.ts';
import { resolveSecretFiles } from './repo-creds-options.ts';
import { KnownSecrets, RepoCredentials } from './repo-creds.ts';
import { scrubbingLogger } from './scrubbing-logger.ts';

const TEAM_A_TOKEN = 'team-a-token-4f1c2b9e';
const FLEET_TOKEN = 'fleet-token-0d9e8a7c';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-repo-creds-'));
  await writeFile(path.join(dir, 'team-a.token'), `${TEAM_A_TOKEN}\n`);
  await writeFile(path.join(dir, 'empty.token'), ' \n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function creds(yaml: string, fleet?: { url: string; token: string }): RepoCredentials {
  const file = path.join(dir, 'repo-creds.yaml');
  const parsed = parseRepoCreds(yaml, file);
  expect(parsed.problems).toEqual([]);
  return new RepoCredentials({
    entries: resolveSecretFiles(parsed.entries, file),
    ...(fleet === undefined ? {} : { fleet }),
  });
}

async function rejection(p: Promise<unknown>): Promise<GitfleetError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GitfleetError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('RepoCredentials', () => {
  it('gives the matching entry, reading its file at every fetch; the fleet token is the fleet URL entry', async () => {
    const c = creds(
      '- urlPrefix: https://git.example.com/team-a/\n  tokenFile: team-a.token\n' +
        '- urlPrefix: https://git.example.com/\n  username: deploy\n  passwordFile: missing.pw\n',
      { url: 'https://git.example.com/team-a/fleet.git', token: FLEET_TOKEN },
    );
    expect(await c.forUrl('https://git.example.com/team-a/app.git')).toEqual({
      password: TEAM_A_TOKEN,
      entry: `the repository credentials for https://git.example.com/team-a/ (${dir}/repo-creds.yaml line 1)`,
    });
    expect(await c.forUrl('https://git.example.com/team-a/fleet')).toMatchObject({
      password: FLEET_TOKEN,
      entry: 'the fleet repository token (--fleet-token-file)',
    });
    // team-ab is not under team-a/: the host-wide entry, whose file is missing
    expect((await rejection(c.forUrl('https://git.example.com/team-ab/app'))).message).toContain(
      'repository credentials for https://git.example.com/ (',
    );
    expect(await c.forUrl('https://elsewhere.example.com/team-a/app')).toBeUndefined();
    // rotation: the next fetch reads the new value
    await writeFile(path.join(dir, 'team-a.token'), 'team-a-rotated-7c7c7c');
    expect((await c.forUrl('https://git.example.com/team-a/app'))?.password).toBe(
      'team-a-rotated-7c7c7c',
    );
    await writeFile(path.join(dir, 'team-a.token'), `${TEAM_A_TOKEN}\n`);
    // both values are kept out of messages from now on
    expect(c.known.scrub(`a ${TEAM_A_TOKEN} b team-a-rotated-7c7c7c c`)).toBe(
      'a [redacted] b [redacted] c',
    );
  });

  it('an unreadable or empty secret file fails with GIT_AUTH_FAILED naming the entry and file', async () => {
    const c = creds(
      '- urlPrefix: https://git.example.com/b/\n  username: deploy\n  passwordFile: missing.pw\n' +
        '- urlPrefix: https://git.example.com/c/\n  tokenFile: empty.token\n',
    );
    const missing = await rejection(c.forUrl('https://git.example.com/b/app'));
    expect(missing.code).toBe(ErrorCode.GitAuthFailed);
    expect(missing.message).toContain(`passwordFile ${dir}/missing.pw cannot be read (ENOENT)`);
    const empty = await rejection(c.forUrl('https://git.example.com/c/app'));
    expect(empty.code).toBe(ErrorCode.GitAuthFailed);
    expect(empty.message).toContain(`tokenFile ${dir}/empty.token is empty`);
  });
});

describe('KnownSecrets and the scrubbing logger', () => {
  it('keeps the secret and its Basic header value out of every log line', () => {
    const known = new KnownSecrets();
    known.add(TEAM_A_TOKEN, 'deploy');
    const basic = Buffer.from(`deploy:${TEAM_A_TOKEN}`).toString('base64');
    const lines: string[] = [];
    const log = scrubbingLogger(
      jsonLogger((l) => lines.push(l)),
      known,
    );
    log.warn(`fetch failed with ${TEAM_A_TOKEN}`, {
      error: `Authorization: Basic ${basic}`,
      nested: { list: [TEAM_A_TOKEN], err: new Error(`boom ${TEAM_A_TOKEN}`) },
      count: 3,
    });
    log.child({ repo: `https://x/${TEAM_A_TOKEN}` }).info('child line', { ok: true });
    const out = lines.join('\n');
    expect(out).not.toContain(TEAM_A_TOKEN);
    expect(out).not.toContain(basic);
    expect(out).toContain('[redacted]');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ count: 3 });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ ok: true, msg: 'child line' });
  });

  it('passes lines through untouched while no secret is known', () => {
    const lines: string[] = [];
    scrubbingLogger(
      jsonLogger((l) => lines.push(l)),
      new KnownSecrets(),
    ).info('m', { a: 'b' });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ msg: 'm', a: 'b' });
  });
});

describe('scopedHeaders', () => {
  const headers = { Authorization: 'Basic eDp5', accept: 'x' };
  it.each([
    ['https://git.example.com/a.git/info/refs', 'https://git.example.com', true],
    ['https://git.example.com:443/a.git/git-upload-pack', 'https://git.example.com', true],
    ['https://git.example.com:8443/a.git/info/refs', 'https://git.example.com', false],
    ['http://git.example.com/a.git/info/refs', 'https://git.example.com', false],
    ['https://evil.example.com/a.git/info/refs', 'https://git.example.com', false],
    ['https://git.example.com/a.git/info/refs', undefined, false],
  ])('%s with credentials for %s: Authorization kept %s', (url, origin, kept) => {
    const out = scopedHeaders({ url, headers }, origin);
    expect('Authorization' in out).toBe(kept);
    expect(out['accept']).toBe('x');
  });
});

describe('GIT_AUTH_FAILED', () => {
  const URL = 'https://git.example.com/team-a/app.git';
  const entry =
    'the repository credentials for https://git.example.com/team-a/ (/etc/c.yaml line 1)';
  const httpError = (status: number): Error =>
    Object.assign(new Error(`HTTP Error: ${String(status)} ${TEAM_A_TOKEN}`), {
      code: 'HttpError',
      data: { statusCode: status },
    });

  it.each([
    [
      401,
      true,
      [
        'rejected the credentials (HTTP 401) of the repository credentials for https://git.example.com/team-a/',
        'check the token',
      ],
    ],
    [403, true, ['refused access (HTTP 403) with the repository credentials', 'check the token']],
    [401, false, ['requires credentials (HTTP 401)', 'configure a token', '--repo-creds-file']],
  ])(
    'HTTP %s (credentials sent: %s) names the repository, the entry and what to do',
    (status, sent, texts) => {
      const e = toFetchError(httpError(status), {
        url: URL,
        hasToken: sent,
        secrets: [TEAM_A_TOKEN],
        ...(sent ? { credentials: entry } : {}),
      });
      expect(e).toBeInstanceOf(GitfleetError);
      expect(e.code).toBe(ErrorCode.GitAuthFailed);
      expect(e.message).toMatch(/^Git repository https:\/\/git\.example\.com\/team-a\/app\.git: /);
      for (const t of texts) expect(e.message).toContain(t);
      expect(inspect(e, { depth: 8 })).not.toContain(TEAM_A_TOKEN);
    },
  );
});

describe('--repo-creds-file', () => {
  const files: Record<string, string> = {
    '/c/ok.yaml': '- urlPrefix: https://git.example.com/team-a/\n  tokenFile: /c/a.token\n',
    '/c/a.token': TEAM_A_TOKEN,
    '/c/empty.token': '\n',
    '/c/bad.yaml': [
      '- urlPrefix: https://git.example.com/a/',
      '  password: inline-secret-123',
      '- urlPrefix: https://git.example.com/b/',
      '  tokenFile: /c/missing.token',
      '- urlPrefix: https://git.example.com/c/',
      '  tokenFile: /c/empty.token',
      '',
    ].join('\n'),
  };
  const load = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    loadHubConfig({
      argv: [
        '--fleet-repo',
        'https://git.example.com/fleet.git',
        '--insecure-plaintext',
        '--allow-static-tokens',
        '--agent-tokens-dir',
        '/c/tokens',
        ...argv,
      ],
      env,
      readFile: (p) => {
        const v = files[p];
        if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
        return v;
      },
      readDir: () => [],
    });

  it('reads the entries (flag or environment)', () => {
    expect(load(['--repo-creds-file', '/c/ok.yaml']).repoCreds).toMatchObject({
      file: '/c/ok.yaml',
      entries: [{ prefix: 'https://git.example.com/team-a/', secretFile: '/c/a.token' }],
    });
    expect(load([], { GITFLEET_REPO_CREDS_FILE: '/c/ok.yaml' }).repoCreds?.entries).toHaveLength(1);
    expect(load([]).repoCreds).toBeUndefined();
  });

  it('reports every problem together, with lines, and no secret', () => {
    let err: unknown;
    try {
      load(['--repo-creds-file', '/c/bad.yaml']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GitfleetError);
    const message = (err as GitfleetError).message;
    expect(message).toContain('--repo-creds-file: /c/bad.yaml line 2: password holds a secret');
    expect(message).toContain(
      '/c/bad.yaml line 3: tokenFile /c/missing.token cannot be read (ENOENT)',
    );
    expect(message).toContain('/c/bad.yaml line 5: tokenFile /c/empty.token is empty');
    expect(message).not.toContain('inline-secret-123');
  });
});
