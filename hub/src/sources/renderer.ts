/**
 * The source-render step: an application's kustomization at a commit, with the fleet's options
 * for a target, → the base objects the per-target render (../resolve/render-target.ts) overlays.
 * Collect the files (./closure.ts: refused content is a problem before anything runs), write the
 * options into the kustomization (../core/render/kustomize-options.ts), run kustomize
 * (./run-kustomize.ts), and read its output once with the manifest reader and its limits.
 *
 * A chart's dependencies not vendored under charts/ are fetched by the hub from their chart
 * repositories first (./chart-repo.ts; refused ones are problems before anything is fetched) and
 * given to helm as archives in the copy's charts/.
 *
 * Cached by (repository, commit, path, options digest, and the sha256 of each fetched dependency
 * archive), across passes, bounded by bytes: a thousand targets with the same options cost one
 * run, and so does every later pass until the commit, the options or a dependency's chosen
 * version change. A failure is kept for a minute (a timeout may pass), a success until it is
 * evicted (a commit's files never change).
 */
import { Buffer } from 'node:buffer';
import type { KubeObject, Logger } from '@gitfleet/proto';
import { editKustomization } from '../core/render/kustomize-options.ts';
import { chartTemplateProblems } from '../core/render/helm-templates.ts';
import { loadManifests, resolveLimits, type ManifestLimits } from '../core/render/manifests.ts';
import { problem, type RenderProblem } from '../core/render/problems.ts';
import type { HelmOptions, KustomizeOptions } from '../core/fleet/index.ts';
import { archivePath, chartPlan, type ChartPlan } from '../core/render/helm-deps.ts';
import {
  FLEET_VALUES_FILE,
  helmTemplateArgs,
  valueFilePaths,
} from '../core/render/helm-options.ts';
import type { CredentialSource } from '../git/repo-creds.ts';
import { redactUrl } from '../git/repo-url.ts';
import { ByteLru } from './cache.ts';
import { ChartRepoClient } from './chart-repo.ts';
import { collectClosure } from './closure.ts';
import { RenderOutcome, SourceRenderMetrics } from './metrics.ts';
import {
  DEFAULT_CHART_REPOS,
  DEFAULT_SOURCE_RENDER,
  type SourceRenderSettings,
} from './options.ts';
import { runHelm, type HelmRunResult } from './run-helm.ts';
import { runKustomize, type KustomizeRunResult } from './run-kustomize.ts';

/** How long a failed render is kept before it is tried again. */
export const FAILURE_TTL_MS = 60_000;
/** Size a kept failure counts for. */
const FAILURE_BYTES = 4 * 1024;
/** Charts whose dependency plan is remembered (see SourceRenderer.chartPlan). */
const MAX_CHART_PLANS = 1_000;
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
  /** The hub's repository credentials, for private chart repositories. */
  readonly credentials?: CredentialSource;
}

export class SourceRenderer {
  readonly metrics: SourceRenderMetrics;
  private readonly settings: SourceRenderSettings;
  private readonly logger: Logger;
  private readonly limits: ManifestLimits;
  private readonly now: () => number;
  private readonly cache: ByteLru<SourceRenderResult>;
  private readonly charts: ChartRepoClient;
  private readonly plans = new Map<string, ChartPlan>();

  constructor(settings: Partial<SourceRenderSettings>, deps: SourceRendererDeps) {
    this.settings = {
      ...DEFAULT_SOURCE_RENDER,
      ...settings,
      charts: { ...DEFAULT_CHART_REPOS, ...settings.charts },
    };
    this.logger = deps.logger.child({ component: 'source-render' });
    this.metrics = deps.metrics ?? new SourceRenderMetrics();
    this.limits = resolveLimits(deps.limits);
    this.now = deps.now ?? Date.now;
    this.cache = new ByteLru(this.settings.cacheBytes, this.now);
    this.charts = new ChartRepoClient(this.settings.charts, {
      logger: deps.logger,
      now: this.now,
      ...(deps.credentials === undefined ? {} : { credentials: deps.credentials }),
    });
  }

  /**
   * The chart's dependencies at a commit (../core/render/helm-deps.ts), read once per (repository,
   * commit, chart): a commit's Chart.yaml never changes, and every target of the chart asks.
   */
  chartPlan(req: Pick<HelmRequest, 'repoUrl' | 'commit' | 'path' | 'files'>): ChartPlan {
    const key = [req.repoUrl, req.commit, req.path].join('\n');
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = chartPlan(req.path, req.files);
      if (this.plans.size >= MAX_CHART_PLANS) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
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

  /**
   * The chart rendered with `options`, its dependencies fetched from chart repositories first
   * (cached like {@link kustomize}, the key naming each fetched archive's digest).
   */
  async helm(req: HelmRequest): Promise<SourceRenderResult> {
    const key = [HELM, req.repoUrl, req.commit, req.path, req.optionsDigest];
    const plan = this.chartPlan(req);
    const archives = new Map<string, Uint8Array>();
    if (plan.problems.length === 0 && plan.remote.length > 0) {
      const fetched = await this.charts.fetch(plan.remote);
      if (!fetched.ok) {
        this.logger.debug('helm render refused: a dependency could not be fetched', {
          repo: redactUrl(req.repoUrl),
          commit: req.commit,
          path: req.path,
          problem: fetched.problems[0]?.message,
        });
        return { ok: false, problems: fetched.problems };
      }
      for (const a of fetched.archives) {
        const file = archivePath(req.path, a.name, a.version);
        archives.set(file, a.bytes);
        key.push(`${file}@sha256:${a.sha256}`);
      }
    }
    return this.cache.get(key.join('\n'), async () => {
      const result = await this.renderHelm(req, plan, archives);
      return result.bytes === undefined
        ? { value: result.value, bytes: FAILURE_BYTES, expiresAtMs: this.now() + FAILURE_TTL_MS }
        : { value: result.value, bytes: result.bytes };
    });
  }

  private async renderHelm(
    req: HelmRequest,
    plan: ChartPlan,
    archives: ReadonlyMap<string, Uint8Array>,
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
    if (plan.problems.length > 0) return refuse(plan.problems);
    const templates = chartTemplateProblems(req.path, req.files);
    if (templates.length > 0) return refuse(templates);
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
      archives,
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
