/**
 * The source-render step: an application's kustomization at a commit, with the fleet's options
 * for a target, → the base objects the per-target render (../resolve/render-target.ts) overlays.
 * Collect the files (./closure.ts: refused content is a problem before anything runs), write the
 * options into the kustomization (../core/render/kustomize-options.ts), run kustomize
 * (./run-kustomize.ts), and read its output once with the manifest reader and its limits.
 *
 * Cached by (repository, commit, path, options digest), across passes, bounded by bytes: a
 * thousand targets with the same options cost one run, and so does every later pass until the
 * commit or the options change. A failure is kept for a minute (a timeout may pass), a success
 * until it is evicted (a commit's files never change).
 */
import { Buffer } from 'node:buffer';
import type { KubeObject, Logger } from '@gitfleet/proto';
import { editKustomization } from '../core/render/kustomize-options.ts';
import { loadManifests, resolveLimits, type ManifestLimits } from '../core/render/manifests.ts';
import { problem, type RenderProblem } from '../core/render/problems.ts';
import type { HelmOptions, KustomizeOptions } from '../core/fleet/index.ts';
import {
  chartProblems,
  FLEET_VALUES_FILE,
  helmTemplateArgs,
  valueFilePaths,
} from '../core/render/helm-options.ts';
import { redactUrl } from '../git/repo-url.ts';
import { ByteLru } from './cache.ts';
import { collectClosure } from './closure.ts';
import { RenderOutcome, SourceRenderMetrics } from './metrics.ts';
import { DEFAULT_SOURCE_RENDER, type SourceRenderSettings } from './options.ts';
import { runHelm, type HelmRunResult } from './run-helm.ts';
import { runKustomize, type KustomizeRunResult } from './run-kustomize.ts';

/** How long a failed render is kept before it is tried again. */
export const FAILURE_TTL_MS = 60_000;
/** Size a kept failure counts for. */
const FAILURE_BYTES = 4 * 1024;
/** The source type label of kustomize renders. */
export const KUSTOMIZE = 'kustomize';
/** The source type label of helm renders. */
export const HELM = 'helm';

export interface HelmRequest {
  readonly repoUrl: string;
  readonly commit: string;
  /** The chart directory (its Chart.yaml is there). */
  readonly path: string;
  readonly release: string;
  readonly namespace: string;
  readonly options: HelmOptions;
  /** Digest of release, namespace and options (the cache key). */
  readonly optionsDigest: string;
  /** Every file under `path` at the commit. */
  readonly files: ReadonlyMap<string, string>;
  /** Every file under a repository path (directory or file) at the commit. */
  readonly read: (path: string) => Promise<ReadonlyMap<string, string>>;
}

export interface KustomizeRequest {
  /** Repository URL (the cache key; never logged with credentials). */
  readonly repoUrl: string;
  readonly commit: string;
  /** The application's path (its kustomization is there). */
  readonly path: string;
  readonly options: KustomizeOptions;
  /** `kustomizeOptionsDigest(options)`. */
  readonly optionsDigest: string;
  /** Every file under `path` at the commit. */
  readonly files: ReadonlyMap<string, string>;
  /** Every file under a repository path (directory or file) at the commit. */
  readonly read: (path: string) => Promise<ReadonlyMap<string, string>>;
}

export type SourceRenderResult =
  | { readonly ok: true; readonly objects: readonly KubeObject[] }
  | { readonly ok: false; readonly problems: readonly RenderProblem[] };

export interface SourceRendererDeps {
  readonly logger: Logger;
  readonly metrics?: SourceRenderMetrics;
  readonly limits?: Partial<ManifestLimits>;
  readonly now?: () => number;
}

export class SourceRenderer {
  readonly metrics: SourceRenderMetrics;
  private readonly settings: SourceRenderSettings;
  private readonly logger: Logger;
  private readonly limits: ManifestLimits;
  private readonly now: () => number;
  private readonly cache: ByteLru<SourceRenderResult>;

  constructor(settings: Partial<SourceRenderSettings>, deps: SourceRendererDeps) {
    this.settings = { ...DEFAULT_SOURCE_RENDER, ...settings };
    this.logger = deps.logger.child({ component: 'source-render' });
    this.metrics = deps.metrics ?? new SourceRenderMetrics();
    this.limits = resolveLimits(deps.limits);
    this.now = deps.now ?? Date.now;
    this.cache = new ByteLru(this.settings.cacheBytes, this.now);
  }

  /** The kustomization rendered with `options` (cached; see the module comment). */
  kustomize(req: KustomizeRequest): Promise<SourceRenderResult> {
    const key = [KUSTOMIZE, req.repoUrl, req.commit, req.path, req.optionsDigest].join('\n');
    return this.cache.get(key, async () => {
      const result = await this.renderKustomize(req);
      return result.bytes === undefined
        ? { value: result.value, bytes: FAILURE_BYTES, expiresAtMs: this.now() + FAILURE_TTL_MS }
        : { value: result.value, bytes: result.bytes };
    });
  }

