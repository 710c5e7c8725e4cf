/**
 * Where the unmanaged scan of an app looks: the namespaces the app owns — those it declares as
 * Namespace objects and those its namespaced objects live in — that the agent's watch scope holds
 * (./watch-scope.ts: an agent confined to namespaces lists nothing outside them).
 */
import type { ObjectRef } from '@gitfleet/proto/domain';
import { inWatchScope, type WatchScope } from './watch-scope.ts';

const CLUSTER: WatchScope = { kind: 'cluster', reason: '' };

export function scanNamespaces(
  refs: Iterable<ObjectRef>,
  scope: WatchScope = CLUSTER,
): Set<string> {
  const namespaces = new Set<string>();
  for (const ref of refs) {
    const ns = ref.kind === 'Namespace' && ref.group === '' ? ref.name : ref.namespace;
    if (ns !== '' && inWatchScope(scope, ns)) namespaces.add(ns);
  }
  return namespaces;
}
