/**
 * Whether the hub would take the fleet after a change of one file: the errors parseFleet finds
 * in the fleet with the file replaced, and whether the change brought any of them (or they were
 * there already). The CLI and the hub both check a change with it before they push it.
 */
import { formatProblem } from './accept.ts';
import { parseFleet } from './parse-fleet.ts';

export interface FleetChangeRefusal {
  /** Every error of the fleet after the change, formatted (file:line: message). */
  readonly errors: readonly string[];
  /** True when the change brought at least one of them. */
  readonly introduced: boolean;
}

function errorsOf(files: ReadonlyMap<string, string>): string[] {
  return parseFleet(files)
    .problems.filter((p) => p.severity === 'error')
    .map(formatProblem);
}

/** Undefined when the fleet of `files` with `path` set to `text` has no error. */
export function fleetChangeRefusal(
  files: ReadonlyMap<string, string>,
  path: string,
  text: string,
): FleetChangeRefusal | undefined {
  const after = new Map(files);
  after.set(path, text);
  const errors = errorsOf(after);
  if (errors.length === 0) return undefined;
  const before = new Set(errorsOf(files));
  return { errors, introduced: errors.some((e) => !before.has(e)) };
}
