/**
 * Domain types of the hub↔agent protocol (gitfleet.v1). Hub and agent code works with these plain
 * readonly values only; proto/src/codec.ts translates them to and from the generated wire types.
 * Field meanings are documented once, in proto/gitfleet/v1/*.proto; this file repeats only what
 * differs from the wire (absent vs "" and parsed JSON).
 */
import { toGitfleetError } from './errors.ts';
import type { ErrorCode } from './errors.ts';

/** Protocol version spoken by this package (gitfleet.v1). */
export const PROTOCOL_VERSION = 1;

/** Heartbeat interval the hub announces in Welcome unless configured otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * A peer that has sent nothing (not even a heartbeat) for this many heartbeat intervals is stale:
 * the other side closes the stream (agent: reconnects; hub: marks the target's status Stale).
 */
export const STALE_AFTER_MISSED_HEARTBEATS = 3;

/** gRPC metadata key of the agent's credentials (`Bearer <token>`). */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** The trailer in which the hub names the ErrorCode of a refused call (e.g. REGISTRATION_REFUSED). */
export const ERROR_CODE_METADATA_KEY = 'gitfleet-error-code';

// ---------------------------------------------------------------------------------------------
// JSON and Kubernetes objects

/** A JSON value as produced by JSON.parse. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * A rendered Kubernetes object: a JSON object with at least string `apiVersion`, `kind` and
 * `metadata.name` (the codec checks this when decoding).
 */
export type KubeObject = JsonObject;

