/**
 * The helm options of one (application, target): `source.helm`, then the `helm` of each overlay
 * that applies, in order — values deep-merge (a later mapping's keys win, lists replace),
 * parameters replace by name — then `${target.*}` substitution. Targets with the same effective
 * options share one `helm template` run: {@link helmRenderDigest} is their cache key.
 *
 * Also the checks before helm runs: value files stay inside the repository, and every
 * dependency of Chart.yaml is vendored under the chart's charts/ directory or fetched by the hub
 * from an http(s) chart repository (./helm-deps.ts; helm itself never fetches). And the command
 * line. Pure.
 */
import { canonicalJson, sha256Digest } from '@gitfleet/proto/domain';
import type { JsonValue } from '@gitfleet/proto/domain';
import { resolveValueFile, valueFileProblem } from '../fleet/read-helm.ts';
import { chartPlan } from './helm-deps.ts';
import type { HelmOptions, HelmParameter, HelmValue, HelmValues } from '../fleet/types.ts';
import { cloneJson, isRecord } from './json.ts';
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';
import { substituteValues } from './substitute.ts';
import type { SubstitutionContext, SubstitutionIssue } from './substitute.ts';

/** Something that may carry helm options (an ApplicationSource, an Overlay). */
export interface HasHelm {
  readonly helm?: HelmOptions;
}

/** The file gitfleet writes the merged `values` into (given to helm after the value files). */
export const FLEET_VALUES_FILE = '.gitfleet-values.json';

function isValues(v: HelmValue | undefined): v is HelmValues {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` deep-merged onto `base`: mappings merge by key, anything else replaces. */
export function mergeValues(base: HelmValues, over: HelmValues): HelmValues {
  const out: Record<string, HelmValue> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isValues(prev) && isValues(value) ? mergeValues(prev, value) : value;
  }
  return out;
}

/** Merges `over` onto `base` (see the module comment). */
export function mergeHelmOptions(base: HelmOptions, over: HelmOptions): HelmOptions {
  const params = new Map<string, HelmParameter>();
  for (const p of [...(base.parameters ?? []), ...(over.parameters ?? [])]) {
    params.delete(p.name);
    params.set(p.name, p);
  }
  const values =
    base.values === undefined
      ? over.values
      : over.values === undefined
        ? base.values
        : mergeValues(base.values, over.values);
  const merged: HelmOptions = {
    ...base,
    ...over,
    ...(values === undefined ? {} : { values }),
    ...(params.size === 0 ? {} : { parameters: [...params.values()] }),
  };
  return merged;
}

export interface EffectiveHelm {
  readonly options: HelmOptions;
  readonly problems: readonly RenderProblem[];
}

/** The options of `source` and the overlays that apply, merged and substituted for `ctx`. */
export function helmOptionsFor(
  source: HasHelm,
  overlays: readonly HasHelm[],
  ctx: SubstitutionContext,
): EffectiveHelm {
  let merged: HelmOptions = source.helm ?? {};
  for (const overlay of overlays) {
    if (overlay.helm !== undefined) merged = mergeHelmOptions(merged, overlay.helm);
  }
  const issues: SubstitutionIssue[] = [];
  const substituted = substituteValues(cloneJson(merged as unknown as JsonValue), ctx, issues);
  const problems = issues.map((i) =>
    problem(
      { overlay: 'helm options' },
      `placeholder ${i.placeholder} at ${i.pointer}: ${i.message}`,
    ),
  );
  if (!isRecord(substituted) || problems.length > 0) return { options: {}, problems };
  return { options: substituted, problems };
}

/** The cache key of a render: sha256 of the canonical JSON of release, namespace and options. */
export function helmRenderDigest(release: string, namespace: string, options: HelmOptions): string {
  return sha256Digest(
    canonicalJson({ release, namespace, options: cloneJson(options as unknown as JsonValue) }),
  );
}

/** The value files as repository paths, or the problems of those that leave the repository. */
export function valueFilePaths(
  chartDir: string,
  options: HelmOptions,
): { readonly paths: readonly string[]; readonly problems: readonly RenderProblem[] } {
  const paths: string[] = [];
  const problems: RenderProblem[] = [];
  for (const file of options.valueFiles ?? []) {
    const issue = valueFileProblem(chartDir, file);
    const resolved = resolveValueFile(chartDir, file);
    if (issue !== undefined || resolved === undefined) {
      problems.push(
        problem(
          { overlay: 'helm options' },
          `value file ${JSON.stringify(file)} ${issue ?? 'is outside the repository'}`,
        ),
      );
    } else {
      paths.push(resolved);
    }
  }
  return { paths, problems };
}

/**
 * Problems of the chart at `chartDir`: no Chart.yaml, or a dependency of it neither vendored
 * under `charts/<name>/` nor fetchable from an http(s) chart repository (./helm-deps.ts, located
 * at its Chart.yaml line).
 */
export function chartProblems(
  chartDir: string,
  files: ReadonlyMap<string, string>,
): readonly RenderProblem[] {
  return chartPlan(chartDir, files).problems;
}

/** The `helm template` arguments (after the binary), with paths relative to the repository copy root. */
export function helmTemplateArgs(input: {
  readonly release: string;
  readonly namespace: string;
  readonly chartDir: string;
  readonly valueFiles: readonly string[];
  readonly options: HelmOptions;
}): string[] {
  const args = ['template', input.release, input.chartDir === '' ? '.' : input.chartDir];
  args.push('--namespace', input.namespace);
  if (input.options.skipCrds !== true) args.push('--include-crds');
  for (const file of input.valueFiles) args.push('--values', file);
  if (input.options.values !== undefined) args.push('--values', FLEET_VALUES_FILE);
  for (const p of input.options.parameters ?? []) {
    args.push(p.forceString === true ? '--set-string' : '--set', `${p.name}=${p.value}`);
  }
  return args;
}
