import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue, KubeObject } from '@gitfleet/proto/domain';
import {
  checkLocalPolicy,
  defaultLocalPolicy,
  globMatch,
  PolicyRule,
  type LocalPolicy,
  type PolicyAllowances,
  type PolicyDenials,
} from './local-policy.ts';
import { privilegedFields } from './local-policy-pods.ts';

const AGENT_NS = 'gitfleet-system';
const DEFAULT = defaultLocalPolicy(AGENT_NS);

function policy(
  deny: Partial<PolicyDenials> = {},
  allow: Partial<PolicyAllowances> = {},
): LocalPolicy {
  return {
    agent: DEFAULT.agent,
    deny: { ...DEFAULT.deny, ...deny },
    allow: { ...DEFAULT.allow, ...allow },
  };
}

const cm = (ns: string, name = 'cfg'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
});
const nsObj = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});
const sa = (ns: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: ns },
});
const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (
  kind: 'Role' | 'ClusterRole',
  name: string,
  rules: JsonValue[] = [],
  ns = 'apps',
): KubeObject => ({
  apiVersion: RBAC,
  kind,
  metadata: kind === 'Role' ? { name, namespace: ns } : { name },
  rules,
});
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: JsonValue[] = [{ kind: 'ServiceAccount', name: 'app', namespace: 'apps' }],
  ns = 'apps',
): KubeObject => ({
  apiVersion: RBAC,
  kind,
  metadata: kind === 'RoleBinding' ? { name, namespace: ns } : { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});

/** A pod spec with one container, `extra` merged into the spec, `sc` its securityContext. */
const podSpec = (extra: JsonObject = {}, sc?: JsonObject): JsonObject => ({
  containers: [
    sc === undefined ? { name: 'c', image: 'i' } : { name: 'c', image: 'i', securityContext: sc },
  ],
  ...extra,
});
const workload = (apiVersion: string, kind: string, spec: JsonValue, ns = 'apps'): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'w', namespace: ns },
  spec,
});
const deployment = (spec: JsonValue, ns = 'apps'): KubeObject =>
  workload('apps/v1', 'Deployment', { template: { spec } }, ns);

/** `object rule field` of every violation. */
function verdicts(p: LocalPolicy, set: KubeObject[]): string[] {
  return checkLocalPolicy(p, set).map((v) => `${v.object} ${v.rule} ${v.field}`);
}

