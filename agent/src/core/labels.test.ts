import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@gitfleet/proto/domain';
import { at } from './kube-object.ts';
import { LABEL_APP, LABEL_MANAGED_BY, ownerLabel, withOwnership } from './labels.ts';

describe('withOwnership', () => {
  it.each<[string, KubeObject, Record<string, string>]>([
    [
      'no metadata.labels',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'shop' } },
      { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': 'shop' },
    ],
    [
      'keeps other labels',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
      },
      {
        app: 'web',
        tier: 'front',
        'app.kubernetes.io/managed-by': 'gitfleet',
        'gitfleet.dev/app': 'shop',
      },
    ],
    [
      'overrides a wrong app and manager',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'web',
          labels: { 'gitfleet.dev/app': 'billing', 'app.kubernetes.io/managed-by': 'Helm' },
        },
      },
      { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': 'shop' },
    ],
    [
      'no metadata at all',
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { 'app.kubernetes.io/managed-by': 'gitfleet', 'gitfleet.dev/app': 'shop' },
    ],
  ])('%s', (_name, obj, labels) => {
    const before = JSON.stringify(obj);
    const out = withOwnership(obj, 'shop');
    expect(out['metadata']).toMatchObject({ labels });
    expect(at(out, 'metadata', 'labels')).toEqual(labels);
    expect(JSON.stringify(obj)).toBe(before);
  });

  it('keeps every other field', () => {
    const obj: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'shop', annotations: { a: 'b' } },
      data: { k: 'v' },
    };
    const out = withOwnership(obj, 'shop');
    expect(out['data']).toBe(obj['data']);
    expect(out['metadata']).toMatchObject({
      name: 'web',
      namespace: 'shop',
      annotations: { a: 'b' },
    });
  });
});

describe('ownerLabel', () => {
  it('is the app label with the app name', () => {
    expect(ownerLabel('shop')).toEqual({ key: LABEL_APP, value: 'shop' });
    expect(LABEL_MANAGED_BY).toBe('app.kubernetes.io/managed-by');
  });
});
