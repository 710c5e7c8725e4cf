/**
 * HydrateWriter against the real Git server of the test fleet (`git http-backend` on 127.0.0.1):
 * a missing branch becomes an orphan root commit holding only the path; an identical write adds
 * nothing; files outside the path are kept and files no longer written under it are removed;
 * two hubs writing the same render make the same commit id; a push that loses a race is fetched,
 * rebuilt and pushed again (and refused twice, fails with APPLY_CONFLICT); a push the server refuses (403, a private repository) fails with
 * GIT_AUTH_FAILED and never carries the token into the error.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer } from '../../../test/src/fleet/git-server.ts';
import type { GitServer } from '../../../test/src/fleet/git-server.ts';
import { hydrateTime } from '../core/hydrate/index.ts';
import { HydrateWriter } from './hydrate-writer.ts';
import type { HydrateWrite } from './hydrate-writer.ts';
import { RepoCredentials } from './repo-creds.ts';

const run = promisify(execFile);
const TOKEN = 'hydrate-push-token-5d2c9e';
const DATE = new Date('2026-03-01T12:00:00Z');
let work: string;
let server: GitServer;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-hydrate-writer-int-'));
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const gitDir = (name: string): string => path.join(server.dir, `${name}.git`);

async function git(name: string, ...args: string[]): Promise<string> {
  return (await run('git', ['--git-dir', gitDir(name), ...args])).stdout;
}

/** Every file on `branch` of `name`, path → text. */
async function filesOn(name: string, branch: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const list = await git(name, 'ls-tree', '-r', '--name-only', `refs/heads/${branch}`);
  for (const file of list.split('\n').filter((l) => l !== '')) {
    out[file] = await git(name, 'show', `refs/heads/${branch}:${file}`);
  }
  return out;
}

function writerIn(dir: string, credentials?: RepoCredentials): HydrateWriter {
  return new HydrateWriter(
    { cacheDir: path.join(work, dir) },
    credentials === undefined ? {} : { credentials },
  );
}

