/**
 * FleetWriter: changes to the fleet repository as Git commits — the hub's promotions
 * (POST /api/v1/promote) and the CLI's pins, promotions, freezes and thaws (../cli/fleet-repo.ts)
 * — over smart HTTP with isomorphic-git. One bare work repository per URL under
 * `<cacheDir>/fleet-writes/` (the reading cache of git-source.ts is never written to; the CLI
 * gives a temporary directory). A change:
 *
 * 1. fetches the branch, reads its fleet files (YAML and JSON, bounded by the read limits) and
 *    parses the fleet;
 * 2. lets the caller compute the edit of one file from them (nothing to change: no commit);
 * 3. refuses it when the hub would refuse the resulting fleet (FLEET_INVALID listing the errors);
 * 4. commits the file — author the caller's, committer `gitfleet <gitfleet@localhost>` unless the
 *    caller names one, parent the head — and pushes it without force.
 *
 * A push refused because the branch moved on is fetched, edited and pushed again once; refused
 * again, the change fails with APPLY_CONFLICT. Credentials come from the repository credentials
 * (./repo-creds.ts: the fleet token or a --repo-creds-file entry), go only to the repository's
 * origin, never over plain http:// to a host other than loopback (unless allowPlainHttp: the CLI,
 * pushing where its operator said), and never into a message.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import type { TreeEntry } from 'isomorphic-git';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { fleetChangeRefusal } from '../core/fleet/change-check.ts';
import { parseFleet, type FleetSpec } from '../core/fleet/index.ts';
import { HYDRATE_AUTHOR } from '../core/hydrate/index.ts';
import { atomicWriteFs } from './cache-fs.ts';
import { stringProp } from './errors.ts';
import { isRejected, pushError, refused, transferError, type Work } from './hydrate-writer.ts';
import { DEFAULT_GIT_LIMITS, type GitLimits } from './limits.ts';
import { meteredHttp, type TransferMeter } from './metered-http.ts';
import { DEFAULT_GIT_USERNAME, DEFAULT_READ_LIMITS } from './port.ts';
import type { CredentialSource, RepoCredential } from './repo-creds.ts';
import { cacheDirName, parseRepoUrl, redactUrl } from './repo-url.ts';
import { isLoopbackHost } from './source-policy.ts';
import { REMOTE, checkPack, secretsOf } from './transport.ts';

const FLEET_FILE = /\.(ya?ml|json)$/i;
const MODE_FILE = '100644';
/** Fleet errors listed in a refusal before "and N more". */
const MAX_PROBLEMS_SHOWN = 10;

export interface GitAuthor {
  readonly name: string;
  readonly email: string;
}

/** One file to write, and what the commit says. */
export interface FleetFileEdit {
  readonly path: string;
  readonly text: string;
  /** The commit message (first line: what; after it, why and trailers). */
  readonly message: string;
}

/**
 * The edit, from the fleet files on the branch (by path) and the parsed fleet; undefined when
 * there is nothing to change. Called again on the new tip after a refused push. Throws a
 * GitfleetError to refuse.
 */
export type EditFleetFiles = (
  files: ReadonlyMap<string, string>,
  fleet: FleetSpec,
) => FleetFileEdit | undefined;

/** One change to make. */
export interface FleetWrite {
  /** The fleet repository (http(s); plain http only to loopback unless allowPlainHttp). */
  readonly url: string;
  readonly branch: string;
  readonly author: GitAuthor;
  /** Default `gitfleet <gitfleet@localhost>` (the hub); the CLI commits as the operator. */
  readonly committer?: GitAuthor;
  readonly edit: EditFleetFiles;
  /** Runs after the commit and before each push (tests race another writer with it). */
  readonly beforePush?: (attempt: number) => Promise<void>;
}

export type FleetWriteResult =
  /** Nothing to change: `head` is the branch's commit that already has it. */
  | { readonly kind: 'unchanged'; readonly head: string; readonly attempts: number }
  | {
      readonly kind: 'committed';
      readonly commit: string;
      readonly path: string;
      readonly message: string;
      /** Pushes tried (2 after the branch moved once). */
      readonly attempts: number;
    };

/**
 * The step a Git failure of a write happened in, in its GitfleetError's details (`step`); the
 * isomorphic-git error is its `cause`.
 */
export type FleetWriteStep = 'fetch' | 'push';

export interface FleetWriterOptions {
  /** The hub's cache directory; the work repositories live in `<cacheDir>/fleet-writes/`. */
  readonly cacheDir: string;
  /** maxFetchBytes, fetchTimeoutMs and the pack checks of the hub's Git limits. */
  readonly limits?: Partial<GitLimits>;
  /** Unix seconds of the commit (default: now). */
  readonly nowSeconds?: () => number;
  /** Plain http:// to any host, not only loopback (the CLI, where the operator gave the URL). */
  readonly allowPlainHttp?: boolean;
}

export interface FleetWriterDeps {
  readonly credentials?: CredentialSource;
}

