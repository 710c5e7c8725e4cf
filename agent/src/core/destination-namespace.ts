/**
 * The app's destination namespace on the agent (Argo CD's `destination.namespace` and
 * `CreateNamespace=true`): which objects of the set go into it, whether the agent creates it, and
 * what the change set says about it.
 *
 * - Every object of a namespaced kind without `metadata.namespace` goes into the destination
 *   namespace. Which kinds are namespaced is the cluster's discovery, or for a kind nothing
 *   serves yet, the `scope` a CustomResourceDefinition of the same set declares; an object of a
 *   kind neither knows is left as it is (the validation gate then says the kind is not served).
 *   Cluster-scoped objects are never touched.
 * - With `createNamespace`, the agent creates the destination namespace (server-side apply,
 *   before the app's objects) when it does not exist, unless the set declares that Namespace
 *   itself. The Namespace is labelled managed-by gitfleet and {@link LABEL_CREATED_FOR} the app,
 *   never with the app's ownership label: it never enters the app's inventory, so neither prune
 *   nor the app's removal deletes it.
 * - Without it, a missing destination namespace fails the objects meant for it with what to do.
 */
import { ErrorCode, ScopeRule, identityOf, matchesGlob } from '@gitfleet/proto/domain';
import type {
  AssignmentPolicies,
  ErrorDetail,
  KubeObject,
  ObjectRef,
  ObjectScope,
} from '@gitfleet/proto/domain';
import { asObject, asString, at } from './kube-object.ts';
import { LABEL_MANAGED_BY, MANAGED_BY_GITFLEET } from './labels.ts';
import type { KindScope, ScopeRefusal } from './scope-check.ts';
import { isCrd } from './schema-augment.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** Label of a Namespace the agent created for an app (createNamespace): the app's name. */
export const LABEL_CREATED_FOR = 'gitfleet.dev/created-for';

/** The namespace policies an assignment carries. */
export type NamespacePolicies = Pick<
  AssignmentPolicies,
  'destinationNamespace' | 'createNamespace'
>;

/**
 * Whether objects of a kind are namespaced: as the cluster serves it (`served`), else as a
 * CustomResourceDefinition of `set` declares it; undefined when neither knows.
 */
export function namespacedIn(set: readonly KubeObject[], served: KindScope): KindScope {
  const declared = new Map<string, boolean>();
  for (const crd of set.filter(isCrd)) {
    const spec = asObject(at(crd, 'spec'));
    const group = asString(spec?.['group']);
    const kind = asString(at(spec, 'names', 'kind'));
    if (group === undefined || kind === undefined) continue;
    declared.set(`${group}/${kind}`, asString(spec?.['scope']) !== 'Cluster');
  }
  return (gk) => served(gk) ?? declared.get(`${gk.group}/${gk.kind}`);
}

/**
 * `set` with every object of a namespaced kind that has no namespace put into `destination`
 * (the others returned as they are, same references); `set` itself without a destination.
 */
export function placeInDestination(
  set: readonly KubeObject[],
  destination: string | undefined,
  namespaced: KindScope,
): KubeObject[] {
  if (destination === undefined) return [...set];
  return set.map((o) => {
    const id = identityOf(o);
    if (id.namespace !== '' || namespaced(id) !== true) return o;
    const metadata = asObject(o['metadata']) ?? {};
    return { ...o, metadata: { ...metadata, namespace: destination } };
  });
}

/** The ref of the Namespace `name`. */
export function namespaceRef(name: string): ObjectRef {
  return { group: '', version: 'v1', kind: 'Namespace', namespace: '', name };
}

/** The Namespace the agent creates for `app`: only its name and the two labels. */
export function namespaceFor(app: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY_GITFLEET, [LABEL_CREATED_FOR]: app },
    },
  };
}

function declaresNamespace(set: readonly KubeObject[], name: string): boolean {
  return set.some((o) => {
    const id = identityOf(o);
    return id.group === '' && id.kind === 'Namespace' && id.name === name;
  });
}

/**
 * The Namespace the app asks the agent to create (createNamespace with a destination namespace
 * the set does not declare itself), whether or not it exists: what the local policy and the
 * project scope judge with the set. Undefined when there is none.
 */
