import { describe, expect, it } from 'vitest';
import { ErrorCode, describeObject, identityOf, isGitfleetError } from '@gitfleet/proto/domain';
import type { KubeObject } from '@gitfleet/proto/domain';
import * as m from './__fixtures__/app-manifests.ts';
import { planApplyStages, planDeletionOrder, planStages, syncWave } from './apply-order.ts';

const names = (stages: readonly (readonly KubeObject[])[]): string[][] =>
  stages.map((s) => s.map((o) => describeObject(identityOf(o))));

const FULL_ORDER = [
  ['CustomResourceDefinition/widgets.acme.dev', 'Namespace/shop'],
  [
    'ServiceAccount/shop/web',
    'Secret/shop/web-db',
    'ConfigMap/shop/web-config',
    'PersistentVolumeClaim/shop/uploads',
    'ClusterRole/widget-reader',
    'ClusterRoleBinding/widget-reader',
    'Role/shop/web',
    'RoleBinding/shop/web',
    'Service/shop/web',
    'Deployment/shop/web',
    'HorizontalPodAutoscaler/shop/web',
    'StatefulSet/shop/db',
    'Job/shop/db-migrate',
    'CronJob/shop/nightly-report',
    'Ingress/shop/web',
    'APIService/v1.acme.dev',
    // custom resources last, by group: acme.dev < serving.knative.dev
    'Widget/shop/blue',
    'Service/shop/hello',
  ],
  [
    'MutatingWebhookConfiguration/widgets.acme.dev',
    'ValidatingWebhookConfiguration/widgets.acme.dev',
  ],
];

describe('planApplyStages', () => {
  it.each<[string, readonly KubeObject[], string[][]]>([
    ['empty', [], []],
    ['a whole app: definitions, resources by kind, admission last', m.allManifests, FULL_ORDER],
    ['input order does not matter', [...m.allManifests].reverse(), FULL_ORDER],
    [
      'only resources: a single stage',
      [m.deployment, m.configMap],
      [['ConfigMap/shop/web-config', 'Deployment/shop/web']],
    ],
    [
      'same kind: by namespace, then name',
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'zoo' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' } },
      ],
      [['ConfigMap/shop/a', 'ConfigMap/shop/b', 'ConfigMap/zoo/a']],
    ],
    [
      'waves first, then the phase rules within each wave',
      [
        m.inWave(m.job, '5'),
        m.deployment,
        m.inWave(m.secret, '-1'),
        m.namespace,
        m.validatingWebhook,
        m.inWave(m.crd, '5'),
        m.inWave(m.widget, '5'),
      ],
      [
        ['Secret/shop/web-db'],
        ['Namespace/shop'],
        ['Deployment/shop/web'],
        ['ValidatingWebhookConfiguration/widgets.acme.dev'],
        ['CustomResourceDefinition/widgets.acme.dev'],
        ['Job/shop/db-migrate', 'Widget/shop/blue'],
      ],
    ],
  ])('%s', (_name, objects, expected) => {
    expect(names(planApplyStages(objects))).toEqual(expected);
  });

  it('reports the wave and phase of each stage', () => {
    const stages = planStages([m.inWave(m.job, '2'), m.namespace, m.mutatingWebhook, m.configMap]);
    expect(stages.map((s) => [s.wave, s.phase, s.objects.length])).toEqual([
      [0, 'definitions', 1],
      [0, 'resources', 1],
      [0, 'admission', 1],
      [2, 'resources', 1],
    ]);
  });

  it('does not modify its input', () => {
    const input = [...m.allManifests];
    const before = JSON.stringify(input);
    planApplyStages(input);
    planDeletionOrder(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('planDeletionOrder', () => {
  it('is the exact reverse of the apply order', () => {
    const expected = [...FULL_ORDER].reverse().map((s) => [...s].reverse());
    expect(names(planDeletionOrder(m.allManifests))).toEqual(expected);
  });

  it('deletes higher waves first', () => {
    const stages = planDeletionOrder([
      m.inWave(m.secret, '-1'),
      m.deployment,
      m.inWave(m.job, '3'),
    ]);
    expect(names(stages)).toEqual([
      ['Job/shop/db-migrate'],
      ['Deployment/shop/web'],
      ['Secret/shop/web-db'],
    ]);
  });
});

describe('syncWave', () => {
  it.each<[string, string | undefined, number]>([
    ['absent', undefined, 0],
    ['zero', '0', 0],
    ['negative', '-1', -1],
    ['explicit plus', '+3', 3],
    ['surrounding spaces', ' 10 ', 10],
    ['leading zeros', '007', 7],
    ['minus zero', '-0', 0],
  ])('%s', (_name, value, expected) => {
    const obj = value === undefined ? m.configMap : m.inWave(m.configMap, value);
    expect(syncWave(obj)).toBe(expected);
  });

  it.each<[string, string]>([
    ['a word', 'first'],
    ['a fraction', '1.5'],
    ['empty', ''],
    ['too large', '99999999999999999999'],
    ['hex', '0x10'],
  ])('rejects %s', (_name, value) => {
    try {
      syncWave(m.inWave(m.configMap, value));
      expect.unreachable('syncWave should throw');
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.ManifestInvalid)).toBe(true);
      expect((err as Error).message).toMatch(
        /^ConfigMap\/shop\/web-config: annotation gitfleet\.dev\/sync-wave/,
      );
    }
  });

  it('makes planApplyStages throw for an invalid wave', () => {
    expect(() => planApplyStages([m.deployment, m.inWave(m.secret, 'later')])).toThrow(
      /Secret\/shop\/web-db/,
    );
  });
});