export class FleetWriter {
  readonly #root: string;
  readonly #limits: GitLimits;
  readonly #credentials: CredentialSource | undefined;
  readonly #now: () => number;
  readonly #allowPlainHttp: boolean;
  /** One change per repository at a time: a second waits (each builds on the other's push). */
  readonly #queue = new Map<string, Promise<unknown>>();

  constructor(opts: FleetWriterOptions, deps: FleetWriterDeps = {}) {
    this.#root = path.join(opts.cacheDir, 'fleet-writes');
    this.#limits = { ...DEFAULT_GIT_LIMITS, ...opts.limits };
    this.#credentials = deps.credentials;
    this.#now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.#allowPlainHttp = opts.allowPlainHttp ?? false;
  }

  /** Commits the edit `w.edit` computes to the branch and pushes it (module comment). */
  write(w: FleetWrite): Promise<FleetWriteResult> {
    const before = this.#queue.get(w.url) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => this.#write(w));
    const tail = run.catch(() => undefined);
    this.#queue.set(w.url, tail);
    void tail.then(() => {
      if (this.#queue.get(w.url) === tail) this.#queue.delete(w.url);
    });
    return run;
  }

  async #write(w: FleetWrite): Promise<FleetWriteResult> {
    const { branch } = w;
    const work = await this.#work(w.url);
    for (let attempt = 1; ; attempt++) {
      const head = await this.#fetch(work, branch);
      const files = await this.#readFleet(work, head);
      const change = w.edit(files, parseFleet(files).spec);
      if (change === undefined) return { kind: 'unchanged', head, attempts: attempt };
      checkFleet(work.url, branch, files, change);
      const commit = await this.#commit(work, head, w, change);
      await w.beforePush?.(attempt);
      try {
        await this.#push(work, branch);
        return {
          kind: 'committed',
          commit,
          path: change.path,
          message: change.message,
          attempts: attempt,
        };
      } catch (err) {
        if (!isRejected(err)) throw withStep(pushError(err, work, branch), 'push', err);
        if (attempt >= 2) {
          throw new GitfleetError(
            ErrorCode.ApplyConflict,
            `branch ${branch} of ${work.url} moved on while the hub pushed, twice (the push was not a fast-forward); nothing was pushed: someone is committing to the fleet right now, try again in a moment`,
            { details: { repo: work.url, branch, reason: 'non-fast-forward' } },
          );
        }
      }
    }
  }

  async #work(url: string): Promise<Work> {
    const location = parseRepoUrl(url);
    const shown = redactUrl(url);
    if (location.kind !== 'http') {
      throw refused(shown, 'is a local repository; the hub writes to the fleet over http(s) only');
    }
    const u = new URL(location.url);
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !this.#allowPlainHttp) {
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

  #http(work: Work): ReturnType<typeof meteredHttp> {
    const meter: TransferMeter = { bytes: 0 };
    return meteredHttp(
      {
        maxBytes: this.#limits.maxFetchBytes,
        signal: AbortSignal.timeout(this.#limits.fetchTimeoutMs),
        onExceeded: (bytes) =>
          new GitfleetError(
            ErrorCode.LimitExceeded,
            `Git repository ${work.url}: a transfer for a fleet change crossed maxFetchBytes (${String(bytes)} bytes); raise maxFetchBytes in --git-limits`,
            { details: { repo: work.url, limit: 'maxFetchBytes' } },
          ),
        authOrigin: new URL(work.location).origin,
      },
      meter,
    );
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

  /** Fetches `branch`; its head. */
  async #fetch(work: Work, branch: string): Promise<string> {
    try {
      await git.fetch({
        fs: work.fs,
        http: this.#http(work),
        gitdir: work.gitdir,
        cache: work.cache,
        url: work.location,
        remote: REMOTE,
        ref: branch,
        singleBranch: true,
        tags: false,
        ...this.#auth(work),
      });
    } catch (err) {
      if (stringProp(err, 'code') === 'NotFoundError') throw noBranch(work, branch);
      throw withStep(transferError(err, work, 'fetch'), 'fetch', err);
    }
    const head = await git
      .resolveRef({ fs: work.fs, gitdir: work.gitdir, ref: `refs/remotes/${REMOTE}/${branch}` })
      .catch(() => undefined);
    if (head === undefined) throw noBranch(work, branch);
    return head;
  }

