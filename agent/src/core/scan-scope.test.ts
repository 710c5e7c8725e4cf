import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '@gitfleet/proto/domain';
import { scanNamespaces } from './scan-scope.ts';
import type { WatchScope } from './watch-scope.ts';

const ref = (group: string, kind: string, namespace: string, name: string): ObjectRef => ({
  group,
  version: 'v1',
  kind,
  namespace,
  name,
});

describe('scanNamespaces', () => {
  it.each<[string, ObjectRef[], string[]]>([
    ['nothing declared', [], []],
    ['a declared Namespace', [ref('', 'Namespace', '', 'shop')], ['shop']],
    ['the namespace of a namespaced object', [ref('apps', 'Deployment', 'web', 'api')], ['web']],
    [
      'cluster-scoped objects add none',
      [ref('rbac.authorization.k8s.io', 'ClusterRole', '', 'r')],
      [],
    ],
    [
      'a Namespace kind of another group is just cluster-scoped',
      [ref('example.com', 'Namespace', '', 'x')],
      [],
    ],
    [
      'each once',
      [
        ref('', 'Namespace', '', 'shop'),
        ref('', 'ConfigMap', 'shop', 'a'),
        ref('', 'ConfigMap', 'ops', 'b'),
      ],
      ['shop', 'ops'],
    ],
  ])('%s', (_name, refs, expected) => {
    expect([...scanNamespaces(refs)]).toEqual(expected);
  });

  it('only the namespaces of the watch scope', () => {
    const scope: WatchScope = { kind: 'namespaces', namespaces: ['shop'] };
    const refs = [
      ref('', 'Namespace', '', 'shop'),
      ref('', 'Namespace', '', 'other'),
      ref('', 'ConfigMap', 'shop', 'a'),
      ref('', 'ConfigMap', 'ops', 'b'),
    ];
    expect([...scanNamespaces(refs, scope)]).toEqual(['shop']);
    expect([...scanNamespaces(refs, { kind: 'cluster', reason: '' })]).toEqual([
      'shop',
      'other',
      'ops',
    ]);
  });
});
