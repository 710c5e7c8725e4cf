import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KustomizeOptions } from '../fleet/types.ts';
import {
  editKustomization,
  kustomizeOptionsDigest,
  kustomizeOptionsFor,
  mergeKustomizeOptions,
} from './kustomize-options.ts';

const CTX = { target: 'prod-eu-1', labels: { region: 'eu', tier: 'gold' }, environment: 'prod' };

describe('mergeKustomizeOptions', () => {
  it.each<[string, KustomizeOptions, KustomizeOptions, KustomizeOptions]>([
    [
      'prefix and suffix replace',
      { namePrefix: 'a-', nameSuffix: '-x' },
      { namePrefix: 'b-' },
      { namePrefix: 'b-', nameSuffix: '-x' },
    ],
    [
      'images replace by name',
      {
        images: [
          { name: 'web', newTag: '1' },
          { name: 'db', newTag: '9' },
        ],
      },
      { images: [{ name: 'web', newName: 'r/web', newTag: '2' }] },
      {
        images: [
          { name: 'db', newTag: '9' },
          { name: 'web', newName: 'r/web', newTag: '2' },
        ],
      },
    ],
    [
      'labels and annotations merge by key',
      { commonLabels: { a: '1', b: '1' }, commonAnnotations: { x: 'y' } },
      { commonLabels: { b: '2' } },
      { commonLabels: { a: '1', b: '2' }, commonAnnotations: { x: 'y' } },
    ],
    [
      'patches and components add up',
      { patches: [{ patch: 'p1' }], components: ['c1'] },
      { patches: [{ patch: 'p2' }], components: ['c1', 'c2'] },
      { patches: [{ patch: 'p1' }, { patch: 'p2' }], components: ['c1', 'c2'] },
    ],
    ['nothing over nothing', {}, {}, {}],
  ])('%s', (_, base, over, want) => {
    expect(mergeKustomizeOptions(base, over)).toEqual(want);
  });
});

describe('kustomizeOptionsFor', () => {
  it('merges the overlays in order and substitutes the target', () => {
    const got = kustomizeOptionsFor(
      {
        kustomize: {
          images: ['guestbook:0.1'].map((t) => ({ name: t.split(':')[0] ?? '', newTag: '0.1' })),
        },
      },
      [
        {
          kustomize: {
            images: [
              { name: 'guestbook', newName: 'r/${target.labels.region}/guestbook', newTag: '0.2' },
            ],
          },
        },
        {
          kustomize: {
            commonLabels: { tier: '${target.labels.tier}' },
            namePrefix: '${environment.name}-',
          },
        },
        {},
      ],
      CTX,
    );
    expect(got).toEqual({
      written: true,
      problems: [],
      options: {
        images: [{ name: 'guestbook', newName: 'r/eu/guestbook', newTag: '0.2' }],
        commonLabels: { tier: 'gold' },
        namePrefix: 'prod-',
      },
    });
  });

  it('no options anywhere: nothing written', () => {
    expect(kustomizeOptionsFor({}, [{}], CTX)).toEqual({
      written: false,
      problems: [],
      options: {},
    });
  });

  it.each([
    [{ namePrefix: '${target.labels.zone}-' }, /target\.labels\.zone/],
    [{ images: [{ name: 'web', newTag: '${target.name}:x' }] }, /newTag is not a tag/],
    [{ commonLabels: { t: 'a ${target.name}' } }, /is not a label value/],
  ])('%j → a problem once substituted', (kustomize, want) => {
    const got = kustomizeOptionsFor({ kustomize }, [], CTX);
    expect(got.options).toEqual({});
    expect(got.problems.map((p) => p.message).join('\n')).toMatch(want);
  });

  it('the digest tells options apart and ignores how they were written', () => {
    const a = kustomizeOptionsDigest({ namePrefix: 'a-', commonLabels: { x: '1', y: '2' } });
    const b = kustomizeOptionsDigest({ commonLabels: { y: '2', x: '1' }, namePrefix: 'a-' });
    expect(a).toBe(b);
    expect(kustomizeOptionsDigest({ namePrefix: 'b-' })).not.toBe(a);
  });
});

describe('editKustomization (kustomize edit, as Argo CD does)', () => {
  const APP = [
    '# the prod overlay',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namePrefix: prod-',
    'resources: [../../base]',
    'images:',
    '  - name: gcr.io/heptio-images/ks-guestbook-demo',
    '    newTag: "0.1"',
    '  - name: redis',
    '    newTag: "6"',
    'commonLabels: { env: prod }',
    'patches:',
    '  - path: replicas.yaml',
    '',
  ].join('\n');

  it('no options: the text as it is', () => {
    expect(editKustomization('k.yaml', APP, {})).toEqual({ ok: true, text: APP });
  });

  it('sets, replaces by name, merges and appends', () => {
    const got = editKustomization('k.yaml', APP, {
      namePrefix: 'eu-',
      nameSuffix: '-v2',
      images: [
        { name: 'gcr.io/heptio-images/ks-guestbook-demo', newName: 'r/guestbook', newTag: '0.2' },
      ],
      commonLabels: { team: 'web' },
      commonAnnotations: { owner: 'web' },
      patches: [{ target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /spec/x' }],
      components: ['../../components/tracing'],
    });
    if (!got.ok) throw new Error('edit failed');
    expect(parse(got.text)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namePrefix: 'eu-',
      nameSuffix: '-v2',
      resources: ['../../base'],
      images: [
        { name: 'redis', newTag: '6' },
        { name: 'gcr.io/heptio-images/ks-guestbook-demo', newName: 'r/guestbook', newTag: '0.2' },
      ],
      commonLabels: { env: 'prod', team: 'web' },
      commonAnnotations: { owner: 'web' },
      patches: [
        { path: 'replicas.yaml' },
        { target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /spec/x' },
      ],
      components: ['../../components/tracing'],
    });
  });

  it('a kustomization that is not a mapping is a problem at its file', () => {
    const got = editKustomization('a/kustomization.yaml', '- a\n- b\n', { namePrefix: 'x-' });
    expect(got).toEqual({
      ok: false,
      problems: [expect.objectContaining({ file: 'a/kustomization.yaml', line: 1 })],
    });
  });
});