function request(url: string, source: string, files: Record<string, string>): HydrateWrite {
  return {
    url,
    branch: 'rendered',
    path: 'out/web',
    files: new Map(Object.entries(files)),
    message: `hydrate web: ${source.slice(0, 12)}\n`,
    sourceCommits: [source],
    time: hydrateTime,
  };
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

describe('HydrateWriter', () => {
  it('creates the branch, writes nothing for an identical render, replaces only its path', async () => {
    const url = await server.createRepo('app/one');
    const main = await server.commit('app/one', {
      files: { 'src/a.yaml': 'a: 1\n' },
      message: 'source',
      date: DATE,
    });
    const writer = writerIn('one');
    const files = { 'out/web/README.md': '# web\n', 'out/web/dev/manifest.yaml': 'a: 1\n' };

    const first = await writer.write(request(url, main, files));
    expect(first).toMatchObject({ kind: 'committed', created: true });
    const head = await server.head('app/one', 'rendered');
    expect(first.kind === 'committed' ? first.commit : '').toBe(head);
    expect(await filesOn('app/one', 'rendered')).toEqual(files);
    // an orphan root commit by gitfleet, at the source commit's time; main untouched
    expect(await git('app/one', 'log', '--format=%P|%an <%ae>|%cn <%ce>|%ct|%s', 'rendered')).toBe(
      `|gitfleet <gitfleet@localhost>|gitfleet <gitfleet@localhost>|${String(DATE.getTime() / 1000)}|hydrate web: ${main.slice(0, 12)}\n`,
    );
    expect(await server.head('app/one', 'main')).toBe(main);

    expect(await writer.write(request(url, main, files))).toEqual({ kind: 'unchanged', head });
    expect(await server.head('app/one', 'rendered')).toBe(head);

    // someone adds a file beside the path and one inside it
    await server.commit('app/one', {
      branch: 'rendered',
      files: { 'NOTES.md': 'kept\n', 'out/web/stray.yaml': 'x: 1\n' },
      message: 'by hand',
    });
    const next = { 'out/web/README.md': '# web 2\n', 'out/web/prod/manifest.yaml': 'b: 2\n' };
    expect(await writer.write(request(url, main, next))).toMatchObject({
      kind: 'committed',
      created: false,
    });
    expect(await filesOn('app/one', 'rendered')).toEqual({ 'NOTES.md': 'kept\n', ...next });
    expect(Number((await git('app/one', 'rev-list', '--count', 'rendered')).trim())).toBe(3);
  });

  it('two hubs writing the same render on the same history make the same commit', async () => {
    const commits: string[] = [];
    for (const name of ['app/twin-a', 'app/twin-b']) {
      const url = await server.createRepo(name);
      const main = await server.commit(name, {
        files: { 'a.yaml': 'a: 1\n' },
        message: 'same',
        date: DATE,
      });
      const result = await writerIn(name).write(
        request(url, main, { 'out/web/README.md': 'same\n' }),
      );
      commits.push(result.kind === 'committed' ? result.commit : '');
    }
    expect(commits[0]).toMatch(/^[0-9a-f]{40}$/);
    expect(commits[1]).toBe(commits[0]);
  });

  it('a push that loses a race is fetched, rebuilt and pushed again, never forced', async () => {
    const url = await server.createRepo('app/race');
    const main = await server.commit('app/race', { files: { 'a.yaml': 'a: 1\n' }, message: 'm' });
    const writer = writerIn('race');
    await writer.write(request(url, main, { 'out/web/README.md': 'v1\n' }));
    // the first push the server takes next sees the branch moved under it (another writer)
    const other = await server.commit('app/race', {
      branch: 'side',
      files: { 'NOTES.md': 'theirs\n' },
      message: 'theirs',
    });
    const hook = path.join(gitDir('app/race'), 'hooks', 'update');
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'if [ ! -f "$GIT_DIR/raced" ]; then',
        '  touch "$GIT_DIR/raced"',
        `  git update-ref refs/heads/rendered ${other}`,
        'fi',
        'exit 0',
        '',
      ].join('\n'),
    );
    await chmod(hook, 0o755);

    const result = await writer.write(request(url, main, { 'out/web/README.md': 'v2\n' }));
    expect(result.kind).toBe('committed');
    // built on what the other writer pushed: its file kept, ours written
    expect(await filesOn('app/race', 'rendered')).toEqual({
      'NOTES.md': 'theirs\n',
      'out/web/README.md': 'v2\n',
    });
    expect((await git('app/race', 'log', '--format=%P', '-1', 'rendered')).trim()).toBe(other);

    // a branch moved under every push: refused twice, APPLY_CONFLICT, nothing forced
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'export GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=o@x.invalid',
        'export GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=o@x.invalid',
        'c=$(echo moved | git commit-tree "refs/heads/rendered^{tree}" -p refs/heads/rendered)',
        'git update-ref refs/heads/rendered "$c"',
        'exit 0',
        '',
      ].join('\n'),
    );
    const err = await rejection(writer.write(request(url, main, { 'out/web/README.md': 'v3\n' })));
    expect(err.code).toBe(ErrorCode.ApplyConflict);
    expect(err.message).toMatch(/moved while the hub wrote to it, twice/);
    expect((await filesOn('app/race', 'rendered'))['out/web/README.md']).toBe('v2\n');
  });

  it('a push the server refuses is GIT_AUTH_FAILED, without the token', async () => {
    const url = await server.createRepo('team/locked', { auth: { token: TOKEN } });
    const main = await server.commit('team/locked', { files: { 'a.yaml': 'a\n' }, message: 'm' });
    await git('team/locked', 'config', 'http.receivepack', 'false');
    const creds = new RepoCredentials({ entries: [], fleet: { url, token: TOKEN } });
    const err = await rejection(
      writerIn('locked', creds).write(request(url, main, { 'out/web/README.md': 'x\n' })),
    );
    expect(err.code).toBe(ErrorCode.GitAuthFailed);
    expect(err.message).toContain(url);
    expect(err.message).toContain('push');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(TOKEN);
    expect(await server.head('team/locked', 'rendered')).toBeUndefined();

    // without credentials the fetch already fails, naming the repository
    const anon = await rejection(
      writerIn('locked-anon').write(request(url, main, { 'out/web/README.md': 'x\n' })),
    );
    expect(anon.code).toBe(ErrorCode.GitAuthFailed);
    expect(anon.message).toMatch(/requires credentials for the fetch/);
  });

  it('refuses a local repository and plain http to another host', async () => {
    const local = await rejection(
      writerIn('x').write(request('/srv/git/app.git', 'a'.repeat(40), {})),
    );
    expect(local.code).toBe(ErrorCode.SourceRefused);
    const plain = await rejection(
      writerIn('x').write(request('http://git.example.com/app.git', 'a'.repeat(40), {})),
    );
    expect(plain.code).toBe(ErrorCode.SourceRefused);
    expect(plain.message).toMatch(/plain http/);
  });
});
