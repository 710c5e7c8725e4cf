/**
 * GitPoller: keeps the hub's view of a set of repositories fresh. Each repository is fetched on
 * an interval (jittered so that many repositories do not fetch in step), and at once when a
 * webhook calls `trigger`. A trigger during a running fetch is coalesced into one more fetch
 * after it. When refs changed since the last `onChange`, `onChange` is called (one at a time
 * per repository); a failing fetch backs off exponentially up to `maxBackoffMs`, keeps the
 * error in `status()`, and never stops the polling. Timers come from `PollerTimers` (the real
 * ones are unref'd, so the poller never keeps the process alive).
 */
import { ErrorCode, GitfleetError, silentLogger, toGitfleetError } from '@gitfleet/proto';
import type { Logger } from '@gitfleet/proto';
import type { FetchResult, GitRepo, GitSource } from './port.ts';
import { sameRefs } from './refs.ts';
import { normaliseRepoUrl, redactUrl, repoKey } from './repo-url.ts';

export const DEFAULT_JITTER_RATIO = 0.1;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
export const DEFAULT_MAX_CONCURRENT_FETCHES = 4;

export interface GitPollerOptions {
  /** Time between two fetches of a repository that succeed. */
  readonly intervalMs: number;
  /** Each delay is multiplied by a random factor in [1 - ratio, 1 + ratio]; default 0.1. */
  readonly jitterRatio?: number;
  /** Longest delay after failures (the delay doubles per failure from intervalMs); default 5 min. */
  readonly maxBackoffMs?: number;
  /** Fetches running at once across repositories (triggered ones go first); default 4. */
  readonly maxConcurrentFetches?: number;
}

export type ResolvedGitPollerOptions = Required<GitPollerOptions>;

export interface PollerTimers {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

/** Real time; timers are unref'd. */
export const REAL_TIMERS: PollerTimers = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * Called when a repository's refs differ from those of the previous call for it. The first
 * call after the poller starts polling a repository always happens, with `previous` = the
 * refs before that fetch (from the cache; empty for a new cache). If it throws, the same change
 * is offered again after the next fetch.
 */
export type OnRefsChange = (
  repoUrl: string,
  refs: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string>,
  result: FetchResult,
) => void | Promise<void>;

export interface GitPollerDeps {
  readonly source: Pick<GitSource, 'fetch'>;
  readonly onChange: OnRefsChange;
  readonly logger?: Logger;
  readonly timers?: PollerTimers;
  /** Uniform in [0, 1) (for jitter); Math.random by default. */
  readonly random?: () => number;
}

export interface PollError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly atMs: number;
}

export interface PollStatus {
  /** The repository URL without credentials. */
  readonly url: string;
  readonly isFetching: boolean;
  /** Failed fetches since the last success (drives the backoff). */
  readonly consecutiveFailures: number;
  readonly lastAttemptAtMs?: number;
  readonly lastSuccessAtMs?: number;
  /** When onChange last accepted a change. */
  readonly lastChangeAtMs?: number;
  /** The last fetch or onChange error, until a later one succeeds. */
  readonly lastError?: PollError;
  readonly nextPollAtMs?: number;
}

/** Options with defaults; invalid values are refused (CONFIG_INVALID naming each). */
export function resolvePollerOptions(opts: GitPollerOptions): ResolvedGitPollerOptions {
  const resolved: ResolvedGitPollerOptions = {
    intervalMs: opts.intervalMs,
    jitterRatio: opts.jitterRatio ?? DEFAULT_JITTER_RATIO,
    maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    maxConcurrentFetches: opts.maxConcurrentFetches ?? DEFAULT_MAX_CONCURRENT_FETCHES,
  };
  const problems: string[] = [];
  const isPositiveInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;
  if (!isPositiveInt(resolved.intervalMs)) problems.push('intervalMs must be a positive integer');
  if (!isPositiveInt(resolved.maxBackoffMs)) {
    problems.push('maxBackoffMs must be a positive integer');
  }
  if (!isPositiveInt(resolved.maxConcurrentFetches)) {
    problems.push('maxConcurrentFetches must be a positive integer');
  }
  if (!(resolved.jitterRatio >= 0 && resolved.jitterRatio < 1)) {
    problems.push('jitterRatio must be in [0, 1)');
  }
  if (problems.length > 0) {
    throw new GitfleetError(ErrorCode.ConfigInvalid, `Git poller: ${problems.join('; ')}`, {
      terminal: true,
    });
  }
  return resolved;
}

/**
 * Delay before the next fetch: intervalMs after a success; after n failures
 * min(intervalMs · 2^(n-1), max(maxBackoffMs, intervalMs)); times a jitter factor in
 * [1 - jitterRatio, 1 + jitterRatio] taken from `random` ∈ [0, 1).
 */
