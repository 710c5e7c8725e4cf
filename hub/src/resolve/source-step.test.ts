import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError, silentLogger } from '@gitfleet/proto';
import { findApplication, findTarget, parseFleet } from '../core/fleet/index.ts';
import { fleetWith } from '../core/fleet/__fixtures__/fleet-repo.ts';
import { SourceRenderer } from '../sources/renderer.ts';
import { isKustomizeApp, renderSource } from './source-step.ts';

const APP = (overlays: string) => `apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  source: { path: apps/web }
  placement: { selector: {} }
${overlays}`;

function setup(overlays = '') {
  const fleet = parseFleet(fleetWith({ 'apps/web.yaml': APP(overlays) })).spec;
  const app = findApplication(fleet, 'web');
  const target = findTarget(fleet, 'prod-eu-1');
  if (app === undefined || target === undefined) throw new Error('fixture');
  return { fleet, app, target };
}

// no kubectl is ever run by these cases
const renderer = new SourceRenderer({ kubectlCommand: '/nonexistent' }, { logger: silentLogger });

describe('the source-render step', () => {
  it.each([
    [{ 'apps/web/cm.yaml': 'kind: ConfigMap' }, false],
    [{ 'apps/web/kustomization.yaml': 'resources: []' }, true],
    [{ 'apps/web/Kustomization': 'resources: []' }, true],
    [{ 'apps/web/sub/kustomization.yaml': 'resources: []' }, false],
  ])('%j: kustomize %s', (files, want) => {
    expect(isKustomizeApp(setup().app, new Map(Object.entries(files)))).toBe(want);
  });

  it('plain YAML: nothing to render first', async () => {
    const { fleet, app, target } = setup();
    const files = new Map([['apps/web/cm.yaml', 'kind: ConfigMap']]);
    await expect(
      renderSource(renderer, {
        fleet,
        app,
        target,
        repoUrl: 'https://git.example.com/fleet.git',
        commit: 'a'.repeat(40),
        files,
        read: () => Promise.resolve(new Map()),
        subject: 'web on prod-eu-1',
      }),
    ).resolves.toBeUndefined();
  });

  it('kustomize options for a path without a kustomization: MANIFEST_INVALID', async () => {
    const { fleet, app, target } = setup(
      '  overlays:\n    - environment: prod\n      kustomize: { namePrefix: prod- }\n',
    );
    const err = await renderSource(renderer, {
      fleet,
      app,
      target,
      repoUrl: 'https://git.example.com/fleet.git',
      commit: 'a'.repeat(40),
      files: new Map([['apps/web/cm.yaml', 'kind: ConfigMap']]),
      read: () => Promise.resolve(new Map()),
      subject: 'web on prod-eu-1',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ManifestInvalid);
    expect((err as GitfleetError).message).toMatch(
      /holds no kustomization; add one or remove the options/,
    );
  });

  it('a remote base: refused before anything runs, at the file and line', async () => {
    const { fleet, app, target } = setup();
    const err = await renderSource(renderer, {
      fleet,
      app,
      target,
      repoUrl: 'https://git.example.com/fleet.git',
      commit: 'b'.repeat(40),
      files: new Map([
        ['apps/web/kustomization.yaml', 'resources:\n  - github.com/org/repo//base?ref=v1\n'],
      ]),
      read: () => Promise.resolve(new Map()),
      subject: 'web on prod-eu-1',
    }).catch((e: unknown) => e);
    expect((err as GitfleetError).details).toMatchObject({
      file: 'apps/web/kustomization.yaml',
      line: 2,
    });
    expect(
      renderer.metrics.registry.getSingleMetric('gitfleet_hub_source_renders_total'),
    ).toBeDefined();
  });
});

describe('chart repositories of a helm application', () => {
  const HELM_APP = (repos: string) => `apiVersion: gitfleet.dev/v1alpha1
kind: Project
metadata: { name: web }
spec:
  sourceRepos: [${repos}]
  namespaces: ['*']
---
apiVersion: gitfleet.dev/v1alpha1
kind: Application
metadata: { name: web }
spec:
  project: web
  source: { path: charts/web, helm: {} }
  placement: { selector: {} }
`;
  const CHART = [
    'apiVersion: v2',
    'name: web',
    'version: 0.1.0',
    'dependencies:',
    '  - name: redis',
    '    version: ^19.0.0',
    '    repository: https://charts.example.com/stable',
    '',
  ].join('\n');

  async function render(repos: string): Promise<unknown> {
    const fleet = parseFleet(fleetWith({ 'apps/web.yaml': HELM_APP(repos) })).spec;
    const app = findApplication(fleet, 'web');
    const target = findTarget(fleet, 'prod-eu-1');
    if (app === undefined || target === undefined) throw new Error('fixture');
    return renderSource(renderer, {
      fleet,
      app,
      target,
      repoUrl: 'https://git.example.com/fleet.git',
      commit: 'c'.repeat(40),
      files: new Map([['charts/web/Chart.yaml', CHART]]),
      read: () => Promise.resolve(new Map()),
      subject: 'web on prod-eu-1',
    }).catch((e: unknown) => e);
  }

  it('outside the project: SCOPE_VIOLATION naming the project, the repository and the line', async () => {
    const err = await render('"https://git.example.com/*", "https://charts.example.com/other"');
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ScopeViolation);
    expect((err as GitfleetError).message).toContain(
      'chart repository https://charts.example.com/stable (dependency "redis", charts/web/Chart.yaml:5) is not allowed by project "web"',
    );
    expect((err as GitfleetError).details).toMatchObject({ project: 'web', rule: 'sourceRepos' });
  });
});
