/**
 * What kustomize's stderr says, as one render problem: the temporary directory taken out of the
 * message (paths become repository paths), and the file and line it names. Kustomize names
 * files by absolute path (`evalsymlink failure on '/tmp/…/repo/app/nope.yaml'`) or relative to
 * the kustomization that loads them (`accumulating resources from 'cm.yaml': … in File: cm.yaml`);
 * the most specific (last) one that the copy holds is taken — a directory stands for its
 * kustomization — with the `line N` of a YAML error. When it names none, the problem is at the
 * application's kustomization. Pure.
 */
import { KUSTOMIZATION_FILE_NAMES, joinInRepo } from '../core/render/kustomize-refs.ts';
import { problem } from '../core/render/problems.ts';
import type { RenderProblem } from '../core/render/problems.ts';

/** Most characters of kustomize's message quoted. */
const MAX_MESSAGE = 1_000;

function escapeRegExp(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What kustomize reported about a failed run. */
export interface KustomizeFailure {
  readonly stderr: string;
  /** The copy's root directory (absolute). */
  readonly repoDir: string;
  /** The directory kustomize ran at, repository-relative. */
  readonly dir: string;
  /** The application's kustomization file (where a problem goes when nothing else is named). */
  readonly kustomizationFile: string;
  /** Every file of the copy (repository paths). */
  readonly files: ReadonlySet<string>;
}

/** The repository file `path` stands for: itself, or the kustomization of a directory. */
function fileOf(files: ReadonlySet<string>, path: string): string | undefined {
  if (files.has(path)) return path;
  return KUSTOMIZATION_FILE_NAMES.map((n) => (path === '' ? n : `${path}/${n}`)).find((f) =>
    files.has(f),
  );
}

/** The problem of a failed run (see the module comment). */
export function kustomizeErrorProblem(failure: KustomizeFailure): RenderProblem {
  const { stderr, repoDir, files } = failure;
  const named: { index: number; file: string }[] = [];
  for (const m of stderr.matchAll(new RegExp(`${escapeRegExp(repoDir)}/([^\\s'":,]+)`, 'g'))) {
    const file = fileOf(files, (m[1] ?? '').replace(/[.)\]]+$/, ''));
    if (file !== undefined) named.push({ index: m.index, file });
  }
  for (const m of stderr.matchAll(/(?:in File: |from ')([^\s'"/][^\s'":]*)/g)) {
    const rel = m[1] ?? '';
    const under = joinInRepo(failure.dir, rel);
    const file =
      (under === undefined ? undefined : fileOf(files, under)) ??
      [...files].find((f) => f === rel || f.endsWith(`/${rel}`));
    if (file !== undefined) named.push({ index: m.index, file });
  }
  const last = named.sort((a, b) => a.index - b.index).at(-1)?.file;
  const text = stderr
    .replaceAll(`${repoDir}/`, '')
    .replaceAll(repoDir, '.')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^warning:/i.test(l))
    .join(' ')
    .replace(/^error:\s*/i, '');
  const file = last ?? failure.kustomizationFile;
  const line = last !== undefined || /invalid Kustomization/i.test(text) ? lineOf(text) : undefined;
  const message = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
  return problem(
    { file, ...(line === undefined ? {} : { line }) },
    `kustomize failed: ${message === '' ? 'no message' : message}; fix the kustomization`,
  );
}

function lineOf(text: string): number | undefined {
  const m = /\byaml: line (\d+)/.exec(text);
  const n = m === null ? NaN : Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
