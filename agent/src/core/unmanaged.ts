/**
 * Unmanaged objects: live objects in an app's namespaces that no assignment declares (created by
 * hand with kubectl, by a script, by another tool). Depending on the app's policy they are
 * reported or pruned. Everything Kubernetes or a controller creates on its own is excluded, and
 * so is anything carrying gitfleet's app label (that is inventory, handled by prune).
 */
import { matchesSelector, metadataOf, objectRef } from '@gitfleet/proto/domain';
import type {
  JsonValue,
  KubeObject,
  ObjectRef,
  UnmanagedObject,
  UnmanagedPolicy,
} from '@gitfleet/proto/domain';
import { inventoryKey } from './inventory.ts';
import { asArray, asString, at, labelsOf } from './kube-object.ts';
import { LABEL_APP } from './labels.ts';

/** Re-exported: the selector semantics live in the contract (@gitfleet/proto/domain). */
export { matchesSelector };

/** Kinds whose objects Kubernetes creates and owns itself (`<group>/<kind>`). */
const SYSTEM_KINDS: ReadonlySet<string> = new Set([
  '/Endpoints',
  'discovery.k8s.io/EndpointSlice',
  '/Event',
  'events.k8s.io/Event',
  'coordination.k8s.io/Lease',
  'apps/ControllerRevision',
]);

/** Objects Kubernetes creates in every namespace: `<group>/<kind>/<name>`. */
const SYSTEM_OBJECTS: ReadonlySet<string> = new Set([
  '/ConfigMap/kube-root-ca.crt',
  '/ServiceAccount/default',
]);

/** Field managers of control-plane components: what they created is Kubernetes' own. */
const SYSTEM_MANAGERS: ReadonlySet<string> = new Set([
  'kube-controller-manager',
  'kube-apiserver',
  'kube-scheduler',
  'kubelet',
]);

function isSystemObject(ref: ObjectRef, createdBy: string): boolean {
  return (
    SYSTEM_KINDS.has(`${ref.group}/${ref.kind}`) ||
    SYSTEM_OBJECTS.has(`${ref.group}/${ref.kind}/${ref.name}`) ||
    SYSTEM_MANAGERS.has(createdBy)
  );
}

/**
 * Who created the object: the manager of its oldest managedFields entry with operation Update or
 * Apply (entries for a subresource such as status only when there is no other), e.g.
 * 'kubectl-create', 'kubectl-client-side-apply', 'helm'. "" when unknown (no managedFields).
 * Entries without a parseable time count as newest; ties keep list order.
 */
export function createdBy(obj: KubeObject): string {
  const entries = asArray(metadataOf(obj)['managedFields'])
    .map((raw: JsonValue, index) => ({
      manager: asString(at(raw, 'manager')) ?? '',
      operation: asString(at(raw, 'operation')) ?? '',
      subresource: asString(at(raw, 'subresource')) ?? '',
      time: Date.parse(asString(at(raw, 'time')) ?? ''),
      index,
    }))
    .filter((e) => e.manager !== '' && (e.operation === 'Update' || e.operation === 'Apply'));
  const main = entries.filter((e) => e.subresource === '');
  const pool = main.length > 0 ? main : entries;
  const rank = (t: number) => (Number.isNaN(t) ? Number.POSITIVE_INFINITY : t);
  pool.sort((a, b) => rank(a.time) - rank(b.time) || a.index - b.index);
  return pool[0]?.manager ?? '';
}

export interface FindUnmanagedInput {
  /**
   * The app whose namespaces are scanned. Objects labelled for it are its inventory (prune
   * handles them) and objects labelled for another app are that app's: both are excluded.
   */
  readonly app: string;
  /** Namespaces the app owns; live objects elsewhere (and cluster-scoped ones) are ignored. */
  readonly ownedNamespaces: ReadonlySet<string> | readonly string[];
  /**
   * `inventoryKey`s of every object any assignment on this target declares (not only this app's:
   * an object declared by another app in the same namespace is managed).
   */
  readonly desiredKeys: ReadonlySet<string>;
  /** Live objects listed in the owned namespaces. */
  readonly liveObjects: readonly KubeObject[];
  readonly policy: UnmanagedPolicy;
}

/**
 * The unmanaged objects of an app's namespaces, sorted by inventory key. Excluded: objects in
 * other namespaces; objects being deleted; objects declared by an assignment; objects with
 * ownerReferences (created by a controller: ReplicaSets, Pods, EndpointSlices, Jobs of a
 * CronJob...); objects carrying the `gitfleet.dev/app` label (another app's, or this app's
 * inventory awaiting prune); objects Kubernetes creates itself (ConfigMap kube-root-ca.crt,
 * ServiceAccount default, Endpoints, EndpointSlices, Events, Leases, ControllerRevisions, and
 * anything first written by a control-plane component); objects matching an allow-list selector.
 *
 * The action follows `policy.mode`: 'ignore' → nothing is returned; 'warn' → 'reported';
 * 'prune' → 'pruned' (candidates: the reconciler deletes them and turns a failed delete into
 * 'prune-failed' with a message).
 */
export function findUnmanaged(input: FindUnmanagedInput): UnmanagedObject[] {
  const { ownedNamespaces, desiredKeys, liveObjects, policy } = input;
  if (policy.mode === 'ignore') return [];
  const namespaces = new Set(ownedNamespaces);
  const action = policy.mode === 'prune' ? 'pruned' : 'reported';
  const found: { key: string; object: UnmanagedObject }[] = [];
  const seen = new Set<string>();
  for (const obj of liveObjects) {
    const ref = objectRef(obj);
    const key = inventoryKey(ref);
    if (ref.namespace === '' || !namespaces.has(ref.namespace)) continue;
    if (desiredKeys.has(key) || seen.has(key)) continue;
    const meta = metadataOf(obj);
    if (meta['deletionTimestamp'] != null) continue;
    if (asArray(meta['ownerReferences']).length > 0) continue;
    if (labelsOf(obj)[LABEL_APP] !== undefined) continue;
    const creator = createdBy(obj);
    if (isSystemObject(ref, creator)) continue;
    if (policy.allow.some((s) => matchesSelector(ref, s))) continue;
    seen.add(key);
    found.push({ key, object: { ref, createdBy: creator, action, message: '' } });
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return found.map((f) => f.object);
}
