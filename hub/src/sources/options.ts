/**
 * The source-render step's options (part of the flag table HUB_FLAGS in ../config.ts): which
 * kubectl renders kustomizations, which helm renders charts, and the bounds of one run and of the rendered-output cache.
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
}

export const DEFAULT_SOURCE_RENDER: SourceRenderSettings = Object.freeze({
  kubectlCommand: 'kubectl',
  helmCommand: 'helm',
  timeoutMs: 30_000,
  maxOutputBytes: 64 * MIB,
  cacheBytes: 256 * MIB,
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
};

/** The settings from the values of {@link SOURCE_RENDER_FLAGS}. */
export function sourceRenderSettings(v: {
  readonly kubectlCommand: string;
  readonly helmCommand: string;
  readonly renderTimeout: number;
  readonly renderMaxOutputBytes: number;
  readonly renderCacheBytes: number;
}): SourceRenderSettings {
  return {
    kubectlCommand: v.kubectlCommand,
    helmCommand: v.helmCommand,
    timeoutMs: v.renderTimeout,
    maxOutputBytes: v.renderMaxOutputBytes,
    cacheBytes: v.renderCacheBytes,
  };
}
