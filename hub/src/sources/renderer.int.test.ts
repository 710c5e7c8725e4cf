/**
 * The source renderer with the real `kubectl kustomize` (the test fleet's cached kubectl): one
 * run for many identical requests, the options written into the kustomization, kustomize's own
 * error located at the file it names, the time limit, and the temporary copy removed after
 * every run.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, silentLogger } from '@gitfleet/proto';
import { kubeBinaries } from '../../../test/src/fleet/paths.ts';
import { SourceRenderer, type KustomizeRequest } from './renderer.ts';

const K = (...lines: string[]): string =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', ...lines, ''].join('\n');

const REPO: Record<string, string> = {
  'app/base/kustomization.yaml': K('resources: [cm.yaml]'),
  'app/base/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web, namespace: default }\ndata: { k: v }\n',
  'app/prod/kustomization.yaml': K('namePrefix: prod-', 'resources: [../base]'),
  'app/broken/kustomization.yaml': K('resources: [../base]', 'patches:', '  - path: nope.yaml'),
  'app/bad-yaml/kustomization.yaml': K('resources: [cm.yaml]'),
  'app/bad-yaml/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n',
};

function request(path: string, extra: Partial<KustomizeRequest> = {}): KustomizeRequest {
  const under = (p: string) =>
    new Map(Object.entries(REPO).filter(([f]) => f === p || f.startsWith(`${p}/`)));
  return {
    repoUrl: 'https://git.example.com/web.git',
    commit: 'a'.repeat(40),
    path,
    options: {},
    optionsDigest: 'none',
    files: under(path),
    read: (p) => {
      const found = under(p);
      return found.size > 0
        ? Promise.resolve(found)
        : Promise.reject(new GitfleetError(ErrorCode.NotFound, `no ${p}`, { terminal: true }));
    },
    ...extra,
  };
}

async function renderDirs(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((d) => d.startsWith('gitfleet-render-'));
}

describe('SourceRenderer (real kubectl kustomize)', () => {
  const kubectl = kubeBinaries().kubectl;

  it('renders once for a thousand identical requests, with the options written in', async () => {
    const before = await renderDirs();
    const r = new SourceRenderer({ kubectlCommand: kubectl }, { logger: silentLogger });
    const options = { namePrefix: 'eu-', commonLabels: { team: 'web' } };
    const results = await Promise.all(
      Array.from({ length: 1000 }, () =>
        r.kustomize(request('app/prod', { options, optionsDigest: 'd1' })),
      ),
    );
    const first = results[0];
    if (first?.ok !== true) throw new Error(JSON.stringify(first));
    expect(first.objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'eu-web', namespace: 'default', labels: { team: 'web' } },
        data: { k: 'v' },
      },
    ]);
    expect(results.every((x) => x === first)).toBe(true);
    await r.kustomize(request('app/prod', { options, optionsDigest: 'd1' }));
    const text = await r.metrics.registry.metrics();
    expect(text).toContain('gitfleet_hub_source_renders_total{type="kustomize",outcome="ok"} 1');
    expect(text).toMatch(/gitfleet_hub_source_render_duration_seconds_count\{type="kustomize"\} 1/);
    expect(await renderDirs()).toEqual(before);
  });

  it("kustomize's error is located at the file it names, without the temporary directory", async () => {
    const r = new SourceRenderer({ kubectlCommand: kubectl }, { logger: silentLogger });
    const broken = await r.kustomize(request('app/broken'));
    if (broken.ok) throw new Error('rendered');
    expect(broken.problems[0]).toMatchObject({ file: 'app/broken/kustomization.yaml' });
    expect(broken.problems[0]?.message).toMatch(/kustomize failed: .*nope\.yaml/);
    expect(broken.problems[0]?.message).not.toContain(os.tmpdir());
    const bad = await r.kustomize(request('app/bad-yaml'));
    if (bad.ok) throw new Error('rendered');
    expect(bad.problems[0]).toMatchObject({ file: 'app/bad-yaml/cm.yaml', line: 5 });
  });

  it('a run over the time limit is killed and refused; a missing kubectl is a problem', async () => {
    const before = await renderDirs();
    const slow = new SourceRenderer(
      { kubectlCommand: kubectl, timeoutMs: 1 },
      { logger: silentLogger },
    );
    const timedOut = await slow.kustomize(request('app/prod'));
    expect(timedOut).toEqual({
      ok: false,
      problems: [
        expect.objectContaining({ file: 'app/prod/kustomization.yaml', limit: 'renderTimeout' }),
      ],
    });
    const missing = new SourceRenderer(
      { kubectlCommand: '/nonexistent/kubectl' },
      { logger: silentLogger },
    );
    const r = await missing.kustomize(request('app/prod'));
    expect(r.ok ? '' : r.problems[0]?.message).toMatch(
      /not found: install kubectl or set --kubectl-command/,
    );
    expect(await renderDirs()).toEqual(before);
  });
});
