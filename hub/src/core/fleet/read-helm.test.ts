import { describe, expect, it } from 'vitest';
import { fleetWith } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { resolveValueFile, valueFileProblem } from './read-helm.ts';
import type { FleetProblem } from './types.ts';

const app = (source: string, overlays = ''): string =>
  [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    'metadata:',
    '  name: web',
    'spec:',
    '  source:',
    '    path: charts/web',
    source,
    '  placement:',
    '    selector: {}',
    overlays,
    '',
  ].join('\n');

function parse(text: string): {
  problems: FleetProblem[];
  spec: ReturnType<typeof parseFleet>['spec'];
} {
  const parsed = parseFleet(fleetWith({ 'apps/web.yaml': text }));
  return {
    problems: parsed.problems.filter((p) => p.file === 'apps/web.yaml'),
    spec: parsed.spec,
  };
}

describe('value file paths', () => {
  it.each([
    ['charts/web', 'values-prod.yaml', 'charts/web/values-prod.yaml'],
    ['charts/web', '../../env/prod.yaml', 'env/prod.yaml'],
    ['charts/web', './a/./b.yaml', 'charts/web/a/b.yaml'],
    ['charts/web', '../../../etc/passwd', undefined],
    ['', '../x.yaml', undefined],
  ])('%s + %s → %s', (dir, file, want) => {
    expect(resolveValueFile(dir, file)).toBe(want);
  });

  it.each([
    ['/etc/passwd', /is absolute/],
    ['https://example.com/values.yaml', /is a URL/],
    ['../../../x.yaml', /outside the repository/],
    ['', /must not be empty/],
  ])('%s is refused', (file, want) => {
    expect(valueFileProblem('charts/web', file)).toMatch(want);
  });
});

describe('spec.source.helm', () => {
  it('reads every field', () => {
    const { problems, spec } = parse(
      app(
        [
          '    helm:',
          '      releaseName: web',
          '      namespace: apps',
          '      valueFiles: [values-prod.yaml]',
          '      values: { replicaCount: 2, image: { tag: "1.27" } }',
          '      parameters: [{ name: service.port, value: "8080", forceString: true }]',
          '      skipCrds: true',
        ].join('\n'),
      ),
    );
    expect(problems).toEqual([]);
    expect(spec.applications.find((a) => a.name === 'web')?.source.helm).toEqual({
      releaseName: 'web',
      namespace: 'apps',
      valueFiles: ['values-prod.yaml'],
      values: { replicaCount: 2, image: { tag: '1.27' } },
      parameters: [{ name: 'service.port', value: '8080', forceString: true }],
      skipCrds: true,
    });
  });

  it.each([
    ['      releaseName: Web_1', 'spec.source.helm.releaseName', /not a valid release name/],
    ['      namespace: "a b"', 'spec.source.helm.namespace', /not a valid namespace/],
    ['      valueFiles: [/etc/passwd]', 'spec.source.helm.valueFiles[0]', /is absolute/],
    ['      values: [1]', 'spec.source.helm.values', /must be a mapping/],
    ['      parameters: [{ name: a }]', 'spec.source.helm.parameters[0]', /required/],
    ['      chart: nginx', 'spec.source.helm', /chart/],
  ])('%s is a located problem', (line, field, message) => {
    const { problems } = parse(app(['    helm:', line].join('\n')));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.field.startsWith(field)).toBe(true);
    expect(problems[0]?.message).toMatch(message);
    expect(problems[0]?.line).toBeGreaterThan(7);
  });

  it('refuses kustomize and helm together', () => {
    const { problems } = parse(app(['    kustomize: {}', '    helm: {}'].join('\n')));
    expect(problems.map((p) => p.message)).toContain('set either kustomize or helm, not both');
  });
});

describe('overlays[].helm', () => {
  it('reads values and parameters per environment', () => {
    const { problems, spec } = parse(
      app(
        '    helm: {}',
        [
          '  overlays:',
          '    - environment: prod',
          '      helm:',
          '        values: { replicaCount: 3, env: "${target.name}" }',
          '        parameters: [{ name: image.tag, value: "1.28" }]',
        ].join('\n'),
      ),
    );
    expect(problems).toEqual([]);
    expect(spec.applications.find((a) => a.name === 'web')?.overlays).toEqual([
      {
        environment: 'prod',
        helm: {
          values: { replicaCount: 3, env: '${target.name}' },
          parameters: [{ name: 'image.tag', value: '1.28' }],
        },
      },
    ]);
  });

  it('allows only values and parameters', () => {
    const { problems } = parse(
      app(
        '    helm: {}',
        ['  overlays:', '    - environment: prod', '      helm:', '        releaseName: x'].join(
          '\n',
        ),
      ),
    );
    expect(problems[0]?.field).toMatch(/helm/);
  });
});
