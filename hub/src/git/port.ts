/**
 * The GitSource port: what the hub needs from Git. Fetch a repository's branches and tags into a
 * local cache, resolve a branch, tag or SHA to a commit, and read the files under a path at a
 * commit, with size limits. The adapter is IsomorphicGitSource (git-source.ts).
 */

const MIB = 1024 * 1024;

/** A repository to read and its credentials. The token is never logged nor put in errors. */
export interface GitRepo {
  /**
   * `https://…` / `http://…`, or `file:///abs/path` / an absolute path (bare or with `.git`)
   * under a root the source allows (see source-policy.ts).
   */
  readonly url: string;
  /** Sent as the HTTP Basic password when the server asks for credentials (onAuth). */
  readonly token?: string;
  /** Sent with the token (default DEFAULT_GIT_USERNAME; some hosts want a specific name). */
  readonly username?: string;
  /**
   * The branch the caller reads (e.g. the fleet branch). Every branch and tag is fetched
   * regardless; this only picks the commit a HEAD-less server's fetch is anchored on.
   */
  readonly branch?: string;
}

/** Just the repository's identity: enough for reads from the cache. */
export type GitRepoRef = Pick<GitRepo, 'url'>;

/** Username sent with a token when none is configured (GitHub's convention; others accept any). */
export const DEFAULT_GIT_USERNAME = 'x-access-token';

/** The refs of a repository as of its last successful fetch. */
export interface RefSnapshot {
  /** The repository URL without credentials. */
  readonly url: string;
  /** Full ref name (`refs/heads/main`, `refs/tags/v1`) → commit SHA; annotated tags are peeled. */
  readonly refs: ReadonlyMap<string, string>;
  /** The branch the server's HEAD names (`refs/heads/main`), when it has one. */
  readonly defaultBranch?: string;
  readonly fetchedAtMs: number;
}

/** A ref that a fetch added, moved or removed. */
export interface RefChange {
  readonly ref: string;
  /** Commit before the fetch; undefined for a new ref. */
  readonly before?: string;
  /** Commit after the fetch; undefined for a removed ref. */
  readonly after?: string;
  /**
   * The new commit does not descend from the old one: a force-push, a rewritten history or a
   * moved tag. The new commit is used all the same (Git is the truth); this is for status/audit.
   */
  readonly forced: boolean;
}

export interface FetchResult {
  /** The repository URL without credentials. */
  readonly url: string;
  /** Refs after the fetch (the new last good state). */
  readonly refs: ReadonlyMap<string, string>;
  /** Refs before the fetch (empty on the first fetch of a cache). */
  readonly previous: ReadonlyMap<string, string>;
  /** Refs that changed, in ref order. */
  readonly changes: readonly RefChange[];
  readonly defaultBranch?: string;
  readonly fetchedAtMs: number;
  readonly durationMs: number;
  /** Bytes received over HTTP (ref advertisement + pack), or object bytes copied from a local repository. */
  readonly bytes: number;
}

/**
 * Upper bounds of one readFiles call; crossing one is a LIMIT_EXCEEDED error naming the file or
 * directory and the limit. Sizes are taken from object headers, before anything is inflated.
 */
export interface ReadLimits {
  /** Largest single file, in bytes (default 1 MiB). */
  readonly maxFileBytes: number;
  /** Largest sum of the files read, in bytes (default 32 MiB). */
  readonly maxTotalBytes: number;
  /** Most files read (default 10,000). */
  readonly maxFiles: number;
  /** Most tree entries (files, directories, links) walked, read or not (default 50,000). */
  readonly maxTreeEntries: number;
  /** Deepest directory below the repository root (default 64 levels). */
  readonly maxTreeDepth: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({
  maxFileBytes: 1 * MIB,
  maxTotalBytes: 32 * MIB,
  maxFiles: 10_000,
  maxTreeEntries: 50_000,
  maxTreeDepth: 64,
});

export interface ReadFilesOptions extends Partial<ReadLimits> {
  /**
   * Which files to read, by repository-relative path (default: all). Files left out are neither
   * read nor counted against the limits, so a large image next to the manifests does no harm.
   */
  readonly include?: (path: string) => boolean;
}

/**
 * Entries readFiles never reads. One that the `include` filter selects fails the read
 * (MANIFEST_INVALID naming it); one the filter leaves out is listed in `skipped`.
 */
export const SkipReason = {
  /** Mode 120000: never followed (a link could point outside the repository). */
  Symlink: 'symlink',
  /** Mode 160000 (gitlink): the submodule's repository is never fetched. */
  Submodule: 'submodule',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export interface SkippedEntry {
  /** Repository-relative path. */
  readonly path: string;
  readonly reason: SkipReason;
}

export interface RepoFiles {
  readonly commit: string;
  /** The normalised path that was read ('' = the repository root). */
  readonly path: string;
  /** Repository-relative path → UTF-8 text, in path order. */
  readonly files: ReadonlyMap<string, string>;
  /** Symlinks and submodules under the path that the `include` filter left out. */
  readonly skipped: readonly SkippedEntry[];
  /** Sum of the file sizes read, in bytes. */
  readonly totalBytes: number;
}

export interface GitSource {
  /**
   * Fetches every branch and tag, whatever the server's HEAD names. On failure, rejects
   * (GIT_FETCH_FAILED, GIT_AUTH_FAILED, LIMIT_EXCEEDED for a fetch limit, CONFIG_INVALID for a
   * bad URL, SOURCE_REFUSED for a source the policy refuses) and keeps the last good state:
   * resolve and readFiles keep answering from the previous fetch. Fetches of one repository run
   * one at a time; calls made while one runs share one more fetch.
   */
  fetch(repo: GitRepo): Promise<FetchResult>;
  /** The refs as of the last successful fetch (also across restarts), or undefined. */
  refs(repo: GitRepoRef): Promise<RefSnapshot | undefined>;
  /**
   * Full commit SHA for `ref`: a branch or tag name (short or `refs/…`), `HEAD`, or a full or
   * abbreviated SHA present in the cache. Unknown: NOT_FOUND naming ref and repository.
   */
  resolve(repo: GitRepoRef, ref: string): Promise<string>;
  /**
   * Every file under `path` (a directory or one file; '' = root) at `commit`, read from the
   * object store. A symlink or submodule the read would include fails it (MANIFEST_INVALID
   * naming the entry); a limit crossed fails it (LIMIT_EXCEEDED naming file and limit).
   */
  readFiles(
    repo: GitRepoRef,
    commit: string,
    path: string,
    opts?: ReadFilesOptions,
  ): Promise<RepoFiles>;
}
