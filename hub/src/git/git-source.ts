/**
 * IsomorphicGitSource: the GitSource port over isomorphic-git. One bare cache repository per
 * repository URL under `cacheDir` (named by the SHA-256 of the normalised URL); fetches over
 * HTTP(S) with token auth, or copies objects from a repository on the local disk (only under a
 * root the operator allowed); reads files from the object store only (no work tree, so nothing
 * in a repository is ever written to disk as a file, and no symlink is ever followed).
 *
 * The refs the hub sees are a snapshot (`gitfleet-refs.json` in the cache) replaced only after
 * a fetch succeeds, so a failed or half-done fetch changes nothing: resolve and readFiles keep
 * answering from the last good state, also after a restart. Objects are never deleted, so a
 * commit that a force-push dropped stays readable by SHA.
 *
 * Everything is bounded (limits.ts): a fetch by its bytes, deadline, and the objects its pack
 * declares (checked before isomorphic-git inflates them); a read by its files, bytes, tree
 * entries and depth (sizes from object headers, before inflating).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { PromiseFsClient } from 'isomorphic-git';
import { ErrorCode, GitfleetError, silentLogger, toGitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import { atomicWriteFs } from './cache-fs.ts';
import { stringProp, toFetchError } from './errors.ts';
import { DEFAULT_FETCH_LIMITS, resolveGitLimits, resolveReadLimits } from './limits.ts';
import type { GitLimits } from './limits.ts';
import { ObjectSizes } from './object-size.ts';
import { isSafeEntryName, joinPath, normaliseReadPath, tagTarget } from './objects.ts';
import type {
  FetchResult,
  GitRepo,
  GitRepoRef,
  GitSource,
  ReadFilesOptions,
  RefChange,
  RefSnapshot,
  RepoFiles,
} from './port.ts';
import { describePath, walkFiles } from './read-files.ts';
import type { TreeItem, WalkStore } from './read-files.ts';
import { compareStrings, diffRefs, isFullSha, lookupRef } from './refs.ts';
import type { CredentialSource } from './repo-creds.ts';
import { cacheDirName, parseRepoUrl } from './repo-url.ts';
import type { RepoLocation } from './repo-url.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';
import { localSourceProblem, sourceRefused } from './source-policy.ts';
import type { SourcePolicy } from './source-policy.ts';
import { REMOTE, checkPack, fetchHttp, fetchLocal, secretsOf } from './transport.ts';
import type { TransportContext } from './transport.ts';

export { SNAPSHOT_FILE } from './snapshot.ts';
export const DEFAULT_MAX_FETCH_BYTES = DEFAULT_FETCH_LIMITS.maxFetchBytes;
export const DEFAULT_FETCH_TIMEOUT_MS = DEFAULT_FETCH_LIMITS.fetchTimeoutMs;
const MAX_TAG_DEPTH = 8;
const MAX_PEEL_MEMO = 10_000;
/** Git's empty tree: isomorphic-git knows it without the object being stored. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface IsomorphicGitSourceOptions extends Partial<GitLimits> {
  /** Directory holding one bare cache repository per URL; created when missing. */
  readonly cacheDir: string;
  /**
   * Absolute directories under which local repositories (`file://…`, absolute paths) may be
   * read; default none, so every local repository is refused (SOURCE_REFUSED).
   */
  readonly allowLocalRoots?: readonly string[];
}

export interface IsomorphicGitSourceDeps {
  readonly logger?: Logger;
  /**
   * Credentials of every HTTP(S) repository by URL (./repo-creds.ts); a fetch request's own
   * token, when it has one, goes first.
   */
  readonly credentials?: CredentialSource;
  readonly now?: () => number;
}

