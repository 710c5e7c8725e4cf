/**
 * Which hydration branches would feed themselves: a commit the hub writes there would be a new
 * revision of what the application (or the fleet) reads, rendered and hydrated again without
 * end. parseFleet already refuses `source.targetRevision` itself; pins and the fleet branch are
 * only known across the fleet and the hub's configuration, so they are checked here. Pure.
 */
import { placementOf, resolveRevisionRef } from '../fleet/index.ts';
import type { ApplicationSpec, FleetSpec } from '../fleet/index.ts';

export interface FleetBranch {
  /** True when the application's repository is the fleet repository. */
  readonly sameRepo: boolean;
  /** The branch the hub reads the fleet from. */
  readonly branch: string;
}

/**
 * Why the application's `hydrateTo.branch` must not be written, or undefined when it may be.
 *
 * @example hydrateBranchLoop(spec, app, { sameRepo: true, branch: 'main' }) // when hydrateTo.branch is 'main'
 */
export function hydrateBranchLoop(
  spec: FleetSpec,
  app: ApplicationSpec,
  fleet: FleetBranch,
): string | undefined {
  const branch = app.hydrateTo?.branch;
  if (branch === undefined) return undefined;
  if (fleet.sameRepo && branch === fleet.branch) {
    return `spec.hydrateTo.branch ${JSON.stringify(branch)} is the fleet branch of the same repository; name another branch`;
  }
  for (const target of placementOf(spec, app.name)) {
    const ref = resolveRevisionRef(spec, app.name, target);
    if (ref.ref === branch) {
      return `spec.hydrateTo.branch ${JSON.stringify(branch)} is the revision target ${target} reads (${ref.source}${ref.environment === undefined ? '' : ` of environment ${ref.environment}`}); name another branch`;
    }
  }
  return undefined;
}
