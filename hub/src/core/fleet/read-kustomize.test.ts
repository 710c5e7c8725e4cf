import { describe, expect, it } from 'vitest';
import { fleetWith } from './__fixtures__/fleet-repo.ts';
import { parseFleet } from './parse-fleet.ts';
import { parseImageOverride, remoteRefProblem } from './read-kustomize.ts';
import type { FleetProblem } from './types.ts';

const app = (source: string, overlays = ''): string =>
  [
    'apiVersion: gitfleet.dev/v1alpha1',
    'kind: Application',
    'metadata:',
    '  name: guestbook',
    'spec:',
    '  source:',
    '    path: guestbook/overlays/prod',
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
  const parsed = parseFleet(fleetWith({ 'apps/guestbook.yaml': text }));
  return {
    problems: parsed.problems.filter((p) => p.file === 'apps/guestbook.yaml'),
    spec: parsed.spec,
  };
}

describe('parseImageOverride', () => {
  it.each([
    [
      'nginx=registry.example.com/nginx:1.27',
      { name: 'nginx', newName: 'registry.example.com/nginx', newTag: '1.27' },
    ],
    ['nginx:1.27', { name: 'nginx', newTag: '1.27' }],
    [
      'registry:5000/web=registry:5000/web2',
      { name: 'registry:5000/web', newName: 'registry:5000/web2' },
    ],
    [
      'web@sha256:0123456789abcdef0123456789abcdef',
      { name: 'web', digest: 'sha256:0123456789abcdef0123456789abcdef' },
    ],
    [
      'web=other@sha256:0123456789abcdef0123456789abcdef',
      { name: 'web', newName: 'other', digest: 'sha256:0123456789abcdef0123456789abcdef' },
    ],
  ])('%s', (text, want) => {
    expect(parseImageOverride(text)).toEqual(want);
  });

  it.each(['nginx', '=nginx:1', ':1.2'])('%s is refused', (text) => {
    expect(parseImageOverride(text)).toHaveProperty('problem');
  });
});

describe('remoteRefProblem', () => {
  it.each([
    ['https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0', true],
    ['github.com/argoproj/argocd-example-apps/kustomize-guestbook', true],
    ['git@github.com:org/repo.git//base', true],
    ['ssh://git@example.com/org/repo.git', true],
    ['../base?ref=main', true],
    ['../base', false],
    ['deployment.yaml', false],
    ['components/git-info', false],
  ])('%s remote: %s', (ref, remote) => {
    expect(remoteRefProblem(ref) !== undefined).toBe(remote);
  });
});

describe('spec.source.kustomize', () => {
  it('reads every field (Argo CD shape), image strings and mappings', () => {
    const { problems, spec } = parse(
      app(
        [
          '    kustomize:',
          '      namePrefix: prod-',
          '      nameSuffix: -v1',
          '      images:',
          '        - gcr.io/heptio-images/ks-guestbook-demo=registry.example.com/guestbook:0.2',
          '        - { name: redis, newTag: "7.2" }',
          '      commonLabels: { team: web }',
          '      commonAnnotations: { owner: "web team" }',
          '      patches:',
          '        - target: { kind: Deployment, name: guestbook-ui }',
          '          patch: |-',
          '            - op: replace',
          '              path: /spec/replicas',
          '              value: 3',
          '      components: [../../components/tracing]',
        ].join('\n'),
      ),
    );
    expect(problems).toEqual([]);
    expect(spec.applications.find((a) => a.name === 'guestbook')?.source.kustomize).toEqual({
      namePrefix: 'prod-',
      nameSuffix: '-v1',
      images: [
        {
          name: 'gcr.io/heptio-images/ks-guestbook-demo',
          newName: 'registry.example.com/guestbook',
          newTag: '0.2',
        },
        { name: 'redis', newTag: '7.2' },
      ],
      commonLabels: { team: 'web' },
      commonAnnotations: { owner: 'web team' },
      patches: [
        {
          target: { kind: 'Deployment', name: 'guestbook-ui' },
          patch: '- op: replace\n  path: /spec/replicas\n  value: 3',
        },
      ],
      components: ['../../components/tracing'],
    });
  });

  it('`kustomize: {}` is kustomize with no options', () => {
    const { problems, spec } = parse(app('    kustomize: {}'));
    expect(problems).toEqual([]);
    expect(spec.applications.find((a) => a.name === 'guestbook')?.source.kustomize).toEqual({});
  });

  it.each([
    [
      '      namePrefix: Prod_',
      'spec.source.kustomize.namePrefix',
      9,
      /would not give valid names/,
    ],
    ['      images: [nginx]', 'spec.source.kustomize.images[0]', 9, /changes nothing/],
    [
      '      images: [{ name: web, newTag: "bad tag" }]',
      'spec.source.kustomize.images[0]',
      9,
      /newTag is not a tag/,
    ],
    [
      '      commonLabels: { team: "not valid!" }',
      'spec.source.kustomize.commonLabels.team',
      9,
      /not a label value/,
    ],
    [
      '      components: [https://example.com/c.git]',
      'spec.source.kustomize.components[0]',
      9,
      /remote bases are not fetched/,
    ],
    ['      components: [/abs/comp]', 'spec.source.kustomize.components[0]', 9, /is absolute/],
    ['      patches: [{ patch: "" }]', 'spec.source.kustomize.patches[0].patch', 9, /is empty/],
    ['      namePrefix: ${target.nme}-', 'spec.source.kustomize.namePrefix', 9, /target\.nme/],
    ['      helmCharts: []', 'spec.source.kustomize.helmCharts', 9, /unknown field/],
  ])('%s → a located problem', (line, field, lineNo, message) => {
    const { problems } = parse(app(['    kustomize:', line].join('\n')));
    expect(problems.map((p) => [p.field, p.line])).toEqual([[field, lineNo]]);
    expect(problems[0]?.message).toMatch(message);
  });
});

describe('overlays[].kustomize', () => {
  it('per-environment images with variables, label uses checked against the targets', () => {
    const { problems, spec } = parse(
      app(
        '',
        [
          '  overlays:',
          '    - environment: prod',
          '      kustomize:',
          '        images: ["guestbook=registry.example.com/guestbook:${target.labels.region}"]',
        ].join('\n'),
      ),
    );
    expect(problems).toEqual([]);
    expect(spec.applications.find((a) => a.name === 'guestbook')?.overlays).toEqual([
      {
        environment: 'prod',
        kustomize: {
          images: [
            {
              name: 'guestbook',
              newName: 'registry.example.com/guestbook',
              newTag: '${target.labels.region}',
            },
          ],
        },
      },
    ]);
  });

  it('a label the targets do not have is a warning where it is used', () => {
    const { problems } = parse(
      app(
        '',
        [
          '  overlays:',
          '    - environment: prod',
          '      kustomize:',
          '        namePrefix: ${target.labels.tier}-',
        ].join('\n'),
      ),
    );
    expect(problems.map((p) => [p.field, p.line, p.severity])).toEqual([
      ['spec.overlays[0].kustomize.namePrefix', 14, 'warning'],
    ]);
  });

  it('an unknown field is an error where it is written', () => {
    const { problems } = parse(
      app(
        '',
        ['  overlays:', '    - environment: prod', '      kustomize:', '        image: []'].join(
          '\n',
        ),
      ),
    );
    expect(problems.map((p) => [p.field, p.line, p.severity])).toEqual([
      ['spec.overlays[0].kustomize.image', 14, 'error'],
    ]);
  });
});
