/**
 * One `helm template` run over a copy of the chart (and its value files, and the archives of the
 * dependencies the hub fetched from chart repositories, as `charts/<name>-<version>.tgz`) in a
 * temporary directory (removed afterwards, also on failure), sandboxed like the kustomize run: an
 * environment of only PATH, HOME and helm's cache, config and data homes (all inside the
 * temporary directory), no kubeconfig, no repositories, nothing fetched (`helm template` with
 * every dependency in charts/ needs no network; `lookup` returns nothing). Bounded: killed — its whole
 * process group — when it runs longer than the time limit or writes more than the output limit.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RenderProblem } from '../core/render/problems.ts';
import { problem } from '../core/render/problems.ts';
import { helmErrorProblem } from './helm-errors.ts';
import { RenderOutcome } from './metrics.ts';
import { spawnBounded } from './spawn-bounded.ts';

export interface HelmRun {
  readonly helmCommand: string;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Repository path → text: what the copy holds. */
  readonly files: ReadonlyMap<string, string>;
  /** Repository path → bytes: the fetched dependency archives the copy holds too. */
  readonly archives?: ReadonlyMap<string, Uint8Array>;
  /** The chart directory, repository-relative. */
  readonly chartDir: string;
  /** The arguments after the binary; paths relative to the copy's root. */
  readonly args: readonly string[];
}

export type HelmRunResult =
  | { readonly outcome: typeof RenderOutcome.Ok; readonly yaml: string; readonly seconds: number }
  | {
      readonly outcome: Exclude<RenderOutcome, typeof RenderOutcome.Ok>;
      readonly problems: readonly RenderProblem[];
      readonly seconds: number;
    };

function safeRelative(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '');
}

/** Runs helm over `run.files` (see the module comment). Never rejects. */
export async function runHelm(run: HelmRun): Promise<HelmRunResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-helm-'));
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const chartFile = `${run.chartDir === '' ? '' : `${run.chartDir}/`}Chart.yaml`;
  try {
    const repo = path.join(tmp, 'repo');
    await mkdir(repo);
    const entries: [string, string | Uint8Array][] = [
      ...run.files,
      ...(run.archives ?? new Map<string, Uint8Array>()),
    ];
    for (const [file, content] of entries) {
      if (!safeRelative(file)) continue;
      const to = path.join(repo, file);
      await mkdir(path.dirname(to), { recursive: true });
      await writeFile(to, content);
    }
    const home = path.join(tmp, 'home');
    await mkdir(home);
    const result = await spawnBounded({
      command: run.helmCommand,
      args: run.args,
      cwd: repo,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: home,
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
        KUBECONFIG: path.join(home, 'no-kubeconfig'),
      },
      timeoutMs: run.timeoutMs,
      maxOutputBytes: run.maxOutputBytes,
      tool: 'helm',
      flag: '--helm-command',
    });
    if (result.kind === 'ok')
      return { outcome: RenderOutcome.Ok, yaml: result.stdout, seconds: seconds() };
    if (result.kind === 'timeout') {
      return {
        outcome: RenderOutcome.Timeout,
        problems: [
          problem(
            { file: chartFile },
            `helm ran longer than ${String(run.timeoutMs)} ms (--render-timeout) and was stopped; make the chart smaller`,
            'renderTimeout',
          ),
        ],
        seconds: seconds(),
      };
    }
    if (result.kind === 'too-large') {
      return {
        outcome: RenderOutcome.TooLarge,
        problems: [
          problem(
            { file: chartFile },
            `helm wrote more than ${String(run.maxOutputBytes)} bytes (--render-max-output-bytes) and was stopped; split the application`,
            'renderMaxOutputBytes',
          ),
        ],
        seconds: seconds(),
      };
    }
    return {
      outcome: RenderOutcome.Failed,
      problems: [
        helmErrorProblem({
          stderr: result.stderr,
          repoDir: repo,
          chartDir: run.chartDir,
          files: new Set(run.files.keys()),
        }),
      ],
      seconds: seconds(),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