/** Identifies one Kubernetes object ("" group = core group; "" namespace = cluster-scoped). */
export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Matches objects; an absent field matches anything, a present one (even "") must be equal. */
export interface ObjectSelector {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A structured error carried on the wire (negative ack, failed object or app). */
export interface ErrorDetail {
  readonly code: ErrorCode;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Closed vocabularies. Policies and actions are lowercase; states and health are PascalCase.

export const SyncMode = { Automated: 'automated', Manual: 'manual' } as const;
export type SyncMode = (typeof SyncMode)[keyof typeof SyncMode];

export const DriftMode = { Correct: 'correct', Warn: 'warn', Ignore: 'ignore' } as const;
export type DriftMode = (typeof DriftMode)[keyof typeof DriftMode];

export const UnmanagedMode = { Ignore: 'ignore', Warn: 'warn', Prune: 'prune' } as const;
export type UnmanagedMode = (typeof UnmanagedMode)[keyof typeof UnmanagedMode];

export const ConflictMode = { Force: 'force', Report: 'report' } as const;
export type ConflictMode = (typeof ConflictMode)[keyof typeof ConflictMode];

export const DeletionMode = { Delete: 'delete', Orphan: 'orphan' } as const;
export type DeletionMode = (typeof DeletionMode)[keyof typeof DeletionMode];

export const SyncState = {
  Synced: 'Synced',
  OutOfSync: 'OutOfSync',
  Applying: 'Applying',
  Failed: 'Failed',
} as const;
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

export const HealthStatus = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  Suspended: 'Suspended',
  Missing: 'Missing',
  Unknown: 'Unknown',
} as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

export const ApplyAction = {
  Created: 'created',
  Configured: 'configured',
  Unchanged: 'unchanged',
  Deleted: 'deleted',
  Skipped: 'skipped',
  Failed: 'failed',
} as const;
export type ApplyAction = (typeof ApplyAction)[keyof typeof ApplyAction];

export const DriftAction = {
  Corrected: 'corrected',
  Reported: 'reported',
  Ignored: 'ignored',
} as const;
export type DriftAction = (typeof DriftAction)[keyof typeof DriftAction];

export const UnmanagedAction = {
  Reported: 'reported',
  Pruned: 'pruned',
  PruneFailed: 'prune-failed',
} as const;
export type UnmanagedAction = (typeof UnmanagedAction)[keyof typeof UnmanagedAction];

// ---------------------------------------------------------------------------------------------
// Assignment (hub → agent)

export interface PrunePolicy {
  readonly enabled: boolean;
  readonly allowEmpty: boolean;
}

export interface DriftOverride {
  readonly selector: ObjectSelector;
  readonly mode: DriftMode;
}

/** Default drift mode plus overrides; the most specific matching selector wins, then the first. */
export interface DriftPolicy {
  readonly mode: DriftMode;
  readonly overrides: readonly DriftOverride[];
}

export interface IgnoreRule {
  readonly selector: ObjectSelector;
  /** RFC 6901 JSON pointers ("/spec/replicas"); at least one. */
  readonly jsonPointers: readonly string[];
}

export interface UnmanagedPolicy {
  readonly mode: UnmanagedMode;
  /** Objects never reported or pruned. */
  readonly allow: readonly ObjectSelector[];
}

export interface AssignmentPolicies {
  readonly sync: SyncMode;
  readonly prune: PrunePolicy;
  readonly drift: DriftPolicy;
  readonly ignore: readonly IgnoreRule[];
  readonly unmanaged: UnmanagedPolicy;
  readonly conflict: ConflictMode;
  readonly deletion: DeletionMode;
  /**
   * Namespace of the app's namespaced objects that have none (DNS label); absent (wire "") when
   * the app names none.
   */
  readonly destinationNamespace?: string;
  /** Create `destinationNamespace` when it does not exist; absent means false (wire false). */
  readonly createNamespace?: boolean;
}

/**
 * The hub's Ed25519 signature over a message's signing payload (./signature.ts). Absent when the
 * hub signs nothing (wire: empty `signature` and `key_id`).
 */
export interface HubSignature {
  /** First 16 hex of sha256 over the raw 32-byte public key that verifies it. */
  readonly keyId: string;
  /** The signature, base64 (64 bytes when well formed). */
  readonly value: string;
}

/** An API group and kind of a project's rules, each a glob (`*`: any); "" is the core group. */
export interface ScopeGroupKind {
  readonly group: string;
  readonly kind: string;
}

/**
 * The object rules of an app's Project, as an assignment carries them (the decision over them is
 * `objectViolations` of ./project-scope.ts, which calls this type `ObjectScope`).
 */
export interface AssignmentScope {
  /** DNS label. */
  readonly name: string;
  /** Globs over the namespaces of namespaced objects. */
  readonly namespaces: readonly string[];
  readonly kinds: {
    /** Namespaced kinds allowed; absent: every namespaced kind. */
    readonly allow?: readonly ScopeGroupKind[];
    /** Cluster-scoped kinds allowed; absent: none. */
    readonly allowClusterScoped?: readonly ScopeGroupKind[];
    /** Never allowed. */
    readonly deny: readonly ScopeGroupKind[];
  };
}

/** Desired state of one app on one target, at a version that only grows per (target, app). */
export interface Assignment {
  readonly kind: 'assignment';
  readonly target: string;
  readonly app: string;
  readonly version: number;
  /** Git commit SHA (40 or 64 lowercase hex). */
  readonly revision: string;
  /** `sha256:<hex>`, equal to `contentDigest(objects)` (the codec checks this when decoding). */
  readonly contentDigest: string;
  /** Rendered objects, parsed (sent as canonical JSON strings). */
  readonly objects: readonly KubeObject[];
  readonly policies: AssignmentPolicies;
  /**
   * The object rules of the app's Project (./project-scope.ts, in `objectScopeOf` form); absent
   * for an app in no Project: the agent's local policy alone decides then.
   */
  readonly scope?: AssignmentScope;
  readonly signature?: HubSignature;
}

/** Removes an app; takes the next version of the (target, app) sequence. */
export interface AppRemoval {
  readonly kind: 'appRemoval';
  readonly target: string;
  readonly app: string;
  readonly version: number;
  readonly deletion: DeletionMode;
  readonly signature?: HubSignature;
}

/** Operation: apply the held assignment of `app` at `assignmentVersion` now. */
export interface SyncRequest {
  readonly kind: 'syncRequest';
  readonly target: string;
  readonly app: string;
  readonly assignmentVersion: number;
  readonly requestId: string;
  readonly signature?: HubSignature;
}

// ---------------------------------------------------------------------------------------------
// Handshake

/** One app as held by the agent. */
export interface HeldApp {
  readonly app: string;
  readonly assignmentVersion: number;
  readonly revision: string;
  readonly contentDigest: string;
  /** Hash of the last report for the app that the hub acked; absent if none yet (wire ""). */
  readonly statusHash?: string;
}

/** First agent message of every stream. */
export interface Hello {
  readonly kind: 'hello';
  readonly target: string;
  readonly agentVersion: string;
  readonly agentInstanceId: string;
  readonly protocolVersion: number;
  readonly held: readonly HeldApp[];
}

export interface AppVersion {
  readonly app: string;
  readonly version: number;
}

/** What follows a Welcome: only the differences between what the agent holds and what it should. */
export interface ResyncPlan {
  /** An Assignment at this version follows for each. */
  readonly assignments: readonly AppVersion[];
  /** An AppRemoval at this version follows for each. */
  readonly removals: readonly AppVersion[];
  /** Apps the agent must report again (status hash differs from the hub's copy). */
  readonly reportRequests: readonly string[];
  /** Apps where assignment and status are both current. */
  readonly upToDate: readonly string[];
}

/** The hub's answer to Hello. */
export interface Welcome {
  readonly kind: 'welcome';
  readonly sessionId: string;
  readonly protocolVersion: number;
  readonly heartbeatIntervalMs: number;
  readonly resync: ResyncPlan;
}

// ---------------------------------------------------------------------------------------------
// Status (agent → hub)

export interface Health {
  readonly status: HealthStatus;
  /** "" when there is nothing to say. */
  readonly message: string;
}

export interface ObjectResult {
  readonly ref: ObjectRef;
  readonly action: ApplyAction;
  readonly health: Health;
  /** "" when none. */
  readonly message: string;
  /** Set exactly when `action` is 'failed'. */
  readonly error?: ErrorDetail;
}

/** One differing field. A side that lacks the field has `undefined` (wire ""). */
export interface FieldChange {
  /** RFC 6901 JSON pointer. */
  readonly path: string;
  readonly desired?: JsonValue;
  readonly live?: JsonValue;
}

export interface DriftRecord {
  readonly ref: ObjectRef;
  /** At least one. */
  readonly changes: readonly FieldChange[];
  /** Manager that made the change; "" when unknown. */
  readonly fieldManager: string;
  readonly firstSeenUnixMs: number;
  readonly lastSeenUnixMs: number;
  readonly action: DriftAction;
  readonly correctionCount: number;
}

export interface UnmanagedObject {
  readonly ref: ObjectRef;
  /** Manager that created it; "" when unknown. */
  readonly createdBy: string;
  readonly action: UnmanagedAction;
  /** "" when none. */
  readonly message: string;
}

/** Observed state of one app on the target. */
export interface StatusReport {
  readonly kind: 'statusReport';
  readonly target: string;
  readonly app: string;
  readonly assignmentVersion: number;
  readonly revision: string;
  readonly contentDigest: string;
  readonly syncState: SyncState;
  readonly health: Health;
  readonly objects: readonly ObjectResult[];
  readonly drift: readonly DriftRecord[];
  readonly unmanaged: readonly UnmanagedObject[];
  /** App-level failure; absent if none. */
  readonly error?: ErrorDetail;
  /** `statusHash(report)`: over everything but statusHash and observedAtUnixMs. */
  readonly statusHash: string;
  readonly observedAtUnixMs: number;
}

// ---------------------------------------------------------------------------------------------
// Both directions

/** Acknowledges one sequenced message; `error` absent means accepted. */
export interface Ack {
  readonly kind: 'ack';
  readonly ackedMessageId: string;
  readonly ackedSeq: number;
  readonly error?: ErrorDetail;
}

/** Liveness. */
export interface Heartbeat {
  readonly kind: 'heartbeat';
}

/** Fields every message carries. */
export interface Envelope {
  /** Unique, deterministic where possible, never contains ':'; kept on resend. */
  readonly messageId: string;
  /** Per sender and session: 1, 2, 3... on sequenced messages; 0 on ack and heartbeat. */
  readonly seq: number;
  readonly sentAtUnixMs: number;
  /** W3C trace context (`traceparent`, `tracestate`). */
  readonly trace: Readonly<Record<string, string>>;
}

export type AgentPayload = Hello | Ack | StatusReport | Heartbeat;
export type HubPayload = Welcome | Assignment | AppRemoval | SyncRequest | Ack | Heartbeat;

/** Everything an agent sends. */
export interface AgentMessage extends Envelope {
  readonly payload: AgentPayload;
}

/** Everything the hub sends. */
export interface HubMessage extends Envelope {
  readonly payload: HubPayload;
}

export type PayloadKind = AgentPayload['kind'] | HubPayload['kind'];

/** Payloads the receiver must ack (and the sender resends until acked). */
export const ACKED_KINDS: ReadonlySet<PayloadKind> = new Set<PayloadKind>([
  'assignment',
  'appRemoval',
  'syncRequest',
  'statusReport',
]);

/** Payloads that take no sequence number (seq 0) and are never acked. */
export const UNSEQUENCED_KINDS: ReadonlySet<PayloadKind> = new Set<PayloadKind>([
  'ack',
  'heartbeat',
]);

/** True when a payload of this kind must be acked by its receiver. */
export function isAcked(kind: PayloadKind): boolean {
  return ACKED_KINDS.has(kind);
}

/** True when a payload of this kind takes a sequence number (everything but ack and heartbeat). */
export function isSequenced(kind: PayloadKind): boolean {
  return !UNSEQUENCED_KINDS.has(kind);
}

/** The wire form of any thrown value: its GitfleetError code and message (INTERNAL if unknown). */
export function toErrorDetail(err: unknown): ErrorDetail {
  const e = toGitfleetError(err);
  return { code: e.code, message: e.message };
}
