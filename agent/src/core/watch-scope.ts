/**
 * Where the agent lists and watches, decided from its local policy (./local-policy.ts): the whole
 * cluster, or a fixed list of namespaces.
 *
 * A fixed list is possible only when the policy itself confines the agent to a list it can name
 * at start:
 *  - some `deny.namespaces` pattern matches every namespace (`*`), so only the allowances open
 *    namespaces;
 *  - every `allow.namespaces` entry is a literal name: a pattern (`team-*`) can match a namespace
 *    created later, which only a cluster-wide watch would see;
 *  - every cluster-scoped object is refused: some `deny.clusterScopedKinds` pattern matches every
 *    kind (`*\/*`) and `allow.clusterScopedKinds` is empty (a cluster-scoped kind can only be
 *    watched cluster-wide).
 * Then every list and watch is made per namespace, and a Role per namespace is all the RBAC the
 * agent needs for what it manages (deploy/README.md). The agent's own namespace is never in the
 * list: the policy refuses every object there, and its state store reads it on its own.
 */
import type { LocalPolicy } from './local-policy.ts';

export type WatchScope =
  /** One list and watch per kind over all namespaces; `reason` says why a list is not enough. */
  | { readonly kind: 'cluster'; readonly reason: string }
  /** One list and watch per (kind, namespace); nothing outside these namespaces is touched. */
  | { readonly kind: 'namespaces'; readonly namespaces: readonly string[] };

/** True for a glob of only `*`: it matches every string. */
function matchesEveryName(pattern: string): boolean {
  return /^\*+$/.test(pattern);
}

/** True for a kind glob that matches every `group/Kind`: stars around its slash (`*\/*`). */
function matchesEveryKind(pattern: string): boolean {
  return /^\*+\/\*+$/.test(pattern);
}

/** The watch scope of an agent under `policy` (undefined: the built-in policy, cluster-wide). */
export function watchScope(policy: LocalPolicy | undefined): WatchScope {
  if (policy === undefined) {
    return {
      kind: 'cluster',
      reason: 'the built-in policy lets the agent manage objects in any namespace',
    };
  }
  if (!policy.deny.namespaces.some(matchesEveryName)) {
    return {
      kind: 'cluster',
      reason:
        "the policy does not confine the agent to a list of namespaces (no deny.namespaces '*' with the namespaces in allow.namespaces)",
    };
  }
  const pattern = policy.allow.namespaces.find((ns) => ns.includes('*'));
  if (pattern !== undefined) {
    return {
      kind: 'cluster',
      reason: `allow.namespaces "${pattern}" is a pattern, which can match namespaces created later: only a cluster-wide watch sees them (list the namespaces by name to watch per namespace)`,
    };
  }
  const allowedClusterScoped = policy.allow.clusterScopedKinds[0];
  if (allowedClusterScoped !== undefined) {
    return {
      kind: 'cluster',
      reason: `allow.clusterScopedKinds "${allowedClusterScoped}" lets the agent manage cluster-scoped objects, which are watched cluster-wide`,
    };
  }
  if (!policy.deny.clusterScopedKinds.some(matchesEveryKind)) {
    return {
      kind: 'cluster',
      reason:
        "the policy lets the agent manage cluster-scoped objects, which are watched cluster-wide (deny.clusterScopedKinds '*/*' refuses them)",
    };
  }
  const namespaces = [...new Set(policy.allow.namespaces)]
    .filter((ns) => ns !== policy.agent.namespace)
    .sort();
  return { kind: 'namespaces', namespaces };
}

/** Whether an object in `namespace` ("" = cluster-scoped) is inside `scope`. */
export function inWatchScope(scope: WatchScope, namespace: string): boolean {
  return scope.kind === 'cluster' || scope.namespaces.includes(namespace);
}

/** The fields of the agent's start-up log line that says where it watches. */
export function describeWatchScope(scope: WatchScope): Record<string, unknown> {
  return scope.kind === 'cluster'
    ? { watchScope: 'cluster', reason: scope.reason }
    : { watchScope: 'namespaces', namespaces: scope.namespaces };
}
