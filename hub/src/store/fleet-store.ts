/**
 * The last good fleet, persisted in Redis: the commit of the fleet definition in force and its
 * parsed spec as JSON (a FleetSpec is plain JSON by design), under `<prefix>fleet:last-good`.
 * A restarted hub loads it at once and serves it — agents are accepted, desired state stays — even
 * while the head of the branch is broken and before (or without) any answer from Git: the spec
 * does not need the Git cache.
 *
 * The record names the repository and branch it came from; a hub configured with another fleet
 * repository or branch ignores it. A record of another format version is ignored too.
 */
import { ErrorCode, GitfleetError, isRevision } from '@gitfleet/proto';
import type { FleetSpec } from '../core/fleet/types.ts';
import type { RedisClient } from './lua.ts';

const FORMAT = 1;

export interface LastGoodFleet {
  /** The fleet repository (URL without credentials) and branch it was read from. */
  readonly repo: string;
  readonly branch: string;
  /** The commit whose fleet definition was accepted. */
  readonly commit: string;
  readonly spec: FleetSpec;
  readonly acceptedAtMs: number;
}

/** What the resolver needs to keep the last good fleet across restarts. */
export interface LastGoodFleetStore {
  /** The saved fleet of this repository and branch, or undefined when there is none. */
  load(repo: string, branch: string): Promise<LastGoodFleet | undefined>;
  save(fleet: LastGoodFleet): Promise<void>;
}

interface Stored extends LastGoodFleet {
  readonly format: number;
}

function isArray(v: unknown): boolean {
  return Array.isArray(v);
}

/**
 * The record, checked: a value that is not what this hub wrote is refused (INTERNAL naming the
 * key), never half-used.
 */
export function decodeLastGood(text: string, key: string): Stored {
  const bad = (why: string): GitfleetError =>
    new GitfleetError(ErrorCode.Internal, `Redis key ${key}: ${why}; it is ignored`, {
      details: { key },
    });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof v !== 'object' || v === null) throw bad('not a JSON object');
  const r = v as Partial<Record<keyof Stored, unknown>>;
  if (r.format !== FORMAT) throw bad(`format ${String(r.format)}, this hub reads ${FORMAT}`);
  if (typeof r.repo !== 'string' || typeof r.branch !== 'string') throw bad('no repo or branch');
  if (typeof r.commit !== 'string' || !isRevision(r.commit)) throw bad('no commit SHA');
  if (typeof r.acceptedAtMs !== 'number') throw bad('no acceptedAtMs');
  const spec = r.spec as Partial<Record<keyof FleetSpec, unknown>> | null | undefined;
  if (
    typeof spec !== 'object' ||
    spec === null ||
    !isArray(spec.targets) ||
    !isArray(spec.applications) ||
    !isArray(spec.environments)
  ) {
    throw bad('the spec is not a fleet (targets, applications, environments)');
  }
  return r as Stored;
}

export class RedisFleetStore implements LastGoodFleetStore {
  private readonly redis: RedisClient;
  private readonly key: string;

  constructor(opts: { readonly redis: RedisClient; readonly prefix: string }) {
    this.redis = opts.redis;
    this.key = `${opts.prefix}fleet:last-good`;
  }

  async load(repo: string, branch: string): Promise<LastGoodFleet | undefined> {
    const text = await this.redis.get(this.key);
    if (text === null) return undefined;
    const r = decodeLastGood(text, this.key);
    if (r.repo !== repo || r.branch !== branch) return undefined;
    return {
      repo: r.repo,
      branch: r.branch,
      commit: r.commit,
      spec: r.spec,
      acceptedAtMs: r.acceptedAtMs,
    };
  }

  async save(fleet: LastGoodFleet): Promise<void> {
    const record: Stored = { format: FORMAT, ...fleet };
    await this.redis.set(this.key, JSON.stringify(record));
  }
}
