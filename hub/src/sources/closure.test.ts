import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { collectClosure } from './closure.ts';

/** A repository at one commit: what readFiles answers, from a map. */
function repo(files: Record<string, string>) {
  const reads: string[] = [];
  const read = (path: string): Promise<ReadonlyMap<string, string>> => {
    reads.push(path);
    const found = Object.entries(files).filter(([p]) => p === path || p.startsWith(`${path}/`));
    if (found.length === 0) {
      return Promise.reject(
        new GitfleetError(ErrorCode.NotFound, `path ${path} does not exist`, { terminal: true }),
      );
    }
    return Promise.resolve(new Map(found));
  };
  return { read, reads };
}

const K = (lines: string[]) =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...lines, ''].join('\n');

const REPO: Record<string, string> = {
  'guestbook/base/kustomization.yaml': K(['resources: [deployment.yaml, service.yaml]']),
  'guestbook/base/deployment.yaml': 'kind: Deployment',
  'guestbook/base/service.yaml': 'kind: Service',
  'guestbook/overlays/prod/kustomization.yaml': K([
    'resources: [../../base]',
    'components: [../../../components/tracing]',
    'configMapGenerator:',
    '  - { name: motd, files: [../../../shared/motd.txt] }',
  ]),
  'components/tracing/kustomization.yaml':
    'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [sidecar.yaml]\n',
  'components/tracing/sidecar.yaml': 'kind: ConfigMap',
  'shared/motd.txt': 'hello',
  'unrelated/big.yaml': 'kind: ConfigMap',
};

const under = (prefix: string) =>
  new Map(Object.entries(REPO).filter(([p]) => p.startsWith(`${prefix}/`)));

describe('collectClosure', () => {
  it('follows bases, components and files in the repository, and nothing else', async () => {
    const { read, reads } = repo(REPO);
    const got = await collectClosure({
      appPath: 'guestbook/overlays/prod',
      files: under('guestbook/overlays/prod'),
      components: [],
      read,
    });
    expect(got.problems).toEqual([]);
    expect(got.kustomizationFile).toBe('guestbook/overlays/prod/kustomization.yaml');
    expect([...got.files.keys()].sort()).toEqual(
      Object.keys(REPO)
        .filter((p) => !p.startsWith('unrelated/'))
        .sort(),
    );
    expect(reads.sort()).toEqual(['components/tracing', 'guestbook/base', 'shared/motd.txt']);
  });

  it('a missing base is a problem at the line that names it', async () => {
    const files = new Map([['app/kustomization.yaml', K(['resources:', '  - ../missing'])]]);
    const got = await collectClosure({
      appPath: 'app',
      files,
      components: [],
      read: repo(REPO).read,
    });
    expect(got.problems.map((p) => p.message)).toEqual([
      'app/kustomization.yaml:4: "missing" does not exist at this commit; correct the reference',
    ]);
  });

  it('a remote base deep in a base is refused at its file and line', async () => {
    const { read } = repo({
      ...REPO,
      'guestbook/base/kustomization.yaml': K([
        'resources:',
        '  - deployment.yaml',
        '  - https://github.com/org/repo//x?ref=v1',
      ]),
    });
    const got = await collectClosure({
      appPath: 'guestbook/overlays/prod',
      files: under('guestbook/overlays/prod'),
      components: [],
      read,
    });
    expect(got.problems.map((p) => p.message)).toEqual([
      'guestbook/base/kustomization.yaml:5: resources[1]: "https://github.com/org/repo//x?ref=v1" is remote: remote bases are not fetched by the render step',
    ]);
  });

  it('components of the fleet options are followed; one past the root is refused', async () => {
    const { read } = repo(REPO);
    const ok = await collectClosure({
      appPath: 'guestbook/base',
      files: under('guestbook/base'),
      components: ['../../components/tracing'],
      read,
    });
    expect(ok.problems).toEqual([]);
    expect(ok.files.has('components/tracing/sidecar.yaml')).toBe(true);
    const bad = await collectClosure({
      appPath: 'guestbook/base',
      files: under('guestbook/base'),
      components: ['../../../outside'],
      read,
    });
    expect(bad.problems.map((p) => p.message)).toEqual([
      'kustomize options: component "../../../outside" leaves the repository; keep every path inside it',
    ]);
  });

  it('no kustomization at the path is a problem', async () => {
    const got = await collectClosure({
      appPath: 'unrelated',
      files: under('unrelated'),
      components: [],
      read: repo(REPO).read,
    });
    expect(got.kustomizationFile).toBeUndefined();
    expect(got.problems[0]?.message).toMatch(/holds no kustomization/);
  });
});