export function nextPollDelayMs(
  opts: Pick<ResolvedGitPollerOptions, 'intervalMs' | 'jitterRatio' | 'maxBackoffMs'>,
  failures: number,
  random: number,
): number {
  const cap = Math.max(opts.maxBackoffMs, opts.intervalMs);
  const base =
    failures <= 0
      ? opts.intervalMs
      : Math.min(opts.intervalMs * 2 ** Math.min(failures - 1, 40), cap);
  const factor = 1 + opts.jitterRatio * (2 * Math.min(Math.max(random, 0), 1) - 1);
  return Math.max(1, Math.round(base * factor));
}

interface Entry {
  repo: GitRepo;
  /** Normalised URL, or undefined when the URL is invalid (never polled). */
  readonly normalised: string | undefined;
  readonly matchKey: string | undefined;
  cancelTimer?: () => void;
  nextPollAtMs?: number;
  inFlight?: Promise<void>;
  /** The fetch of inFlight has started (it no longer waits for a slot). */
  isFetchStarted: boolean;
  /** A trigger arrived during the running fetch: fetch once more after it. */
  isAgain: boolean;
  isRemoved: boolean;
  failures: number;
  lastAttemptAtMs?: number;
  lastSuccessAtMs?: number;
  lastChangeAtMs?: number;
  lastError?: PollError;
  /** The refs of the last onChange that returned. */
  emitted?: ReadonlyMap<string, string>;
}

export class GitPoller {
  readonly #opts: ResolvedGitPollerOptions;
  readonly #source: Pick<GitSource, 'fetch'>;
  readonly #onChange: OnRefsChange;
  readonly #logger: Logger;
  readonly #timers: PollerTimers;
  readonly #random: () => number;
  readonly #slots: Slots;
  readonly #entries = new Map<string, Entry>();
  #closing: Promise<void> | undefined;

  constructor(opts: GitPollerOptions, deps: GitPollerDeps) {
    this.#opts = resolvePollerOptions(opts);
    this.#source = deps.source;
    this.#onChange = deps.onChange;
    this.#logger = deps.logger ?? silentLogger;
    this.#timers = deps.timers ?? REAL_TIMERS;
    this.#random = deps.random ?? Math.random;
    this.#slots = new Slots(this.#opts.maxConcurrentFetches);
  }

