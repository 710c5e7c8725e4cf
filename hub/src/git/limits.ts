/**
 * Every bound of the Git source, by name, with its default. Fetch limits apply to what a fetch
 * may bring into the cache (checked on the ref advertisement and the pack as they arrive, before
 * isomorphic-git inflates anything); read limits apply to each readFiles call (checked from tree
 * entries and object headers, before a file is inflated). The hub sets them all with
 * `--git-limits '{"maxFileBytes": 2097152}'` (GITFLEET_GIT_LIMITS). Pure.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { DEFAULT_READ_LIMITS } from './port.ts';
import type { ReadLimits } from './port.ts';

const MIB = 1024 * 1024;

export interface FetchLimits {
  /** Bytes one fetch may receive over HTTP (ref advertisement and pack), or copy from a local repository. */
  readonly maxFetchBytes: number;
  /** Deadline of one fetch's transfer, in milliseconds. */
  readonly fetchTimeoutMs: number;
  /** Largest object (a file, once inflated; a delta counts as the object it rebuilds) a fetch may bring. */
  readonly maxObjectBytes: number;
  /** Most objects one fetch may bring. */
  readonly maxFetchObjects: number;
  /** Most bytes the objects of one fetch may inflate to, in sum. */
  readonly maxFetchInflatedBytes: number;
}

export type GitLimits = FetchLimits & ReadLimits;

export const DEFAULT_FETCH_LIMITS: FetchLimits = Object.freeze({
  maxFetchBytes: 256 * MIB,
  fetchTimeoutMs: 60_000,
  // GitHub refuses files over 100 MiB; a repository it hosts never crosses this.
  maxObjectBytes: 100 * MIB,
  maxFetchObjects: 500_000,
  maxFetchInflatedBytes: 2048 * MIB,
});

export const DEFAULT_GIT_LIMITS: GitLimits = Object.freeze({
  ...DEFAULT_FETCH_LIMITS,
  ...DEFAULT_READ_LIMITS,
});

export const GIT_LIMIT_NAMES = Object.keys(DEFAULT_GIT_LIMITS) as (keyof GitLimits)[];
const READ_LIMIT_NAMES = Object.keys(DEFAULT_READ_LIMITS) as (keyof ReadLimits)[];

/**
 * Reads a limits object from configuration: the known limits with positive integer values, and
 * a problem for each unknown name or bad value.
 */
export function readGitLimits(input: Readonly<Record<string, unknown>>): {
  readonly limits: Partial<GitLimits>;
  readonly problems: readonly string[];
} {
  const limits: Partial<Record<keyof GitLimits, number>> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    const known = GIT_LIMIT_NAMES.find((n) => n === name);
    if (known === undefined) {
      problems.push(`gitLimits.${name}: unknown limit (known: ${GIT_LIMIT_NAMES.join(', ')})`);
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      problems.push(`gitLimits.${name}: ${JSON.stringify(value)} is not a positive integer`);
    } else {
      limits[known] = value;
    }
  }
  return { limits, problems };
}

/** Limits with defaults applied; a non-positive or non-integer value is CONFIG_INVALID. */
export function resolveGitLimits(limits: Partial<GitLimits> = {}): GitLimits {
  const out = { ...DEFAULT_GIT_LIMITS };
  for (const name of GIT_LIMIT_NAMES) {
    const value = limits[name];
    if (value !== undefined) out[name] = checked(name, value);
  }
  return Object.freeze(out);
}

/** The read limits of one call: the call's own over the source's. */
export function resolveReadLimits(
  base: ReadLimits,
  overrides: Partial<ReadLimits> = {},
): ReadLimits {
  const out = { ...base };
  for (const name of READ_LIMIT_NAMES) {
    const value = overrides[name];
    if (value !== undefined) out[name] = checked(name, value);
  }
  return out;
}

function checked(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new GitfleetError(
      ErrorCode.ConfigInvalid,
      `Git limit ${name} is ${String(value)}; use a positive integer`,
      { terminal: true, details: { limit: name } },
    );
  }
  return value;
}

/** A LIMIT_EXCEEDED error: `subject` first, then what crossed which limit, then what to do. */
export function limitExceeded(
  subject: string,
  what: string,
  limit: keyof GitLimits,
  max: number,
  details: Readonly<Record<string, unknown>>,
  fix: string,
): GitfleetError {
  return new GitfleetError(
    ErrorCode.LimitExceeded,
    `${subject}: ${what} (limit ${limit} = ${String(max)}); ${fix}, or raise ${limit} (--git-limits)`,
    { terminal: true, details: { ...details, limit, max } },
  );
}
