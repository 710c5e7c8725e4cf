/**
 * The files a kustomize render needs: everything under the application's path, and every base,
 * component and file its kustomizations name elsewhere in the same repository (`../base`),
 * followed kustomization by kustomization. What the render step refuses (remote bases, plugins,
 * Helm charts, paths that leave the repository) is found here, before anything runs, as
 * problems at the kustomization's file and line.
 */
import { ErrorCode, isGitfleetError, toGitfleetError } from '@gitfleet/proto';
import {
  KUSTOMIZATION_FILE_NAMES,
  RefRole,
  joinInRepo,
  kustomizationRefs,
  pluginConfigProblems,
} from '../core/render/kustomize-refs.ts';
import { problem, type RenderProblem } from '../core/render/problems.ts';

/** Most kustomizations (the app's, its bases and components) one render follows. */
export const MAX_KUSTOMIZATIONS = 100;

export interface ClosureInput {
  /** The application's path: the kustomization to render is there. */
  readonly appPath: string;
  /** Every file under `appPath` (repository path → text). */
  readonly files: ReadonlyMap<string, string>;
  /** Components added by the fleet's options, relative to `appPath`. */
  readonly components: readonly string[];
  /** Every file under a repository path (a directory or one file) at the commit. */
  readonly read: (path: string) => Promise<ReadonlyMap<string, string>>;
}

export interface Closure {
  readonly files: ReadonlyMap<string, string>;
  /** The application's kustomization file (undefined: there is none; a problem says so). */
  readonly kustomizationFile: string | undefined;
  readonly problems: readonly RenderProblem[];
}

/** The kustomization file in directory `dir`, if `files` holds one. */
export function kustomizationIn(
  files: ReadonlyMap<string, string>,
  dir: string,
): string | undefined {
  return KUSTOMIZATION_FILE_NAMES.map((n) => (dir === '' ? n : `${dir}/${n}`)).find((f) =>
    files.has(f),
  );
}

function within(dir: string, path: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/** Collects the files (see the module comment); problems when anything is refused or missing. */
export async function collectClosure(input: ClosureInput): Promise<Closure> {
  const files = new Map(input.files);
  const covered: string[] = [input.appPath];
  const problems: RenderProblem[] = [];
  const visited = new Set<string>();
  const queue: string[] = [input.appPath];
  const appFile = kustomizationIn(files, input.appPath);
  if (appFile === undefined) {
    problems.push(
      problem(
        {},
        `path "${input.appPath}" holds no kustomization (${KUSTOMIZATION_FILE_NAMES.join(', ')}); kustomize options need one`,
      ),
    );
    return { files, kustomizationFile: undefined, problems };
  }

  const ensure = async (path: string, from: { file: string; line: number }): Promise<boolean> => {
    if (covered.some((dir) => within(dir, path)) || files.has(path)) return true;
    try {
      for (const [p, text] of await input.read(path)) files.set(p, text);
      covered.push(path);
      return true;
    } catch (err) {
      const e = toGitfleetError(err);
      problems.push(
        problem(
          from,
          isGitfleetError(err, ErrorCode.NotFound)
            ? `"${path}" does not exist at this commit; correct the reference`
            : `"${path}" could not be read: ${e.message}`,
          typeof e.details['limit'] === 'string' ? e.details['limit'] : undefined,
        ),
      );
      return false;
    }
  };

  for (const component of input.components) {
    const path = joinInRepo(input.appPath, component);
    if (path === undefined) {
      problems.push(
        problem(
          { overlay: 'kustomize options' },
          `component "${component}" leaves the repository; keep every path inside it`,
        ),
      );
    } else if (await ensure(path, { file: appFile, line: 1 })) {
      queue.push(path);
    }
  }

  while (queue.length > 0) {
    const dir = queue.shift() ?? '';
    if (visited.has(dir)) continue;
    visited.add(dir);
    if (visited.size > MAX_KUSTOMIZATIONS) {
      problems.push(
        problem(
          { file: appFile },
          `follows more than ${String(MAX_KUSTOMIZATIONS)} kustomizations (limit MAX_KUSTOMIZATIONS)`,
          'MAX_KUSTOMIZATIONS',
        ),
      );
      break;
    }
    const file = kustomizationIn(files, dir);
    if (file === undefined) continue; // kustomize itself says what is missing
    const found = kustomizationRefs(file, files.get(file) ?? '');
    problems.push(...found.problems);
    for (const ref of found.refs) {
      if (!(await ensure(ref.path, { file, line: ref.line }))) continue;
      const isDir = kustomizationIn(files, ref.path) !== undefined;
      if (ref.role === RefRole.Kustomization || (isDir && ref.role !== RefRole.File)) {
        queue.push(ref.path);
      } else if (ref.role === RefRole.Plugin && files.has(ref.path)) {
        problems.push(...pluginConfigProblems(ref.path, files.get(ref.path) ?? ''));
      }
    }
  }
  return { files, kustomizationFile: appFile, problems };
}
