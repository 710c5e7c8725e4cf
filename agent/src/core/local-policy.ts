/**
 * The agent's local policy: what this agent refuses to apply whatever its hub sends. It is
 * configured on the cluster (`--policy-file`, ./local-policy-file.ts), never by the hub, so a
 * compromised hub, Redis or fleet repository cannot make the agent write dangerous objects.
 *
 * Always refused, whatever the policy says: anything in the agent's own namespace (its state lives
 * there), and the agent's own RBAC — its ServiceAccount, its Roles and ClusterRoles, and bindings
 * that name it or bind its roles. Refused unless the policy allows them: objects in kube-system,
 * kube-public and kube-node-lease; bindings of `cluster-admin` (or of a role of the same set that
 * grants every verb on every resource); privileged pod specs (./local-policy-pods.ts). The policy
 * adds denials by namespace, by kind and for cluster-scoped kinds (globs), and opens any of the
 * refusals above but the first two by `allow` patterns.
 *
 * The decision is over a whole set: every object is checked against every rule and every
 * violation is returned, naming the object, the rule, the field (an RFC 6901 pointer) and what to
 * change.
 */
import {
  describeObject,
  formatPointer,
  identityOf,
  type JsonValue,
  type KubeObject,
  type ObjectIdentity,
} from '@gitfleet/proto/domain';
import { asArray, asObject, asString, at } from './kube-object.ts';
import { groupKindOf, privilegedFields } from './local-policy-pods.ts';

/** The rules, as reports and the docs name them. */
export const PolicyRule = {
  /** An object in (or the Namespace of) the agent's own namespace. */
  AgentNamespace: 'agent-namespace',
  /** The agent's ServiceAccount, Roles, ClusterRoles, or a binding that names it. */
  AgentRbac: 'agent-rbac',
  /** An object in a namespace the policy denies (by default the system namespaces). */
  Namespace: 'namespace',
  /** An object of a kind the policy denies. */
  Kind: 'kind',
  /** A cluster-scoped object of a kind the policy denies at cluster scope. */
  ClusterScoped: 'cluster-scoped',
  /** A binding of cluster-admin, or of a role of the set granting every verb on every resource. */
  AdminBinding: 'admin-binding',
  /** A pod spec with a privileged field. */
  PrivilegedPod: 'privileged-pod',
} as const;
export type PolicyRule = (typeof PolicyRule)[keyof typeof PolicyRule];

/** The agent itself, which no app may touch. */
export interface AgentIdentity {
  /** The agent's own namespace, where its state lives. */
  readonly namespace: string;
  /** Its ServiceAccount (in `namespace`). */
  readonly serviceAccount: string;
  /** Names of the Roles and ClusterRoles that grant the agent its access, and of their bindings. */
  readonly roles: readonly string[];
}

/** Globs (`*`: any run of characters) of what is refused. */
export interface PolicyDenials {
  /** Namespaces: an object in one, or the Namespace object itself. */
  readonly namespaces: readonly string[];
  /** `group/Kind` (the core group is `core`: `core/Secret`, `apps/*`, `*\/*`). */
  readonly kinds: readonly string[];
  /** `group/Kind` of cluster-scoped objects (`*\/*`: any cluster-scoped object). */
  readonly clusterScopedKinds: readonly string[];
}

/** Globs of what is allowed although a denial (or a built-in default) matches it. */
export interface PolicyAllowances extends PolicyDenials {
  /** Namespaces where pod specs may be privileged. */
  readonly privilegedPods: readonly string[];
  /** Bindings that may bind an admin role: `name` (ClusterRoleBinding), `namespace/name` (RoleBinding). */
  readonly adminBindings: readonly string[];
}

export interface LocalPolicy {
  readonly agent: AgentIdentity;
  readonly deny: PolicyDenials;
  readonly allow: PolicyAllowances;
}

/** The namespaces of the cluster's own components, denied unless allowed. */
export const SYSTEM_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
];

/** The ServiceAccount the agent runs as in the default install (deploy/). */
export const DEFAULT_SERVICE_ACCOUNT = 'gitfleet-agent';

/** The ClusterRole that grants everything; binding it is refused unless allowed. */
export const ADMIN_CLUSTER_ROLE = 'cluster-admin';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The agent's Roles and ClusterRoles as the default install names them after its ServiceAccount. */
export function defaultAgentRoles(serviceAccount: string): string[] {
  return [
    serviceAccount,
    `${serviceAccount}-cluster`,
    `${serviceAccount}-state`,
    `${serviceAccount}-watch`,
  ];
}

