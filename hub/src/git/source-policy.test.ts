import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@gitfleet/proto';
import { parseRepoUrl } from './repo-url.ts';
import {
  isInside,
  isLoopbackHost,
  localSourceProblem,
  parseLocalRoots,
  sourceProblem,
  sourceRefused,
  tokenProblem,
} from './source-policy.ts';

describe('isInside', () => {
  it.each<[string, string, boolean]>([
    ['/srv/git', '/srv/git', true],
    ['/srv/git', '/srv/git/fleet.git', true],
    ['/srv/git/', '/srv/git/a/b', true],
    ['/srv/git', '/srv/gitx/fleet.git', false],
    ['/srv/git', '/srv', false],
    ['/srv/git', '/srv/git/../other', false],
    ['/', '/anything', true],
  ])('%s contains %s: %s', (root, p, expected) => {
    expect(isInside(root, p)).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['git.localhost', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['git.example.com', false],
    ['127.0.0.1.nip.io', false],
    ['localhost.example.com', false],
  ])('%s: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('localSourceProblem', () => {
  it.each<[string, string, readonly string[], string | undefined, RegExp | undefined]>([
    ['refused by default', '/srv/git/fleet.git', [], undefined, /--allow-local-sources DIR/],
    ['allowed under a root', '/srv/git/fleet.git', ['/srv/git'], undefined, undefined],
    [
      'outside every root',
      '/etc/x.git',
      ['/srv/git', '/mnt'],
      undefined,
      /outside.*\(\/srv\/git, \/mnt\)/,
    ],
    ['a sibling with a common prefix', '/srv/gitx/y.git', ['/srv/git'], undefined, /outside/],
    [
      'the hub cache, even under a root',
      '/var/cache/hub/abc',
      ['/var'],
      '/var/cache/hub',
      /hub's Git cache/,
    ],
  ])('%s', (_name, p, roots, cacheDir, expected) => {
    const problem = localSourceProblem(p, {
      allowLocalRoots: roots,
      ...(cacheDir === undefined ? {} : { cacheDir }),
    });
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('tokenProblem', () => {
  it.each<[string, boolean]>([
    ['https://git.example/r.git', false],
    ['http://127.0.0.1:3000/r.git', false],
    ['http://localhost/r.git', false],
    ['http://[::1]:8080/r.git', false],
    ['http://git.example/r.git', true],
    ['http://10.1.2.3/r.git', true],
  ])('%s refused: %s', (url, refused) => {
    expect(tokenProblem(parseRepoUrl(url)) !== undefined).toBe(refused);
  });
});

describe('sourceProblem', () => {
  const none = { allowLocalRoots: [] };
  it('names the URL (without credentials) and the flag', () => {
    expect(sourceProblem('file:///srv/x.git', none, false)).toMatch(
      /^Git repository file:\/\/\/srv\/x\.git is a local repository.*--allow-local-sources/,
    );
    expect(sourceProblem('http://me@git.example/x.git', none, true)).toMatch(
      /^Git repository http:\/\/git\.example\/x\.git uses plain http:\/\//,
    );
    expect(sourceProblem('http://git.example/x.git', none, false)).toBeUndefined();
    expect(sourceProblem('https://git.example/x.git', none, true)).toBeUndefined();
    expect(sourceProblem('ssh://git@git.example/x.git', none, false)).toMatch(/SSH/);
  });

  it('sourceRefused is SOURCE_REFUSED, terminal, naming the repository', () => {
    const err = sourceRefused('file:///x', 'is a local repository');
    expect(err.code).toBe(ErrorCode.SourceRefused);
    expect(err.terminal).toBe(true);
    expect(err.message).toBe('Git repository file:///x is a local repository');
  });
});

describe('parseLocalRoots', () => {
  it.each<[string | undefined, unknown]>([
    [undefined, { roots: [] }],
    ['', { roots: [] }],
    ['/srv/git', { roots: ['/srv/git'] }],
    [' /srv/git/ , /mnt//mirror ,', { roots: ['/srv/git', '/mnt/mirror'] }],
    ['/', { roots: ['/'] }],
  ])('%j', (text, expected) => {
    expect(parseLocalRoots(text)).toEqual(expected);
  });

  it('refuses a relative entry, naming it', () => {
    expect(parseLocalRoots('/srv,git')).toEqual({
      problem: expect.stringContaining('"git" is not an absolute directory') as unknown,
    });
  });
});
