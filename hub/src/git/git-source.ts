/**
 * IsomorphicGitSource: the GitSource port over isomorphic-git. One bare cache repository per
 * repository URL under `cacheDir` (named by the SHA-256 of the normalised URL); fetches over
 * HTTP(S) with token auth, or copies objects from a repository on the local disk; reads files
 * from the object store only (no work tree, so nothing in a repository is ever written to disk
 * as a file, and no symlink is ever followed).
 *
 * The refs the hub sees are a snapshot (`gitfleet-refs.json` in the cache) replaced only after
 * a fetch succeeds, so a failed or half-done fetch changes nothing: resolve and readFiles keep
 * answering from the last good state, also after a restart. Objects are never deleted, so a
 * commit that a force-push dropped stays readable by SHA.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { PromiseFsClient } from 'isomorphic-git';
import { ErrorCode, GitfleetError, silentLogger, toGitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import { atomicWriteFs } from './cache-fs.ts';
import { stringProp, toFetchError } from './errors.ts';
import { copyMissingObjects, findLocalGitdir, readLocalRefs } from './local-repo.ts';
import { meteredHttp } from './metered-http.ts';
import type { TransferMeter } from './metered-http.ts';
import {
  MODE_GITLINK,
  MODE_SYMLINK,
  isSafeEntryName,
  joinPath,
  normaliseReadPath,
  resolveReadLimits,
  tagTarget,
} from './objects.ts';
import { DEFAULT_GIT_USERNAME, SkipReason } from './port.ts';
import type {
  FetchResult,
  GitRepo,
  GitRepoRef,
  GitSource,
  ReadFilesOptions,
  ReadLimits,
  RefChange,
  RefSnapshot,
  RepoFiles,
  SkippedEntry,
} from './port.ts';
import { HEADS, TAGS, compareStrings, diffRefs, isFullSha, lookupRef } from './refs.ts';
import { cacheDirName, parseRepoUrl } from './repo-url.ts';
import type { RepoLocation } from './repo-url.ts';

const MIB = 1024 * 1024;
export const DEFAULT_MAX_FETCH_BYTES = 256 * MIB;
export const DEFAULT_FETCH_TIMEOUT_MS = 60_000;
/** The ref snapshot inside each cache repository. */
export const SNAPSHOT_FILE = 'gitfleet-refs.json';
const REMOTE = 'origin';
const MAX_TAG_DEPTH = 8;
const MAX_PEEL_MEMO = 10_000;

export interface IsomorphicGitSourceOptions {
  /** Directory holding one bare cache repository per URL; created when missing. */
  readonly cacheDir: string;
  /** Most bytes one fetch may receive (HTTP) or copy (local path); default 256 MiB. */
  readonly maxFetchBytes?: number;
  /** Deadline of one fetch's transfer; default 60 s. */
  readonly fetchTimeoutMs?: number;
}

export interface IsomorphicGitSourceDeps {
  readonly logger?: Logger;
  readonly now?: () => number;
}

interface RepoState {
  readonly location: RepoLocation;
  /** For messages: the URL without credentials, or the local path. */
  readonly url: string;
  readonly gitdir: string;
  /** isomorphic-git's cache for this repository (parsed pack indexes). */
  readonly cache: object;
  /** Object → the commit it peels to (undefined: not a commit). */
  readonly peeled: Map<string, string | undefined>;
  ready?: Promise<void>;
  snapshot?: RefSnapshot;
  /** Credentials of the newest fetch request (used by a queued fetch). */
  latest?: GitRepo;
  running?: Promise<FetchResult>;
  queued?: Promise<FetchResult>;
}

interface Fetched {
  /** Full ref name → object (tag objects not yet peeled). */
  readonly raw: ReadonlyMap<string, string>;
  readonly defaultBranch?: string;
  readonly bytes: number;
}

interface TreeItem {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly oid: string;
}

export class IsomorphicGitSource implements GitSource {
  readonly #cacheDir: string;
  readonly #maxFetchBytes: number;
  readonly #fetchTimeoutMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #repos = new Map<string, RepoState>();
  /** Node's fs with atomic writes (see cache-fs.ts), for every cache repository. */
  readonly #fs: PromiseFsClient;

