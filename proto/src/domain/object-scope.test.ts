/**
 * The decision of one object against the object rules of a project, as an Assignment carries
 * them to the agent (`ObjectScope`), and their normal form.
 */
import { describe, expect, it } from 'vitest';
import type { ObjectIdentity } from './kube.ts';
import {
  ScopeRule,
  isGroupGlob,
  isKindGlob,
  isNamespaceGlob,
  objectScopeOf,
  objectViolations,
  scopeViolations,
} from './project-scope.ts';
import type { ObjectScope, ProjectScope } from './project-scope.ts';

const PAYMENTS: ObjectScope = {
  name: 'payments',
  namespaces: ['payments', 'payments-*'],
  kinds: {
    allow: [
      { group: 'apps', kind: '*' },
      { group: '', kind: 'ConfigMap' },
      { group: '', kind: 'Service' },
    ],
    allowClusterScoped: [{ group: '', kind: 'Namespace' }],
    deny: [{ group: '', kind: 'ResourceQuota' }],
  },
};
/** Only the namespaces bound: every namespaced kind, no cluster-scoped one. */
const NAMESPACES_ONLY: ObjectScope = {
  name: 'team',
  namespaces: ['team-*'],
  kinds: { deny: [] },
};

const obj = (group: string, kind: string, namespace: string, name = 'x'): ObjectIdentity => ({
  group,
  kind,
  namespace,
  name,
});

describe('objectViolations of an ObjectScope', () => {
  it.each<[string, ObjectScope, ObjectIdentity, boolean, ScopeRule[]]>([
    ['a Deployment in the namespace', PAYMENTS, obj('apps', 'Deployment', 'payments'), false, []],
    [
      'a ConfigMap in a matching namespace',
      PAYMENTS,
      obj('', 'ConfigMap', 'payments-eu'),
      false,
      [],
    ],
    ['the allowed Namespace', PAYMENTS, obj('', 'Namespace', ''), true, []],
    [
      'a ConfigMap in another namespace',
      PAYMENTS,
      obj('', 'ConfigMap', 'kube-system'),
      false,
      [ScopeRule.Namespaces],
    ],
    ['a denied kind', PAYMENTS, obj('', 'ResourceQuota', 'payments'), false, [ScopeRule.KindsDeny]],
    [
      'a kind not in allow, outside the namespaces',
      PAYMENTS,
      obj('', 'Secret', 'other'),
      false,
      [ScopeRule.KindsAllow, ScopeRule.Namespaces],
    ],
    [
      'a cluster-scoped kind not allowed there',
      PAYMENTS,
      obj('rbac.authorization.k8s.io', 'ClusterRoleBinding', ''),
      true,
      [ScopeRule.KindsAllowClusterScoped],
    ],
    [
      'a cluster-scoped kind written with a namespace (judged as cluster-scoped)',
      PAYMENTS,
      obj('rbac.authorization.k8s.io', 'ClusterRoleBinding', 'payments'),
      true,
      [ScopeRule.KindsAllowClusterScoped],
    ],
    [
      'an object without a namespace of a namespaced kind',
      PAYMENTS,
      obj('apps', 'Deployment', ''),
      false,
      [ScopeRule.KindsAllowClusterScoped],
    ],
    ['any namespaced kind (no allow list)', NAMESPACES_ONLY, obj('x.io', 'Y', 'team-a'), false, []],
    [
      'no cluster-scoped kind without allowClusterScoped',
      NAMESPACES_ONLY,
      obj('', 'Namespace', ''),
      true,
      [ScopeRule.KindsAllowClusterScoped],
    ],
  ])('%s', (_, scope, object, clusterScoped, rules) => {
    const violations = objectViolations(scope, object, clusterScoped);
    expect(violations.map((v) => v.rule)).toEqual(rules);
    for (const v of violations) {
      expect(v.object).toEqual(object);
      expect(v.message).toContain(`project "${scope.name}"`);
    }
  });

  it('decides as scopeViolations does for the project it came from', () => {
    const project: ProjectScope = {
      ...PAYMENTS,
      sourceRepos: ['**'],
      targets: { selector: {} },
    };
    const objects = [
      obj('', 'ConfigMap', 'kube-system'),
      obj('', 'ResourceQuota', 'payments'),
      obj('apps', 'Deployment', 'payments'),
    ];
    const scope = objectScopeOf(project);
    expect(objects.flatMap((o) => objectViolations(scope, o, false))).toEqual(
      scopeViolations(project, { objects }),
    );
  });
});

describe('objectScopeOf', () => {
  it('keeps only the object rules, with allowClusterScoped always present', () => {
    const project: ProjectScope = {
      ...NAMESPACES_ONLY,
      sourceRepos: ['**'],
      targets: { names: ['c1'] },
    };
    expect(objectScopeOf(project)).toEqual({
      name: 'team',
      namespaces: ['team-*'],
      kinds: { allowClusterScoped: [], deny: [] },
    });
  });

  it('is the same for equal scopes, whatever extra fields they carry', () => {
    const withExtras = {
      ...PAYMENTS,
      kinds: {
        ...PAYMENTS.kinds,
        deny: [{ group: '', kind: 'ResourceQuota', note: 'x' } as { group: string; kind: string }],
      },
      declaredAt: { file: 'p.yaml' },
    };
    expect(objectScopeOf(withExtras)).toEqual(objectScopeOf(PAYMENTS));
    expect(objectScopeOf(objectScopeOf(PAYMENTS))).toEqual(objectScopeOf(PAYMENTS));
  });
});

describe('pattern forms', () => {
  it.each<[(p: string) => boolean, string, boolean]>([
    [isNamespaceGlob, 'payments-*', true],
    [isNamespaceGlob, '*', true],
    [isNamespaceGlob, '', false],
    [isNamespaceGlob, 'Payments', false],
    [isNamespaceGlob, 'a/b', false],
    [isGroupGlob, '', true],
    [isGroupGlob, 'rbac.authorization.k8s.io', true],
    [isGroupGlob, '*.example.com', true],
    [isGroupGlob, 'Apps', false],
    [isKindGlob, 'Deployment', true],
    [isKindGlob, '*', true],
    [isKindGlob, '', false],
    [isKindGlob, 'Deploy ment', false],
  ])('%o(%j) → %j', (check, pattern, expected) => {
    expect(check(pattern)).toBe(expected);
  });
});
