/**
 * The agent's second check of an app's Project: every object of an assignment against the
 * project scope the assignment carries, signed by the hub (proto/README.md, "Project scope").
 * The hub refuses to render outside a project; this check stops what reaches the agent anyway —
 * a hub whose own check was skipped, or anyone who can write the hub's Redis and cannot sign —
 * from landing outside the project: one object outside and nothing of the app is applied.
 *
 * The decision is the hub's (`objectViolations` of `@gitfleet/proto/domain`), with what only the
 * agent knows: which kinds the cluster serves as cluster-scoped. An assignment without a scope
 * (an app in no Project) is not checked here; the agent's local policy still is.
 */
import { ErrorCode, identityOf, objectViolations } from '@gitfleet/proto/domain';
import type {
  ErrorDetail,
  GroupKind,
  KubeObject,
  ObjectIdentity,
  ObjectRef,
  ObjectScope,
  ScopeViolation,
} from '@gitfleet/proto/domain';
import { inventoryKey } from './inventory.ts';
import { asObject, asString, at } from './kube-object.ts';
import { MAX_APP_ERROR_LENGTH } from './pass-outcome.ts';
import { refusedSetEntries } from './local-policy-outcome.ts';
import { isCrd } from './schema-augment.ts';
import type { ChangeSetEntry } from './sync-state.ts';

/** What the agent knows of a kind: served namespaced or not; undefined when not served. */
export type KindScope = (gk: GroupKind) => boolean | undefined;

/**
 * Whether an object of `gk` is cluster-scoped: as the cluster serves the kind (`namespaced`),
 * or, for a kind not served yet, as a CustomResourceDefinition of `set` declares it (`scope:
 * Cluster`). False when neither knows: the object is then judged by its namespace (none:
 * cluster-scoped).
 */
export function clusterScopedIn(
  set: readonly KubeObject[],
  namespaced: KindScope,
): (gk: GroupKind) => boolean {
  const declared = new Map<string, boolean>();
  for (const crd of set.filter(isCrd)) {
    const spec = asObject(at(crd, 'spec'));
    const group = asString(spec?.['group']);
    const kind = asString(at(spec, 'names', 'kind'));
    if (group === undefined || kind === undefined) continue;
    declared.set(`${group}/${kind}`, asString(spec?.['scope']) === 'Cluster');
  }
  return (gk) => {
    const served = namespaced(gk);
    if (served !== undefined) return !served;
    return declared.get(`${gk.group}/${gk.kind}`) ?? false;
  };
}

/** One refused object: the violations of the scope it breaks. */
export interface ScopeRefusal {
  readonly object: ObjectIdentity;
  readonly violations: readonly ScopeViolation[];
}

/**
 * Every object of `set` outside `scope`, in the set's order, each with every rule it breaks;
 * empty when the whole set is inside (or the assignment carries no scope).
 */
export function scopeRefusals(
  scope: ObjectScope | undefined,
  set: readonly KubeObject[],
  clusterScoped: (gk: GroupKind) => boolean,
): ScopeRefusal[] {
  if (scope === undefined) return [];
  const out: ScopeRefusal[] = [];
  for (const o of set) {
    const object = identityOf(o);
    const violations = objectViolations(scope, object, clusterScoped(object));
    if (violations.length > 0) out.push({ object, violations });
  }
  return out;
}

/**
 * Per refused object (by inventory key) its SCOPE_VIOLATION naming the object, the project and
 * each rule it breaks (as the hub words them).
 */
export function scopeDenials(refusals: readonly ScopeRefusal[]): Map<string, ErrorDetail> {
  return new Map(
    refusals.map((r) => [
      inventoryKey(r.object),
      {
        code: ErrorCode.ScopeViolation,
        message: r.violations
          .map((v) => `${v.message} [rule ${v.rule}]`)
          .join('; ')
          .slice(0, MAX_APP_ERROR_LENGTH),
      },
    ]),
  );
}

/** The change set of a set outside its project (see {@link refusedSetEntries}). */
export function scopeDeniedEntries(
  refs: readonly ObjectRef[],
  denied: ReadonlyMap<string, ErrorDetail>,
): Map<string, ChangeSetEntry> {
  return refusedSetEntries(
    refs,
    denied,
    "not applied: another object of the set is outside the app's project",
  );
}

/** The app's error for a set outside project `scope` (`total` objects declared). */
export function scopeDeniedError(
  scope: ObjectScope,
  denied: ReadonlyMap<string, ErrorDetail>,
  total: number,
): ErrorDetail {
  const problems = [...denied.values()].map((e) => e.message).join('; ');
  return {
    code: ErrorCode.ScopeViolation,
    message:
      `${String(denied.size)} of ${String(total)} objects are outside project "${scope.name}" (the scope the hub signed); nothing was applied: ${problems}`.slice(
        0,
        MAX_APP_ERROR_LENGTH,
      ),
  };
}
