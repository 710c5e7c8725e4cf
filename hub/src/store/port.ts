/**
 * The hub's durable state, as a port: desired state and its delivery outbox per (target, app),
 * the agents' reports and sync history, connection state per target, and wipe detection.
 *
 * Redis is the durable outbox: several hub replicas share one store, so every read-modify-write
 * here is atomic on the store's side, never in a replica's memory. Versions are per
 * (target, app), strictly increasing, shared by assignments and removals (proto/README.md,
 * "Ids, sequence numbers and digests"); the store allocates them.
 *
 * `RedisHubStore` (./redis-store.ts) is the implementation.
 */
import type {
  AppRemoval,
  Assignment,
  AssignmentPolicies,
  DeletionMode,
  Envelope,
  ErrorDetail,
  HealthStatus,
  KubeObject,
  ObjectScope,
  StatusReport,
  SyncState,
} from '@gitfleet/proto';
import type { ResyncHubState } from '../core/resync.ts';

/** W3C trace context (`traceparent`, optionally `tracestate`), as carried by every envelope. */
export type TraceContext = Envelope['trace'];

/** Input of {@link HubStore.putDesired}: a freshly resolved desired state of one app. */
export interface DesiredInput {
  /** Git commit SHA the objects were rendered from. */
  readonly revision: string;
  /** `contentDigest(objects)`; the store checks it. */
  readonly digest: string;
  readonly objects: readonly KubeObject[];
  readonly policies: AssignmentPolicies;
  /**
   * The object rules of the app's Project (`objectScopeOf` form), signed with the assignment;
   * absent for an app in no Project.
   */
  readonly scope?: ObjectScope;
  /** Trace context of the change (commit seen → render), handed on to the delivery. */
  readonly trace?: TraceContext;
}

/** Result of {@link HubStore.putDesired}. */
export interface PutDesiredResult {
  /** The version of the app's desired state after the call. */
  readonly version: number;
  /** False when digest and policies equal the current desired state (nothing was written). */
  readonly changed: boolean;
}

/** A final rejection of one version by the agent (an ack with `error`). */
export interface DeliveryRejection {
  readonly version: number;
  readonly error: ErrorDetail;
  readonly atMs: number;
}

/** The current desired state of one app on one target, in full. */
export interface DesiredAssignment {
  readonly assignment: Assignment;
  readonly trace: TraceContext;
  /** When this version was stored (hub clock). */
  readonly storedAtMs: number;
}

/** The current desired state of one app, without its objects (cheap to list). */
export interface DesiredSummary {
  readonly app: string;
  readonly version: number;
  readonly revision: string;
  readonly contentDigest: string;
  /** Deletion policy of the assignment. */
  readonly deletion: DeletionMode;
  readonly storedAtMs: number;
  /** True once the agent acked exactly this version. */
  readonly delivered: boolean;
  /** Set when the agent rejected exactly this version. */
  readonly rejection?: DeliveryRejection;
}

/** Result of {@link HubStore.removeDesired}. */
export interface RemovalResult {
  readonly version: number;
  readonly deletion: DeletionMode;
}

/** Options of {@link HubStore.removeDesired}, used by the resync (proto/README.md step 2). */
export interface RemoveDesiredOptions {
  /** The removal's version is at least this (the agent holds the app at `atLeast - 1`). */
  readonly atLeast?: number;
  /** Overrides the deletion mode remembered from the app's last assignment. */
  readonly deletion?: DeletionMode;
  /**
   * Record a removal even when the app is not desired (the agent holds an app the hub no longer
   * wants, or never knew: the resync removes it, `orphan` unless the hub remembers a mode).
   * @defaultValue false
   */
  readonly force?: boolean;
  /** Trace context of the change that removed the app (handed on to the delivery). */
  readonly trace?: TraceContext;
}

/** One message of the per-target outbox: the current, unacked version of one app. */
export interface PendingDelivery {
  readonly payload: Assignment | AppRemoval;
  /** Trace context of the change that produced it (empty when there was none). */
  readonly trace: TraceContext;
}

