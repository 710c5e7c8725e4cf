/**
 * HydrateWriter: writes an application's rendered manifests to a branch of its repository over
 * smart HTTP with isomorphic-git (docs/sources.md, "Rendered manifests in Git"). One bare work
 * repository per URL under `<cacheDir>/hydrate/` (the reading cache of git-source.ts is never
 * written to). A write:
 *
 * 1. fetches the repository (every branch and tag: the source commits' times are read from it);
 * 2. builds the tree of the branch head with the directory `path` replaced by the given files
 *    (everything else on the branch kept), writing only blobs and trees, never a work tree;
 * 3. stops when that tree is the head's tree (an identical render writes nothing);
 * 4. commits it — author and committer `gitfleet <gitfleet@localhost>`, time from the source
 *    commits (../core/hydrate/commit.ts), parent the head (none: an orphan root commit on a new
 *    branch) — and pushes it without force. Replicas writing the same render on the same head
 *    make the same commit, so the second push is a no-op.
 *
 * A push refused as not a fast-forward (another writer moved the branch) is fetched and built
 * again once; refused again, the write fails with APPLY_CONFLICT and the caller retries at its
 * next pass. Credentials come from the repository credentials (./repo-creds.ts), go only to the
 * repository's origin, never over plain http:// to a host other than loopback, and never into a
 * message (every text taken from a failure is scrubbed).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { PromiseFsClient, TreeEntry } from 'isomorphic-git';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { HYDRATE_AUTHOR } from '../core/hydrate/index.ts';
import { atomicWriteFs } from './cache-fs.ts';
import { httpStatus, stringProp } from './errors.ts';
import { DEFAULT_GIT_LIMITS } from './limits.ts';
import type { GitLimits } from './limits.ts';
import { meteredHttp } from './metered-http.ts';
import type { TransferMeter } from './metered-http.ts';
import { DEFAULT_GIT_USERNAME } from './port.ts';
import type { CredentialSource, RepoCredential } from './repo-creds.ts';
import { cacheDirName, parseRepoUrl, redactUrl, scrubSecrets } from './repo-url.ts';
import { isLoopbackHost } from './source-policy.ts';
import { REMOTE, checkPack, secretsOf } from './transport.ts';

/** Most bytes of rendered files one application may write (the files under its path). */
export const MAX_HYDRATE_BYTES = 64 * 1024 * 1024;

export interface HydrateWriterOptions {
  /** The hub's cache directory; the work repositories live in `<cacheDir>/hydrate/`. */
  readonly cacheDir: string;
  /** maxFetchBytes, fetchTimeoutMs and the pack checks of the hub's Git limits. */
  readonly limits?: Partial<GitLimits>;
}

export interface HydrateWriterDeps {
  readonly credentials?: CredentialSource;
}

export interface HydrateWrite {
  /** The repository (http(s) URL, without userinfo secrets). */
  readonly url: string;
  readonly branch: string;
  /** Directory the files replace (normalised, not the root). */
  readonly path: string;
  /** Repository-relative path (under `path`) → text: everything `path` holds afterwards. */
  readonly files: ReadonlyMap<string, string>;
  /** The commit message (../core/hydrate/commit.ts `hydrateMessage`). */
  readonly message: string;
  /** Source commits whose newest committer time the commit carries (unknown ones are skipped). */
  readonly sourceCommits: readonly string[];
  /** Unix seconds from the source commits' times (../core/hydrate/commit.ts `hydrateTime`). */
  readonly time: (sourceCommitTimes: readonly number[]) => number;
  /**
   * Repositories (as given in `url`) already fetched by the caller's round of writes: fetched
   * once per round, since each push updates what the next write builds on. Absent: always.
   */
  readonly fetched?: Set<string>;
}

export type HydrateResult =
  | { readonly kind: 'unchanged'; readonly head: string }
  | { readonly kind: 'committed'; readonly commit: string; readonly created: boolean };

/** A work repository of a writer: where it is, its credentials, the secrets to scrub. */
export interface Work {
  readonly url: string;
  readonly location: string;
  readonly gitdir: string;
  readonly fs: PromiseFsClient;
  readonly cache: object;
  readonly cred: RepoCredential | undefined;
  readonly secrets: readonly string[];
}

