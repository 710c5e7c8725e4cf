/**
 * FleetWriter against the real Git server of the test fleet (`git http-backend` on 127.0.0.1):
 * one file edited in a commit with the caller as author and gitfleet as committer, every other
 * file kept; nothing to change: no commit; a fleet the hub would refuse: FLEET_INVALID, nothing
 * pushed; a push that loses a race is fetched, edited and pushed again (refused twice:
 * APPLY_CONFLICT); a push the server refuses: GIT_AUTH_FAILED naming the repository, without
 * the token.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { startGitServer, type GitServer } from '../../../test/src/fleet/git-server.ts';
import { FleetWriter, type EditFleetFiles } from './fleet-writer.ts';
import { RepoCredentials } from './repo-creds.ts';

const run = promisify(execFile);
const TOKEN = 'fleet-push-token-8c1f2a';
const AUTHOR = { name: 'Dana Ops', email: 'dana@example.com' };
let work: string;
let server: GitServer;

const ENVS =
  'apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata: { name: prod }\nspec:\n  selector: {}\n';

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-fleet-writer-int-'));
  server = await startGitServer();
});
afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const gitDir = (name: string): string => path.join(server.dir, `${name}.git`);
const git = async (name: string, ...args: string[]): Promise<string> =>
  (await run('git', ['--git-dir', gitDir(name), ...args])).stdout;

/** Appends `line` to envs.yaml (nothing when it is there already). */
const append =
  (line: string): EditFleetFiles =>
  (files) => {
    const text = files.get('envs.yaml') ?? '';
    if (text.includes(line)) return undefined;
    return { path: 'envs.yaml', text: `${text}${line}\n`, message: `add ${line}` };
  };

async function rejection(p: Promise<unknown>): Promise<GitfleetError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GitfleetError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('FleetWriter', () => {
  it('commits one file as the author, committed by gitfleet; an edit with nothing to do commits nothing', async () => {
    const url = await server.createRepo('fleet-a');
    await server.commit('fleet-a', {
      files: { 'envs.yaml': ENVS, 'README.md': 'keep\n' },
      message: 'start',
    });
    const writer = new FleetWriter({ cacheDir: path.join(work, 'a') });
    const done = await writer.write({ url, branch: 'main', author: AUTHOR, edit: append('# one') });
    expect(done).toMatchObject({ kind: 'committed', path: 'envs.yaml', attempts: 1 });
    expect(
      (await git('fleet-a', 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', 'main')).trim(),
    ).toBe('Dana Ops <dana@example.com>|gitfleet <gitfleet@localhost>|add # one');
    expect(await git('fleet-a', 'show', 'main:README.md')).toBe('keep\n');
    expect(await git('fleet-a', 'show', 'main:envs.yaml')).toBe(`${ENVS}# one\n`);
    const same = await writer.write({ url, branch: 'main', author: AUTHOR, edit: append('# one') });
    expect(same).toEqual({
      kind: 'unchanged',
      head: done.kind === 'committed' ? done.commit : '',
      attempts: 1,
    });
  });

  it('refuses an edit after which the hub would refuse the fleet', async () => {
    const url = await server.createRepo('fleet-b');
    const head = await server.commit('fleet-b', { files: { 'envs.yaml': ENVS }, message: 'start' });
    const err = await rejection(
      new FleetWriter({ cacheDir: path.join(work, 'b') }).write({
        url,
        branch: 'main',
        author: AUTHOR,
        edit: () => ({ path: 'envs.yaml', text: `${ENVS}  frozen: maybe\n`, message: 'bad' }),
      }),
    );
    expect(err.code).toBe(ErrorCode.FleetInvalid);
    expect(err.message).toMatch(/the hub would refuse the fleet after this change/);
    expect(await server.head('fleet-b', 'main')).toBe(head);
  });

  it('a push that loses a race is fetched, edited and pushed again; refused twice: APPLY_CONFLICT', async () => {
    const url = await server.createRepo('fleet-race');
    await server.commit('fleet-race', { files: { 'envs.yaml': ENVS }, message: 'start' });
    const other = await server.commit('fleet-race', {
      branch: 'side',
      files: { 'envs.yaml': ENVS, 'NOTES.md': 'theirs\n' },
      message: 'theirs',
    });
    const hook = path.join(gitDir('fleet-race'), 'hooks', 'update');
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'if [ ! -f "$GIT_DIR/raced" ]; then',
        '  touch "$GIT_DIR/raced"',
        `  git update-ref refs/heads/main ${other}`,
        'fi',
        'exit 0',
        '',
      ].join('\n'),
    );
    await chmod(hook, 0o755);
    const writer = new FleetWriter({ cacheDir: path.join(work, 'race') });
    const done = await writer.write({
      url,
      branch: 'main',
      author: AUTHOR,
      edit: append('# mine'),
    });
    expect(done).toMatchObject({ kind: 'committed', attempts: 2 });
    expect((await git('fleet-race', 'log', '--format=%P', '-1', 'main')).trim()).toBe(other);
    expect(await git('fleet-race', 'show', 'main:NOTES.md')).toBe('theirs\n');

    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'export GIT_AUTHOR_NAME=other GIT_AUTHOR_EMAIL=o@x.invalid',
        'export GIT_COMMITTER_NAME=other GIT_COMMITTER_EMAIL=o@x.invalid',
        'c=$(echo moved | git commit-tree "refs/heads/main^{tree}" -p refs/heads/main)',
        'git update-ref refs/heads/main "$c"',
        'exit 0',
        '',
      ].join('\n'),
    );
    const err = await rejection(
      writer.write({ url, branch: 'main', author: AUTHOR, edit: append('# again') }),
    );
    expect(err.code).toBe(ErrorCode.ApplyConflict);
    expect(err.message).toMatch(/moved on while the hub pushed, twice/);
    expect(await git('fleet-race', 'show', 'main:envs.yaml')).not.toContain('# again');
  });

  it('a push the server refuses is GIT_AUTH_FAILED naming the repository, without the token', async () => {
    const url = await server.createRepo('fleet-locked', { auth: { token: TOKEN } });
    const head = await server.commit('fleet-locked', {
      files: { 'envs.yaml': ENVS },
      message: 'm',
    });
    await git('fleet-locked', 'config', 'http.receivepack', 'false');
    const creds = new RepoCredentials({ entries: [], fleet: { url, token: TOKEN } });
    const err = await rejection(
      new FleetWriter({ cacheDir: path.join(work, 'locked') }, { credentials: creds }).write({
        url,
        branch: 'main',
        author: AUTHOR,
        edit: append('# x'),
      }),
    );
    expect(err.code).toBe(ErrorCode.GitAuthFailed);
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/may push to the repository/);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(TOKEN);
    expect(await server.head('fleet-locked', 'main')).toBe(head);
  });
});