/** The policy of an agent without a policy file, whose own namespace is `agentNamespace`. */
export function defaultLocalPolicy(agentNamespace: string): LocalPolicy {
  return {
    agent: {
      namespace: agentNamespace,
      serviceAccount: DEFAULT_SERVICE_ACCOUNT,
      roles: defaultAgentRoles(DEFAULT_SERVICE_ACCOUNT),
    },
    deny: { namespaces: [...SYSTEM_NAMESPACES], kinds: [], clusterScopedKinds: [] },
    allow: {
      namespaces: [],
      kinds: [],
      clusterScopedKinds: [],
      privilegedPods: [],
      adminBindings: [],
    },
  };
}

/** One rule one object breaks. */
export interface PolicyViolation {
  /** Position of the object in the checked set. */
  readonly index: number;
  /** The object as messages name it (`Kind/namespace/name`). */
  readonly object: string;
  readonly rule: PolicyRule;
  /** RFC 6901 pointer of the field that breaks the rule ("" = the object as a whole). */
  readonly field: string;
  /** Why it is refused and what to change (in Git, or in the agent's policy file). */
  readonly fix: string;
}

/** True when `value` matches the glob `pattern` (`*`: any run of characters, possibly empty). */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The first pattern of `patterns` that matches `value`. */
function firstMatch(patterns: readonly string[], value: string): string | undefined {
  return patterns.find((p) => globMatch(p, value));
}

/**
 * Every violation of `policy` by the objects of `set`, in set order (per object: rule by rule).
 * Empty when the whole set may be applied.
 */
export function checkLocalPolicy(
  policy: LocalPolicy,
  set: readonly KubeObject[],
): PolicyViolation[] {
  const wildcardRoles = wildcardRolesOf(set);
  const out: PolicyViolation[] = [];
  set.forEach((obj, index) => {
    const id = identityOf(obj);
    const object = describeObject(id);
    const add = (rule: PolicyRule, path: readonly (string | number)[], fix: string): void => {
      out.push({ index, object, rule, field: formatPointer(path), fix });
    };
    const gk = groupKindOf(asString(obj['apiVersion']) ?? '', id.kind);
    checkNamespace(policy, id, add);
    checkAgentRbac(policy.agent, obj, id, add);
    const kindDenied = firstMatch(policy.deny.kinds, gk);
    if (kindDenied !== undefined && firstMatch(policy.allow.kinds, gk) === undefined) {
      add(
        PolicyRule.Kind,
        ['kind'],
        `the kind ${gk} is denied by the agent's policy (deny.kinds "${kindDenied}"): remove the object, or allow the kind in the agent's policy file (allow.kinds)`,
      );
    }
    const scopeDenied =
      id.namespace === '' ? firstMatch(policy.deny.clusterScopedKinds, gk) : undefined;
    if (
      scopeDenied !== undefined &&
      firstMatch(policy.allow.clusterScopedKinds, gk) === undefined
    ) {
      add(
        PolicyRule.ClusterScoped,
        ['kind'],
        `cluster-scoped ${gk} is denied by the agent's policy (deny.clusterScopedKinds "${scopeDenied}"): remove the object, or allow the kind in the agent's policy file (allow.clusterScopedKinds)`,
      );
    }
    checkAdminBinding(policy, obj, id, wildcardRoles, add);
    const privileged = privilegedFields(obj);
    if (
      privileged.length > 0 &&
      firstMatch(policy.allow.privilegedPods, id.namespace) === undefined
    ) {
      const where = id.namespace === '' ? '' : ` in namespace ${id.namespace}`;
      for (const f of privileged) {
        add(
          PolicyRule.PrivilegedPod,
          f.path,
          `${f.what}: ${f.change}, or allow privileged pods${where} in the agent's policy file (allow.privilegedPods)`,
        );
      }
    }
  });
  return out;
}

type Add = (rule: PolicyRule, path: readonly (string | number)[], fix: string) => void;

function isNamespaceObject(id: ObjectIdentity): boolean {
  return id.group === '' && id.kind === 'Namespace';
}

/** The agent's own namespace, and the namespaces the policy denies. */
function checkNamespace(policy: LocalPolicy, id: ObjectIdentity, add: Add): void {
  const ns = isNamespaceObject(id) ? id.name : id.namespace;
  if (ns === '') return;
  const field = isNamespaceObject(id) ? ['metadata', 'name'] : ['metadata', 'namespace'];
  if (ns === policy.agent.namespace) {
    add(
      PolicyRule.AgentNamespace,
      field,
      `${ns} is the agent's own namespace (its state lives there) and no application may manage anything in it: use another namespace`,
    );
    return;
  }
  const denied = firstMatch(policy.deny.namespaces, ns);
  if (denied !== undefined && firstMatch(policy.allow.namespaces, ns) === undefined) {
    add(
      PolicyRule.Namespace,
      field,
      `the namespace ${ns} is denied by the agent's policy (deny.namespaces "${denied}"): use another namespace, or allow it in the agent's policy file (allow.namespaces)`,
    );
  }
}

