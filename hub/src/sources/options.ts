/**
 * The source-render step's options (part of the flag table HUB_FLAGS in ../config.ts): which
 * kubectl renders kustomizations, which helm renders charts, and the bounds of one run and of the rendered-output cache;
 * and the bounds of what the hub fetches from chart repositories for helm dependencies
 * (./chart-repo.ts).
 */
import { integer, option, text } from '@gitfleet/proto';
import { durationAtLeast } from '../duration-option.ts';

const MIB = 1024 * 1024;

export interface SourceRenderSettings {
  /** The kubectl that runs `kubectl kustomize` (a name on PATH or a path). */
  readonly kubectlCommand: string;
  /** The helm (v3 or v4) that runs `helm template` for helm applications. */
  readonly helmCommand: string;
  /** A run taking longer is killed (its whole process group) and refused. */
  readonly timeoutMs: number;
  /** A run writing more than this to stdout is killed and refused. */
  readonly maxOutputBytes: number;
  /** Rendered outputs kept across passes, by their size. */
  readonly cacheBytes: number;
  /** Fetching helm dependencies from chart repositories. */
  readonly charts: ChartRepoSettings;
}

/** The bounds of the chart repository client (./chart-repo.ts). */
export interface ChartRepoSettings {
  /** One request (index.yaml or an archive, redirects included) taking longer is abandoned. */
  readonly timeoutMs: number;
  /** A repository's index is fetched again once it is this old. */
  readonly indexTtlMs: number;
  /** An index.yaml larger than this is refused. */
  readonly maxIndexBytes: number;
  /** An index listing more chart versions than this is refused. */
  readonly maxIndexEntries: number;
  /** A chart archive larger than this is refused. */
  readonly maxArchiveBytes: number;
  /** Indexes and archives kept across passes, by their size. */
  readonly cacheBytes: number;
}

export const DEFAULT_CHART_REPOS: ChartRepoSettings = Object.freeze({
  timeoutMs: 30_000,
  indexTtlMs: 180_000,
  maxIndexBytes: 32 * MIB,
  maxIndexEntries: 100_000,
  maxArchiveBytes: 16 * MIB,
  cacheBytes: 256 * MIB,
});

export const DEFAULT_SOURCE_RENDER: SourceRenderSettings = Object.freeze({
  kubectlCommand: 'kubectl',
  helmCommand: 'helm',
  timeoutMs: 30_000,
  maxOutputBytes: 64 * MIB,
  cacheBytes: 256 * MIB,
  charts: DEFAULT_CHART_REPOS,
});