/** Result of {@link HubStore.putReport}. A duplicate of the stored report is `'stored'` (idempotent). */
export type PutReportResult = 'stored' | 'stale';

/** Filter of {@link HubStore.listReports}. */
export interface ReportFilter {
  readonly target?: string;
  readonly app?: string;
}

/** One transition of an app's sync state or revision on a target. */
export interface SyncHistoryEntry {
  /** `observedAtUnixMs` of the report that showed the transition. */
  readonly atMs: number;
  readonly syncState: SyncState;
  readonly revision: string;
  readonly assignmentVersion: number;
  readonly health: HealthStatus;
}

/** The hub's knowledge of one agent stream. */
export interface SessionInfo {
  /** Hub replica that holds the stream. */
  readonly replica: string;
  /** `sessionId(target, nonce)` */
  readonly session: string;
  readonly connectedAtMs: number;
}

/** Result of {@link HubStore.recordSession}. */
export interface RecordSessionResult {
  /** The live session (possibly on another replica) the new one replaces; its replica closes it. */
  readonly superseded?: Pick<SessionInfo, 'replica' | 'session'>;
}

export const ConnectionState = {
  Connected: 'Connected',
  Stale: 'Stale',
  Disconnected: 'Disconnected',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Connectivity of one target. A Stale target must never be shown as healthy. */
export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Time of the last message received from the agent (absent: never connected). */
  readonly lastSeenMs?: number;
  /** The current (or, when Disconnected, the last) session. */
  readonly session?: SessionInfo;
  /** When the last session ended (Disconnected only). */
  readonly endedAtMs?: number;
}

/**
 * The hub's durable state. All methods are async, atomic where they read and write, and safe to
 * call from several hub replicas at once. Target and app names are DNS labels; anything else is
 * rejected with a terminal GitfleetError INTERNAL (callers validate names at the fleet boundary).
 */
export interface HubStore {
  // -------------------------------------------------------------------------------------------
  // Desired state

  /**
   * Sets the desired state of `app` on `target`. Atomic: when digest and policies equal the
   * current desired assignment nothing is written and the version stays; otherwise the next
   * version is allocated and the full assignment stored (objects compressed) and made pending.
   * A store with a signing key signs it for that version, and also writes anew a current
   * assignment whose signature no longer holds (it was edited outside the hub).
   *
   * @throws GitfleetError MANIFEST_INVALID (terminal) when the rendered objects exceed the size
   *   limit; INTERNAL (terminal) when `digest` is not the content digest of `objects`
   */
  putDesired(target: string, app: string, input: DesiredInput): Promise<PutDesiredResult>;

  /** The current desired assignment of `app` (undefined when none or removed). */
  getDesired(target: string, app: string): Promise<DesiredAssignment | undefined>;

  /** Every app desired on `target` (removed apps excluded), sorted by app, without objects. */
  listDesired(target: string): Promise<DesiredSummary[]>;

  /**
   * Removes `app` from `target`: allocates the next version for an AppRemoval with the deletion
   * mode of the app's last assignment (remembered for the resync) and makes it pending.
   * Undefined when the app is not desired (already removed or never assigned) unless `force`.
   */
  removeDesired(
    target: string,
    app: string,
    opts?: RemoveDesiredOptions,
  ): Promise<RemovalResult | undefined>;

  /** The version counter of (target, app): the last version allocated, 0 if none. */
  versionOf(target: string, app: string): Promise<number>;

  /** Raises the version counter to at least `atLeast` (never lowers it); returns the counter. */
  bumpVersion(target: string, app: string, atLeast: number): Promise<number>;

  /**
   * Moves the current desired state (assignment or removal) of `app`, unchanged, to `version`
   * (the resync: the agent holds the app at a version the hub lost, or at the same version with
   * another digest); a store with a signing key signs it again for `version` only when it
   * carries the store's own valid signature. The counter moves to at least `version`. With `delivered` the new version is
   * recorded as acked (the agent already holds exactly this content), otherwise it is pending.
   * False (nothing written) when there is no current desired state or `version` is not above it.
   */
  reissueDesired(
    target: string,
    app: string,
    version: number,
    opts: { readonly delivered: boolean },
  ): Promise<boolean>;

