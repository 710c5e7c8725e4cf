/** The fault fleet's options and the records a scenario's check compares against. */

/** libfaketime from the Debian package `faketime` (multiarch path). */
export const LIBFAKETIME = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/faketime/libfaketime.so.1`;

export interface FaultFleetOptions {
  /** Target names; one real cluster each. */
  readonly targets: readonly string[];
  /** Mount a tmpfs of this many bytes as the hub's Git cache (needs root: `mount`). */
  readonly cacheTmpfsBytes?: number;
  /** Run the hub under libfaketime, its wall clock moved by `setClockOffset`. */
  readonly faketime?: boolean;
  /** Hub heartbeat interval (default 1 s: a silent peer is noticed after 3 s). */
  readonly heartbeatIntervalMs?: number;
  /** Hub Git poll interval (default 1 s: the smallest the hub accepts). */
  readonly pollIntervalMs?: number;
  readonly log?: (msg: string) => void;
}

/** What a scenario's check compares against: the records as they were at `mark()`. */
export interface Mark {
  readonly events: ReadonlyMap<string, number>;
  readonly live: ReadonlyMap<string, ReadonlyMap<string, string | undefined>>;
  readonly applies: ReadonlyMap<string, number>;
  readonly atMs: number;
}

export interface CheckOptions {
  /** Applications whose objects must hold their model content (and whose hub rows must be green). */
  readonly apps: readonly string[];
  /** Contents the test wrote itself (drift). */
  readonly injected?: ReadonlySet<string>;
  /** Per target: applies that are not double writes (in flight when a fault struck). */
  readonly allowance?: ReadonlyMap<string, number>;
  /** Expected content overrides (`target/ns/name` → rev, null: must be gone). */
  readonly expected?: ReadonlyMap<string, string | null>;
}
