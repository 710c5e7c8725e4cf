/**
 * What the test fleet's Git server offers (./git-server.ts): its options, the fixture operations
 * and request counters, and the constants its clients rely on.
 */

/** The only interface the server listens on. */
export const GIT_SERVER_HOST = '127.0.0.1';
export const AUTH_REALM = 'gitfleet';
/** REMOTE_USER for requests authenticated by token alone (bearer, or Basic with no username). */
export const TOKEN_USER = 'token';
export const DEFAULT_AUTHOR: GitAuthor = {
  name: 'gitfleet fixture',
  email: 'fixture@gitfleet.invalid',
};

export type GitServerAuth =
  { readonly username: string; readonly password: string } | { readonly token: string };

export interface GitServerOptions {
  /** Port on 127.0.0.1; 0 (the default) lets the OS pick a free one. */
  readonly port?: number;
  /**
   * With auth, every request needs matching credentials or gets 401 + `WWW-Authenticate: Basic`.
   * Token mode accepts Basic with any username and the token as password, or `Bearer <token>`.
   */
  readonly auth?: GitServerAuth;
}

export interface CreateRepoOptions {
  /** Branch HEAD points to and that `commit` uses by default ('main'). */
  readonly defaultBranch?: string;
  /** Credentials this repository requires, instead of the server's (a private repository). */
  readonly auth?: GitServerAuth;
}

export interface GitAuthor {
  readonly name: string;
  readonly email: string;
}

export interface CommitOptions {
  /** Branch to commit on (the repository's default branch); created when missing. */
  readonly branch?: string;
  /** Paths to write (regular files, mode 100644) or delete (`null`); other paths are kept. */
  readonly files: Readonly<Record<string, string | Uint8Array | null>>;
  /** Commit message; a final newline is added when missing, as `git commit` does. */
  readonly message: string;
  readonly author?: GitAuthor;
  /** Author and committer date (now). Fix it for reproducible SHAs. */
  readonly date?: Date;
  /**
   * Make a root commit that holds only `files` and move the branch to it even though it does not
   * descend from the old tip (a rewritten history; clients must fetch with force).
   */
  readonly parentless?: boolean;
}

export interface TagOptions {
  /** Annotated tag with this message (a lightweight tag without). */
  readonly message?: string;
  /** Move an existing tag. */
  readonly force?: boolean;
}

export interface RepoRequestStats {
  /** Every HTTP request for the repository, rejected ones included. */
  readonly total: number;
  /** Upload-pack ref advertisements (`GET info/refs?service=git-upload-pack`): one per fetch, clone or ls-remote. */
  readonly fetches: number;
  /** Receive-pack ref advertisements: one per push. */
  readonly pushes: number;
  /** Requests answered 401. */
  readonly unauthorized: number;
}

export interface GitServer {
  readonly host: typeof GIT_SERVER_HOST;
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Temp dir holding the bare repositories (removed by close). */
  readonly dir: string;
  /** http://127.0.0.1:PORT/<name>.git */
  repoUrl(name: string): string;
  /** `git init --bare` with push over HTTP enabled; resolves to the repository URL. */
  createRepo(name: string, opts?: CreateRepoOptions): Promise<string>;
  /** Makes a real commit on a branch of the bare repository; resolves to its SHA. */
  commit(name: string, opts: CommitOptions): Promise<string>;
  /** Creates (or with force moves) a tag at `ref`; resolves to the SHA of the tagged commit. */
  tag(name: string, tagName: string, ref: string, opts?: TagOptions): Promise<string>;
  /** Moves `branch` to `sha` whether or not it descends from the tip, as `git push --force` would. */
  forcePush(name: string, branch: string, sha: string): Promise<void>;
  /** SHA of the branch tip (default branch), or undefined when the branch does not exist. */
  head(name: string, branch?: string): Promise<string | undefined>;
  /** A snapshot of the HTTP requests seen for a repository. */
  requests(name: string): RepoRequestStats;
  /** Stops listening, kills every child still running, removes the temp dir. Idempotent. */
  close(): Promise<void>;
}