export function namespaceToCreate(
  app: string,
  policies: NamespacePolicies,
  set: readonly KubeObject[],
): KubeObject | undefined {
  const name = policies.destinationNamespace;
  if (name === undefined || policies.createNamespace !== true) return undefined;
  return declaresNamespace(set, name) ? undefined : namespaceFor(app, name);
}

/** What the pass does about the destination namespace. */
export type NamespacePlan =
  /** Nothing: no destination, the set declares it, or it exists and is not the app's. */
  | { readonly kind: 'none' }
  /** Create it (apply `object`) before the app's objects. */
  | { readonly kind: 'create'; readonly object: KubeObject }
  /** It exists, created for this app: reported, nothing applied. */
  | { readonly kind: 'present'; readonly entry: ChangeSetEntry }
  /** It does not exist and nothing creates it: the objects meant for it fail with `error`. */
  | { readonly kind: 'missing'; readonly namespace: string; readonly error: ErrorDetail };

export interface NamespacePlanInput {
  readonly app: string;
  readonly policies: NamespacePolicies;
  /** The desired set, already placed in the destination namespace. */
  readonly set: readonly KubeObject[];
  /** The live destination Namespace; undefined when it does not exist. */
  readonly live: KubeObject | undefined;
}

const CREATED_MESSAGE =
  "the app's destination namespace, created by gitfleet for it (createNamespace); never pruned or deleted with the app";

/**
 * What to do about the app's destination namespace.
 *
 * @example planNamespace({ app: 'guestbook', policies: { destinationNamespace: 'guestbook', createNamespace: true }, set, live: undefined }).kind === 'create'
 */
export function planNamespace(input: NamespacePlanInput): NamespacePlan {
  const { app, policies, set, live } = input;
  const name = policies.destinationNamespace;
  if (name === undefined || declaresNamespace(set, name)) return { kind: 'none' };
  if (live === undefined) {
    const object = namespaceToCreate(app, policies, set);
    if (object !== undefined) return { kind: 'create', object };
    if (!set.some((o) => identityOf(o).namespace === name)) return { kind: 'none' };
    return { kind: 'missing', namespace: name, error: missingDestinationError(name) };
  }
  if (asString(at(live, 'metadata', 'labels', LABEL_CREATED_FOR)) !== app) return { kind: 'none' };
  return {
    kind: 'present',
    entry: {
      ref: namespaceRef(name),
      action: 'unchanged',
      message: CREATED_MESSAGE,
      dropFromInventory: true,
      ...uidOf(live),
    },
  };
}

function uidOf(obj: KubeObject): { uid?: string } {
  const uid = asString(at(obj, 'metadata', 'uid'));
  return uid === undefined ? {} : { uid };
}

/** The change set entry of the Namespace the agent just created (`applied`: the server's answer). */
export function createdNamespaceEntry(name: string, applied: KubeObject): ChangeSetEntry {
  return {
    ref: namespaceRef(name),
    action: 'created',
    message: CREATED_MESSAGE,
    dropFromInventory: true,
    ...uidOf(applied),
  };
}

/** The failure of an object meant for a destination namespace that does not exist. */
export function missingDestinationError(name: string): ErrorDetail {
  return {
    code: ErrorCode.NotFound,
    message: `namespace "${name}" (the app's spec.destination.namespace) does not exist on this target; set spec.syncPolicy.createNamespace: true on the Application to have gitfleet create it, or create the namespace (or declare it as an object of the app); retried until it exists`,
  };
}

/**
 * The refusal of a destination namespace outside the app's project (the hub's check, made again
 * with the scope the hub signed), as the Namespace's; undefined when inside, or without a
 * destination namespace or a scope.
 */
export function destinationRefusal(
  scope: ObjectScope | undefined,
  policies: NamespacePolicies,
): ScopeRefusal | undefined {
  const name = policies.destinationNamespace;
  if (scope === undefined || name === undefined) return undefined;
  if (scope.namespaces.some((pattern) => matchesGlob(pattern, name))) return undefined;
  const object = identityOf(namespaceFor('', name));
  const allowed = scope.namespaces.map((n) => `"${n}"`).join(', ') || 'none';
  return {
    object,
    violations: [
      {
        rule: ScopeRule.Namespaces,
        object,
        message: `destination namespace "${name}" (spec.destination.namespace) is not allowed by project "${scope.name}" (namespaces: ${allowed})`,
      },
    ],
  };
}
