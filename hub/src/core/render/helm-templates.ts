/**
 * What a chart's own templates ask for that the hub's render cannot give, found before helm runs
 * and located at the template's file and line:
 *
 * - `lookup`: the hub renders without a cluster, so `lookup` would return nothing and the output
 *   would differ from a render on the cluster, silently. Argo CD renders it as empty; gitfleet
 *   says so instead. Library charts vendored under charts/ may define helpers that call it
 *   (bitnami's common chart does); only the application chart's own templates are read, so a
 *   helper that is defined but not called costs nothing.
 * - `.Files` reads of a path outside the chart (`..` or absolute): helm gives a template only
 *   its own chart's files, so such a read returns nothing, silently.
 *
 * Only actions (`{{ … }}`) are read; comments (`{{/* … *\/}}`) and string contents are not
 * mistaken for calls. Pure.
 */
import { problem } from './problems.ts';
import type { RenderProblem } from './problems.ts';

/** The `.Files` methods that read a file by path. */
const FILE_READS = /\bFiles\.(Get|GetBytes|Glob|Lines|AsConfig|AsSecrets)\s+"((?:[^"\\]|\\.)*)"/g;

interface Action {
  readonly text: string;
  /** 1-based line of the action's opening braces. */
  readonly line: number;
}

/** The actions of a template, comments left out. */
export function templateActions(text: string): Action[] {
  const out: Action[] = [];
  let at = 0;
  let line = 1;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) return out;
    for (let i = at; i < open; i++) if (text.charCodeAt(i) === 10) line++;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return out; // helm reports the unclosed action
    const inner = text
      .slice(open + 2, close)
      .replace(/^-(?=\s)/, '')
      .replace(/(?<=\s)-$/, '')
      .trim();
    if (!inner.startsWith('/*')) out.push({ text: inner, line });
    for (let i = open; i < close; i++) if (text.charCodeAt(i) === 10) line++;
    at = close + 2;
  }
}

/** `text` with the contents of its string literals ("…" and `…`) emptied. */
function withoutStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/`[^`]*`/g, '``');
}

function leavesChart(file: string): boolean {
  return file.startsWith('/') || file.split('/').includes('..');
}

/** Problems of one template file (see the module comment). */
export function templateFileProblems(file: string, text: string): RenderProblem[] {
  const out: RenderProblem[] = [];
  for (const action of templateActions(text)) {
    if (/(^|[\s(|])lookup(?=[\s)]|$)/.test(withoutStrings(action.text))) {
      out.push(
        problem(
          { file, line: action.line },
          'calls lookup, which reads the cluster: the hub renders without one, so it would return nothing and the objects would differ from a render on the cluster; pass the value in values instead',
        ),
      );
    }
    for (const m of action.text.matchAll(FILE_READS)) {
      const path = m[2] ?? '';
      if (!leavesChart(path)) continue;
      out.push(
        problem(
          { file, line: action.line },
          `reads ${JSON.stringify(path)} with .Files.${m[1] ?? 'Get'}, outside the chart: helm gives a template only its own chart's files; copy the file into the chart`,
        ),
      );
    }
  }
  return out;
}

/** Problems of every template of the chart at `chartDir` (its templates/, not its charts/). */
export function chartTemplateProblems(
  chartDir: string,
  files: ReadonlyMap<string, string>,
): RenderProblem[] {
  const templates = `${chartDir === '' ? '' : `${chartDir}/`}templates/`;
  const out: RenderProblem[] = [];
  for (const [file, text] of files) {
    if (file.startsWith(templates)) out.push(...templateFileProblems(file, text));
  }
  return out;
}