  constructor(opts: IsomorphicGitSourceOptions, deps: IsomorphicGitSourceDeps = {}) {
    if (!path.isAbsolute(opts.cacheDir)) {
      throw new GitfleetError(
        ErrorCode.ConfigInvalid,
        `Git cache directory ${JSON.stringify(opts.cacheDir)} is relative; use an absolute path`,
        { terminal: true },
      );
    }
    this.#cacheDir = opts.cacheDir;
    this.#fs = atomicWriteFs(path.join(opts.cacheDir, '.tmp'));
    this.#maxFetchBytes = positive('maxFetchBytes', opts.maxFetchBytes ?? DEFAULT_MAX_FETCH_BYTES);
    this.#fetchTimeoutMs = positive(
      'fetchTimeoutMs',
      opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
    );
    this.#logger = deps.logger ?? silentLogger;
    this.#now = deps.now ?? Date.now;
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
            fs: this.#fs,
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
    const limits = resolveReadLimits(opts);
    const include = opts.include ?? ((): boolean => true);
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
    const subject = `Git repository ${state.url} at ${commit.slice(0, 12)}`;
    let root: string;
    try {
      root = (
        await git.readCommit({
          fs: this.#fs,
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

    let start: TreeItem = { mode: '040000', type: 'tree', oid: root };
    let walked = '';
    for (const segment of base === '' ? [] : base.split('/')) {
      const entry =
        start.type === 'tree'
          ? (await this.#readTree(state, commit, start.oid, walked)).get(segment)
          : undefined;
      walked = joinPath(walked, segment);
      if (entry === undefined) {
        throw new GitfleetError(
          ErrorCode.NotFound,
          `${subject}: path ${JSON.stringify(base)} does not exist; correct the path or the revision`,
          { terminal: true, details: { repo: state.url, commit, path: base } },
        );
      }
      start = entry;
    }

    const files: [string, string][] = [];
    const skipped: SkippedEntry[] = [];
    const decoder = new TextDecoder('utf-8');
    let totalBytes = 0;
    const stack: [string, TreeItem][] = [[base, start]];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined) break;
      const [p, item] = next;
      if (item.mode === MODE_SYMLINK) {
        skipped.push({ path: p, reason: SkipReason.Symlink });
      } else if (item.mode === MODE_GITLINK || item.type === 'commit') {
        skipped.push({ path: p, reason: SkipReason.Submodule });
      } else if (item.type === 'tree') {
        const entries = await this.#readTree(state, commit, item.oid, p);
        for (const [name, child] of [...entries].reverse()) stack.push([joinPath(p, name), child]);
      } else if (include(p)) {
        if (files.length >= limits.maxFiles) {
          throw limitError(state.url, commit, p, 'maxFiles', limits, {
            what: `more than ${String(limits.maxFiles)} files under ${describePath(base)}`,
          });
        }
        const blob = await this.#readBlob(state, commit, item.oid, p);
        if (blob.byteLength > limits.maxFileBytes) {
          throw limitError(state.url, commit, p, 'maxFileBytes', limits, {
            what: `file ${p} is ${String(blob.byteLength)} bytes, more than the limit of ${String(limits.maxFileBytes)}`,
            bytes: blob.byteLength,
          });
        }
        totalBytes += blob.byteLength;
        if (totalBytes > limits.maxTotalBytes) {
          throw limitError(state.url, commit, p, 'maxTotalBytes', limits, {
            what: `the files under ${describePath(base)} total more than ${String(limits.maxTotalBytes)} bytes (reached at ${p})`,
            bytes: totalBytes,
          });
        }
        files.push([p, decoder.decode(blob)]);
      }
    }
    files.sort(([a], [b]) => compareStrings(a, b));
    skipped.sort((a, b) => compareStrings(a.path, b.path));
    if (skipped.length > 0) {
      this.#logger.debug('git entries skipped', {
        repo: state.url,
        commit,
        path: base,
        skipped: skipped.length,
      });
    }
    return { commit, path: base, files: new Map(files), skipped, totalBytes };
  }

  // -------------------------------------------------------------------------------------------
  // Fetch

