/**
 * Which repositories the hub agrees to read. A repository URL comes from the hub's configuration
 * (the fleet repository) and from the fleet itself (applications' `repoURL`): a fleet author must
 * not be able to make the hub read a repository on its own disk (its caches of other
 * repositories included), and a token must never cross the network in clear text.
 *
 * - Local repositories (`file://…`, absolute paths) are refused unless they lie under a root the
 *   operator allowed with `--allow-local-sources` (tests, air-gapped mirrors), and never inside
 *   the hub's own cache directory.
 * - A token is never sent over plain `http://` to a host other than loopback.
 *
 * Pure: lexical checks on paths and URLs. The adapter repeats the local check on the real path
 * (symlinks resolved) before it reads.
 */
import path from 'node:path';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { isLoopbackHost } from '../core/git-creds/index.ts';
import { parseRepoUrl, redactUrl } from './repo-url.ts';
import type { RepoLocation } from './repo-url.ts';

export { isLoopbackHost };

export const ALLOW_LOCAL_FLAG = '--allow-local-sources';
export const ALLOW_LOCAL_ENV = 'GITFLEET_ALLOW_LOCAL_SOURCES';

export interface SourcePolicy {
  /** Absolute directories under which local repositories may be read; empty: none. */
  readonly allowLocalRoots: readonly string[];
  /** The hub's Git cache: never readable as a source, whatever the roots say. */
  readonly cacheDir?: string;
}

/** Whether `p` is `root` or lies below it (both absolute, normalised here). */
export function isInside(root: string, p: string): boolean {
  const r = path.posix.normalize(root).replace(/(?<=.)\/+$/, '');
  const q = path.posix.normalize(p).replace(/(?<=.)\/+$/, '');
  return q === r || q.startsWith(r === '/' ? '/' : `${r}/`);
}

/** Why the local repository at `repoPath` may not be read, or undefined when it may. */
export function localSourceProblem(repoPath: string, policy: SourcePolicy): string | undefined {
  if (policy.cacheDir !== undefined && isInside(policy.cacheDir, repoPath)) {
    return `is inside the hub's Git cache (${policy.cacheDir}), which is never a source; use the repository's own URL`;
  }
  if (policy.allowLocalRoots.length === 0) {
    return `is a local repository, and the hub reads none by default; use an https:// URL, or allow local repositories under a directory with ${ALLOW_LOCAL_FLAG} DIR[,DIR…] (${ALLOW_LOCAL_ENV})`;
  }
  if (!policy.allowLocalRoots.some((root) => isInside(root, repoPath))) {
    return `is outside the directories allowed by ${ALLOW_LOCAL_FLAG} (${policy.allowLocalRoots.join(', ')}); move it under one of them, add its directory to ${ALLOW_LOCAL_FLAG} (${ALLOW_LOCAL_ENV}), or use an https:// URL`;
  }
  return undefined;
}

/** Why a token may not be sent to `location`, or undefined when it may. */
export function tokenProblem(location: RepoLocation): string | undefined {
  if (location.kind !== 'http') return undefined;
  const url = new URL(location.url);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'uses plain http:// to a host other than loopback, and a token is never sent in clear text; use the https:// URL, or remove the token';
  }
  return undefined;
}

/**
 * Why the hub must not read `url` (with a token when `hasToken`), or undefined. Also reports a
 * URL parseRepoUrl refuses. For the configuration, which reports every problem at once.
 */
export function sourceProblem(
  url: string,
  policy: SourcePolicy,
  hasToken: boolean,
): string | undefined {
  let location: RepoLocation;
  try {
    location = parseRepoUrl(url);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const problem =
    location.kind === 'local'
      ? localSourceProblem(location.path, policy)
      : hasToken
        ? tokenProblem(location)
        : undefined;
  return problem === undefined ? undefined : `Git repository ${redactUrl(url)} ${problem}`;
}

/** The GitfleetError for a refused source: SOURCE_REFUSED, terminal, naming the URL. */
export function sourceRefused(url: string, problem: string): GitfleetError {
  return new GitfleetError(ErrorCode.SourceRefused, `Git repository ${url} ${problem}`, {
    terminal: true,
    details: { repo: url },
  });
}

/**
 * Parses `--allow-local-sources`: comma-separated absolute directories. Returns the normalised
 * roots, or a problem naming the first bad entry.
 */
export function parseLocalRoots(
  text: string | undefined,
): { readonly roots: readonly string[] } | { readonly problem: string } {
  if (text === undefined || text.trim() === '') return { roots: [] };
  const roots: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (!path.posix.isAbsolute(entry) || entry.includes('\0')) {
      return {
        problem: `${ALLOW_LOCAL_FLAG}: ${JSON.stringify(entry)} is not an absolute directory; list absolute directories separated by ','`,
      };
    }
    roots.push(path.posix.normalize(entry).replace(/(?<=.)\/+$/, ''));
  }
  return { roots };
}
