import { describe, expect, it } from 'vitest';
import type { ObjectIdentity } from './kube.ts';
import {
  UNRESTRICTED_SCOPE,
  ambiguousURL,
  matchesGlob,
  scopeViolations,
  sourceAllowed,
  targetAllowed,
} from './project-scope.ts';
import type { GroupKind, ProjectScope, ScopeInput, ScopeRule } from './project-scope.ts';

/** A payments team's project, as a platform team would write it. */
const PAYMENTS: ProjectScope = {
  name: 'payments',
  sourceRepos: ['https://git.example.com/payments/*', 'git@git.example.com:payments/*.git'],
  namespaces: ['payments', 'payments-*'],
  kinds: {
    deny: [
      { group: '', kind: 'ResourceQuota' },
      { group: 'networking.k8s.io', kind: '*' },
    ],
  },
  targets: { names: ['edge-lab'], selector: { matchLabels: { tenant: 'payments' } } },
};

const obj = (group: string, kind: string, namespace: string, name: string): ObjectIdentity => ({
  group,
  kind,
  namespace,
  name,
});
const BUILT_IN_CLUSTER = new Set(['/Namespace', 'rbac.authorization.k8s.io/ClusterRole']);
const clusterScoped = (gk: GroupKind): boolean => BUILT_IN_CLUSTER.has(`${gk.group}/${gk.kind}`);

describe('matchesGlob', () => {
  it.each<[string, string, boolean]>([
    ['payments', 'payments', true],
    ['payments', 'payments-x', false],
    ['payments-*', 'payments-api', true],
    ['payments-*', 'payments-', true],
    ['payments-*', 'payment', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['*', 'a/b', false],
    ['**', 'a/b/c', true],
    ['***', 'a/b', true],
    ['https://git.example.com/payments/*', 'https://git.example.com/payments/api.git', true],
    ['https://git.example.com/payments/*', 'https://git.example.com/payments/sub/api.git', false],
    ['https://git.example.com/payments/**', 'https://git.example.com/payments/sub/api.git', true],
    ['https://git.example.com/payments/*', 'https://git.example.com/paymentsx/api.git', false],
    ['https://*.example.com/team/x.git', 'https://evil.test/.example.com/team/x.git', false],
    ['https://*.example.com/team/x.git', 'https://git.example.com/team/x.git', true],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(2000), false],
    ['Deployment', 'deployment', false],
    ['', '', true],
    ['', 'x', false],
  ])('%j ~ %j → %j', (pattern, text, expected) => {
    expect(matchesGlob(pattern, text)).toBe(expected);
  });
});

describe('ambiguousURL', () => {
  it.each<[string, boolean]>([
    ['https://git.example.com/payments/api.git', false],
    ['https://git.example.com/payments/../platform/infra.git', true],
    ['https://git.example.com/payments/%2E%2e/platform/infra.git', true],
    ['https://git.example.com/payments/./api.git', true],
    ['https://git.example.com/payments/..', true],
    ['https://git.example.com/payments%2fplatform/infra.git', true],
    ['git@git.example.com:../platform/infra.git', true],
    ['https://git.example.com/payments/api..v2.git', false],
    ['https://git.example.com/payments/.github.git', false],
  ])('%j → %j', (url, expected) => {
    expect(ambiguousURL(url)).toBe(expected);
  });
});

describe('sourceAllowed', () => {
  it.each<[string, string, boolean]>([
    ['a repository under payments/', 'https://git.example.com/payments/api.git', true],
    ['scp-like form', 'git@git.example.com:payments/api.git', true],
    ['another team', 'https://git.example.com/platform/infra.git', false],
    ['a subgroup (one * stops at /)', 'https://git.example.com/payments/x/y.git', false],
    ['another host', 'https://github.com/payments/api.git', false],
    ['dot segments back out', 'https://git.example.com/payments/../platform/infra.git', false],
  ])('%s', (_name, url, expected) => {
    expect(sourceAllowed(PAYMENTS, url)).toBe(expected);
  });

  it('takes an ambiguous URL only with **', () => {
    const url = 'https://git.example.com/payments/../platform/infra.git';
    expect(sourceAllowed({ ...PAYMENTS, sourceRepos: ['**'] }, url)).toBe(true);
    expect(sourceAllowed({ ...PAYMENTS, sourceRepos: ['https://**'] }, url)).toBe(false);
  });
});