export const SOURCE_RENDER_FLAGS = {
  kubectlCommand: option({
    flag: 'kubectl-command',
    env: 'GITFLEET_KUBECTL_COMMAND',
    arg: 'PATH',
    description:
      'the kubectl that renders kustomize applications (`kubectl kustomize`); a name on PATH or a path',
    default: DEFAULT_SOURCE_RENDER.kubectlCommand,
    parse: text,
  }),
  helmCommand: option({
    flag: 'helm-command',
    env: 'GITFLEET_HELM_COMMAND',
    arg: 'PATH',
    description:
      'the helm that renders helm applications (`helm template`); a name on PATH or a path',
    default: DEFAULT_SOURCE_RENDER.helmCommand,
    parse: text,
  }),
  renderTimeout: option({
    flag: 'render-timeout',
    env: 'GITFLEET_RENDER_TIMEOUT',
    arg: 'DURATION',
    description: 'a kustomize or helm run taking longer is killed and the render refused',
    default: DEFAULT_SOURCE_RENDER.timeoutMs,
    defaultText: '30s',
    parse: durationAtLeast(100, '100ms'),
  }),
  renderMaxOutputBytes: option({
    flag: 'render-max-output-bytes',
    env: 'GITFLEET_RENDER_MAX_OUTPUT_BYTES',
    arg: 'N',
    description:
      'a kustomize or helm run writing more YAML than this is killed and the render refused',
    default: DEFAULT_SOURCE_RENDER.maxOutputBytes,
    defaultText: '67108864 (64 MiB)',
    parse: integer(1024, 1024 * MIB),
  }),
  renderCacheBytes: option({
    flag: 'render-cache-bytes',
    env: 'GITFLEET_RENDER_CACHE_BYTES',
    arg: 'N',
    description:
      'rendered kustomize and helm output kept across passes, keyed by repository, commit, path and options',
    default: DEFAULT_SOURCE_RENDER.cacheBytes,
    defaultText: '268435456 (256 MiB)',
    parse: integer(0, 64 * 1024 * MIB),
  }),
  chartRepoTimeout: option({
    flag: 'chart-repo-timeout',
    env: 'GITFLEET_CHART_REPO_TIMEOUT',
    arg: 'DURATION',
    description:
      'a request to a chart repository (index.yaml or a chart archive, for helm dependencies) taking longer is abandoned and the render refused',
    default: DEFAULT_CHART_REPOS.timeoutMs,
    defaultText: '30s',
    parse: durationAtLeast(100, '100ms'),
  }),
  chartRepoIndexTtl: option({
    flag: 'chart-repo-index-ttl',
    env: 'GITFLEET_CHART_REPO_INDEX_TTL',
    arg: 'DURATION',
    description:
      "how long a chart repository's index.yaml is used before it is fetched again (a failed fetch is tried again after the same time, at most a minute)",
    default: DEFAULT_CHART_REPOS.indexTtlMs,
    defaultText: '3m',
    parse: durationAtLeast(1000, '1s'),
  }),
  chartRepoMaxIndexBytes: option({
    flag: 'chart-repo-max-index-bytes',
    env: 'GITFLEET_CHART_REPO_MAX_INDEX_BYTES',
    arg: 'N',
    description: "a chart repository's index.yaml larger than this is refused",
    default: DEFAULT_CHART_REPOS.maxIndexBytes,
    defaultText: '33554432 (32 MiB)',
    parse: integer(1024, 1024 * MIB),
  }),
  chartRepoMaxIndexEntries: option({
    flag: 'chart-repo-max-index-entries',
    env: 'GITFLEET_CHART_REPO_MAX_INDEX_ENTRIES',
    arg: 'N',
    description: "a chart repository's index.yaml listing more chart versions than this is refused",
    default: DEFAULT_CHART_REPOS.maxIndexEntries,
    parse: integer(1, 10_000_000),
  }),
  chartRepoMaxArchiveBytes: option({
    flag: 'chart-repo-max-archive-bytes',
    env: 'GITFLEET_CHART_REPO_MAX_ARCHIVE_BYTES',
    arg: 'N',
    description: 'a chart archive (.tgz) from a chart repository larger than this is refused',
    default: DEFAULT_CHART_REPOS.maxArchiveBytes,
    defaultText: '16777216 (16 MiB)',
    parse: integer(1024, 1024 * MIB),
  }),
  chartRepoCacheBytes: option({
    flag: 'chart-repo-cache-bytes',
    env: 'GITFLEET_CHART_REPO_CACHE_BYTES',
    arg: 'N',
    description:
      'chart repository indexes and chart archives kept across passes (archives by URL and digest)',
    default: DEFAULT_CHART_REPOS.cacheBytes,
    defaultText: '268435456 (256 MiB)',
    parse: integer(0, 64 * 1024 * MIB),
  }),
};

/** The settings from the values of {@link SOURCE_RENDER_FLAGS}. */
export function sourceRenderSettings(v: {
  readonly kubectlCommand: string;
  readonly helmCommand: string;
  readonly renderTimeout: number;
  readonly renderMaxOutputBytes: number;
  readonly renderCacheBytes: number;
  readonly chartRepoTimeout: number;
  readonly chartRepoIndexTtl: number;
  readonly chartRepoMaxIndexBytes: number;
  readonly chartRepoMaxIndexEntries: number;
  readonly chartRepoMaxArchiveBytes: number;
  readonly chartRepoCacheBytes: number;
}): SourceRenderSettings {
  return {
    kubectlCommand: v.kubectlCommand,
    helmCommand: v.helmCommand,
    timeoutMs: v.renderTimeout,
    maxOutputBytes: v.renderMaxOutputBytes,
    cacheBytes: v.renderCacheBytes,
    charts: {
      timeoutMs: v.chartRepoTimeout,
      indexTtlMs: v.chartRepoIndexTtl,
      maxIndexBytes: v.chartRepoMaxIndexBytes,
      maxIndexEntries: v.chartRepoMaxIndexEntries,
      maxArchiveBytes: v.chartRepoMaxArchiveBytes,
      cacheBytes: v.chartRepoCacheBytes,
    },
  };
}
