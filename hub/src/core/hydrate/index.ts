/**
 * Rendered manifests in Git (`spec.hydrateTo`): which files hold an application's rendered
 * objects (layout.ts) and the commit that carries them (commit.ts). Pure; the Git writing is
 * ../../git/hydrate-writer.ts, the pass hook ../../hydrate/hydrator.ts.
 */
export {
  MANIFEST_FILE,
  NO_ENVIRONMENT_DIR,
  README_FILE,
  hydrateLayout,
  manifestYaml,
} from './layout.ts';
export type { HydrateGroup, HydrateLayout, HydrateTarget } from './layout.ts';
export { hydrateBranchLoop } from './guard.ts';
export type { FleetBranch } from './guard.ts';
export { HYDRATE_AUTHOR, MAX_SUBJECT_COMMITS, hydrateMessage, hydrateTime } from './commit.ts';
