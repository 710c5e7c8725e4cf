/**
 * Last-good-wins: which fleet definition is in force after a new commit was parsed. An invalid
 * change never replaces a valid fleet; its problems go to status instead.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto/domain';
import type { FleetProblem, FleetSpec, ParsedFleet } from './types.ts';

export interface FleetDecision {
  /** The fleet to act on: the new one if accepted, else the previous good one (maybe none yet). */
  readonly inForce: FleetSpec | undefined;
  /** True when the new definition replaced the previous one. */
  readonly accepted: boolean;
  /** Every problem of the new definition (warnings too), for status. */
  readonly problems: readonly FleetProblem[];
}

function objectCount(spec: FleetSpec): number {
  return spec.targets.length + spec.applications.length + spec.environments.length;
}

/**
 * Decides between the previous good fleet and a newly parsed one. Any error keeps
 * `previousGood` in force; warnings do not block.
 *
 * One more guard, like prune's allowEmpty: a new definition with no fleet objects at all never
 * replaces a non-empty one. An empty tree is far more often a broken checkout, a wrong path or a
 * bad force-push than an intent to delete every application from every cluster.
 */
export function acceptFleet(
  previousGood: FleetSpec | undefined,
  parsed: ParsedFleet,
): FleetDecision {
  const problems = [...parsed.problems];
  if (
    previousGood !== undefined &&
    objectCount(previousGood) > 0 &&
    objectCount(parsed.spec) === 0 &&
    !problems.some((p) => p.severity === 'error')
  ) {
    problems.unshift({
      file: '',
      line: 0,
      field: '',
      message: `the repository declares no fleet objects while the fleet in force declares ${String(objectCount(previousGood))}; refusing to remove everything at once (check the fleet path and branch)`,
      severity: 'error',
    });
  }
  const accepted = !problems.some((p) => p.severity === 'error');
  return { inForce: accepted ? parsed.spec : previousGood, accepted, problems };
}

/** `file:line:column: severity: field: message`, as compilers print it. */
export function formatProblem(p: FleetProblem): string {
  const place =
    p.file === ''
      ? '(repository)'
      : `${p.file}:${String(p.line)}${p.column === undefined ? '' : `:${String(p.column)}`}`;
  return `${place}: ${p.severity}: ${p.field === '' ? '' : `${p.field}: `}${p.message}`;
}

/**
 * The GitfleetError (FLEET_INVALID, terminal: the commit must change) for a refused definition,
 * naming the first error and counting the rest. Undefined when nothing is an error.
 */
export function fleetInvalidError(problems: readonly FleetProblem[]): GitfleetError | undefined {
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first === undefined) return undefined;
  const more = errors.length - 1;
  return new GitfleetError(
    ErrorCode.FleetInvalid,
    `fleet definition refused: ${formatProblem(first)}${more > 0 ? ` (and ${String(more)} more error(s))` : ''}`,
    {
      terminal: true,
      details: {
        errors: errors.length,
        warnings: problems.length - errors.length,
        file: first.file,
        line: first.line,
        field: first.field,
      },
    },
  );
}