  #start(state: RepoState): Promise<FetchResult> {
    const repo = state.latest ?? { url: state.url };
    const run = this.#fetchOnce(state, repo).finally(() => {
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
        ? await this.#fetchHttp(state, state.location, repo)
        : await this.#fetchLocal(state, state.location.path);
    let refs: Map<string, string>;
    try {
      refs = await this.#peelAll(state, fetched.raw);
    } catch (err) {
      throw toFetchError(err, { url: state.url, hasToken: false, secrets: secretsOf(repo) });
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

  async #fetchHttp(
    state: RepoState,
    location: Extract<RepoLocation, { kind: 'http' }>,
    repo: GitRepo,
  ): Promise<Fetched> {
    const token = repo.token === '' ? undefined : repo.token;
    const username = repo.username ?? location.username ?? DEFAULT_GIT_USERNAME;
    const secrets = secretsOf(repo, username);
    const signal = AbortSignal.timeout(this.#fetchTimeoutMs);
    const meter: TransferMeter = { bytes: 0 };
    const http = meteredHttp(
      {
        maxBytes: this.#maxFetchBytes,
        signal,
        onExceeded: (bytes) => this.#fetchLimitError(state, bytes),
      },
      meter,
    );
    const onAuth = token === undefined ? undefined : () => ({ username, password: token });
    const onAuthFailure = (): { cancel: true } => ({ cancel: true });
    const run = (ref: string): ReturnType<typeof git.fetch> =>
      git.fetch({
        fs: this.#fs,
        http,
        gitdir: state.gitdir,
        cache: state.cache,
        url: location.url,
        remote: REMOTE,
        ref,
        singleBranch: false,
        tags: true,
        prune: true,
        pruneTags: true,
        onAuth,
        onAuthFailure,
      });
    try {
      let res: Awaited<ReturnType<typeof git.fetch>>;
      try {
        res = await run('HEAD');
      } catch (err) {
        if (stringProp(err, 'code') !== 'NotFoundError' || meter.exceeded !== undefined) throw err;
        // The server advertises no HEAD (it names an unborn branch): fetch through any ref.
        const listed = await git.listServerRefs({
          http,
          url: location.url,
          onAuth,
          onAuthFailure,
          protocolVersion: 1,
        });
        const any =
          listed.find((r) => r.ref.startsWith(HEADS)) ?? listed.find((r) => r.ref.startsWith(TAGS));
        if (any === undefined) return { raw: new Map(), bytes: meter.bytes };
        res = await run(any.ref);
      }
      if (res.fetchHead === null) return { raw: new Map(), bytes: meter.bytes }; // no refs at all
      const raw = await this.#remoteRefsInCache(state);
      return res.defaultBranch === null
        ? { raw, bytes: meter.bytes }
        : { raw, defaultBranch: res.defaultBranch, bytes: meter.bytes };
    } catch (err) {
      if (meter.exceeded !== undefined) throw meter.exceeded;
      throw toFetchError(err, {
        url: state.url,
        hasToken: token !== undefined,
        secrets,
        ...(signal.aborted ? { timedOutAfterMs: this.#fetchTimeoutMs } : {}),
      });
    }
  }

  /** The branches (as refs/heads/*) and tags isomorphic-git's fetch left in the cache. */
  async #remoteRefsInCache(state: RepoState): Promise<Map<string, string>> {
    const raw = new Map<string, string>();
    const remoteRefs = `refs/remotes/${REMOTE}`;
    for (const name of await git.listRefs({
      fs: this.#fs,
      gitdir: state.gitdir,
      filepath: remoteRefs,
    })) {
      if (name === 'HEAD') continue;
      const oid = await git.resolveRef({
        fs: this.#fs,
        gitdir: state.gitdir,
        ref: `${remoteRefs}/${name}`,
      });
      raw.set(`${HEADS}${name}`, oid);
    }
    for (const name of await git.listRefs({
      fs: this.#fs,
      gitdir: state.gitdir,
      filepath: 'refs/tags',
    })) {
      raw.set(
        `${TAGS}${name}`,
        await git.resolveRef({ fs: this.#fs, gitdir: state.gitdir, ref: `${TAGS}${name}` }),
      );
    }
    return raw;
  }

  async #fetchLocal(state: RepoState, repoPath: string): Promise<Fetched> {
    const deadline = this.#now() + this.#fetchTimeoutMs;
    const gitdir = await findLocalGitdir(repoPath);
    if (gitdir === undefined) {
      throw new GitfleetError(
        ErrorCode.GitFetchFailed,
        `Git repository ${state.url}: not a Git repository (no .git, objects or refs); the last fetched commits stay in use; check the path`,
        { details: { repo: state.url } },
      );
    }
    try {
      const local = await readLocalRefs(gitdir);
      const bytes = await copyMissingObjects({
        from: gitdir,
        to: state.gitdir,
        toFs: this.#fs,
        fromCache: {},
        toCache: state.cache,
        tips: local.refs.values(),
        maxBytes: this.#maxFetchBytes,
        onExceeded: (n) => this.#fetchLimitError(state, n),
        checkDeadline: () => {
          if (this.#now() > deadline) {
            throw toFetchError(new Error('deadline'), {
              url: state.url,
              hasToken: false,
              secrets: [],
              timedOutAfterMs: this.#fetchTimeoutMs,
            });
          }
        },
      });
      return local.defaultBranch === undefined
        ? { raw: local.refs, bytes }
        : { raw: local.refs, defaultBranch: local.defaultBranch, bytes };
    } catch (err) {
      throw toFetchError(err, { url: state.url, hasToken: false, secrets: [] });
    }
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
        fs: this.#fs,
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
        fs: this.#fs,
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

  #fetchLimitError(state: RepoState, bytes: number): GitfleetError {
    return new GitfleetError(
      ErrorCode.ManifestInvalid,
      `Git repository ${state.url}: the fetch exceeded the limit maxFetchBytes = ${String(this.#maxFetchBytes)} bytes (${String(bytes)} received); the last fetched commits stay in use; make the repository smaller or raise maxFetchBytes`,
      {
        terminal: true,
        details: { repo: state.url, limit: 'maxFetchBytes', maxBytes: this.#maxFetchBytes },
      },
    );
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

  async #readTree(
    state: RepoState,
    commit: string,
    oid: string,
    dir: string,
  ): Promise<Map<string, TreeItem>> {
    let entries: Awaited<ReturnType<typeof git.readTree>>['tree'];
    try {
      entries = (
        await git.readTree({ fs: this.#fs, gitdir: state.gitdir, oid, cache: state.cache })
      ).tree;
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
  }

  async #readBlob(state: RepoState, commit: string, oid: string, p: string): Promise<Uint8Array> {
    try {
      return (await git.readBlob({ fs: this.#fs, gitdir: state.gitdir, oid, cache: state.cache }))
        .blob;
    } catch (err) {
      throw this.#readFailed(state, commit, p, err);
    }
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

  #state(url: string): RepoState {
    const location = parseRepoUrl(url);
    const existing = this.#repos.get(location.normalised);
    if (existing !== undefined) return existing;
    const state: RepoState = {
      location,
      url: location.kind === 'http' ? location.url : location.path,
      gitdir: path.join(this.#cacheDir, cacheDirName(location.normalised)),
      cache: {},
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
      await git.init({ fs: this.#fs, gitdir, bare: true });
    }
    if (state.location.kind === 'http') {
      const url: unknown = await git.getConfig({
        fs: this.#fs,
        gitdir,
        path: `remote.${REMOTE}.url`,
      });
      if (url !== state.location.url) {
        await git.addRemote({
          fs: this.#fs,
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

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `Git source option ${name} is ${String(value)}; use a positive integer`,
      { terminal: true },
    );
  }
  return value;
}

/** Texts that must never appear in errors: the token and the Basic header value built from it. */
function secretsOf(repo: GitRepo, username = repo.username ?? DEFAULT_GIT_USERNAME): string[] {
  if (repo.token === undefined || repo.token === '') return [];
  return [repo.token, Buffer.from(`${username}:${repo.token}`).toString('base64')];
}

function describePath(p: string): string {
  return p === '' ? 'the repository root' : p;
}

function limitError(
  url: string,
  commit: string,
  p: string,
  limit: keyof ReadLimits,
  limits: ReadLimits,
  info: { what: string; bytes?: number },
): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `Git repository ${url} at ${commit.slice(0, 12)}: ${info.what} (limit ${limit} = ${String(limits[limit])}); make it smaller, keep it out of the application's path, or raise ${limit}`,
    {
      terminal: true,
      details: {
        repo: url,
        commit,
        path: p,
        limit,
        max: limits[limit],
        ...(info.bytes === undefined ? {} : { bytes: info.bytes }),
      },
    },
  );
}

function unsafeEntry(url: string, commit: string, p: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.ManifestInvalid,
    `Git repository ${url} at ${commit.slice(0, 12)}: tree entry ${p} has an unsafe name ('..', '.git', a separator or a control character); remove it from the repository`,
    { terminal: true, details: { repo: url, commit, path: p } },
  );
}

// ---------------------------------------------------------------------------------------------
// Snapshot file

interface SnapshotFile {
  readonly version: 1;
  readonly url: string;
  readonly fetchedAtMs: number;
  readonly defaultBranch?: string;
  readonly refs: Readonly<Record<string, string>>;
}

async function writeSnapshot(gitdir: string, snap: RefSnapshot): Promise<void> {
  const file: SnapshotFile = {
    version: 1,
    url: snap.url,
    fetchedAtMs: snap.fetchedAtMs,
    ...(snap.defaultBranch === undefined ? {} : { defaultBranch: snap.defaultBranch }),
    refs: Object.fromEntries(snap.refs),
  };
  const target = path.join(gitdir, SNAPSHOT_FILE);
  const tmp = `${target}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 1)}\n`, { mode: 0o600 });
  await rename(tmp, target);
}

async function readSnapshot(
  gitdir: string,
  url: string,
): Promise<RefSnapshot | 'invalid' | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(gitdir, SNAPSHOT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return 'invalid';
    const file = parsed as Partial<SnapshotFile>;
    if (file.version !== 1 || typeof file.fetchedAtMs !== 'number') return 'invalid';
    if (typeof file.refs !== 'object' || file.refs === null) return 'invalid';
    const refs = new Map<string, string>();
    for (const [ref, sha] of Object.entries(file.refs)) {
      if (!ref.startsWith('refs/') || typeof sha !== 'string' || !isFullSha(sha)) return 'invalid';
      refs.set(ref, sha);
    }
    const head = file.defaultBranch;
    return {
      url,
      refs,
      fetchedAtMs: file.fetchedAtMs,
      ...(typeof head === 'string' && refs.has(head) ? { defaultBranch: head } : {}),
    };
  } catch {
    return 'invalid';
  }
}
