/**
 * Objects declared across projects: per target, which objects each application's last render
 * declared, and in which project. An object that applications of two different projects declare
 * on one target is refused to both (SCOPE_VIOLATION naming the object and both applications):
 * a project's objects are never taken over by another project's application, and which one
 * renders first decides nothing. Within one project the agent's ownership check is the rule
 * (OWNERSHIP_CONFLICT: the owner keeps the object).
 *
 * A render is claimed before it is judged, so once both applications rendered, each later render
 * of either is refused until one of them stops declaring the object. Claims live in memory: after
 * a restart, the first pass refuses the application that renders second, the next ones both.
 * With no Project declared every application is in `default` and nothing is tracked.
 */
import { ErrorCode, GitfleetError, describeObject, identityKey, identityOf } from '@gitfleet/proto';
import type { KubeObject, ObjectIdentity, ProjectScope } from '@gitfleet/proto';
import type { ProjectSpec } from '../core/fleet/index.ts';

export interface Claim {
  readonly project: string;
  /** identityKey → identity. */
  readonly objects: ReadonlyMap<string, ObjectIdentity>;
}

/** Another project's application declaring the same object. */
export interface CrossProjectConflict {
  readonly object: ObjectIdentity;
  readonly app: string;
  readonly project: string;
}

/**
 * The first object of `objects` (in their order) that an application of another project claims
 * on the same target, or undefined. Claims are scanned in application-name order.
 */
export function crossProjectConflict(
  claims: ReadonlyMap<string, Claim>,
  app: string,
  project: string,
  objects: ReadonlyMap<string, ObjectIdentity>,
): CrossProjectConflict | undefined {
  const others = [...claims.entries()]
    .filter(([name, claim]) => name !== app && claim.project !== project)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, object] of objects) {
    const other = others.find(([, claim]) => claim.objects.has(key));
    if (other !== undefined) return { object, app: other[0], project: other[1].project };
  }
  return undefined;
}

export class ProjectClaims {
  /** target → application → its last render's claim. */
  private readonly byTarget = new Map<string, Map<string, Claim>>();

  /**
   * Records what `app` (of project `scope`) declares on `target`, then judges it.
   *
   * @throws GitfleetError SCOPE_VIOLATION (terminal) when an application of another project
   *   declares one of its objects on the target
   */
  claim(target: string, app: string, scope: ProjectScope, objects: readonly KubeObject[]): void {
    let claims = this.byTarget.get(target);
    if (claims === undefined) this.byTarget.set(target, (claims = new Map<string, Claim>()));
    const declared = new Map(objects.map((o) => [identityKey(identityOf(o)), identityOf(o)]));
    claims.set(app, { project: scope.name, objects: declared });
    const conflict = crossProjectConflict(claims, app, scope.name, declared);
    if (conflict === undefined) return;
    const at = 'declaredAt' in scope ? (scope as ProjectSpec).declaredAt : undefined;
    const object = describeObject(conflict.object);
    throw new GitfleetError(
      ErrorCode.ScopeViolation,
      `application "${app}" (project "${scope.name}") on target "${target}": ${object} is also declared by application "${conflict.app}" (project "${conflict.project}"); an object is never shared across projects; refused to both`,
      {
        terminal: true,
        details: {
          app,
          target,
          project: scope.name,
          rule: 'ownership',
          object,
          otherApp: conflict.app,
          otherProject: conflict.project,
          action: `declare ${object} in only one of the applications "${app}" and "${conflict.app}", or put both in one project; what the target last received of either stays, nothing new of them is delivered there`,
          ...(at === undefined ? {} : { file: at.file, line: at.line, field: 'metadata.name' }),
        },
      },
    );
  }

  /** Forgets every claim of a (target, application) not in `placed` (target → applications). */
  retain(placed: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const [target, claims] of this.byTarget) {
      const apps = placed.get(target);
      for (const app of claims.keys()) if (apps?.has(app) !== true) claims.delete(app);
      if (claims.size === 0) this.byTarget.delete(target);
    }
  }

  /** Forgets everything (a fleet with no Project has no cross-project conflicts). */
  clear(): void {
    this.byTarget.clear();
  }
}
