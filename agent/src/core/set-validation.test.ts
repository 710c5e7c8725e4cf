import { describe, expect, it } from 'vitest';
import type { ErrorDetail, KubeObject, ObjectRef } from '@gitfleet/proto/domain';
import {
  dryRunProblem,
  mayDryRun,
  missingNamespaceError,
  namespacesInSet,
  schemaProblemsError,
  unservedKindError,
  type SchemaProblem,
} from './set-validation.ts';

const dep: ObjectRef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
};
const cluster: ObjectRef = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  namespace: '',
  name: 'w',
};

describe('schemaProblemsError', () => {
  const p = (path: string, message: string): SchemaProblem => ({ path, message });
  it.each<[string, ObjectRef, SchemaProblem[], string]>([
    [
      'one problem',
      dep,
      [p('/spec/replicas', 'must be integer')],
      'Deployment/shop/web: /spec/replicas: must be integer',
    ],
    ['the root is "/"', cluster, [p('', 'must be object')], 'Widget/w: /: must be object'],
    [
      'at most five listed',
      dep,
      ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => p(`/${x}`, 'unknown field')),
      'Deployment/shop/web: /a: unknown field; /b: unknown field; /c: unknown field; /d: unknown field; /e: unknown field',
    ],
  ])('%s', (_name, ref, problems, message) => {
    expect(schemaProblemsError(ref, problems)).toEqual({ code: 'MANIFEST_INVALID', message });
  });
});

describe('object errors', () => {
  it.each<[string, ErrorDetail, string]>([
    [
      'a kind nothing serves or defines',
      unservedKindError(cluster, { group: 'example.com', version: 'v1', kind: 'Widget' }),
      'Widget/w: the cluster does not serve example.com/v1 Widget and no CustomResourceDefinition in this application defines it',
    ],
    [
      'a core kind',
      unservedKindError(cluster, { group: '', version: 'v2', kind: 'Widget' }),
      'Widget/w: the cluster does not serve v2 Widget and no CustomResourceDefinition in this application defines it',
    ],
    [
      'namespaced without a namespace',
      missingNamespaceError({ ...dep, namespace: '' }),
      "Deployment/web: Deployment is namespaced: set metadata.namespace, the Application's spec.destination.namespace or a namespace overlay for the target",
    ],
  ])('%s', (_name, error, message) => {
    expect(error).toEqual({ code: 'MANIFEST_INVALID', message });
  });
});

describe('dryRunProblem', () => {
  it.each<[string, ErrorDetail, ErrorDetail | undefined]>([
    [
      'invalid: the object is',
      { code: 'APPLY_FAILED', message: 'spec: bad' },
      { code: 'MANIFEST_INVALID', message: 'spec: bad' },
    ],
    ['unreachable: not the object', { code: 'AGENT_UNAVAILABLE', message: 'down' }, undefined],
    ['a timeout: not the object', { code: 'TIMEOUT', message: 'rbac' }, undefined],
    ['a conflict: not the object', { code: 'APPLY_CONFLICT', message: 'x' }, undefined],
  ])('%s', (_name, error, expected) => {
    expect(dryRunProblem(error)).toEqual(expected);
  });
});

describe('dry run scope', () => {
  it.each<[string, string, boolean, boolean]>([
    ['cluster-scoped', '', false, true],
    ['a namespace the set does not create', 'other', false, true],
    ['a namespace the set creates, not there yet', 'shop', false, false],
    ['a namespace the set creates, already there', 'shop', true, true],
  ])('%s', (_name, ns, exists, expected) => {
    expect(mayDryRun(ns, new Set(['shop']), exists)).toBe(expected);
  });

  it('namespacesInSet names the declared Namespaces', () => {
    const set: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ops' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } },
    ];
    expect([...namespacesInSet(set)]).toEqual(['shop', 'ops']);
  });
});
