/**
 * The source-render step of one (application, target), before the per-target render: plain
 * YAML needs none (the manifests are read by the render itself); a kustomization — written
 * `source.kustomize`, or a kustomization file at `source.path` — is rendered by kustomize with
 * the options of the application and its overlays for the target (../sources/renderer.ts,
 * cached: targets with the same options share one run); a chart — written `source.helm` — by
 * `helm template` with the values of the application and its overlays, cached the same way;
 * the chart repositories its dependencies are fetched from must be allowed by the application's
 * project (`sourceRepos`, like a Git source). Shared by the resolver and the diff preview, so a
 * preview renders exactly what a pass would.
 */
import { ScopeRule, sourceAllowed, type KubeObject } from '@gitfleet/proto';
import {
  overlaysFor,
  projectScopeOf,
  type ApplicationSpec,
  type FleetSpec,
  type TargetSpec,
} from '../core/fleet/index.ts';
import { helmOptionsFor, helmRenderDigest } from '../core/render/helm-options.ts';
import { renderError } from '../core/render/index.ts';
import {
  isEmptyOptions,
  kustomizeOptionsDigest,
  kustomizeOptionsFor,
} from '../core/render/kustomize-options.ts';
import { problem } from '../core/render/problems.ts';
import { kustomizationIn } from '../sources/closure.ts';
import type { SourceRenderer } from '../sources/renderer.ts';
import { renderContextOf } from './render-target.ts';
import { scopeError } from './scope-check.ts';

export interface SourceStepInput {
  readonly fleet: FleetSpec;
  readonly app: ApplicationSpec;
  readonly target: TargetSpec;
  readonly repoUrl: string;
  readonly commit: string;
  /** Every file under the application's path at the commit. */
  readonly files: ReadonlyMap<string, string>;
  /** Every file under another path of the repository at the commit (bases in `../`). */
  readonly read: (path: string) => Promise<ReadonlyMap<string, string>>;
  /** Names the render in the error. */
  readonly subject: string;
}

/** True when the application is rendered by kustomize (see the module comment). */
export function isKustomizeApp(app: ApplicationSpec, files: ReadonlyMap<string, string>): boolean {
  return (
    app.source.kustomize !== undefined || kustomizationIn(files, app.source.path) !== undefined
  );
}

/**
 * The base objects of the pair: undefined for plain YAML (render `files`), the kustomize
 * output otherwise.
 *
 * @throws GitfleetError MANIFEST_INVALID (terminal) naming `subject` and the problems, located
 *   at the kustomization file and line when kustomize or the step's checks say where
 * @throws GitfleetError SCOPE_VIOLATION (terminal) when a chart repository a dependency is
 *   fetched from is outside the application's project
 */
export async function renderSource(
  renderer: SourceRenderer,
  input: SourceStepInput,
): Promise<readonly KubeObject[] | undefined> {
  const { fleet, app, target } = input;
  const overlays = overlaysFor(fleet, app.name, target.name).map((o, i) => ({
    ...o,
    name: o.environment ?? o.target ?? `overlay ${String(i + 1)}`,
  }));
  if (app.source.helm !== undefined) {
    if (overlays.some((o) => o.kustomize !== undefined)) {
      throw renderError(input.subject, [
        problem(
          { overlay: 'kustomize options' },
          'kustomize options are written for this target, but the application is a helm chart; use helm.values or helm.parameters',
        ),
      ]);
    }
    checkChartRepositories(renderer, input);
    const helm = helmOptionsFor(app.source, overlays, renderContextOf(fleet, target));
    if (helm.problems.length > 0) throw renderError(input.subject, helm.problems);
    const release = helm.options.releaseName ?? app.name;
    const namespace = helm.options.namespace ?? 'default';
    const result = await renderer.helm({
      repoUrl: input.repoUrl,
      commit: input.commit,
      path: app.source.path,
      release,
      namespace,
      options: helm.options,
      optionsDigest: helmRenderDigest(release, namespace, helm.options),
      files: input.files,
      read: input.read,
    });
    if (!result.ok) throw renderError(input.subject, result.problems);
    return result.objects;
  }
  const effective = kustomizeOptionsFor(app.source, overlays, renderContextOf(fleet, target));
  if (!isKustomizeApp(app, input.files)) {
    if (!effective.written) return undefined;
    throw renderError(input.subject, [
      problem(
        { overlay: 'kustomize options' },
        `kustomize options are written for this target, but path "${app.source.path}" holds no kustomization; add one or remove the options`,
      ),
    ]);
  }
  if (effective.problems.length > 0) throw renderError(input.subject, effective.problems);
  const options = effective.options;
  const result = await renderer.kustomize({
    repoUrl: input.repoUrl,
    commit: input.commit,
    path: app.source.path,
    options,
    optionsDigest: isEmptyOptions(options) ? 'none' : kustomizeOptionsDigest(options),
    files: input.files,
    read: input.read,
  });
  if (!result.ok) throw renderError(input.subject, result.problems);
  return result.objects;
}

/**
 * Checks the chart repositories the chart's dependencies are fetched from against the
 * application's project, before anything is fetched.
 *
 * @throws GitfleetError SCOPE_VIOLATION (terminal) naming the project, the repository and the
 *   dependency's Chart.yaml line
 */
function checkChartRepositories(renderer: SourceRenderer, input: SourceStepInput): void {
  const { fleet, app, target } = input;
  const scope = projectScopeOf(fleet, app);
  const plan = renderer.chartPlan({
    repoUrl: input.repoUrl,
    commit: input.commit,
    path: app.source.path,
    files: input.files,
  });
  const outside = plan.remote.filter((d) => !sourceAllowed(scope, d.repository));
  const first = outside[0];
  if (first === undefined) return;
  const at = first.line === undefined ? first.file : `${first.file}:${String(first.line)}`;
  const allowed = scope.sourceRepos.map((r) => `"${r}"`).join(', ') || 'none';
  throw scopeError(
    scope,
    app.name,
    target.name,
    {
      rule: ScopeRule.SourceRepos,
      message: `chart repository ${first.repository} (dependency "${first.name}", ${at}) is not allowed by project "${scope.name}" (sourceRepos: ${allowed}); nothing is fetched from it`,
    },
    outside.length,
  );
}
