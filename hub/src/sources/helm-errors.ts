/**
 * What helm's stderr says, as one render problem: the temporary directory taken out, and the
 * template file and line it names turned into a repository path. Helm names templates by chart
 * name (`Error: template: web/templates/deployment.yaml:12:20: executing …`, `parse error at
 * (web/templates/x.yaml:3)`, `YAML parse error on web/templates/x.yaml: … yaml: line 5`); the
 * chart name is replaced by the chart directory. When it names no file of the chart, the problem
 * is at the chart's Chart.yaml. Pure.
 */
import { problem } from '../core/render/problems.ts';
import type { RenderProblem } from '../core/render/problems.ts';

/** Most characters of helm's message quoted. */
const MAX_MESSAGE = 1_000;

export interface HelmFailure {
  readonly stderr: string;
  /** The copy's root directory (absolute). */
  readonly repoDir: string;
  /** The chart directory, repository-relative. */
  readonly chartDir: string;
  /** Every file of the copy (repository paths). */
  readonly files: ReadonlySet<string>;
}

/** The problem of a failed run (see the module comment). */
export function helmErrorProblem(failure: HelmFailure): RenderProblem {
  const { stderr, repoDir, chartDir, files } = failure;
  const text = stderr
    .replaceAll(`${repoDir}/`, '')
    .replaceAll(repoDir, '.')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(warning|walk\.go)/i.test(l))
    .join(' ')
    .replace(/^error:\s*/i, '');
  const prefix = chartDir === '' ? '' : `${chartDir}/`;
  let file: string | undefined;
  let line: number | undefined;
  for (const m of text.matchAll(
    /([\w.-]+)\/((?:charts\/[\w.-]+\/)*templates\/[^\s:()"]+)(?::(\d+))?/g,
  )) {
    const candidate = `${prefix}${m[2] ?? ''}`;
    if (!files.has(candidate)) continue;
    file = candidate;
    const n = Number(m[3]);
    line = Number.isSafeInteger(n) && n > 0 ? n : undefined;
    break;
  }
  if (file !== undefined && line === undefined) {
    const y = /\byaml: line (\d+)/.exec(text);
    const n = y === null ? NaN : Number(y[1]);
    line = Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
  const message = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
  return problem(
    { file: file ?? `${prefix}Chart.yaml`, ...(line === undefined ? {} : { line }) },
    `helm template failed: ${message === '' ? 'no message' : message}; fix the chart`,
  );
}
