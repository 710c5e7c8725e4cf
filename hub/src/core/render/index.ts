/** Rendering an application for a target: manifests → overlays → substitution → digest. */
export { renderApp } from './render.ts';
export type { RenderAppInput, RenderResult } from './render.ts';
export { DEFAULT_MANIFEST_LIMITS, loadManifests, resolveLimits } from './manifests.ts';
export type {
  LoadManifestsOptions,
  LoadedManifests,
  ManifestLimits,
  ManifestSource,
} from './manifests.ts';
export { applyOverlays } from './overlays.ts';
export type {
  JsonPatchOp,
  JsonPatchOverlay,
  MergePatchOverlay,
  Overlay,
  OverlayPatch,
  OverlayResult,
  RenderContext,
} from './overlays.ts';
export { MAX_PATCHED_DEPTH, MAX_PATCH_COPIED_VALUES, applyJsonPatch } from './json-patch.ts';
export { LIST_MERGE_KEYS, applyMergePatch } from './merge-patch.ts';
export { substituteString, substituteValues } from './substitute.ts';
export type { SubstitutionContext, SubstitutionIssue } from './substitute.ts';
export { renderError } from './problems.ts';
export type { RenderProblem } from './problems.ts';
export { CLUSTER_SCOPED_KINDS, FLEET_GROUP, validateObject } from './objects.ts';
export type { ObjectIssue } from './objects.ts';