interface RepoState {
  readonly location: RepoLocation;
  /** For messages: the URL without credentials, or the local path. */
  readonly url: string;
  readonly gitdir: string;
  /** Node's fs with atomic writes and the pack check (see cache-fs.ts). */
  readonly fs: PromiseFsClient;
  /** isomorphic-git's cache for this repository (parsed pack indexes). */
  readonly cache: object;
  /** Object sizes from headers, for the read limits. */
  readonly sizes: ObjectSizes;
  /** Object → the commit it peels to (undefined: not a commit). */
  readonly peeled: Map<string, string | undefined>;
  ready?: Promise<void>;
  snapshot?: RefSnapshot;
  /** Credentials of the newest fetch request (used by a queued fetch). */
  latest?: GitRepo;
  running?: Promise<FetchResult>;
  queued?: Promise<FetchResult>;
  /** Why the last fetch failed (cleared by a successful one). */
  lastFetchError?: GitfleetError;
}

export class IsomorphicGitSource implements GitSource {
  readonly #cacheDir: string;
  readonly #limits: GitLimits;
  readonly #policy: SourcePolicy;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #repos = new Map<string, RepoState>();
  readonly #transport: TransportContext;

  constructor(opts: IsomorphicGitSourceOptions, deps: IsomorphicGitSourceDeps = {}) {
    if (!path.isAbsolute(opts.cacheDir)) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `Git cache directory ${JSON.stringify(opts.cacheDir)} is relative; use an absolute path`,
        { terminal: true },
      );
    }
    this.#cacheDir = opts.cacheDir;
    this.#limits = resolveGitLimits(opts);
    const roots = opts.allowLocalRoots ?? [];
    for (const root of roots) {
      if (!path.isAbsolute(root)) {
        throw new GitfleetError(
          ErrorCode.ConfigInvalid,
          `allowed local root ${JSON.stringify(root)} is relative; use an absolute directory`,
          { terminal: true },
        );
      }
    }
    this.#policy = { allowLocalRoots: roots, cacheDir: opts.cacheDir };
    this.#logger = deps.logger ?? silentLogger;
    this.#now = deps.now ?? Date.now;
    this.#transport = {
      limits: this.#limits,
      policy: this.#policy,
      cacheDir: this.#cacheDir,
      logger: this.#logger,
      now: this.#now,
      ...(deps.credentials === undefined ? {} : { credentials: deps.credentials }),
    };
  }

  fetch(repo: GitRepo): Promise<FetchResult> {
    let state: RepoState;
    try {
      state = this.#state(repo.url);
    } catch (err) {
      return Promise.reject(toGitfleetError(err));
    }
    state.latest = repo;
    if (state.running === undefined) return this.#start(state);
    state.queued ??= state.running
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        state.queued = undefined;
        return this.#start(state);
      });
    return state.queued;
  }

  async refs(repo: GitRepoRef): Promise<RefSnapshot | undefined> {
    const state = this.#state(repo.url);
    await this.#ready(state);
    return state.snapshot;
  }

  async resolve(repo: GitRepoRef, ref: string): Promise<string> {
    const state = this.#state(repo.url);
    await this.#ready(state);
    const lookup = lookupRef(state.snapshot, ref);
    switch (lookup.kind) {
      case 'ref':
        return lookup.commit;
      case 'sha':
        return this.#commitInCache(state, lookup.sha, ref);
      case 'short-sha': {
        let oid: string;
        try {
          oid = await git.expandOid({
            fs: state.fs,
            gitdir: state.gitdir,
            oid: lookup.prefix,
            cache: state.cache,
          });
        } catch (err) {
          if (stringProp(err, 'code') === 'AmbiguousError') {
            throw new GitfleetError(
              ErrorCode.ConfigInvalid,
              `Git repository ${state.url}: abbreviated SHA ${JSON.stringify(ref)} matches several objects; use more digits or the full SHA`,
              { terminal: true, details: { repo: state.url, ref } },
            );
          }
          throw this.#refNotFound(state, ref);
        }
        return this.#commitInCache(state, oid, ref);
      }
      case 'ambiguous':
        throw new GitfleetError(
          ErrorCode.ConfigInvalid,
          `Git repository ${state.url}: ${JSON.stringify(ref)} names both ${lookup.refs.join(' and ')}, on different commits; write the full ref name`,
          { terminal: true, details: { repo: state.url, ref } },
        );
      case 'not-found':
        throw this.#refNotFound(state, ref);
    }
  }

  async readFiles(
    repo: GitRepoRef,
    commit: string,
    filePath: string,
    opts: ReadFilesOptions = {},
  ): Promise<RepoFiles> {
    const limits = resolveReadLimits(this.#limits, opts);
    const base = normaliseReadPath(filePath);
    const state = this.#state(repo.url);
    if (!isFullSha(commit)) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `Git repository ${state.url}: readFiles needs a full commit SHA (from resolve), got ${JSON.stringify(commit)}`,
        { terminal: true, details: { repo: state.url } },
      );
    }
    await this.#ready(state);
    let rootTree: string;
    try {
      rootTree = (
        await git.readCommit({
          fs: state.fs,
          gitdir: state.gitdir,
          oid: commit,
          cache: state.cache,
        })
      ).commit.tree;
    } catch (err) {
      if (stringProp(err, 'code') === 'NotFoundError') {
        throw new GitfleetError(
          ErrorCode.NotFound,
          `Git repository ${state.url}: commit ${commit} is not in the cache; fetch the repository first, or resolve the revision again`,
          { details: { repo: state.url, commit } },
        );
      }
      throw this.#readFailed(state, commit, base, err);
    }
    const read = await walkFiles(this.#walkStore(state, commit), {
      url: state.url,
      commit,
      rootTree,
      base,
      limits,
      include: opts.include ?? ((): boolean => true),
    });
    if (read.skipped.length > 0) {
      this.#logger.debug('git entries left out', {
        repo: state.url,
        commit,
        path: base,
        skipped: read.skipped.length,
      });
    }
    return read;
  }

  // -------------------------------------------------------------------------------------------
  // Fetch

  #start(state: RepoState): Promise<FetchResult> {
    const repo = state.latest ?? { url: state.url };
    const run = this.#fetchOnce(state, repo)
      .then(
        (result) => {
          state.lastFetchError = undefined;
          return result;
        },
        (err: unknown) => {
          state.lastFetchError = toGitfleetError(err);
          throw err;
        },
      )
      .finally(() => {
        if (state.running === run) state.running = undefined;
      });
    state.running = run;
    return run;
  }

  async #fetchOnce(state: RepoState, repo: GitRepo): Promise<FetchResult> {
    const startedAtMs = this.#now();
    await this.#ready(state);
    const previous = state.snapshot?.refs ?? new Map<string, string>();
    const fetched =
      state.location.kind === 'http'
        ? await fetchHttp(this.#transport, state, state.location, repo)
        : await fetchLocal(this.#transport, state, state.location.path);
    let refs: Map<string, string>;
    try {
      refs = await this.#peelAll(state, fetched.raw);
    } catch (err) {
      throw toFetchError(err, {
        url: state.url,
        hasToken: false,
        secrets: [...secretsOf(repo), ...(this.#transport.credentials?.known.list() ?? [])],
      });
    }
    const changes = await this.#changes(state, previous, refs);
    const fetchedAtMs = this.#now();
    const defaultBranch =
      fetched.defaultBranch !== undefined && refs.has(fetched.defaultBranch)
        ? fetched.defaultBranch
        : undefined;
    const snapshot: RefSnapshot = {
      url: state.url,
      refs,
      fetchedAtMs,
      ...(defaultBranch === undefined ? {} : { defaultBranch }),
    };
    await writeSnapshot(state.gitdir, snapshot);
    state.snapshot = snapshot;
    const result: FetchResult = {
      url: state.url,
      refs,
      previous,
      changes,
      fetchedAtMs,
      durationMs: fetchedAtMs - startedAtMs,
      bytes: fetched.bytes,
      ...(defaultBranch === undefined ? {} : { defaultBranch }),
    };
    if (changes.length > 0) {
      this.#logger.info('git refs changed', {
        repo: state.url,
        changed: changes.length,
        forced: changes.filter((c) => c.forced).map((c) => c.ref),
        durationMs: result.durationMs,
        bytes: result.bytes,
      });
    }
    return result;
  }

  async #peelAll(state: RepoState, raw: ReadonlyMap<string, string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const ref of [...raw.keys()].sort(compareStrings)) {
      const oid = raw.get(ref);
      if (oid === undefined) continue;
      const commit = await this.#peel(state, oid);
      if (commit === undefined) {
        this.#logger.warn('git ref does not name a commit; ignored', { repo: state.url, ref });
        continue;
      }
      out.set(ref, commit);
    }
    return out;
  }

  /** The commit an object peels to (through annotated tags), or undefined for a tree or blob. */
  async #peel(state: RepoState, oid: string): Promise<string | undefined> {
    if (state.peeled.has(oid)) return state.peeled.get(oid);
    let at = oid;
    let commit: string | undefined;
    for (let depth = 0; depth <= MAX_TAG_DEPTH; depth++) {
      const obj = await git.readObject({
        fs: state.fs,
        gitdir: state.gitdir,
        oid: at,
        format: 'content',
        cache: state.cache,
      });
      if (obj.type === 'commit') {
        commit = at;
        break;
      }
      if (obj.type !== 'tag' || obj.format !== 'content') break;
      at = tagTarget(obj.object).object;
    }
    if (state.peeled.size >= MAX_PEEL_MEMO) state.peeled.clear();
    state.peeled.set(oid, commit);
    return commit;
  }

  async #changes(
    state: RepoState,
    previous: ReadonlyMap<string, string>,
    refs: ReadonlyMap<string, string>,
  ): Promise<RefChange[]> {
    const out: RefChange[] = [];
    for (const d of diffRefs(previous, refs)) {
      const forced =
        d.before !== undefined &&
        d.after !== undefined &&
        !(await this.#descends(state, d.after, d.before));
      out.push({ ...d, forced });
    }
    return out;
  }

  async #descends(state: RepoState, oid: string, ancestor: string): Promise<boolean> {
    try {
      return await git.isDescendent({
        fs: state.fs,
        gitdir: state.gitdir,
        oid,
        ancestor,
        depth: -1,
        cache: state.cache,
      });
    } catch (err) {
      // Ancestry unknown (an object is missing): report it as forced, the safe side for audit.
      this.#logger.warn('git ancestry check failed; reported as forced', {
        repo: state.url,
        error: err instanceof Error ? err.message : String(err),
      });
      return false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  async #commitInCache(state: RepoState, oid: string, ref: string): Promise<string> {
    let commit: string | undefined;
    try {
      commit = await this.#peel(state, oid);
    } catch (err) {
      if (stringProp(err, 'code') === 'NotFoundError') throw this.#refNotFound(state, ref);
      throw this.#readFailed(state, oid, '', err);
    }
    if (commit === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `Git repository ${state.url}: ${JSON.stringify(ref)} names a tree or file, not a commit; use a branch, tag or commit SHA`,
        { terminal: true, details: { repo: state.url, ref } },
      );
    }
    return commit;
  }

  /** Object access for one readFiles walk, with errors mapped to GitfleetErrors. */
  #walkStore(state: RepoState, commit: string): WalkStore {
    const { fs, gitdir, cache } = state;
    return {
      sizeOf: async (oid, p) => {
        if (oid === EMPTY_TREE) return 0;
        let size: number | undefined;
        try {
          size = await state.sizes.sizeOf(oid);
        } catch (err) {
          throw this.#readFailed(state, commit, p, err);
        }
        if (size === undefined) {
          throw this.#readFailed(state, commit, p, new Error(`object ${oid} is missing`));
        }
        return size;
      },
      readTree: async (oid, dir) => {
        let entries: Awaited<ReturnType<typeof git.readTree>>['tree'];
        try {
          entries = (await git.readTree({ fs, gitdir, oid, cache })).tree;
        } catch (err) {
          throw this.#readFailed(state, commit, dir, err);
        }
        const out = new Map<string, TreeItem>();
        for (const e of entries) {
          if (!isSafeEntryName(e.path)) {
            throw unsafeEntry(state.url, commit, joinPath(dir, JSON.stringify(e.path)));
          }
          out.set(e.path, { mode: e.mode, type: e.type, oid: e.oid });
        }
        return out;
      },
      readBlob: async (oid, p) => {
        try {
          return (await git.readBlob({ fs, gitdir, oid, cache })).blob;
        } catch (err) {
          throw this.#readFailed(state, commit, p, err);
        }
      },
    };
  }

  #readFailed(state: RepoState, commit: string, p: string, err: unknown): GitfleetError {
    if (err instanceof GitfleetError) return err;
    if (stringProp(err, 'code') === 'UnsafeFilepathError') {
      return unsafeEntry(state.url, commit, p);
    }
    const message = err instanceof Error ? err.message : String(err);
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `Git repository ${state.url} at ${commit.slice(0, 12)}: reading ${describePath(p)} failed (${message}); the cache may be damaged: delete its directory to fetch afresh`,
      { cause: err, details: { repo: state.url, commit, path: p } },
    );
  }

  #refNotFound(state: RepoState, ref: string): GitfleetError {
    // never fetched: why the fetch failed says more than a missing ref (GIT_AUTH_FAILED …)
    if (state.snapshot === undefined && state.lastFetchError !== undefined) {
      return state.lastFetchError;
    }
    const snap = state.snapshot;
    const why =
      snap === undefined
        ? 'the repository has not been fetched yet; fetch it first'
        : `no such branch, tag or commit among the ${String(snap.refs.size)} refs fetched at ${new Date(snap.fetchedAtMs).toISOString()}; check the name, or push the branch or tag`;
    return new GitfleetError(
      ErrorCode.NotFound,
      `Git repository ${state.url}: ref ${JSON.stringify(ref)} not found: ${why}`,
      { details: { repo: state.url, ref } },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Cache repositories

  /** The state of a repository the policy allows (SOURCE_REFUSED otherwise). */
  #state(url: string): RepoState {
    const location = parseRepoUrl(url);
    const existing = this.#repos.get(location.normalised);
    if (existing !== undefined) return existing;
    if (location.kind === 'local') {
      const problem = localSourceProblem(location.path, this.#policy);
      if (problem !== undefined) throw sourceRefused(location.normalised, problem);
    }
    const gitdir = path.join(this.#cacheDir, cacheDirName(location.normalised));
    const stateUrl = location.kind === 'http' ? location.url : location.path;
    const state: RepoState = {
      location,
      url: stateUrl,
      gitdir,
      fs: atomicWriteFs(path.join(this.#cacheDir, '.tmp'), {
        checkPack: (_file, data) => checkPack(this.#transport, stateUrl, data),
      }),
      cache: {},
      sizes: new ObjectSizes(gitdir),
      peeled: new Map(),
    };
    this.#repos.set(location.normalised, state);
    return state;
  }

  #ready(state: RepoState): Promise<void> {
    state.ready ??= this.#open(state).catch((err: unknown) => {
      state.ready = undefined;
      throw err;
    });
    return state.ready;
  }

  /** Creates the bare cache repository when missing, and loads the last good snapshot. */
  async #open(state: RepoState): Promise<void> {
    const { gitdir } = state;
    await mkdir(gitdir, { recursive: true });
    if (!existsSync(path.join(gitdir, 'config'))) {
      await git.init({ fs: state.fs, gitdir, bare: true });
    }
    if (state.location.kind === 'http') {
      const url: unknown = await git.getConfig({
        fs: state.fs,
        gitdir,
        path: `remote.${REMOTE}.url`,
      });
      if (url !== state.location.url) {
        await git.addRemote({
          fs: state.fs,
          gitdir,
          remote: REMOTE,
          url: state.location.url,
          force: true,
        });
      }
    }
    const snapshot = await readSnapshot(gitdir, state.url);
    if (snapshot === 'invalid') {
      this.#logger.warn('git ref snapshot unreadable; the next fetch rebuilds it', {
        repo: state.url,
      });
    } else if (snapshot !== undefined) {
      state.snapshot = snapshot;
    }
  }
}

function unsafeEntry(url: string, commit: string, p: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `Git repository ${url} at ${commit.slice(0, 12)}: tree entry ${p} has an unsafe name ('..', '.git', a separator or a control character); remove it from the repository`,
    { terminal: true, details: { repo: url, commit, path: p } },
  );
}