  /**
   * Sets the repositories to poll. New ones are fetched at once; removed ones stop (a fetch
   * already running finishes, without onChange); kept ones keep their schedule and take the
   * new credentials. An invalid URL is not polled and shows its error in status().
   */
  setRepos(repos: readonly GitRepo[]): void {
    if (this.#closing !== undefined) return;
    const wanted = new Map<string, GitRepo>();
    for (const repo of repos) wanted.set(entryKey(repo.url), repo);
    for (const [key, entry] of this.#entries) {
      if (wanted.has(key)) continue;
      entry.isRemoved = true;
      entry.cancelTimer?.();
      this.#entries.delete(key);
    }
    for (const [key, repo] of wanted) {
      const existing = this.#entries.get(key);
      if (existing !== undefined) {
        existing.repo = repo;
        continue;
      }
      const entry = newEntry(repo, this.#timers.now());
      this.#entries.set(key, entry);
      if (entry.normalised !== undefined) this.#run(entry, false);
    }
  }

  /**
   * Fetches now every polled repository that `repoUrl` names (any clone URL variant: https,
   * ssh, with or without .git). Returns whether any matched.
   */
  trigger(repoUrl: string): boolean {
    const key = repoKey(repoUrl);
    if (key === undefined || this.#closing !== undefined) return false;
    let isMatched = false;
    for (const entry of this.#entries.values()) {
      if (entry.matchKey !== key || entry.normalised === undefined) continue;
      isMatched = true;
      this.#run(entry, true);
    }
    return isMatched;
  }

  status(): PollStatus[] {
    return [...this.#entries.values()].map((e) => ({
      url: redactUrl(e.repo.url),
      isFetching: e.inFlight !== undefined,
      consecutiveFailures: e.failures,
      ...(e.lastAttemptAtMs === undefined ? {} : { lastAttemptAtMs: e.lastAttemptAtMs }),
      ...(e.lastSuccessAtMs === undefined ? {} : { lastSuccessAtMs: e.lastSuccessAtMs }),
      ...(e.lastChangeAtMs === undefined ? {} : { lastChangeAtMs: e.lastChangeAtMs }),
      ...(e.lastError === undefined ? {} : { lastError: e.lastError }),
      ...(e.nextPollAtMs === undefined ? {} : { nextPollAtMs: e.nextPollAtMs }),
    }));
  }

  /** Stops all timers and waits for running fetches. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const entry of this.#entries.values()) {
        entry.cancelTimer?.();
        entry.cancelTimer = undefined;
        entry.nextPollAtMs = undefined;
      }
      this.#slots.drain();
      await Promise.allSettled(
        [...this.#entries.values()].flatMap((e) => (e.inFlight === undefined ? [] : [e.inFlight])),
      );
    })();
    return this.#closing;
  }

  #run(entry: Entry, isUrgent: boolean): void {
    if (this.#closing !== undefined || entry.isRemoved) return;
    if (entry.inFlight !== undefined) {
      // A fetch still waiting for a slot will see the change anyway.
      if (entry.isFetchStarted) entry.isAgain = true;
      return;
    }
    entry.cancelTimer?.();
    entry.cancelTimer = undefined;
    entry.nextPollAtMs = undefined;
    entry.inFlight = this.#poll(entry, isUrgent).finally(() => {
      entry.inFlight = undefined;
      entry.isFetchStarted = false;
      if (this.#closing !== undefined || entry.isRemoved) return;
      if (entry.isAgain) {
        entry.isAgain = false;
        this.#run(entry, true);
      } else {
        this.#schedule(entry);
      }
    });
  }

  #schedule(entry: Entry): void {
    const delay = nextPollDelayMs(this.#opts, entry.failures, this.#random());
    entry.nextPollAtMs = this.#timers.now() + delay;
    entry.cancelTimer = this.#timers.schedule(() => {
      entry.cancelTimer = undefined;
      this.#run(entry, false);
    }, delay);
  }

  async #poll(entry: Entry, isUrgent: boolean): Promise<void> {
    const release = await this.#slots.acquire(isUrgent);
    let result: FetchResult;
    try {
      if (this.#closing !== undefined || entry.isRemoved) return;
      entry.lastAttemptAtMs = this.#timers.now();
      entry.isFetchStarted = true;
      result = await this.#source.fetch(entry.repo);
    } catch (err) {
      const error = toGitfleetError(err);
      entry.failures++;
      entry.lastError = { code: error.code, message: error.message, atMs: this.#timers.now() };
      this.#logger.warn('git poll failed', {
        repo: redactUrl(entry.repo.url),
        code: error.code,
        error: error.message,
        consecutiveFailures: entry.failures,
      });
      return;
    } finally {
      release();
    }
    entry.failures = 0;
    entry.lastError = undefined;
    entry.lastSuccessAtMs = this.#timers.now();
    if (this.#closing !== undefined || entry.isRemoved) return;
    if (entry.emitted !== undefined && sameRefs(entry.emitted, result.refs)) return;
    try {
      await this.#onChange(entry.repo.url, result.refs, entry.emitted ?? result.previous, result);
      entry.emitted = result.refs;
      entry.lastChangeAtMs = this.#timers.now();
    } catch (err) {
      const error = toGitfleetError(err);
      entry.lastError = { code: error.code, message: error.message, atMs: this.#timers.now() };
      this.#logger.error(
        'git change handler failed; the change is offered again after the next fetch',
        {
          repo: redactUrl(entry.repo.url),
          code: error.code,
          error: error.message,
        },
      );
    }
  }
}

function entryKey(url: string): string {
  try {
    return normaliseRepoUrl(url);
  } catch {
    return `invalid:${url}`;
  }
}

function newEntry(repo: GitRepo, nowMs: number): Entry {
  let normalised: string | undefined;
  let lastError: PollError | undefined;
  try {
    normalised = normaliseRepoUrl(repo.url);
  } catch (err) {
    const error = toGitfleetError(err);
    lastError = { code: error.code, message: error.message, atMs: nowMs };
  }
  return {
    repo,
    normalised,
    matchKey: repoKey(repo.url),
    isFetchStarted: false,
    isAgain: false,
    isRemoved: false,
    failures: 0,
    ...(lastError === undefined ? {} : { lastError }),
  };
}

/** A counting semaphore whose urgent waiters go first; drain() lets every waiter through. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  #isDrained = false;

  constructor(size: number) {
    this.#free = size;
  }

  acquire(isUrgent: boolean): Promise<() => void> {
    if (this.#isDrained || this.#free > 0) {
      if (!this.#isDrained) this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const wake = (): void => resolve(this.#releaser());
      if (isUrgent) this.#waiting.unshift(wake);
      else this.#waiting.push(wake);
    });
  }

  drain(): void {
    this.#isDrained = true;
    for (const wake of this.#waiting.splice(0)) wake();
  }

  #releaser(): () => void {
    let isReleased = false;
    return () => {
      if (isReleased || this.#isDrained) return;
      isReleased = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#free++;
      else next();
    };
  }
}
