import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinKey } from '../core/fleet/pin-locations.ts';
import { FleetHistory } from './fleet-history.ts';
import { cacheDirName, parseRepoUrl } from './repo-url.ts';

const URL = 'https://git.example.com/platform/fleet.git';
const WEB = pinKey({ environment: 'prod', app: 'web' });
const API = pinKey({ environment: 'prod', app: 'api' });

function env(pins: Record<string, string>): string {
  const lines = Object.entries(pins).map(([a, v]) => `    ${a}: ${v}\n`);
  return `apiVersion: gitfleet.dev/v1alpha1\nkind: Environment\nmetadata: { name: prod }\nspec:\n  selector: {}\n${lines.length === 0 ? '' : `  pins:\n${lines.join('')}`}`;
}

let cacheDir = '';
let gitdir = '';

/** A commit of `files` (path → text, '' directory-free) on top of `parents`. */
async function commit(
  files: Record<string, string>,
  parents: string[],
  who: string,
  message: string,
): Promise<string> {
  const entries = [];
  for (const [p, text] of Object.entries(files)) {
    const oid = await git.writeBlob({ fs, gitdir, blob: Buffer.from(text) });
    entries.push({ mode: '100644', path: p, oid, type: 'blob' as const });
  }
  const tree = await git.writeTree({ fs, gitdir, tree: entries });
  const author = {
    name: who,
    email: `${who}@example.com`,
    timestamp: 1_700_000_000,
    timezoneOffset: 0,
  };
  return git.writeCommit({
    fs,
    gitdir,
    commit: { message: `${message}\n`, tree, parent: parents, author, committer: author },
  });
}

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-history-'));
  gitdir = path.join(cacheDir, cacheDirName(parseRepoUrl(URL).normalised));
  await git.init({ fs, gitdir, bare: true });
});

afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('FleetHistory', () => {
  it('names the commit, author and message that set each pin, through unrelated commits', async () => {
    const c1 = await commit({ 'envs.yaml': env({ web: 'v1' }) }, [], 'alice', 'web v1');
    const c2 = await commit({ 'envs.yaml': env({ web: 'v1', api: 'a1' }) }, [c1], 'bob', 'api a1');
    const c3 = await commit(
      { 'envs.yaml': env({ web: 'v1', api: 'a1' }), 'other.yaml': 'x: 1\n' },
      [c2],
      'carol',
      'unrelated',
    );
    const h = new FleetHistory({ cacheDir });
    const got = await h.pinsSetBy(URL, c3, 'envs.yaml', [WEB, API]);
    expect(got.get(WEB)).toEqual({
      commit: c1,
      author: 'alice',
      email: 'alice@example.com',
      atMs: 1_700_000_000_000,
      message: 'web v1',
    });
    expect(got.get(API)).toMatchObject({ commit: c2, author: 'bob', message: 'api a1' });
  });

  it('stops at its bound of commits: the pin is truncated, not guessed', async () => {
    let at = await commit({ 'envs.yaml': env({ web: 'v1' }) }, [], 'alice', 'web v1');
    for (let i = 0; i < 4; i++) {
      at = await commit(
        { 'envs.yaml': env({ web: 'v1' }), 'n.txt': String(i) },
        [at],
        'bot',
        `n ${String(i)}`,
      );
    }
    const bounded = await new FleetHistory({ cacheDir, maxCommits: 3 }).pinsSetBy(
      URL,
      at,
      'envs.yaml',
      [WEB],
    );
    expect(bounded.get(WEB)).toBe('truncated');
    const enough = await new FleetHistory({ cacheDir, maxCommits: 5 }).pinsSetBy(
      URL,
      at,
      'envs.yaml',
      [WEB],
    );
    expect(enough.get(WEB)).toMatchObject({ author: 'alice' });
  });

  it('a file added later: the pin was set where the file appeared', async () => {
    const c1 = await commit({ 'a.yaml': 'x: 1\n' }, [], 'alice', 'start');
    const c2 = await commit(
      { 'a.yaml': 'x: 1\n', 'envs.yaml': env({ web: 'v2' }) },
      [c1],
      'bob',
      'envs',
    );
    const got = await new FleetHistory({ cacheDir }).pinsSetBy(URL, c2, 'envs.yaml', [WEB]);
    expect(got.get(WEB)).toMatchObject({ commit: c2, author: 'bob' });
  });

  it('a head that is not in the cache is NOT_FOUND', async () => {
    await expect(
      new FleetHistory({ cacheDir }).pinsSetBy(URL, 'f'.repeat(40), 'envs.yaml', [WEB]),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