const MODE_FILE = '100644';
const MODE_DIR = '040000';

export class HydrateWriter {
  readonly #root: string;
  readonly #limits: GitLimits;
  readonly #credentials: CredentialSource | undefined;

  constructor(opts: HydrateWriterOptions, deps: HydrateWriterDeps = {}) {
    this.#root = path.join(opts.cacheDir, 'hydrate');
    this.#limits = { ...DEFAULT_GIT_LIMITS, ...opts.limits };
    this.#credentials = deps.credentials;
  }

  /** Writes `w.files` under `w.path` on `w.branch`; throws a GitfleetError naming what to do. */
  async write(w: HydrateWrite): Promise<HydrateResult> {
    const work = await this.#work(w.url);
    let bytes = 0;
    for (const text of w.files.values()) bytes += Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_HYDRATE_BYTES) {
      throw new GitfleetError(
        ErrorCode.LimitExceeded,
        `rendered manifests of ${String(bytes)} bytes for ${w.path} on branch ${w.branch} of ${work.url} exceed MAX_HYDRATE_BYTES (${String(MAX_HYDRATE_BYTES)}); render fewer objects, or hydrate fewer targets per application`,
        { details: { repo: work.url, limit: 'MAX_HYDRATE_BYTES', bytes } },
      );
    }
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 || w.fetched?.has(w.url) !== true) {
        await this.#fetch(work);
        w.fetched?.add(w.url);
      }
      const result = await this.#commit(work, w);
      if (result.kind === 'unchanged') return result;
      try {
        await this.#push(work, w.branch);
        return result;
      } catch (err) {
        if (!isRejected(err)) throw pushError(err, work, w.branch);
        if (attempt >= 2) {
          throw new GitfleetError(
            ErrorCode.ApplyConflict,
            `branch ${w.branch} of ${work.url} moved while the hub wrote to it, twice (the push was not a fast-forward); the hub never force-pushes and tries again at the next pass; let only the hub write to this branch`,
            { details: { repo: work.url, branch: w.branch, reason: 'non-fast-forward' } },
          );
        }
      }
    }
  }

  async #work(url: string): Promise<Work> {
    const location = parseRepoUrl(url);
    const shown = redactUrl(url);
    if (location.kind !== 'http') {
      throw refused(
        shown,
        'is a local repository; rendered manifests are written over http(s) only',
      );
    }
    const u = new URL(location.url);
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      throw refused(
        shown,
        'uses plain http:// to a host other than loopback; the hub pushes only over https:// there (use the https:// URL)',
      );
    }
    let cred: RepoCredential | undefined;
    try {
      cred = await this.#credentials?.forUrl(location.url);
    } catch (err) {
      const e = err instanceof GitfleetError ? err : undefined;
      throw new GitfleetError(
        ErrorCode.GitAuthFailed,
        `Git repository ${shown}: ${e?.message ?? 'its credentials cannot be read'}`,
        { terminal: true, details: { ...e?.details, repo: shown } },
      );
    }
    const username = cred?.username ?? location.username ?? DEFAULT_GIT_USERNAME;
    const gitdir = path.join(this.#root, cacheDirName(url));
    await mkdir(gitdir, { recursive: true });
    const fs = atomicWriteFs(path.join(this.#root, '.tmp'), {
      checkPack: (_file, data) => checkPack({ limits: this.#limits }, shown, data),
    });
    await git.init({ fs, gitdir, bare: true });
    await git.addRemote({ fs, gitdir, remote: REMOTE, url: location.url, force: true });
    return {
      url: shown,
      location: location.url,
      gitdir,
      fs,
      cache: {},
      cred: cred === undefined ? undefined : { ...cred, username },
      secrets: [
        ...(cred === undefined ? [] : secretsOf({ url: shown, token: cred.password }, username)),
        ...(this.#credentials?.known.list() ?? []),
      ],
    };
  }

  #transfer(work: Work): { http: ReturnType<typeof meteredHttp>; signal: AbortSignal } {
    const signal = AbortSignal.timeout(this.#limits.fetchTimeoutMs);
    const meter: TransferMeter = { bytes: 0 };
    const http = meteredHttp(
      {
        maxBytes: this.#limits.maxFetchBytes,
        signal,
        onExceeded: (bytes) =>
          new GitfleetError(
            ErrorCode.LimitExceeded,
            `Git repository ${work.url}: a transfer for rendered manifests crossed maxFetchBytes (${String(bytes)} bytes); raise maxFetchBytes in --git-limits`,
            { details: { repo: work.url, limit: 'maxFetchBytes' } },
          ),
        authOrigin: new URL(work.location).origin,
      },
      meter,
    );
    return { http, signal };
  }

  #auth(work: Work): Pick<Parameters<typeof git.fetch>[0], 'onAuth' | 'onAuthFailure'> {
    const cred = work.cred;
    return {
      ...(cred === undefined
        ? {}
        : { onAuth: () => ({ username: cred.username, password: cred.password }) }),
      onAuthFailure: () => ({ cancel: true }),
    };
  }

  async #fetch(work: Work): Promise<void> {
    const { http } = this.#transfer(work);
    try {
      await git.fetch({
        fs: work.fs,
        http,
        gitdir: work.gitdir,
        cache: work.cache,
        url: work.location,
        remote: REMOTE,
        singleBranch: false,
        // a source commit pinned by tag: its committer time is read from here
        tags: true,
        prune: true,
        pruneTags: true,
        ...this.#auth(work),
      });
    } catch (err) {
      throw transferError(err, work, 'fetch');
    }
  }

  async #commit(work: Work, w: HydrateWrite): Promise<HydrateResult> {
    const { fs, gitdir, cache } = work;
    const head = await git
      .resolveRef({ fs, gitdir, ref: `refs/remotes/${REMOTE}/${w.branch}` })
      .catch(() => undefined);
    const headTree =
      head === undefined
        ? undefined
        : (await git.readCommit({ fs, gitdir, cache, oid: head })).commit.tree;
    const subtree = await this.#writeDir(work, w.path, w.files);
    const tree = await this.#replace(work, headTree, w.path.split('/'), subtree);
    if (head !== undefined && tree === headTree) return { kind: 'unchanged', head };
    const times: number[] = [];
    for (const oid of w.sourceCommits) {
      const c = await git.readCommit({ fs, gitdir, cache, oid }).catch(() => undefined);
      if (c !== undefined) times.push(c.commit.committer.timestamp);
    }
    const who = { ...HYDRATE_AUTHOR, timestamp: w.time(times), timezoneOffset: 0 };
    const commit = await git.writeCommit({
      fs,
      gitdir,
      commit: {
        message: w.message,
        tree,
        parent: head === undefined ? [] : [head],
        author: who,
        committer: who,
      },
    });
    await git.writeRef({ fs, gitdir, ref: `refs/heads/${w.branch}`, value: commit, force: true });
    return { kind: 'committed', commit, created: head === undefined };
  }

  /** Writes the files under `dir` as a tree; its oid (the files' paths all start with `dir/`). */
  async #writeDir(work: Work, dir: string, files: ReadonlyMap<string, string>): Promise<string> {
    type Node = Map<string, Node | string>;
    const root: Node = new Map();
    for (const [file, text] of files) {
      const parts = file.slice(dir.length + 1).split('/');
      let node = root;
      for (const part of parts.slice(0, -1)) {
        let next = node.get(part);
        if (typeof next !== 'object') node.set(part, (next = new Map()));
        node = next;
      }
      node.set(parts[parts.length - 1] ?? '', text);
    }
    const write = async (node: Node): Promise<string> => {
      const entries: TreeEntry[] = [];
      for (const [name, child] of node) {
        if (typeof child === 'string') {
          const blob = Buffer.from(child, 'utf8');
          const oid = await git.writeBlob({ fs: work.fs, gitdir: work.gitdir, blob });
          entries.push({ mode: MODE_FILE, path: name, oid, type: 'blob' });
        } else {
          entries.push({ mode: MODE_DIR, path: name, oid: await write(child), type: 'tree' });
        }
      }
      return git.writeTree({ fs: work.fs, gitdir: work.gitdir, tree: entries });
    };
    return write(root);
  }

  /** `tree` with the entry at `parts` set to the tree `oid` (undefined: an empty tree). */
  async #replace(
    work: Work,
    tree: string | undefined,
    parts: readonly string[],
    oid: string,
  ): Promise<string> {
    const [name, ...rest] = parts;
    if (name === undefined) return oid;
    const entries =
      tree === undefined
        ? []
        : (await git.readTree({ fs: work.fs, gitdir: work.gitdir, cache: work.cache, oid: tree }))
            .tree;
    const old = entries.find((e) => e.path === name);
    const child = await this.#replace(work, old?.type === 'tree' ? old.oid : undefined, rest, oid);
    const kept = entries.filter((e) => e.path !== name);
    return git.writeTree({
      fs: work.fs,
      gitdir: work.gitdir,
      tree: [...kept, { mode: MODE_DIR, path: name, oid: child, type: 'tree' }],
    });
  }

  async #push(work: Work, branch: string): Promise<void> {
    const { http } = this.#transfer(work);
    await git.push({
      fs: work.fs,
      http,
      gitdir: work.gitdir,
      cache: work.cache,
      url: work.location,
      remote: REMOTE,
      ref: `refs/heads/${branch}`,
      remoteRef: `refs/heads/${branch}`,
      force: false,
      ...this.#auth(work),
    });
  }
}