  /** The chart rendered with `options` (cached like {@link kustomize}). */
  helm(req: HelmRequest): Promise<SourceRenderResult> {
    const key = [HELM, req.repoUrl, req.commit, req.path, req.optionsDigest].join('\n');
    return this.cache.get(key, async () => {
      const result = await this.renderHelm(req);
      return result.bytes === undefined
        ? { value: result.value, bytes: FAILURE_BYTES, expiresAtMs: this.now() + FAILURE_TTL_MS }
        : { value: result.value, bytes: result.bytes };
    });
  }

  private async renderHelm(
    req: HelmRequest,
  ): Promise<{ value: SourceRenderResult; bytes?: number }> {
    const where = {
      repo: redactUrl(req.repoUrl),
      commit: req.commit,
      path: req.path,
      options: req.optionsDigest.slice(0, 12),
    };
    const refuse = (problems: readonly RenderProblem[]): { value: SourceRenderResult } => {
      this.metrics.counted(HELM, RenderOutcome.Refused);
      this.logger.warn('helm render refused before running', {
        ...where,
        problem: problems[0]?.message,
      });
      return { value: { ok: false, problems } };
    };
    const chart = chartProblems(req.path, req.files);
    if (chart.length > 0) return refuse(chart);
    const valueFiles = valueFilePaths(req.path, req.options);
    if (valueFiles.problems.length > 0) return refuse(valueFiles.problems);
    const files = new Map(req.files);
    for (const file of valueFiles.paths) {
      if (files.has(file)) continue;
      const text = (await req.read(file)).get(file);
      if (text === undefined) {
        return refuse([
          problem({ overlay: 'helm options' }, `value file "${file}" is not in the repository`),
        ]);
      }
      files.set(file, text);
    }
    if (req.options.values !== undefined) {
      files.set(FLEET_VALUES_FILE, JSON.stringify(req.options.values));
    }
    const run = await runHelm({
      helmCommand: this.settings.helmCommand,
      timeoutMs: this.settings.timeoutMs,
      maxOutputBytes: this.settings.maxOutputBytes,
      files,
      chartDir: req.path,
      args: helmTemplateArgs({
        release: req.release,
        namespace: req.namespace,
        chartDir: req.path,
        valueFiles: valueFiles.paths,
        options: req.options,
      }),
    });
    return this.finished(HELM, where, req.path, 'helm-template-output.yaml', run);
  }

  private async renderKustomize(
    req: KustomizeRequest,
  ): Promise<{ value: SourceRenderResult; bytes?: number }> {
    const where = {
      repo: redactUrl(req.repoUrl),
      commit: req.commit,
      path: req.path,
      options: req.optionsDigest.slice(0, 12),
    };
    const closure = await collectClosure({
      appPath: req.path,
      files: req.files,
      components: req.options.components ?? [],
      read: req.read,
    });
    const refuse = (problems: readonly RenderProblem[]): { value: SourceRenderResult } => {
      this.metrics.counted(KUSTOMIZE, RenderOutcome.Refused);
      this.logger.warn('kustomize render refused before running', {
        ...where,
        problem: problems[0]?.message,
      });
      return { value: { ok: false, problems } };
    };
    const file = closure.kustomizationFile;
    if (closure.problems.length > 0 || file === undefined) return refuse(closure.problems);
    const edited = editKustomization(file, closure.files.get(file) ?? '', req.options);
    if (!edited.ok) return refuse(edited.problems);
    const files = new Map(closure.files);
    files.set(file, edited.text);

    const run = await runKustomize({
      kubectlCommand: this.settings.kubectlCommand,
      timeoutMs: this.settings.timeoutMs,
      maxOutputBytes: this.settings.maxOutputBytes,
      files,
      dir: req.path,
      kustomizationFile: file,
    });
    return this.finished(KUSTOMIZE, where, req.path, 'kustomize-build-output.yaml', run);
  }

  /**
   * Counts and logs one run of a render tool and reads its output: one stream, read once with the
   * manifest reader's limits (its size bound is the total's), named `<path>/<outputName>`.
   */
  private finished(
    type: typeof KUSTOMIZE | typeof HELM,
    where: Readonly<Record<string, string>>,
    appPath: string,
    outputName: string,
    run: KustomizeRunResult | HelmRunResult,
  ): { value: SourceRenderResult; bytes?: number } {
    this.metrics.ran(type, run.seconds);
    this.metrics.counted(type, run.outcome);
    this.logger.info(`${type} render`, {
      ...where,
      outcome: run.outcome,
      ms: Math.round(run.seconds * 1000),
    });
    if (run.outcome !== RenderOutcome.Ok) return { value: { ok: false, problems: run.problems } };
    const output = `${appPath === '' ? '' : `${appPath}/`}${outputName}`;
    const loaded = loadManifests(new Map([[output, run.yaml]]), {
      basePath: output,
      limits: { ...this.limits, maxFileBytes: this.limits.maxTotalBytes },
    });
    if (loaded.problems.length > 0) return { value: { ok: false, problems: loaded.problems } };
    return {
      value: { ok: true, objects: loaded.objects },
      bytes: Buffer.byteLength(run.yaml, 'utf8'),
    };
  }
}
