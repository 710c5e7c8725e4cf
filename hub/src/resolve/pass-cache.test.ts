import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { GitSource, RepoFiles } from '../git/port.ts';
import { PassCache } from './pass-cache.ts';

/** Two commits of a repository, read from memory as the Git adapter reads them. */
function commits(
  byCommit: Record<string, Record<string, string>>,
): Pick<GitSource, 'resolve' | 'readFiles'> {
  return {
    resolve: (_repo, ref) => Promise.resolve(ref),
    readFiles: (_repo, commit, path): Promise<RepoFiles> => {
      const all = Object.entries(byCommit[commit] ?? {});
      const files = new Map(all.filter(([p]) => p === path || p.startsWith(`${path}/`)));
      if (files.size === 0) {
        return Promise.reject(
          new GitfleetError(ErrorCode.NotFound, `no ${path}`, { terminal: true }),
        );
      }
      return Promise.resolve({ commit, path, files, skipped: [], totalBytes: 0 });
    },
  };
}

const REPO = { url: 'https://git.example.com/web.git' };
const K =
  'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\n';
const V1 = {
  'gb/base/kustomization.yaml': 'resources: [cm.yaml]\n',
  'gb/base/cm.yaml': 'data: { v: "1" }\n',
  'gb/overlays/prod/kustomization.yaml': K,
  'plain/cm.yaml': 'data: { v: "1" }\n',
  'other/x.yaml': 'x: 1\n',
};

describe('PassCache.sourceDigest', () => {
  it("covers a kustomization's bases elsewhere in the repository, and nothing unrelated", async () => {
    const cache = new PassCache(
      commits({
        c1: V1,
        c2: { ...V1, 'gb/base/cm.yaml': 'data: { v: "2" }\n' },
        c3: { ...V1, 'other/x.yaml': 'x: 2\n' },
      }),
    );
    const digest = (c: string, path: string) => cache.sourceDigest(REPO, c, path);
    expect(await digest('c2', 'gb/overlays/prod')).not.toBe(await digest('c1', 'gb/overlays/prod'));
    expect(await digest('c3', 'gb/overlays/prod')).toBe(await digest('c1', 'gb/overlays/prod'));
    expect(await digest('c2', 'plain')).toBe(await digest('c1', 'plain'));
  });
});
