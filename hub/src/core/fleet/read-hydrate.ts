/**
 * `spec.hydrateTo` of an Application: where the hub writes the application's rendered objects
 * for reviewers (docs/sources.md "Rendered manifests in Git"):
 *
 *   hydrateTo:
 *     branch: rendered          # a branch of the source repository (created when missing)
 *     path: web                 # the directory the hub owns on that branch
 *
 * Both fields are required. The branch must be a plain branch name and not the branch the
 * application reads (`source.targetRevision`): a hydration commit there would be a new source
 * revision, rendered and hydrated again without end. The path is normalised like `source.path`
 * and must name a directory: the hub removes what it no longer produces under it.
 */
import { readCheckedString, readFields, readString, report } from './read.ts';
import type { Ctx, Slot } from './read.ts';
import { gitRefProblem, normaliseSourcePath } from './syntax.ts';
import type { HydrateTo } from './types.ts';

/** Why `branch` cannot be a hydration branch, or undefined when it can. */
export function hydrateBranchProblem(branch: string): string | undefined {
  const problem = gitRefProblem(branch);
  if (problem !== undefined) return problem;
  if (branch === 'HEAD' || branch.startsWith('refs/')) {
    return "is not a branch name (write the name alone: 'rendered', not 'refs/heads/rendered')";
  }
  return undefined;
}

/**
 * Reads `spec.hydrateTo`. `readRevision` is the application's `source.targetRevision` (when it
 * was read): the hydration branch must differ from it. A bad value is reported where it is
 * written, and the application then hydrates nowhere.
 */
export function readHydrateTo(
  ctx: Ctx,
  slot: Slot,
  readRevision: string | undefined,
): HydrateTo | undefined {
  const fields = readFields(ctx, slot, ['branch', 'path']);
  if (fields === undefined) return undefined;
  const branchSlot = fields.require('branch');
  let branch =
    branchSlot === undefined ? undefined : readCheckedString(ctx, branchSlot, hydrateBranchProblem);
  if (branchSlot !== undefined && branch !== undefined && branch === readRevision) {
    report(
      ctx,
      branchSlot.node.pos,
      branchSlot.field,
      `${JSON.stringify(branch)} is the branch the application reads (source.targetRevision); name another branch, or each hydration commit would be rendered and hydrated again`,
    );
    branch = undefined;
  }
  const pathSlot = fields.require('path');
  const rawPath = pathSlot === undefined ? undefined : readString(ctx, pathSlot);
  let path: string | undefined;
  if (pathSlot !== undefined && rawPath !== undefined) {
    const normalised = normaliseSourcePath(rawPath);
    if ('problem' in normalised) {
      report(
        ctx,
        pathSlot.node.pos,
        pathSlot.field,
        `${JSON.stringify(rawPath)} ${normalised.problem}`,
      );
    } else if (normalised.path === '') {
      report(
        ctx,
        pathSlot.node.pos,
        pathSlot.field,
        `${JSON.stringify(rawPath)} is the repository root; name a directory (the hub removes what it no longer writes under it)`,
      );
    } else {
      path = normalised.path;
    }
  }
  return branch === undefined || path === undefined ? undefined : { branch, path };
}
