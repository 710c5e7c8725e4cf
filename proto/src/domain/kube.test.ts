import { describe, expect, it } from 'vitest';
import {
  compareIdentity,
  describeObject,
  formatApiVersion,
  formatPointer,
  identityKey,
  identityOf,
  jsonEqual,
  parseApiVersion,
  parsePointer,
  sameIdentity,
} from './kube.ts';
import type { JsonValue } from './messages.ts';

describe('parseApiVersion / formatApiVersion', () => {
  it.each([
    ['v1', '', 'v1'],
    ['apps/v1', 'apps', 'v1'],
    ['apiextensions.k8s.io/v1', 'apiextensions.k8s.io', 'v1'],
    ['a/b/c', 'a', 'b/c'],
    ['', '', ''],
  ])('%j → group %j, version %j (and back)', (apiVersion, group, version) => {
    expect(parseApiVersion(apiVersion)).toEqual({ group, version });
    expect(formatApiVersion({ group, version })).toBe(apiVersion);
  });
});

describe('identityOf / describeObject / identityKey', () => {
  it.each([
    [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } },
      { group: 'apps', kind: 'Deployment', namespace: 'prod', name: 'web' },
      'Deployment/prod/web',
      'apps/Deployment/prod/web',
    ],
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } },
      { group: '', kind: 'Namespace', namespace: '', name: 'prod' },
      'Namespace/prod',
      '/Namespace//prod',
    ],
    [{ kind: 7, metadata: [] }, { group: '', kind: '', namespace: '', name: '' }, '/', '///'],
  ] as const)('%j', (obj, identity, described, key) => {
    const id = identityOf(obj);
    expect(id).toEqual(identity);
    expect(describeObject(id)).toBe(described);
    expect(identityKey(id)).toBe(key);
    expect(sameIdentity(id, { ...identity })).toBe(true);
  });

  it('orders by group, kind, namespace, name in code units', () => {
    const ids = [
      { group: 'apps', kind: 'Deployment', namespace: 'b', name: 'x' },
      { group: '', kind: 'Service', namespace: 'a', name: 'x' },
      { group: 'apps', kind: 'Deployment', namespace: 'a', name: 'y' },
      { group: '', kind: 'ConfigMap', namespace: 'a', name: 'Z' },
    ];
    expect([...ids].sort(compareIdentity).map(describeObject)).toEqual([
      'ConfigMap/a/Z',
      'Service/a/x',
      'Deployment/a/y',
      'Deployment/b/x',
    ]);
  });
});

describe('JSON pointers', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/spec/replicas', ['spec', 'replicas']],
    ['/metadata/labels/app.kubernetes.io~1name', ['metadata', 'labels', 'app.kubernetes.io/name']],
    ['/a~0b', ['a~b']],
    ['/a~01', ['a~1']],
    ['/items/0', ['items', '0']],
  ])('%j ↔ %j', (pointer, tokens) => {
    expect(parsePointer(pointer)).toEqual(tokens);
    expect(formatPointer(tokens)).toBe(pointer);
  });

  it.each(['spec', '/a~2', '/a~', '~1'])('%j is not a pointer', (pointer) => {
    expect(parsePointer(pointer)).toBeUndefined();
  });

  it('formats array indexes', () => {
    expect(formatPointer(['spec', 'containers', 0, 'image'])).toBe('/spec/containers/0/image');
  });
});

describe('jsonEqual', () => {
  it.each<[JsonValue | undefined, JsonValue | undefined, boolean]>([
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, undefined, false],
    [undefined, undefined, true],
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{}, [], false],
    [{ a: { b: [{ c: 'x' }] } }, { a: { b: [{ c: 'x' }] } }, true],
    [{ a: undefined as unknown as JsonValue }, { b: 1 }, false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
    expect(jsonEqual(b, a)).toBe(equal);
  });
});