function isRbac(id: ObjectIdentity, ...kinds: readonly string[]): boolean {
  return id.group === RBAC_GROUP && kinds.includes(id.kind);
}

/** Does this subject of a binding in `bindingNs` name the agent's ServiceAccount? */
function namesAgent(
  subject: JsonValue | undefined,
  bindingNs: string,
  agent: AgentIdentity,
): boolean {
  const kind = asString(at(subject, 'kind'));
  const name = asString(at(subject, 'name'));
  if (kind === 'ServiceAccount') {
    const ns = asString(at(subject, 'namespace')) ?? bindingNs;
    return name === agent.serviceAccount && ns === agent.namespace;
  }
  if (kind === 'User')
    return name === `system:serviceaccount:${agent.namespace}:${agent.serviceAccount}`;
  if (kind === 'Group') return name === `system:serviceaccounts:${agent.namespace}`;
  return false;
}

/** The agent's ServiceAccount, its roles, and bindings that name it or bind its roles. */
function checkAgentRbac(agent: AgentIdentity, obj: KubeObject, id: ObjectIdentity, add: Add): void {
  const ownName = agent.roles.includes(id.name);
  if (id.group === '' && id.kind === 'ServiceAccount') {
    if (id.name === agent.serviceAccount && id.namespace === agent.namespace) {
      add(
        PolicyRule.AgentRbac,
        [],
        "this is the agent's own ServiceAccount, which no application may manage: remove it from the application",
      );
    }
    return;
  }
  if (isRbac(id, 'Role', 'ClusterRole')) {
    if (ownName) {
      add(
        PolicyRule.AgentRbac,
        ['metadata', 'name'],
        `${id.kind} ${id.name} grants the agent its own access, which no application may change: rename it or remove it from the application`,
      );
    }
    return;
  }
  if (!isRbac(id, 'RoleBinding', 'ClusterRoleBinding')) return;
  if (ownName) {
    add(
      PolicyRule.AgentRbac,
      ['metadata', 'name'],
      `${id.kind} ${id.name} is one of the agent's own bindings, which no application may change: rename it or remove it from the application`,
    );
  }
  const roleName = asString(at(obj, 'roleRef', 'name'));
  if (roleName !== undefined && agent.roles.includes(roleName)) {
    add(
      PolicyRule.AgentRbac,
      ['roleRef', 'name'],
      `binds ${roleName}, the agent's own role, which no application may grant: bind another role`,
    );
  }
  asArray(obj['subjects']).forEach((s, i) => {
    if (!namesAgent(s, id.namespace, agent)) return;
    add(
      PolicyRule.AgentRbac,
      ['subjects', i],
      `names the agent's ServiceAccount ${agent.namespace}/${agent.serviceAccount}, whose access no application may change: remove this subject`,
    );
  });
}

/**
 * Roles and ClusterRoles of the set with a rule granting every verb on every resource (`*` in
 * both), keyed `ClusterRole/name` and `Role/namespace/name`.
 */
function wildcardRolesOf(set: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const obj of set) {
    const id = identityOf(obj);
    if (!isRbac(id, 'Role', 'ClusterRole')) continue;
    const everything = asArray(obj['rules']).some((r) => {
      const rule = asObject(r);
      return asArray(rule?.['verbs']).includes('*') && asArray(rule?.['resources']).includes('*');
    });
    if (everything) out.add(roleKey(id.kind, id.namespace, id.name));
  }
  return out;
}

function roleKey(kind: string, namespace: string, name: string): string {
  return kind === 'ClusterRole' ? `ClusterRole/${name}` : `Role/${namespace}/${name}`;
}

/** A binding of cluster-admin, or of a role of the set that grants everything. */
function checkAdminBinding(
  policy: LocalPolicy,
  obj: KubeObject,
  id: ObjectIdentity,
  wildcardRoles: ReadonlySet<string>,
  add: Add,
): void {
  if (!isRbac(id, 'RoleBinding', 'ClusterRoleBinding')) return;
  const kind = asString(at(obj, 'roleRef', 'kind')) ?? '';
  const name = asString(at(obj, 'roleRef', 'name')) ?? '';
  const admin =
    (kind === 'ClusterRole' && name === ADMIN_CLUSTER_ROLE) ||
    wildcardRoles.has(roleKey(kind, id.namespace, name));
  if (!admin) return;
  const binding = id.namespace === '' ? id.name : `${id.namespace}/${id.name}`;
  if (firstMatch(policy.allow.adminBindings, binding) !== undefined) return;
  add(
    PolicyRule.AdminBinding,
    ['roleRef', 'name'],
    `binds the ${kind} ${name}, which grants every verb on every resource: bind a narrower role, or allow this binding in the agent's policy file (allow.adminBindings "${binding}")`,
  );
}
