import { describe, expect, it } from 'vitest';
import {
  gitRefProblem,
  jsonPointerProblem,
  normaliseSourcePath,
  repoURLProblem,
} from './syntax.ts';

describe('gitRefProblem', () => {
  it.each<[string, boolean]>([
    ['main', true],
    ['release/2.x', true],
    ['v6.7.0', true],
    ['refs/tags/v1.0.0', true],
    ['3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49', true],
    ['3f2a9c1', true],
    ['', false],
    ['release 2', false],
    ['a..b', false],
    ['a~1', false],
    ['a^', false],
    ['a:b', false],
    ['a*', false],
    ['-main', false],
    ['/main', false],
    ['main/', false],
    ['main.lock', false],
    ['main.', false],
    ['feature/.hidden', false],
    ['a//b', false],
    ['@', false],
    ['x@{1}', false],
    ['x'.repeat(256), false],
  ])('%j valid: %s', (ref, valid) => {
    expect(gitRefProblem(ref) === undefined).toBe(valid);
  });
});

describe('repoURLProblem', () => {
  it.each<[string, RegExp | undefined]>([
    ['https://git.example.com/payments/shop.git', undefined],
    ['http://gitea.local:3000/org/repo', undefined],
    ['ssh://git@github.com/org/repo.git', undefined],
    ['git@github.com:org/repo.git', undefined],
    ['file:///srv/git/fleet.git', undefined],
    ['https://x-access-token@github.com/org/repo', undefined],
    ['https://bot:s3cret@github.com/org/repo', /password or token/],
    ['https:///org/repo', /no host/],
    ['github.com/org/repo', /is not a Git URL/],
    ['ftp://example.com/repo', /is not a Git URL/],
  ])('%j', (url, problem) => {
    const got = repoURLProblem(url);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(problem);
  });
});

describe('normaliseSourcePath', () => {
  it.each<[string, { path: string } | { problem: string }]>([
    ['apps/podinfo', { path: 'apps/podinfo' }],
    ['./apps/podinfo/', { path: 'apps/podinfo' }],
    ['apps//podinfo/./manifests', { path: 'apps/podinfo/manifests' }],
    ['.', { path: '' }],
    ['', { path: '' }],
    ['/abs', { problem: 'must be relative to the repository root' }],
    ['apps/../../x', { problem: "must not contain '..'" }],
    ['apps\\podinfo', { problem: "must use '/' as separator" }],
  ])('%j', (path, expected) => {
    expect(normaliseSourcePath(path)).toEqual(expected);
  });
});

describe('jsonPointerProblem', () => {
  it.each<[string, boolean, boolean]>([
    ['/spec/replicas', false, true],
    ['/metadata/labels/app.kubernetes.io~1name', false, true],
    ['/a~0b', false, true],
    ['/a~2b', false, false],
    ['spec/replicas', false, false],
    ['', false, false],
    ['', true, true],
  ])('%j (root allowed: %s) valid: %s', (pointer, allowRoot, valid) => {
    expect(jsonPointerProblem(pointer, allowRoot) === undefined).toBe(valid);
  });
});
