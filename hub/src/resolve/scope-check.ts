/**
 * The hub's project check of one (application, target): its source and the target before
 * anything is read, its rendered objects (namespaces, kinds) before anything is stored. Anything
 * outside the application's project is a SCOPE_VIOLATION that names the application, the target,
 * the project, the rule and where the rule is written, and says what to do; the resolver turns it
 * into a `scope` problem of `GET /api/v1/fleet` and delivers nothing of that render. The decision
 * is `scopeViolations` of `@gitfleet/proto/domain`; the object rules also travel, signed, in each
 * assignment ({@link assignmentScope}), and the agent applies the same decision to every object
 * it is sent.
 */
import {
  ErrorCode,
  GitfleetError,
  ScopeRule,
  UNRESTRICTED_SCOPE,
  describeObject,
  identityOf,
  matchesGlob,
  objectScopeOf,
  scopeViolations,
} from '@gitfleet/proto';
import type { KubeObject, ObjectScope, ProjectScope, ScopeViolation } from '@gitfleet/proto';
import {
  projectScopeOf,
  ruleLocation,
  type ApplicationSpec,
  type FleetSpec,
  type ProjectSpec,
  type TargetSpec,
} from '../core/fleet/index.ts';
import { clusterScopedCustomKinds, isNamespaced } from '../core/render/objects.ts';

/** What the target keeps while a render is refused. */
const KEEPS = 'what the target last received of the application stays; nothing new is delivered';

function declaredAt(scope: ProjectScope): ProjectSpec['declaredAt'] | undefined {
  return 'declaredAt' in scope ? (scope as ProjectSpec).declaredAt : undefined;
}

/** What to do about `violation`, naming where its rule is written. */
function actionFor(scope: ProjectScope, violation: ScopeViolation): string {
  const { rule } = violation;
  const at = declaredAt(scope);
  const where =
    at === undefined ? `project "${scope.name}"` : ruleLocation(scope as ProjectSpec, rule);
  if (rule === ScopeRule.Namespaces && violation.object === undefined) {
    return `set the application's spec.destination.namespace to one of the project's namespaces, or widen ${where}; ${KEEPS}`;
  }
  switch (rule) {
    case ScopeRule.SourceRepos:
      return `deploy from a repository the project allows, or add this one to ${where}; ${KEEPS}`;
    case ScopeRule.Targets:
      return `narrow the application's placement to the project's targets, or add the target to ${where}; ${KEEPS}`;
    case ScopeRule.Namespaces:
      return `put the object in one of the project's namespaces (an overlay's namespace), or widen ${where}; ${KEEPS}`;
    case ScopeRule.KindsAllow:
    case ScopeRule.KindsAllowClusterScoped:
    case ScopeRule.KindsDeny:
      return `remove the object from the application, or allow its kind in ${where}; ${KEEPS}`;
  }
}

/** The SCOPE_VIOLATION of `app` on `target`: the first violation, and how many there are. */
export function scopeError(
  scope: ProjectScope,
  app: string,
  target: string,
  first: ScopeViolation,
  total: number,
): GitfleetError {
  const at = declaredAt(scope);
  const more = total - 1;
  return new GitfleetError(
    ErrorCode.ScopeViolation,
    `application "${app}" on target "${target}": ${first.message}${more > 0 ? ` (and ${String(more)} more outside the project)` : ''}; refused`,
    {
      terminal: true,
      details: {
        app,
        target,
        project: scope.name,
        rule: first.rule,
        violations: total,
        action: actionFor(scope, first),
        ...(first.object === undefined ? {} : { object: describeObject(first.object) }),
        ...(at === undefined
          ? {}
          : { file: at.file, line: at.rules[first.rule] ?? at.line, field: `spec.${first.rule}` }),
      },
    },
  );
}

/**
 * The violation of an application whose destination namespace (`spec.destination.namespace`)
 * is outside its project; undefined when it names none or the project allows it.
 */
export function destinationViolation(
  scope: ProjectScope,
  app: ApplicationSpec,
): ScopeViolation | undefined {
  const ns = app.policies.destinationNamespace;
  if (ns === undefined || scope.namespaces.some((pattern) => matchesGlob(pattern, ns))) {
    return undefined;
  }
  const allowed = scope.namespaces.map((n) => `"${n}"`).join(', ') || 'none';
  return {
    rule: ScopeRule.Namespaces,
    message: `destination namespace "${ns}" (spec.destination.namespace) is not allowed by project "${scope.name}" (namespaces: ${allowed})`,
  };
}

/**
 * Checks the application's source, its destination namespace and the target against its
 * project.
 *
 * @throws GitfleetError SCOPE_VIOLATION (terminal) when one is outside
 */
export function checkPlacementScope(
  fleet: FleetSpec,
  app: ApplicationSpec,
  target: TargetSpec,
): void {
  const scope = projectScopeOf(fleet, app);
  const destination = destinationViolation(scope, app);
  const [first, ...rest] = [
    ...(destination === undefined ? [] : [destination]),
    ...scopeViolations(scope, { source: app.source, target }),
  ];
  if (first !== undefined) throw scopeError(scope, app.name, target.name, first, rest.length + 1);
}

/**
 * Checks rendered objects against the application's project; a namespaced object without a
 * namespace counts as being in the destination namespace. Cluster-scoped: no namespace (and no
 * destination namespace), a built-in cluster-scoped kind, or a custom kind a CustomResourceDefinition in the same render
 * declares `scope: Cluster` (other custom kinds are judged by their namespace; the agent, which
 * knows the cluster's kinds, is the second check).
 *
 * @throws GitfleetError SCOPE_VIOLATION (terminal) when an object is outside
 */
export function checkObjectScope(
  fleet: FleetSpec,
  app: ApplicationSpec,
  target: TargetSpec,
  objects: readonly KubeObject[],
): void {
  const scope = projectScopeOf(fleet, app);
  const clusterKinds = clusterScopedCustomKinds(objects);
  const destination = app.policies.destinationNamespace;
  const [first, ...rest] = scopeViolations(scope, {
    // a namespaced object without a namespace lands in the destination namespace
    objects: objects
      .map(identityOf)
      .map((id) =>
        destination !== undefined && id.namespace === '' && isNamespaced(id, clusterKinds)
          ? { ...id, namespace: destination }
          : id,
      ),
    clusterScoped: (gk) => !isNamespaced({ ...gk, namespace: '', name: '' }, clusterKinds),
  });
  if (first !== undefined) throw scopeError(scope, app.name, target.name, first, rest.length + 1);
}

/**
 * The object rules the assignments of `app` carry, signed: those of its Project; undefined for an
 * application in no Project (the unrestricted `default` of a fleet that declares none, or of one
 * that declares Projects but no `default`), whose agent applies its local policy only.
 */
export function assignmentScope(fleet: FleetSpec, app: ApplicationSpec): ObjectScope | undefined {
  const scope = projectScopeOf(fleet, app);
  return scope === UNRESTRICTED_SCOPE ? undefined : objectScopeOf(scope);
}
