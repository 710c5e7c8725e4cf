import type { ObjectRef, ObjectSelector } from './messages.ts';

/**
 * The one meaning of an ObjectSelector (drift overrides, ignore rules, unmanaged allow-lists,
 * overlay patch targets — on the agent and the hub alike): every field present in the selector
 * equals the object's (an absent field matches anything, "" matches only ""). `name` may end in
 * `*` to match a prefix (`'web-*'`; `'*'` alone matches every name). Versions are never matched.
 */
export function matchesSelector(
  ref: Pick<ObjectRef, 'group' | 'kind' | 'namespace' | 'name'>,
  selector: ObjectSelector,
): boolean {
  if (selector.group !== undefined && selector.group !== ref.group) return false;
  if (selector.kind !== undefined && selector.kind !== ref.kind) return false;
  if (selector.namespace !== undefined && selector.namespace !== ref.namespace) return false;
  if (selector.name === undefined) return true;
  return selector.name.endsWith('*')
    ? ref.name.startsWith(selector.name.slice(0, -1))
    : selector.name === ref.name;
}