/** The push was refused because the branch moved (ours is not a fast-forward of it). */
export function isRejected(err: unknown): boolean {
  const code = stringProp(err, 'code');
  if (code === 'PushRejectedError') return true;
  if (code === 'GitPushError') {
    const message = err instanceof Error ? err.message : '';
    return /non-fast-forward|fetch first|stale info|failed to lock|cannot lock|failed to update ref/i.test(
      message,
    );
  }
  // the branch moved to a commit the last fetch did not bring
  return code === 'NotFoundError';
}

export function refused(url: string, problem: string): GitfleetError {
  return new GitfleetError(ErrorCode.SourceRefused, `Git repository ${url} ${problem}`, {
    terminal: true,
    details: { repo: url },
  });
}

export function pushError(err: unknown, work: Work, branch: string): GitfleetError {
  if (stringProp(err, 'code') === 'GitPushError') {
    const why = scrubSecrets(err instanceof Error ? err.message : String(err), work.secrets);
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `Git repository ${work.url}: the server refused the push to branch ${branch}:${why.replace(/\s+/g, ' ')}; check the server's branch protection and hooks for this branch`,
      { details: { repo: work.url, branch } },
    );
  }
  return transferError(err, work, 'push');
}

/** A failed fetch or push as a GitfleetError naming the repository; no secret in it. */
export function transferError(err: unknown, work: Work, op: 'fetch' | 'push'): GitfleetError {
  if (err instanceof GitfleetError) return err;
  const status = httpStatus(err);
  const code = stringProp(err, 'code');
  const subject = `Git repository ${work.url}`;
  const details = {
    repo: work.url,
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(work.cred?.entry === undefined ? {} : { credsEntry: work.cred.entry }),
  };
  if (code === 'UserCanceledError' || status === 401 || status === 403) {
    const sent = work.cred?.entry === undefined ? '' : ` with ${work.cred.entry}`;
    const what =
      status === 403
        ? `the server refused the ${op} (HTTP 403)${sent}`
        : work.cred === undefined
          ? `the server requires credentials for the ${op} (HTTP 401)`
          : `the server rejected the credentials (HTTP 401)${sent}`;
    return new GitfleetError(
      ErrorCode.GitAuthFailed,
      `${subject}: ${what}; give the hub a token that may ${op === 'push' ? 'push to' : 'read'} the repository: an entry of --repo-creds-file whose urlPrefix matches this URL`,
      { terminal: true, details },
    );
  }
  const message = scrubSecrets(err instanceof Error ? err.message : String(err), work.secrets);
  return new GitfleetError(
    ErrorCode.GitFetchFailed,
    `${subject}: ${op} failed${status === undefined ? '' : ` (HTTP ${String(status)})`}: ${message}; the hub tries again at the next pass`,
    { details },
  );
}
