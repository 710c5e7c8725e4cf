import { describe, expect, it } from 'vitest';
import type { GroupKind, KubeObject, ObjectScope } from '@gitfleet/proto/domain';
import { inventoryKey } from './inventory.ts';
import {
  clusterScopedIn,
  scopeDeniedEntries,
  scopeDeniedError,
  scopeDenials,
  scopeRefusals,
} from './scope-check.ts';

const PAYMENTS: ObjectScope = {
  name: 'payments',
  namespaces: ['payments', 'payments-*'],
  kinds: {
    allowClusterScoped: [{ group: '', kind: 'Namespace' }],
    deny: [{ group: '', kind: 'ResourceQuota' }],
  },
};

const o = (
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name = 'x',
): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});
const crd = (group: string, kind: string, scope: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.${group}` },
  spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, scope },
});

/** Discovery of a small cluster: undefined for a kind it does not serve. */
const SERVED: ReadonlyMap<string, boolean> = new Map([
  ['/ConfigMap', true],
  ['/Namespace', false],
  ['/ResourceQuota', true],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', false],
  ['example.com/Widget', true],
]);
const served = (gk: GroupKind): boolean | undefined => SERVED.get(`${gk.group}/${gk.kind}`);

describe('clusterScopedIn', () => {
  const set = [crd('acme.io', 'Tenant', 'Cluster'), crd('acme.io', 'Quota', 'Namespaced')];
  it.each<[string, GroupKind, boolean]>([
    ['a served namespaced kind', { group: '', kind: 'ConfigMap' }, false],
    [
      'a served cluster-scoped kind',
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      true,
    ],
    ['a kind a CRD of the set declares cluster-scoped', { group: 'acme.io', kind: 'Tenant' }, true],
    ['a kind a CRD of the set declares namespaced', { group: 'acme.io', kind: 'Quota' }, false],
    ['a kind nobody knows', { group: 'other.io', kind: 'Thing' }, false],
  ])('%s', (_, gk, expected) => {
    expect(clusterScopedIn(set, served)(gk)).toBe(expected);
  });

  it('discovery wins over a CRD of the set', () => {
    expect(
      clusterScopedIn(
        [crd('example.com', 'Widget', 'Cluster')],
        served,
      )({ group: 'example.com', kind: 'Widget' }),
    ).toBe(false);
  });
});

describe('scopeRefusals', () => {
  const judge = (scope: ObjectScope | undefined, set: KubeObject[]) =>
    scopeRefusals(scope, set, clusterScopedIn(set, served)).map(
      (r) =>
        `${r.object.kind}/${r.object.namespace}/${r.object.name} ${r.violations.map((v) => v.rule).join(',')}`,
    );

  it.each<[string, ObjectScope | undefined, KubeObject[], string[]]>([
    ['no scope: nothing is judged', undefined, [o('v1', 'ConfigMap', 'kube-system')], []],
    [
      'all inside',
      PAYMENTS,
      [
        o('v1', 'Namespace', undefined, 'payments'),
        o('v1', 'ConfigMap', 'payments'),
        o('v1', 'ConfigMap', 'payments-eu'),
      ],
      [],
    ],
    [
      'another namespace',
      PAYMENTS,
      [o('v1', 'ConfigMap', 'payments'), o('v1', 'ConfigMap', 'kube-system', 'cfg')],
      ['ConfigMap/kube-system/cfg namespaces'],
    ],
    [
      'a denied kind',
      PAYMENTS,
      [o('v1', 'ResourceQuota', 'payments', 'q')],
      ['ResourceQuota/payments/q kinds.deny'],
    ],
    [
      'a cluster-scoped kind (as the cluster serves it), even written with a namespace',
      PAYMENTS,
      [o('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'payments', 'admin')],
      ['ClusterRoleBinding/payments/admin kinds.allowClusterScoped'],
    ],
    [
      'a custom cluster-scoped kind its CRD in the set declares',
      PAYMENTS,
      [crd('acme.io', 'Tenant', 'Cluster'), o('acme.io/v1', 'Tenant', 'payments', 't')],
      [
        'CustomResourceDefinition//tenants.acme.io kinds.allowClusterScoped',
        'Tenant/payments/t kinds.allowClusterScoped',
      ],
    ],
    [
      'an object without a namespace',
      PAYMENTS,
      [o('v1', 'ConfigMap', undefined, 'cfg')],
      ['ConfigMap//cfg kinds.allowClusterScoped'],
    ],
  ])('%s', (_, scope, set, expected) => {
    expect(judge(scope, set)).toEqual(expected);
  });
});

describe('the outcome of a set outside its project', () => {
  const set = [o('v1', 'ConfigMap', 'payments', 'ok'), o('v1', 'ConfigMap', 'kube-system', 'cfg')];
  const refs = [
    { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'payments', name: 'ok' },
    { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'kube-system', name: 'cfg' },
  ];
  const denied = scopeDenials(scopeRefusals(PAYMENTS, set, () => false));

  it('names the object, the project and the rule', () => {
    const error = denied.get(inventoryKey(refs[1]!));
    expect(error?.code).toBe('SCOPE_VIOLATION');
    expect(error?.message).toContain('ConfigMap/kube-system/cfg');
    expect(error?.message).toContain('project "payments"');
    expect(error?.message).toContain('[rule namespaces]');
  });

  it('fails the refused object and skips every other one', () => {
    const entries = scopeDeniedEntries(refs, denied);
    expect([...entries.values()].map((e) => e.action)).toEqual(['skipped', 'failed']);
    expect(entries.get(inventoryKey(refs[0]!))).toMatchObject({ outOfSync: true });
  });

  it('is the app error SCOPE_VIOLATION saying nothing was applied', () => {
    const error = scopeDeniedError(PAYMENTS, denied, set.length);
    expect(error.code).toBe('SCOPE_VIOLATION');
    expect(error.message).toMatch(
      /^1 of 2 objects are outside project "payments" .*nothing was applied: ConfigMap\/kube-system\/cfg/,
    );
  });

  it('cuts a long error', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      o('v1', 'ConfigMap', 'elsewhere', `cfg-${i}`),
    );
    const all = scopeDenials(scopeRefusals(PAYMENTS, many, () => false));
    expect(scopeDeniedError(PAYMENTS, all, many.length).message.length).toBeLessThanOrEqual(4_000);
  });
});