  /** Deletion mode per app whose current state is a removal (for the resync's removals). */
  knownRemovals(target: string): Promise<Map<string, DeletionMode>>;

  /**
   * Everything the resync needs from the store for one target (proto/README.md, step 2), read
   * in one go: desired apps, version counters, status hashes, known removals.
   */
  resyncState(target: string): Promise<ResyncHubState>;

  // -------------------------------------------------------------------------------------------
  // Delivery outbox

  /**
   * The outbox of `target`: for each app, its current desired assignment or removal when that
   * version is neither acked nor rejected. Latest-wins by construction (only the current version
   * of an app exists), sorted by app.
   */
  pendingFor(target: string): Promise<PendingDelivery[]>;

  /** The outbox entry of one app, if its current version is pending. */
  pendingOf(target: string, app: string): Promise<PendingDelivery | undefined>;

  /**
   * Marks `version` of `app` delivered (the agent acked it). True when it was the current
   * version; an ack for any other version changes nothing.
   */
  ack(target: string, app: string, version: number): Promise<boolean>;

  /**
   * Records a final rejection of `version` (an ack with `error`): it leaves the outbox and is
   * never resent unchanged. True when it was the current version; otherwise nothing changes.
   */
  rejected(target: string, app: string, version: number, error: ErrorDetail): Promise<boolean>;

  // -------------------------------------------------------------------------------------------
  // Reports and sync history

  /**
   * Stores the report when it is the newest for its (target, app): highest assignmentVersion,
   * then observedAtUnixMs. A duplicate of the stored report changes nothing and is `'stored'`;
   * an older one is `'stale'`. A stored report whose sync state or revision differs from the
   * previous one appends to the sync history (capped).
   */
  putReport(report: StatusReport): Promise<PutReportResult>;

  getReport(target: string, app: string): Promise<StatusReport | undefined>;

  /** Newest reports, filtered; sorted by target then app. */
  listReports(filter?: ReportFilter): Promise<StatusReport[]>;

  /** Status hash of the stored report of (target, app). */
  lastStatusHash(target: string, app: string): Promise<string | undefined>;

  /** Sync-state/revision transitions of (target, app), newest first (at most the cap, 50). */
  syncHistory(target: string, app: string): Promise<SyncHistoryEntry[]>;

  // -------------------------------------------------------------------------------------------
  // Connections

  /** Records a new stream of `target` on a replica; a live older one is superseded. */
  recordSession(target: string, session: SessionInfo): Promise<RecordSessionResult>;

  /**
   * Liveness: a message (any, heartbeat included) arrived at `nowMs`. With `session`, only that
   * session's messages count (a superseded stream's late messages are ignored). False when there
   * is no live (matching) session.
   */
  touch(target: string, nowMs: number, session?: string): Promise<boolean>;

  /** The stream ended. Only the current session can end itself; true when it was. */
  endSession(target: string, session: string, nowMs: number): Promise<boolean>;

  /**
   * Connected while the live session's last message is at most `staleAfterMs` old, Stale after
   * that (including when the replica holding it died without ending it), Disconnected when the
   * last session ended or there never was one.
   */
  connection(target: string, nowMs: number, staleAfterMs: number): Promise<ConnectionStatus>;

  /** Every target the store holds any state for, sorted. */
  targets(): Promise<string[]>;

  // -------------------------------------------------------------------------------------------
  // Wipe detection

  /**
   * True (once per store instance and wipe) when the store's epoch marker is gone or changed
   * since this instance first looked: the store was wiped and its state (version counters!)
   * lost. The hub then rebuilds desired state from Git and makes every agent resync (the resync
   * moves the counters past what the agents hold). The first call records the epoch and is false.
   */
  epochChanged(): Promise<boolean>;
}