  /** The fleet files (YAML, JSON) at `commit`, by path; bounded by the default read limits. */
  async #readFleet(work: Work, commit: string): Promise<Map<string, string>> {
    const { fs, gitdir, cache } = work;
    const files = new Map<string, string>();
    let bytes = 0;
    let entries = 0;
    const tooBig = (limit: string): GitfleetError =>
      new GitfleetError(
        ErrorCode.LimitExceeded,
        `Git repository ${work.url} at ${commit.slice(0, 12)}: the fleet crosses ${limit} of the read limits; the hub does not read it either`,
        { details: { repo: work.url, limit } },
      );
    const walk = async (tree: string, dir: string, depth: number): Promise<void> => {
      if (depth > DEFAULT_READ_LIMITS.maxTreeDepth) throw tooBig('maxTreeDepth');
      for (const e of (await git.readTree({ fs, gitdir, oid: tree, cache })).tree) {
        if (++entries > DEFAULT_READ_LIMITS.maxTreeEntries) throw tooBig('maxTreeEntries');
        const p = dir === '' ? e.path : `${dir}/${e.path}`;
        if (e.type === 'tree') await walk(e.oid, p, depth + 1);
        else if (e.type === 'blob' && e.mode !== '120000' && FLEET_FILE.test(p)) {
          const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
          bytes += blob.byteLength;
          if (blob.byteLength > DEFAULT_READ_LIMITS.maxFileBytes) throw tooBig('maxFileBytes');
          if (bytes > DEFAULT_READ_LIMITS.maxTotalBytes) throw tooBig('maxTotalBytes');
          if (files.size >= DEFAULT_READ_LIMITS.maxFiles) throw tooBig('maxFiles');
          files.set(p, Buffer.from(blob).toString('utf8'));
        }
      }
    };
    const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
    await walk(c.tree, '', 0);
    return files;
  }

  async #commit(work: Work, head: string, w: FleetWrite, change: FleetFileEdit): Promise<string> {
    const { fs, gitdir, cache } = work;
    const tree = (await git.readCommit({ fs, gitdir, oid: head, cache })).commit.tree;
    const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(change.text, 'utf8') });
    const newTree = await this.#replace(work, tree, change.path.split('/'), blob);
    const timestamp = this.#now();
    const commit = await git.writeCommit({
      fs,
      gitdir,
      commit: {
        message: change.message.endsWith('\n') ? change.message : `${change.message}\n`,
        tree: newTree,
        parent: [head],
        author: { ...w.author, timestamp, timezoneOffset: 0 },
        committer: { ...(w.committer ?? HYDRATE_AUTHOR), timestamp, timezoneOffset: 0 },
      },
    });
    await git.writeRef({ fs, gitdir, ref: `refs/heads/${w.branch}`, value: commit, force: true });
    return commit;
  }

  /** `tree` with the file at `parts` set to the blob `oid` (its mode kept when it exists). */
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
    const kept = entries.filter((e) => e.path !== name);
    const entry: TreeEntry =
      rest.length === 0
        ? { mode: old?.type === 'blob' ? old.mode : MODE_FILE, path: name, oid, type: 'blob' }
        : {
            mode: '040000',
            path: name,
            oid: await this.#replace(work, old?.type === 'tree' ? old.oid : undefined, rest, oid),
            type: 'tree',
          };
    return git.writeTree({ fs: work.fs, gitdir: work.gitdir, tree: [...kept, entry] });
  }

  async #push(work: Work, branch: string): Promise<void> {
    const res = await git.push({
      fs: work.fs,
      http: this.#http(work),
      gitdir: work.gitdir,
      cache: work.cache,
      url: work.location,
      remote: REMOTE,
      ref: `refs/heads/${branch}`,
      remoteRef: `refs/heads/${branch}`,
      force: false,
      ...this.#auth(work),
    });
    const refResult = res.refs[`refs/heads/${branch}`];
    if (!res.ok || (refResult !== undefined && !refResult.ok)) {
      throw Object.assign(new Error(refResult?.error ?? res.error ?? 'push refused'), {
        code: 'GitPushError',
      });
    }
  }
}

function noBranch(work: Work, branch: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.NotFound,
    `Git repository ${work.url}: there is no branch ${JSON.stringify(branch)}; check --fleet-branch`,
    { details: { repo: work.url, branch } },
  );
}

/** `e` with the step it failed in and the Git error behind it. */
function withStep(e: GitfleetError, step: FleetWriteStep, cause: unknown): GitfleetError {
  if (e.cause !== undefined) return e;
  return new GitfleetError(e.code, e.message, {
    cause,
    ...(e.terminal ? { terminal: true } : {}),
    details: { ...e.details, step },
  });
}

/**
 * Refuses a change after which the hub would refuse the fleet (FLEET_INVALID listing the errors;
 * whether the change brought them or they were there already).
 */
function checkFleet(
  url: string,
  branch: string,
  files: ReadonlyMap<string, string>,
  change: FleetFileEdit,
): void {
  const refusal = fleetChangeRefusal(files, change.path, change.text);
  if (refusal === undefined) return;
  const { errors, introduced } = refusal;
  const more = errors.length - MAX_PROBLEMS_SHOWN;
  const listed = [
    ...errors.slice(0, MAX_PROBLEMS_SHOWN),
    ...(more > 0 ? [`… and ${String(more)} more`] : []),
  ].join('; ');
  throw new GitfleetError(
    ErrorCode.FleetInvalid,
    introduced
      ? `the hub would refuse the fleet after this change (${String(errors.length)} error(s)); nothing was pushed to ${branch} of ${url}: ${listed}`
      : `the fleet on ${branch} of ${url} has errors already, so the hub would refuse it with this change too; nothing was pushed; fix the fleet repository first: ${listed}`,
    { details: { repo: url, branch, errors: errors.length } },
  );
}
