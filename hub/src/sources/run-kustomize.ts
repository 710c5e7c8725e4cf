/**
 * One `kubectl kustomize` run over a copy of the repository's files in a temporary directory
 * (removed afterwards, also on failure), sandboxed: an environment of only PATH and HOME (the
 * temporary directory), no kubeconfig, no plugins or Helm enabled, kustomize's default load
 * restrictor (each kustomization loads files only from its own directory; bases in `../` are
 * kustomizations of their own and load fine). Bounded: killed — its whole process group — when
 * it runs longer than the time limit or writes more than the output limit.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kustomizeErrorProblem } from './kustomize-errors.ts';
import type { RenderProblem } from '../core/render/problems.ts';
import { problem } from '../core/render/problems.ts';
import { RenderOutcome } from './metrics.ts';
import { spawnBounded } from './spawn-bounded.ts';

export interface KustomizeRun {
  readonly kubectlCommand: string;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Repository path → text: what the copy holds. */
  readonly files: ReadonlyMap<string, string>;
  /** The directory to render, repository-relative. */
  readonly dir: string;
  /** The kustomization file of `dir` (named when kustomize does not say which file failed). */
  readonly kustomizationFile: string;
}

export type KustomizeRunResult =
  | { readonly outcome: typeof RenderOutcome.Ok; readonly yaml: string; readonly seconds: number }
  | {
      readonly outcome: Exclude<RenderOutcome, typeof RenderOutcome.Ok>;
      readonly problems: readonly RenderProblem[];
      readonly seconds: number;
    };

function safeRelative(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '');
}

/** Runs kustomize over `run.files` (see the module comment). Never rejects. */
export async function runKustomize(run: KustomizeRun): Promise<KustomizeRunResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-render-'));
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const repo = path.join(tmp, 'repo');
    await mkdir(repo);
    for (const [file, text] of run.files) {
      if (!safeRelative(file)) continue;
      const to = path.join(repo, file);
      await mkdir(path.dirname(to), { recursive: true });
      await writeFile(to, text);
    }
    const home = path.join(tmp, 'home');
    await mkdir(home);
    const result = await spawnBounded({
      command: run.kubectlCommand,
      args: ['kustomize', run.dir === '' ? repo : path.join(repo, run.dir)],
      cwd: home,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home },
      timeoutMs: run.timeoutMs,
      maxOutputBytes: run.maxOutputBytes,
      tool: 'kubectl',
      flag: '--kubectl-command',
    });
    if (result.kind === 'ok')
      return { outcome: RenderOutcome.Ok, yaml: result.stdout, seconds: seconds() };
    if (result.kind === 'timeout') {
      return {
        outcome: RenderOutcome.Timeout,
        problems: [
          problem(
            { file: run.kustomizationFile },
            `kustomize ran longer than ${String(run.timeoutMs)} ms (--render-timeout) and was stopped; make the kustomization smaller`,
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
            { file: run.kustomizationFile },
            `kustomize wrote more than ${String(run.maxOutputBytes)} bytes (--render-max-output-bytes) and was stopped; split the application`,
            'renderMaxOutputBytes',
          ),
        ],
        seconds: seconds(),
      };
    }
    return {
      outcome: RenderOutcome.Failed,
      problems: [
        kustomizeErrorProblem({
          stderr: result.stderr,
          repoDir: repo,
          dir: run.dir,
          kustomizationFile: run.kustomizationFile,
          files: new Set(run.files.keys()),
        }),
      ],
      seconds: seconds(),
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
