import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@gitfleet/proto/domain';
import { hydrateLayout, manifestYaml } from './layout.ts';
import type { HydrateTarget } from './layout.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const cm = (name: string, data: Record<string, string>, ns = 'web'): KubeObject => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { namespace: ns, name },
  data,
});
const deploy = (replicas: number): KubeObject => ({
  spec: { replicas },
  metadata: { name: 'web', namespace: 'web' },
  kind: 'Deployment',
  apiVersion: 'apps/v1',
});
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };

const t = (
  target: string,
  environment: string | undefined,
  objects: readonly KubeObject[],
  revision = A,
): HydrateTarget => ({
  target,
  ...(environment === undefined ? {} : { environment }),
  revision,
  objects,
});

describe('manifestYaml', () => {
  it.each<[string, readonly KubeObject[], string]>([
    ['no objects', [], ''],
    [
      'keys sorted at every depth',
      [cm('c', { z: '1', a: '2' })],
      'apiVersion: v1\ndata:\n  a: "2"\n  z: "1"\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: web\n',
    ],
    [
      'canonical object order: group, kind, namespace, name',
      [deploy(2), cm('b', {}), ns, cm('a', {})],
      [
        'apiVersion: v1\ndata: {}\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\n',
        'apiVersion: v1\ndata: {}\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: web\n',
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: web\nspec:\n  replicas: 2\n',
      ].join('---\n'),
    ],
    [
      'strings YAML 1.1 reads as booleans or numbers stay strings',
      [cm('c', { on: 'yes', n: '0123', t: 'true' })],
      'apiVersion: v1\ndata:\n  "n": "0123"\n  "on": "yes"\n  t: "true"\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: web\n',
    ],
    [
      'a long line is not folded, a multi-line string is a block',
      [cm('c', { long: 'x'.repeat(100), text: 'a\nb\n' })],
      `apiVersion: v1\ndata:\n  long: ${'x'.repeat(100)}\n  text: |\n    a\n    b\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: web\n`,
    ],
  ])('%s', (_, objects, expected) => {
    expect(manifestYaml(objects)).toBe(expected);
  });

  it('the same objects in any order and key order give the same bytes', () => {
    const one = manifestYaml([ns, cm('a', { x: '1', y: '2' }), deploy(1)]);
    const two = manifestYaml([deploy(1), { ...cm('a', { y: '2', x: '1' }) }, ns]);
    expect(two).toBe(one);
  });

  it('an object repeated is written out twice, never as an alias', () => {
    const shared = { k: 'v' };
    const obj: KubeObject = { ...cm('c', {}), data: shared, binaryData: shared };
    expect(manifestYaml([obj])).not.toMatch(/[&*]/);
  });
});

describe('hydrateLayout', () => {
  const files = (targets: HydrateTarget[]): string[] => [
    ...hydrateLayout('web', 'out/web', targets).files.keys(),
  ];

  it.each<[string, HydrateTarget[], string[]]>([
    ['no targets: the README alone', [], ['out/web/README.md']],
    [
      'every target of each environment renders the same: one manifest per environment',
      [
        t('dev-1', 'dev', [cm('c', { e: 'dev' })]),
        t('prod-2', 'prod', [cm('c', { e: 'prod' })]),
        t('prod-1', 'prod', [cm('c', { e: 'prod' })]),
      ],
      ['out/web/README.md', 'out/web/dev/manifest.yaml', 'out/web/prod/manifest.yaml'],
    ],
    [
      'one target differs: one manifest per target of that environment only',
      [
        t('dev-1', 'dev', [cm('c', { e: 'dev' })]),
        t('prod-1', 'prod', [cm('c', { e: 'prod' })]),
        t('prod-2', 'prod', [cm('c', { e: 'prod', canary: 'yes' })]),
      ],
      [
        'out/web/README.md',
        'out/web/dev/manifest.yaml',
        'out/web/prod/prod-1/manifest.yaml',
        'out/web/prod/prod-2/manifest.yaml',
      ],
    ],
    [
      'targets in no environment: one manifest each under _targets',
      [t('edge-2', undefined, [ns]), t('edge-1', undefined, [ns]), t('dev-1', 'dev', [ns])],
      [
        'out/web/README.md',
        'out/web/_targets/edge-1/manifest.yaml',
        'out/web/_targets/edge-2/manifest.yaml',
        'out/web/dev/manifest.yaml',
      ],
    ],
  ])('%s', (_, targets, expected) => {
    expect(files(targets)).toEqual(expected);
  });

  it('the manifest holds the rendered objects; same revision or not, equal objects share a file', () => {
    const layout = hydrateLayout('web', 'web', [
      t('prod-1', 'prod', [deploy(3)], A),
      t('prod-2', 'prod', [deploy(3)], B),
    ]);
    expect(layout.files.get('web/prod/manifest.yaml')).toBe(manifestYaml([deploy(3)]));
    expect(layout.groups).toEqual([
      {
        name: 'prod',
        revisions: [A, B],
        targets: ['prod-1', 'prod-2'],
        files: ['web/prod/manifest.yaml'],
      },
    ]);
  });

  it('the README names the source commits, targets and files of each environment', () => {
    const readme = hydrateLayout('web', 'web', [
      t('dev-1', 'dev', [ns], B),
      t('edge', undefined, [ns], A),
    ]).files.get('web/README.md');
    expect(readme).toContain('# Rendered manifests of web');
    expect(readme).toContain(`| dev | \`${B}\` | dev-1 | \`dev/manifest.yaml\` |`);
    expect(readme).toContain(
      `| (no environment) | \`${A}\` | edge | \`_targets/edge/manifest.yaml\` |`,
    );
  });

  it('the same desired state in any order gives the same files', () => {
    const targets = [
      t('a', 'dev', [ns, cm('x', { k: 'v' })]),
      t('b', 'prod', [deploy(1)]),
      t('c', undefined, [deploy(2)]),
    ];
    const one = hydrateLayout('web', 'web', targets);
    const two = hydrateLayout('web', 'web', [...targets].reverse());
    expect([...two.files]).toEqual([...one.files]);
  });
});
