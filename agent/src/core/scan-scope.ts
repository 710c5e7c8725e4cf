/**
 * Where the unmanaged scan of an app looks: the namespaces the app owns — those it declares as
 * Namespace objects and those its namespaced objects live in.
 */
import type { ObjectRef } from '@gitfleet/proto/domain';

export function scanNamespaces(refs: Iterable<ObjectRef>): Set<string> {
  const namespaces = new Set<string>();
  for (const ref of refs) {
    if (ref.kind === 'Namespace' && ref.group === '') namespaces.add(ref.name);
    else if (ref.namespace !== '') namespaces.add(ref.namespace);
  }
  return namespaces;
}