describe('targetAllowed', () => {
  it.each<[string, ProjectScope['targets'], string, Record<string, string>, boolean]>([
    ['by name', PAYMENTS.targets, 'edge-lab', {}, true],
    ['by labels', PAYMENTS.targets, 'prod-eu-1', { tenant: 'payments' }, true],
    ['neither', PAYMENTS.targets, 'prod-eu-1', { tenant: 'search' }, false],
    ['names only', { names: ['a'] }, 'b', { tenant: 'payments' }, false],
    ['empty selector: every target', { selector: {} }, 'x', {}, true],
    ['no rule: no target', {}, 'x', {}, false],
  ])('%s', (_name, targets, name, labels, expected) => {
    expect(targetAllowed({ ...PAYMENTS, targets }, { name, labels })).toBe(expected);
  });
});

describe('scopeViolations', () => {
  type Row = [name: string, scope: ProjectScope, input: ScopeInput, rules: [ScopeRule, string][]];
  const inside: ScopeInput = {
    source: { repoURL: 'https://git.example.com/payments/api.git' },
    target: { name: 'prod-eu-1', labels: { tenant: 'payments' } },
    objects: [
      obj('apps', 'Deployment', 'payments', 'api'),
      obj('', 'ConfigMap', 'payments-batch', 'settings'),
    ],
    clusterScoped,
  };
  it.each<Row>([
    ['everything inside', PAYMENTS, inside, []],
    ['the fleet repository (no repoURL) is always a source', PAYMENTS, { source: {} }, []],
    [
      'a source outside',
      PAYMENTS,
      { ...inside, source: { repoURL: 'https://git.example.com/platform/infra.git' } },
      [['sourceRepos', '']],
    ],
    [
      'a target outside',
      PAYMENTS,
      { ...inside, target: { name: 'prod-us-1', labels: { tenant: 'search' } } },
      [['targets', '']],
    ],
    [
      'a namespace outside',
      PAYMENTS,
      { objects: [obj('apps', 'Deployment', 'kube-system', 'api')], clusterScoped },
      [['namespaces', 'Deployment/kube-system/api']],
    ],
    [
      'a denied kind (deny by group glob)',
      PAYMENTS,
      { objects: [obj('networking.k8s.io', 'NetworkPolicy', 'payments', 'open')] },
      [['kinds.deny', 'NetworkPolicy/payments/open']],
    ],
    [
      'a denied kind in a forbidden namespace: both rules',
      PAYMENTS,
      { objects: [obj('', 'ResourceQuota', 'default', 'q')] },
      [
        ['kinds.deny', 'ResourceQuota/default/q'],
        ['namespaces', 'ResourceQuota/default/q'],
      ],
    ],
    [
      'a cluster-scoped kind without kinds.allowClusterScoped',
      PAYMENTS,
      { objects: [obj('rbac.authorization.k8s.io', 'ClusterRole', '', 'admin')], clusterScoped },
      [['kinds.allowClusterScoped', 'ClusterRole/admin']],
    ],
    [
      'a known cluster-scoped kind written with a namespace is still cluster-scoped',
      PAYMENTS,
      {
        objects: [obj('rbac.authorization.k8s.io', 'ClusterRole', 'payments', 'admin')],
        clusterScoped,
      },
      [['kinds.allowClusterScoped', 'ClusterRole/payments/admin']],
    ],
    [
      'an object without a namespace is cluster-scoped (an unknown custom kind)',
      PAYMENTS,
      { objects: [obj('cert-manager.io', 'ClusterIssuer', '', 'letsencrypt')] },
      [['kinds.allowClusterScoped', 'ClusterIssuer/letsencrypt']],
    ],
    [
      'a cluster-scoped kind named by kinds.allowClusterScoped',
      { ...PAYMENTS, kinds: { allowClusterScoped: [{ group: '', kind: 'Namespace' }], deny: [] } },
      { objects: [obj('', 'Namespace', '', 'payments-batch')], clusterScoped },
      [],
    ],
    [
      'a wildcard of kinds.allow never opens a cluster-scoped kind',
      { ...PAYMENTS, kinds: { allow: [{ group: '*', kind: '*' }], deny: [] } },
      {
        objects: [
          obj('', 'Namespace', '', 'payments-batch'),
          obj('', 'ConfigMap', 'payments', 'c'),
        ],
        clusterScoped,
      },
      [['kinds.allowClusterScoped', 'Namespace/payments-batch']],
    ],
    [
      'kinds.allowClusterScoped does not open namespaced kinds kinds.allow leaves out',
      {
        ...PAYMENTS,
        kinds: {
          allow: [{ group: 'apps', kind: '*' }],
          allowClusterScoped: [{ group: '*', kind: '*' }],
          deny: [],
        },
      },
      {
        objects: [obj('', 'ConfigMap', 'payments', 'c'), obj('', 'Namespace', '', 'payments')],
        clusterScoped,
      },
      [['kinds.allow', 'ConfigMap/payments/c']],
    ],
    [
      'with kinds.allow, a namespaced kind it does not name',
      { ...PAYMENTS, kinds: { allow: [{ group: 'apps', kind: '*' }], deny: [] } },
      inside,
      [['kinds.allow', 'ConfigMap/payments-batch/settings']],
    ],
    [
      'deny wins over allow',
      {
        ...PAYMENTS,
        kinds: {
          allowClusterScoped: [{ group: '*', kind: '*' }],
          deny: [{ group: 'apps', kind: 'Deployment' }],
        },
      },
      inside,
      [['kinds.deny', 'Deployment/payments/api']],
    ],
    [
      'no namespaces: no namespaced object',
      { ...PAYMENTS, namespaces: [] },
      { objects: [obj('', 'ConfigMap', 'payments', 'c')] },
      [['namespaces', 'ConfigMap/payments/c']],
    ],
    [
      'the unrestricted default project allows everything',
      UNRESTRICTED_SCOPE,
      {
        source: { repoURL: 'https://git.example.com/payments/../platform/infra.git' },
        target: { name: 'anything', labels: {} },
        objects: [
          obj('rbac.authorization.k8s.io', 'ClusterRole', '', 'admin'),
          obj('', 'ConfigMap', 'kube-system', 'x'),
        ],
        clusterScoped,
      },
      [],
    ],
  ])('%s', (_name, scope, input, expected) => {
    const found = scopeViolations(scope, input).map((v): [ScopeRule, string] => [
      v.rule,
      v.object === undefined
        ? ''
        : v.object.namespace === ''
          ? `${v.object.kind}/${v.object.name}`
          : `${v.object.kind}/${v.object.namespace}/${v.object.name}`,
    ]);
    expect(found).toEqual(expected);
  });

  it('says what is outside and what the project allows', () => {
    const [source, target, namespace, cluster] = scopeViolations(PAYMENTS, {
      source: { repoURL: 'https://git.example.com/platform/infra.git' },
      target: { name: 'prod-us-1', labels: {} },
      objects: [
        obj('apps', 'Deployment', 'kube-system', 'api'),
        obj('rbac.authorization.k8s.io', 'ClusterRole', '', 'admin'),
      ],
      clusterScoped,
    });
    expect(source?.message).toBe(
      'source https://git.example.com/platform/infra.git is not allowed by project "payments" (sourceRepos: https://git.example.com/payments/*, git@git.example.com:payments/*.git)',
    );
    expect(target?.message).toBe(
      'target "prod-us-1" is outside project "payments" (targets: names edge-lab; selector tenant=payments)',
    );
    expect(namespace?.message).toBe(
      'Deployment/kube-system/api (apps/Deployment): namespace "kube-system" is not allowed by project "payments" (namespaces: payments, payments-*)',
    );
    expect(cluster?.message).toMatch(
      /^ClusterRole\/admin \(rbac\.authorization\.k8s\.io\/ClusterRole\): cluster-scoped kind .* denied unless kinds\.allowClusterScoped names them/,
    );
  });
});
