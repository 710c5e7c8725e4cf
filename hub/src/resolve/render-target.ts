/**
 * Rendering one application for one target of the fleet: the application's manifests at one
 * commit (or the objects its source-render step produced, ./source-step.ts), the fleet's
 * overlays for the pair, and the target's name, labels and environment for `${target.*}`
 * substitution, held to the application's project (./scope-check.ts). The resolver stores what
 * this renders and the diff preview (../http/preview.ts) compares what this renders, so a
 * preview shows exactly what a change would deliver.
 */
import type { KubeObject } from '@gitfleet/proto';
import {
  environmentOf,
  overlaysFor,
  type ApplicationSpec,
  type FleetSpec,
  type TargetSpec,
} from '../core/fleet/index.ts';
import { renderApp, renderError, type RenderContext } from '../core/render/index.ts';
import { checkObjectScope, checkPlacementScope } from './scope-check.ts';

export interface TargetRenderInput {
  readonly fleet: FleetSpec;
  readonly app: ApplicationSpec;
  readonly target: TargetSpec;
  /** The application's source files at the commit (repository path → text). */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The application's objects as its source-render step produced them (kustomize): rendered
   * instead of the manifests in `files`.
   */
  readonly baseObjects?: readonly KubeObject[];
  /** Names the render in the error (`web on prd at 0123456789ab`). */
  readonly subject: string;
}

export interface TargetRender {
  /** Canonical order. */
  readonly objects: readonly KubeObject[];
  /** `contentDigest(objects)`. */
  readonly digest: string;
}

/** What `${target.*}` and `${environment.name}` stand for on `target`. */
export function renderContextOf(fleet: FleetSpec, target: TargetSpec): RenderContext {
  const env = environmentOf(fleet, target.name);
  return {
    target: target.name,
    labels: { ...target.labels },
    ...(env === undefined ? {} : { environment: env.name }),
  };
}

/**
 * Renders the application for the target (see the module comment).
 *
 * @throws GitfleetError MANIFEST_INVALID (terminal) naming `subject` and the problems;
 *   SCOPE_VIOLATION (terminal) when the source, the target or an object is outside the project
 */
export function renderForTarget(input: TargetRenderInput): TargetRender {
  const { fleet, app, target } = input;
  checkPlacementScope(fleet, app, target);
  const rendered = renderApp({
    files: input.files,
    ...(input.baseObjects === undefined ? {} : { baseObjects: input.baseObjects }),
    basePath: app.source.path,
    overlays: overlaysFor(fleet, app.name, target.name),
    ctx: renderContextOf(fleet, target),
  });
  if (!rendered.ok) throw renderError(input.subject, rendered.problems);
  checkObjectScope(fleet, app, target, rendered.objects);
  return { objects: rendered.objects, digest: rendered.digest };
}
