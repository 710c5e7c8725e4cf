/**
 * FleetHistory: who set each pin of a fleet file, read from the history of the hub's own cache
 * of the fleet repository (the bare repository IsomorphicGitSource fetches into; read only, never
 * fetched from here). The decision is ../core/fleet/pin-history.ts over the commits read so far;
 * this reads the commit it asks for next — its parents, author and message, and the pins of the
 * file at it (parsed once per blob) — until every pin has its answer or the walk has read
 * `maxCommits` commits for the file, when the pins still open are reported as truncated.
 */
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { setBy, type PinCommit } from '../core/fleet/pin-history.ts';
import { pinValues } from '../core/fleet/pin-locations.ts';
import { stringProp } from './errors.ts';
import { cacheDirName, parseRepoUrl, redactUrl } from './repo-url.ts';

/** Commits one walk of a file's history reads at most. */
export const DEFAULT_MAX_HISTORY_COMMITS = 500;
/** Commits and parsed blobs remembered across walks before the memory is dropped. */
const MAX_REMEMBERED = 20_000;
/** Longest commit message returned (the rest is cut, with `…`). */
const MAX_MESSAGE_CHARS = 2_000;

/** The commit that gave a pin its value. */
export interface PinSetBy {
  readonly commit: string;
  readonly author: string;
  readonly email: string;
  /** Author time, Unix milliseconds. */
  readonly atMs: number;
  readonly message: string;
}

/** Per pinKey: the commit that set it, or `truncated` when the walk hit its bound first. */
export type PinHistory = ReadonlyMap<string, PinSetBy | 'truncated'>;

interface CommitInfo extends PinSetBy {
  readonly parents: readonly string[];
  readonly tree: string;
}

export interface FleetHistoryOptions {
  /** The hub's Git cache directory (--cache-dir), where the fleet repository is fetched. */
  readonly cacheDir: string;
  /** Default DEFAULT_MAX_HISTORY_COMMITS. */
  readonly maxCommits?: number;
}

export class FleetHistory {
  readonly #cacheDir: string;
  readonly #max: number;
  readonly #cache: object = {};
  readonly #commits = new Map<string, CommitInfo>();
  /** Blob oid → pins (per file name: the same blob in two files is parsed per file). */
  readonly #blobs = new Map<string, ReadonlyMap<string, string>>();
  /** `<commit>\n<file>` → the file's blob at that commit (null: no such file). */
  readonly #files = new Map<string, string | null>();

  constructor(opts: FleetHistoryOptions) {
    this.#cacheDir = opts.cacheDir;
    this.#max = opts.maxCommits ?? DEFAULT_MAX_HISTORY_COMMITS;
  }

  /**
   * Who set each of `keys` (pinKeys of ../core/fleet/pin-locations.ts) in `file` at `head`.
   *
   * @throws GitfleetError NOT_FOUND when `head` is not in the cache (the fleet was not fetched)
   */
  async pinsSetBy(
    url: string,
    head: string,
    file: string,
    keys: readonly string[],
  ): Promise<PinHistory> {
    const gitdir = path.join(this.#cacheDir, cacheDirName(parseRepoUrl(url).normalised));
    if (this.#commits.size > MAX_REMEMBERED) this.#commits.clear();
    if (this.#blobs.size > MAX_REMEMBERED) this.#blobs.clear();
    if (this.#files.size > MAX_REMEMBERED) this.#files.clear();
    const walk = new Map<string, PinCommit>();
    const out = new Map<string, PinSetBy | 'truncated'>();
    for (const key of keys) {
      for (;;) {
        const answer = setBy(walk, head, key);
        if (answer.kind === 'absent') break;
        if (answer.kind === 'set') {
          const info = this.#commits.get(answer.commit);
          if (info !== undefined) out.set(key, publicPart(info));
          break;
        }
        if (walk.size >= this.#max) {
          out.set(key, 'truncated');
          break;
        }
        walk.set(answer.commit, await this.#read(gitdir, url, answer.commit, file));
      }
    }
    return out;
  }

  async #read(gitdir: string, url: string, oid: string, file: string): Promise<PinCommit> {
    let info = this.#commits.get(oid);
    if (info === undefined) {
      let c: Awaited<ReturnType<typeof git.readCommit>>['commit'];
      try {
        c = (await git.readCommit({ fs, gitdir, oid, cache: this.#cache })).commit;
      } catch (err) {
        throw new GitfleetError(
          ErrorCode.NotFound,
          `Git repository ${redactUrl(url)}: commit ${oid} is not in the hub's cache (${stringProp(err, 'code') ?? 'unreadable'}); it is read again after the next fetch`,
          { details: { repo: redactUrl(url), commit: oid } },
        );
      }
      const message = c.message.trimEnd();
      info = {
        commit: oid,
        author: c.author.name,
        email: c.author.email,
        atMs: c.author.timestamp * 1000,
        message:
          message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
        parents: c.parent,
        tree: c.tree,
      };
      this.#commits.set(oid, info);
    }
    const at = `${oid}\n${file}`;
    let blob = this.#files.get(at);
    if (blob === undefined) {
      blob = (await this.#blobAt(gitdir, info.tree, file)) ?? null;
      this.#files.set(at, blob);
    }
    if (blob === null) return { parents: info.parents, pins: new Map() };
    const memo = `${file}\n${blob}`;
    let pins = this.#blobs.get(memo);
    if (pins === undefined) {
      const { blob: bytes } = await git.readBlob({ fs, gitdir, oid: blob, cache: this.#cache });
      pins = pinValues(file, Buffer.from(bytes).toString('utf8'));
      this.#blobs.set(memo, pins);
    }
    return { parents: info.parents, pins };
  }

  /** The blob at `file` under `tree`, or undefined when there is none. */
  async #blobAt(gitdir: string, tree: string, file: string): Promise<string | undefined> {
    let at = tree;
    const parts = file.split('/');
    for (const [i, part] of parts.entries()) {
      const entries = (await git.readTree({ fs, gitdir, oid: at, cache: this.#cache })).tree;
      const e = entries.find((x) => x.path === part);
      if (e === undefined) return undefined;
      const last = i === parts.length - 1;
      if (last) return e.type === 'blob' ? e.oid : undefined;
      if (e.type !== 'tree') return undefined;
      at = e.oid;
    }
    return undefined;
  }
}

function publicPart(c: CommitInfo): PinSetBy {
  return {
    commit: c.commit,
    author: c.author,
    email: c.email,
    atMs: c.atMs,
    message: c.message,
  };
}
