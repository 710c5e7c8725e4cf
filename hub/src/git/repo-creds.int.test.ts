/**
 * Repository credentials by URL prefix against the real Git server of the test fleet (`git
 * http-backend` on 127.0.0.1, a private repository next to a public one): the matching entry's
 * secret is read from its file at each fetch, a wrong one fails with GIT_AUTH_FAILED naming the
 * repository and the entry and never the secret, and a redirect to another origin never carries
 * the Authorization header.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer } from '../../../test/src/fleet/git-server.ts';
import type { GitServer } from '../../../test/src/fleet/git-server.ts';
import { parseRepoCreds } from '../core/git-creds/index.ts';
import { IsomorphicGitSource } from './git-source.ts';
import { resolveSecretFiles } from './repo-creds-options.ts';
import { RepoCredentials } from './repo-creds.ts';

const TOKEN = 'private-app-token-6b1f0c3a';
let work: string;
let server: GitServer;
let tokenFile: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-repo-creds-int-'));
  server = await startGitServer();
  tokenFile = path.join(work, 'team-a.token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function credsFor(yaml: string): RepoCredentials {
  const file = path.join(work, 'repo-creds.yaml');
  const parsed = parseRepoCreds(yaml, file);
  expect(parsed.problems).toEqual([]);
  return new RepoCredentials({ entries: resolveSecretFiles(parsed.entries, file) });
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

describe('repository credentials', () => {
  it('a private repository under a prefix fetches with its file; a public one next to it too; a wrong token fails', async () => {
    const privateUrl = await server.createRepo('team-a/private', { auth: { token: TOKEN } });
    const publicUrl = await server.createRepo('team-ab/public');
    const c1 = await server.commit('team-a/private', {
      files: { 'a.yaml': 'a: 1\n' },
      message: 'p',
    });
    const c2 = await server.commit('team-ab/public', {
      files: { 'b.yaml': 'b: 1\n' },
      message: 'q',
    });
    const creds = credsFor(`- urlPrefix: ${server.url}/team-a/\n  tokenFile: team-a.token\n`);
    const source = new IsomorphicGitSource(
      { cacheDir: path.join(work, 'cache') },
      { credentials: creds },
    );

    expect((await source.fetch({ url: privateUrl })).refs.get('refs/heads/main')).toBe(c1);
    expect((await source.fetch({ url: publicUrl })).refs.get('refs/heads/main')).toBe(c2);
    // the public repository was never asked for credentials (team-ab is not under team-a/)
    expect(server.requests('team-ab/public').unauthorized).toBe(0);

    // a wrong token in the file: GIT_AUTH_FAILED naming the URL and the entry, never the secret
    await writeFile(tokenFile, 'wrong-token-value-123\n');
    const fresh = new IsomorphicGitSource(
      { cacheDir: path.join(work, 'cache-fresh') },
      { credentials: creds },
    );
    const wrong = await rejection(fresh.fetch({ url: privateUrl }));
    expect(wrong.code).toBe(ErrorCode.GitAuthFailed);
    expect(wrong.message).toContain(privateUrl);
    expect(wrong.message).toContain(`the repository credentials for ${server.url}/team-a/`);
    expect(wrong.message).toContain('repo-creds.yaml line 1');
    expect(wrong.message).toContain('check the token');
    expect(inspect(wrong, { depth: 8 })).not.toContain('wrong-token-value-123');
    // a repository never fetched: resolving it says why (not just "ref not found")
    await expect(fresh.resolve({ url: privateUrl }, 'main')).rejects.toMatchObject({
      code: ErrorCode.GitAuthFailed,
    });

    // the file fixed: the next fetch reads it again and succeeds, no restart
    await writeFile(tokenFile, `${TOKEN}\n`);
    expect((await fresh.fetch({ url: privateUrl })).refs.get('refs/heads/main')).toBe(c1);
    expect(await fresh.resolve({ url: privateUrl }, 'main')).toBe(c1);
  });

  it('no matching entry: GIT_AUTH_FAILED says to add one', async () => {
    const url = await server.createRepo('team-c/private', { auth: { token: TOKEN } });
    await server.commit('team-c/private', { files: { 'a.yaml': 'a: 1\n' }, message: 'p' });
    const source = new IsomorphicGitSource(
      { cacheDir: path.join(work, 'cache-none') },
      { credentials: credsFor(`- urlPrefix: ${server.url}/team-a/\n  tokenFile: team-a.token\n`) },
    );
    const e = await rejection(source.fetch({ url }));
    expect(e.code).toBe(ErrorCode.GitAuthFailed);
    expect(e.message).toContain('--repo-creds-file');
  });

  it('a redirect to another origin never carries the Authorization header', async () => {
    // the other origin: records what it is sent, answers 401 (asking for credentials)
    const seen: (string | undefined)[] = [];
    const other = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'www-authenticate': 'Basic realm="other"' }).end();
    });
    // the repository's origin: asks for credentials, and redirects those that bring them
    const withAuth: string[] = [];
    const origin = http.createServer((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="origin"' }).end();
        return;
      }
      withAuth.push(req.headers.authorization);
      const { port } = other.address() as AddressInfo;
      res.writeHead(302, { location: `http://127.0.0.1:${String(port)}${req.url ?? '/'}` }).end();
    });
    await Promise.all(
      [other, origin].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))),
    );
    try {
      const { port } = origin.address() as AddressInfo;
      const base = `http://127.0.0.1:${String(port)}`;
      const source = new IsomorphicGitSource(
        { cacheDir: path.join(work, 'cache-redirect') },
        { credentials: credsFor(`- urlPrefix: ${base}/team-a/\n  tokenFile: team-a.token\n`) },
      );
      const e = await rejection(source.fetch({ url: `${base}/team-a/app.git` }));
      expect(e.code).toBe(ErrorCode.GitAuthFailed);
      expect(withAuth.length).toBeGreaterThan(0); // the repository's origin got the credentials
      expect(seen.length).toBeGreaterThan(0); // the redirect was followed
      expect(seen.every((h) => h === undefined)).toBe(true); // without them
      expect(inspect(e, { depth: 8 })).not.toContain(TOKEN);
    } finally {
      await Promise.all(
        [other, origin].map(
          (s) =>
            new Promise<void>((r) => {
              s.closeAllConnections();
              s.close(() => r());
            }),
        ),
      );
    }
  });
});