describe('globMatch', () => {
  it.each<[string, string, boolean]>([
    ['kube-system', 'kube-system', true],
    ['kube-system', 'kube-systems', false],
    ['kube-*', 'kube-public', true],
    ['kube-*', 'kube-', true],
    ['*', '', true],
    ['*-prod', 'shop-prod', true],
    ['*-prod', 'shop-prod-2', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*/*', 'apps/Deployment', true],
    ['core/*', 'apps/Secret', false],
    ['team-?', 'team-a', false],
  ])('%s ~ %s → %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });
});

describe('the default policy', () => {
  it.each<[string, KubeObject[], string[]]>([
    ['an ordinary app', [nsObj('shop'), cm('shop'), deployment(podSpec(), 'shop')], []],
    [
      'a ConfigMap in kube-system',
      [cm('kube-system')],
      ['ConfigMap/kube-system/cfg namespace /metadata/namespace'],
    ],
    [
      'in kube-public',
      [cm('kube-public')],
      ['ConfigMap/kube-public/cfg namespace /metadata/namespace'],
    ],
    [
      'in kube-node-lease',
      [cm('kube-node-lease')],
      ['ConfigMap/kube-node-lease/cfg namespace /metadata/namespace'],
    ],
    [
      'the Namespace kube-system itself',
      [nsObj('kube-system')],
      ['Namespace/kube-system namespace /metadata/name'],
    ],
    ['a namespace that only starts like one', [cm('kube-systems')], []],
    [
      "anything in the agent's own namespace",
      [cm(AGENT_NS)],
      ['ConfigMap/gitfleet-system/cfg agent-namespace /metadata/namespace'],
    ],
    [
      "the agent's own Namespace",
      [nsObj(AGENT_NS)],
      ['Namespace/gitfleet-system agent-namespace /metadata/name'],
    ],
    [
      "the agent's ServiceAccount",
      [sa(AGENT_NS, 'gitfleet-agent')],
      [
        'ServiceAccount/gitfleet-system/gitfleet-agent agent-namespace /metadata/namespace',
        'ServiceAccount/gitfleet-system/gitfleet-agent agent-rbac ',
      ],
    ],
    ['a ServiceAccount of the same name elsewhere', [sa('apps', 'gitfleet-agent')], []],
    [
      "the agent's ClusterRole",
      [role('ClusterRole', 'gitfleet-agent')],
      ['ClusterRole/gitfleet-agent agent-rbac /metadata/name'],
    ],
    [
      "the agent's -cluster and -watch ClusterRoles",
      [role('ClusterRole', 'gitfleet-agent-cluster'), role('ClusterRole', 'gitfleet-agent-watch')],
      [
        'ClusterRole/gitfleet-agent-cluster agent-rbac /metadata/name',
        'ClusterRole/gitfleet-agent-watch agent-rbac /metadata/name',
      ],
    ],
    [
      "the agent's Role in a managed namespace (helm managedNamespaces)",
      [role('Role', 'gitfleet-agent')],
      ['Role/apps/gitfleet-agent agent-rbac /metadata/name'],
    ],
    ['another ClusterRole, even empty', [role('ClusterRole', 'gitfleet-test-ungranted')], []],
    [
      "a binding of the agent's ServiceAccount",
      [
        binding('ClusterRoleBinding', 'more', { kind: 'ClusterRole', name: 'view' }, [
          { kind: 'ServiceAccount', name: 'app', namespace: 'apps' },
          { kind: 'ServiceAccount', name: 'gitfleet-agent', namespace: AGENT_NS },
        ]),
      ],
      ['ClusterRoleBinding/more agent-rbac /subjects/1'],
    ],
    [
      'a binding naming the agent as a User or its namespace as a Group',
      [
        binding('RoleBinding', 'more', { kind: 'ClusterRole', name: 'view' }, [
          { kind: 'User', name: 'system:serviceaccount:gitfleet-system:gitfleet-agent' },
          { kind: 'Group', name: 'system:serviceaccounts:gitfleet-system' },
          { kind: 'Group', name: 'system:serviceaccounts:apps' },
        ]),
      ],
      [
        'RoleBinding/apps/more agent-rbac /subjects/0',
        'RoleBinding/apps/more agent-rbac /subjects/1',
      ],
    ],
    [
      "a RoleBinding in the agent's namespace whose ServiceAccount subject omits the namespace",
      [
        binding(
          'RoleBinding',
          'x',
          { kind: 'Role', name: 'r' },
          [{ kind: 'ServiceAccount', name: 'gitfleet-agent' }],
          AGENT_NS,
        ),
      ],
      [
        'RoleBinding/gitfleet-system/x agent-namespace /metadata/namespace',
        'RoleBinding/gitfleet-system/x agent-rbac /subjects/0',
      ],
    ],
    [
      "a binding of the agent's role to someone else, and a binding with the agent's name",
      [
        binding('ClusterRoleBinding', 'steal', { kind: 'ClusterRole', name: 'gitfleet-agent' }),
        binding('ClusterRoleBinding', 'gitfleet-agent', { kind: 'ClusterRole', name: 'view' }),
      ],
      [
        'ClusterRoleBinding/steal agent-rbac /roleRef/name',
        'ClusterRoleBinding/gitfleet-agent agent-rbac /metadata/name',
      ],
    ],
    [
      'a ClusterRoleBinding to cluster-admin',
      [binding('ClusterRoleBinding', 'admins', { kind: 'ClusterRole', name: 'cluster-admin' })],
      ['ClusterRoleBinding/admins admin-binding /roleRef/name'],
    ],
    [
      'a RoleBinding to cluster-admin',
      [binding('RoleBinding', 'admins', { kind: 'ClusterRole', name: 'cluster-admin' })],
      ['RoleBinding/apps/admins admin-binding /roleRef/name'],
    ],
    [
      'a binding of a ClusterRole of the set with * verbs on * resources',
      [
        role('ClusterRole', 'god', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
        binding('ClusterRoleBinding', 'gods', { kind: 'ClusterRole', name: 'god' }),
      ],
      ['ClusterRoleBinding/gods admin-binding /roleRef/name'],
    ],
    [
      'a RoleBinding of a Role of the set with * on * (same namespace only)',
      [
        role('Role', 'all', [{ apiGroups: [''], resources: ['*'], verbs: ['*'] }], 'apps'),
        binding('RoleBinding', 'a', { kind: 'Role', name: 'all' }, undefined, 'apps'),
        binding('RoleBinding', 'b', { kind: 'Role', name: 'all' }, undefined, 'other'),
      ],
      ['RoleBinding/apps/a admin-binding /roleRef/name'],
    ],
    [
      'a binding of a narrower role, or of a role not in the set',
      [
        role('ClusterRole', 'reader', [{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }]),
        binding('ClusterRoleBinding', 'r', { kind: 'ClusterRole', name: 'reader' }),
        binding('ClusterRoleBinding', 'e', { kind: 'ClusterRole', name: 'edit' }),
        binding('RoleBinding', 'admin', { kind: 'ClusterRole', name: 'admin' }),
      ],
      [],
    ],
    [
      'a privileged DaemonSet in kube-system: every violation',
      [
        workload(
          'apps/v1',
          'DaemonSet',
          { template: { spec: podSpec({ hostNetwork: true }, { privileged: true }) } },
          'kube-system',
        ),
      ],
      [
        'DaemonSet/kube-system/w namespace /metadata/namespace',
        'DaemonSet/kube-system/w privileged-pod /spec/template/spec/hostNetwork',
        'DaemonSet/kube-system/w privileged-pod /spec/template/spec/containers/0/securityContext/privileged',
      ],
    ],
  ])('%s', (_name, set, expected) => {
    expect(verdicts(DEFAULT, set)).toEqual(expected);
  });

  it('names the object, the rule, the field and what to change', () => {
    const [v] = checkLocalPolicy(DEFAULT, [
      cm('x'),
      binding('ClusterRoleBinding', 'admins', { kind: 'ClusterRole', name: 'cluster-admin' }),
    ]);
    expect(v).toEqual({
      index: 1,
      object: 'ClusterRoleBinding/admins',
      rule: PolicyRule.AdminBinding,
      field: '/roleRef/name',
      fix: 'binds the ClusterRole cluster-admin, which grants every verb on every resource: bind a narrower role, or allow this binding in the agent\'s policy file (allow.adminBindings "admins")',
    });
    expect(checkLocalPolicy(DEFAULT, [cm('kube-system')])[0]?.fix).toBe(
      'the namespace kube-system is denied by the agent\'s policy (deny.namespaces "kube-system"): use another namespace, or allow it in the agent\'s policy file (allow.namespaces)',
    );
  });
});

describe('privileged pod specs', () => {
  it.each<[string, KubeObject, string[]]>([
    ['an ordinary pod', workload('v1', 'Pod', podSpec()), []],
    ['hostNetwork', workload('v1', 'Pod', podSpec({ hostNetwork: true })), ['/spec/hostNetwork']],
    ['hostPID', workload('v1', 'Pod', podSpec({ hostPID: true })), ['/spec/hostPID']],
    ['hostIPC', workload('v1', 'Pod', podSpec({ hostIPC: true })), ['/spec/hostIPC']],
    [
      'host namespaces set false',
      workload('v1', 'Pod', podSpec({ hostNetwork: false, hostPID: false })),
      [],
    ],
    [
      'a hostPath volume',
      workload(
        'v1',
        'Pod',
        podSpec({
          volumes: [
            { name: 'a', emptyDir: {} },
            { name: 'b', hostPath: { path: '/' } },
          ],
        }),
      ),
      ['/spec/volumes/1/hostPath'],
    ],
    [
      'privileged: true',
      workload('v1', 'Pod', podSpec({}, { privileged: true })),
      ['/spec/containers/0/securityContext/privileged'],
    ],
    ['privileged: false', workload('v1', 'Pod', podSpec({}, { privileged: false })), []],
    [
      'allowPrivilegeEscalation: true',
      workload('v1', 'Pod', podSpec({}, { allowPrivilegeEscalation: true })),
      ['/spec/containers/0/securityContext/allowPrivilegeEscalation'],
    ],
    [
      'capabilities beyond baseline (SYS_ADMIN, NET_ADMIN, ALL, CAP_ prefix, lower case)',
      workload(
        'v1',
        'Pod',
        podSpec(
          {},
          {
            capabilities: {
              add: [
                'NET_BIND_SERVICE',
                'SYS_ADMIN',
                'NET_ADMIN',
                'ALL',
                'CAP_SYS_PTRACE',
                'chown',
                'sys_module',
              ],
            },
          },
        ),
      ),
      [1, 2, 3, 4, 6].map((i) => `/spec/containers/0/securityContext/capabilities/add/${i}`),
    ],
    [
      'only baseline capabilities, and dropped ones',
      workload(
        'v1',
        'Pod',
        podSpec({}, { capabilities: { add: ['CHOWN', 'KILL'], drop: ['ALL'] } }),
      ),
      [],
    ],
    [
      'init and ephemeral containers',
      workload('v1', 'Pod', {
        containers: [{ name: 'c', image: 'i' }],
        initContainers: [{ name: 'i', image: 'i', securityContext: { privileged: true } }],
        ephemeralContainers: [
          { name: 'e', image: 'i', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } },
        ],
      }),
      [
        '/spec/initContainers/0/securityContext/privileged',
        '/spec/ephemeralContainers/0/securityContext/capabilities/add/0',
      ],
    ],
    [
      'a Windows host process (pod and container)',
      workload(
        'v1',
        'Pod',
        podSpec(
          { securityContext: { windowsOptions: { hostProcess: true } } },
          { windowsOptions: { hostProcess: true } },
        ),
      ),
      [
        '/spec/securityContext/windowsOptions/hostProcess',
        '/spec/containers/0/securityContext/windowsOptions/hostProcess',
      ],
    ],
    ['Deployment', deployment(podSpec({ hostPID: true })), ['/spec/template/spec/hostPID']],
    [
      'StatefulSet',
      workload('apps/v1', 'StatefulSet', { template: { spec: podSpec({ hostPID: true }) } }),
      ['/spec/template/spec/hostPID'],
    ],
    [
      'DaemonSet',
      workload('apps/v1', 'DaemonSet', { template: { spec: podSpec({ hostPID: true }) } }),
      ['/spec/template/spec/hostPID'],
    ],
    [
      'ReplicaSet',
      workload('apps/v1', 'ReplicaSet', { template: { spec: podSpec({ hostPID: true }) } }),
      ['/spec/template/spec/hostPID'],
    ],
    [
      'ReplicationController',
      workload('v1', 'ReplicationController', { template: { spec: podSpec({ hostPID: true }) } }),
      ['/spec/template/spec/hostPID'],
    ],
    [
      'Job',
      workload('batch/v1', 'Job', { template: { spec: podSpec({ hostPID: true }) } }),
      ['/spec/template/spec/hostPID'],
    ],
    [
      'CronJob',
      workload('batch/v1', 'CronJob', {
        jobTemplate: { spec: { template: { spec: podSpec({ hostPID: true }) } } },
      }),
      ['/spec/jobTemplate/spec/template/spec/hostPID'],
    ],
    [
      'PodTemplate',
      {
        apiVersion: 'v1',
        kind: 'PodTemplate',
        metadata: { name: 't', namespace: 'apps' },
        template: { spec: podSpec({ hostPID: true }) },
      },
      ['/template/spec/hostPID'],
    ],
    [
      'a kind of another group with the same name',
      workload('example.com/v1', 'Deployment', { template: { spec: podSpec({ hostPID: true }) } }),
      [],
    ],
    ['a malformed spec', workload('apps/v1', 'Deployment', { template: { spec: 'x' } }), []],
  ])('%s', (_name, obj, fields) => {
    expect(verdicts(DEFAULT, [obj]).map((v) => v.split(' ')[2])).toEqual(fields);
    expect(privilegedFields(obj)).toHaveLength(fields.length);
  });
});

describe('what a policy file adds and opens', () => {
  const privileged = workload(
    'apps/v1',
    'DaemonSet',
    { template: { spec: podSpec({ volumes: [{ name: 'h', hostPath: { path: '/var/log' } }] }) } },
    'kube-system',
  );
  const admins = binding('ClusterRoleBinding', 'break-glass', {
    kind: 'ClusterRole',
    name: 'cluster-admin',
  });
  const nsAdmins = binding(
    'RoleBinding',
    'admins',
    { kind: 'ClusterRole', name: 'cluster-admin' },
    undefined,
    'ops',
  );
  it.each<[string, LocalPolicy, KubeObject[], string[]]>([
    [
      'allow.namespaces opens kube-system, not privileged pods in it',
      policy({}, { namespaces: ['kube-system'] }),
      [privileged],
      ['DaemonSet/kube-system/w privileged-pod /spec/template/spec/volumes/0/hostPath'],
    ],
    [
      'allow.privilegedPods opens privileged pods in a namespace, not the namespace',
      policy({}, { privilegedPods: ['kube-*'] }),
      [privileged],
      ['DaemonSet/kube-system/w namespace /metadata/namespace'],
    ],
    [
      'both: applied',
      policy({}, { namespaces: ['kube-system'], privilegedPods: ['kube-system'] }),
      [privileged],
      [],
    ],
    [
      'privileged pods allowed elsewhere only',
      policy({}, { privilegedPods: ['monitoring'] }),
      [
        deployment(podSpec({ hostNetwork: true }), 'monitoring'),
        deployment(podSpec({ hostNetwork: true }), 'apps'),
      ],
      ['Deployment/apps/w privileged-pod /spec/template/spec/hostNetwork'],
    ],
    [
      'allow.adminBindings by name',
      policy({}, { adminBindings: ['break-*'] }),
      [admins, nsAdmins],
      ['RoleBinding/ops/admins admin-binding /roleRef/name'],
    ],
    [
      'allow.adminBindings by namespace/name',
      policy({}, { adminBindings: ['ops/*'] }),
      [admins, nsAdmins],
      ['ClusterRoleBinding/break-glass admin-binding /roleRef/name'],
    ],
    [
      'deny.namespaces adds to the system namespaces',
      policy({ namespaces: [...DEFAULT.deny.namespaces, 'prod-*'] }),
      [cm('prod-db'), cm('kube-system'), cm('dev')],
      [
        'ConfigMap/prod-db/cfg namespace /metadata/namespace',
        'ConfigMap/kube-system/cfg namespace /metadata/namespace',
      ],
    ],
    [
      'deny * with allowed namespaces: an allow-list',
      policy({ namespaces: ['*'] }, { namespaces: ['team-*'] }),
      [cm('team-a'), cm('other'), role('ClusterRole', 'r')],
      ['ConfigMap/other/cfg namespace /metadata/namespace'],
    ],
    [
      'deny.kinds with an exception',
      policy(
        { kinds: ['rbac.authorization.k8s.io/*', 'core/Secret'] },
        { kinds: ['rbac.authorization.k8s.io/Role'] },
      ),
      [
        role('ClusterRole', 'r'),
        role('Role', 'r'),
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'apps' } },
        cm('apps'),
      ],
      ['ClusterRole/r kind /kind', 'Secret/apps/s kind /kind'],
    ],
    [
      'deny.clusterScopedKinds: only Namespaces at cluster scope',
      policy({ clusterScopedKinds: ['*/*'] }, { clusterScopedKinds: ['core/Namespace'] }),
      [nsObj('shop'), role('ClusterRole', 'r'), role('Role', 'r'), cm('shop')],
      ['ClusterRole/r cluster-scoped /kind'],
    ],
    [
      "nothing opens the agent's own namespace or RBAC",
      policy(
        {},
        {
          namespaces: ['*'],
          kinds: ['*/*'],
          clusterScopedKinds: ['*/*'],
          privilegedPods: ['*'],
          adminBindings: ['*'],
        },
      ),
      [cm(AGENT_NS), role('ClusterRole', 'gitfleet-agent'), privileged, admins],
      [
        'ConfigMap/gitfleet-system/cfg agent-namespace /metadata/namespace',
        'ClusterRole/gitfleet-agent agent-rbac /metadata/name',
      ],
    ],
    [
      'another agent identity',
      {
        ...DEFAULT,
        agent: { namespace: 'fleet', serviceAccount: 'fleet-agent', roles: ['fleet-agent'] },
      },
      [
        cm(AGENT_NS),
        cm('fleet'),
        role('ClusterRole', 'gitfleet-agent'),
        role('ClusterRole', 'fleet-agent'),
      ],
      [
        'ConfigMap/fleet/cfg agent-namespace /metadata/namespace',
        'ClusterRole/fleet-agent agent-rbac /metadata/name',
      ],
    ],
  ])('%s', (_name, p, set, expected) => {
    expect(verdicts(p, set)).toEqual(expected);
  });

  it('reports every violation of every object of the set, in set order', () => {
    const vs = checkLocalPolicy(DEFAULT, [
      cm('kube-system', 'a'),
      cm('ok'),
      cm('kube-public', 'b'),
    ]);
    expect(vs.map((v) => [v.index, v.object])).toEqual([
      [0, 'ConfigMap/kube-system/a'],
      [2, 'ConfigMap/kube-public/b'],
    ]);
  });
});
