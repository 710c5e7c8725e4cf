/**
 * The only module that touches the generated wire types (./generated): it encodes domain messages
 * (./domain/messages.ts) for grpc-js and decodes what grpc-js received back into domain messages,
 * validating as it goes. Anything a peer sends that the domain cannot represent (no payload, an
 * unknown or *_UNSPECIFIED enum, a missing id, an object that is not JSON, a digest that does not
 * match) is rejected with a GitfleetError PROTOCOL_VIOLATION that names the message and field; a
 * list longer than its limit (./domain/limits.ts) with LIMIT_EXCEEDED naming the limit.
 */
import { Metadata, loadPackageDefinition } from '@grpc/grpc-js';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ErrorCode, GitfleetError, toGitfleetError } from './domain/errors.ts';
import { MAX_HELD_APPS } from './domain/limits.ts';
import {
  contentDigest,
  canonicalJson,
  isDnsLabel,
  isMessageId,
  isRevision,
  isSha256Digest,
} from './domain/ids.ts';
import {
  AUTHORIZATION_METADATA_KEY,
  ApplyAction,
  ConflictMode,
  DeletionMode,
  DriftAction,
  DriftMode,
  HealthStatus,
  SyncMode,
  SyncState,
  UnmanagedAction,
  UnmanagedMode,
  isSequenced,
} from './domain/messages.ts';
import type {
  Ack,
  AgentMessage,
  AgentPayload,
  AppRemoval,
  AppVersion,
  Assignment,
  AssignmentPolicies,
  DriftRecord,
  Envelope,
  ErrorDetail,
  FieldChange,
  Health,
  HeldApp,
  Hello,
  HubMessage,
  HubPayload,
  JsonValue,
  KubeObject,
  ObjectRef,
  ObjectResult,
  ObjectSelector,
  PayloadKind,
  ResyncPlan,
  StatusReport,
  SyncRequest,
  UnmanagedObject,
  Welcome,
} from './domain/messages.ts';
import { loadGitfleetPackageDefinition } from './load.ts';
import type { ProtoGrpcType } from './generated/agent_link.ts';
import type { Ack as WireAck, Ack__Output as WireAckOut } from './generated/gitfleet/v1/Ack.ts';
import type {
  AgentLinkClient as WireAgentLinkClient,
  AgentLinkDefinition,
  AgentLinkHandlers as WireAgentLinkHandlers,
} from './generated/gitfleet/v1/AgentLink.ts';
import type {
  AgentMessage as WireAgentMessage,
  AgentMessage__Output as WireAgentMessageOut,
} from './generated/gitfleet/v1/AgentMessage.ts';
import type { AppRemoval__Output as WireAppRemovalOut } from './generated/gitfleet/v1/AppRemoval.ts';
import type { AppVersion__Output as WireAppVersionOut } from './generated/gitfleet/v1/AppVersion.ts';
import type { ApplyAction__Output as WireApplyAction } from './generated/gitfleet/v1/ApplyAction.ts';
import type {
  Assignment as WireAssignment,
  Assignment__Output as WireAssignmentOut,
} from './generated/gitfleet/v1/Assignment.ts';
import type { AssignmentPolicies__Output as WireAssignmentPoliciesOut } from './generated/gitfleet/v1/AssignmentPolicies.ts';
import type { ConflictMode__Output as WireConflictMode } from './generated/gitfleet/v1/ConflictMode.ts';
import type { DeletionMode__Output as WireDeletionMode } from './generated/gitfleet/v1/DeletionMode.ts';
import type { DriftAction__Output as WireDriftAction } from './generated/gitfleet/v1/DriftAction.ts';
import type { DriftMode__Output as WireDriftMode } from './generated/gitfleet/v1/DriftMode.ts';
import type { DriftRecord__Output as WireDriftRecordOut } from './generated/gitfleet/v1/DriftRecord.ts';
import type {
  ErrorDetail as WireErrorDetail,
  ErrorDetail__Output as WireErrorDetailOut,
} from './generated/gitfleet/v1/ErrorDetail.ts';
import type { FieldChange__Output as WireFieldChangeOut } from './generated/gitfleet/v1/FieldChange.ts';
import type {
  Health as WireHealth,
  Health__Output as WireHealthOut,
} from './generated/gitfleet/v1/Health.ts';
import type { HealthStatus__Output as WireHealthStatus } from './generated/gitfleet/v1/HealthStatus.ts';
import type { HeldApp__Output as WireHeldAppOut } from './generated/gitfleet/v1/HeldApp.ts';
import type { Hello__Output as WireHelloOut } from './generated/gitfleet/v1/Hello.ts';
import type {
  HubMessage as WireHubMessage,
  HubMessage__Output as WireHubMessageOut,
} from './generated/gitfleet/v1/HubMessage.ts';
import type {
  ObjectRef as WireObjectRef,
  ObjectRef__Output as WireObjectRefOut,
} from './generated/gitfleet/v1/ObjectRef.ts';
import type { ObjectResult__Output as WireObjectResultOut } from './generated/gitfleet/v1/ObjectResult.ts';
import type {
  ObjectSelector as WireObjectSelector,
  ObjectSelector__Output as WireObjectSelectorOut,
} from './generated/gitfleet/v1/ObjectSelector.ts';
import type { ResyncPlan__Output as WireResyncPlanOut } from './generated/gitfleet/v1/ResyncPlan.ts';
import type {
  StatusReport as WireStatusReport,
  StatusReport__Output as WireStatusReportOut,
} from './generated/gitfleet/v1/StatusReport.ts';
import type { SyncMode__Output as WireSyncMode } from './generated/gitfleet/v1/SyncMode.ts';
import type { SyncRequest__Output as WireSyncRequestOut } from './generated/gitfleet/v1/SyncRequest.ts';
import type { SyncState__Output as WireSyncState } from './generated/gitfleet/v1/SyncState.ts';
import type { UnmanagedAction__Output as WireUnmanagedAction } from './generated/gitfleet/v1/UnmanagedAction.ts';
import type { UnmanagedMode__Output as WireUnmanagedMode } from './generated/gitfleet/v1/UnmanagedMode.ts';
import type { UnmanagedObject__Output as WireUnmanagedObjectOut } from './generated/gitfleet/v1/UnmanagedObject.ts';
import type { Welcome__Output as WireWelcomeOut } from './generated/gitfleet/v1/Welcome.ts';

// ---------------------------------------------------------------------------------------------
// grpc-js glue

/** The hub's end of a Connect stream: reads wire AgentMessages, writes wire HubMessages. */
export type AgentLinkServerStream = grpc.ServerDuplexStream<WireAgentMessageOut, WireHubMessage>;
/** The agent's end of a Connect stream: writes wire AgentMessages, reads wire HubMessages. */
export type AgentLinkClientStream = grpc.ClientDuplexStream<WireAgentMessage, WireHubMessageOut>;
/** A typed AgentLink client (`client.Connect(metadata)` opens the stream). */
export type AgentLinkClient = WireAgentLinkClient;
/** Server implementation of AgentLink, for `server.addService(service, handlers)`. */
export type AgentLinkHandlers = WireAgentLinkHandlers;
/** Constructor of {@link AgentLinkClient}. */
export type AgentLinkClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => AgentLinkClient;

/** What hub and agent need to speak AgentLink over grpc-js. */
export interface AgentLinkGrpc {
  /** Service definition for `server.addService`. */
  readonly service: AgentLinkDefinition;
  /** Client constructor for the agent. */
  readonly Client: AgentLinkClientConstructor;
}

/**
 * Builds the typed AgentLink service definition and client constructor from the loaded package.
 *
 * @param definition - package definition; defaults to {@link loadGitfleetPackageDefinition}
 */
export function agentLinkGrpc(
  definition: PackageDefinition = loadGitfleetPackageDefinition(),
): AgentLinkGrpc {
  // The one unchecked step: grpc-js returns an untyped object tree, which the generated
  // ProtoGrpcType describes for exactly these loader options. Check the shape we rely on.
  const root = loadPackageDefinition(definition) as unknown as Partial<ProtoGrpcType>;
  const ctor = root.gitfleet?.v1.AgentLink;
  if (typeof ctor !== 'function' || typeof ctor.service !== 'object') {
    throw new GitfleetError(
      ErrorCode.Internal,
      'gitfleet.v1.AgentLink: not found in the package definition (wrong .proto files loaded?)',
    );
  }
  return { service: ctor.service, Client: ctor };
}

/**
 * Decodes every message the agent sends on a hub-side stream. A message that fails validation goes
 * to `onViolation` (the hub then ends the call with INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for
 * LIMIT_EXCEEDED) and never to `onMessage`; errors thrown by `onMessage` itself propagate as usual.
 */
export function onAgentMessage(
  stream: AgentLinkServerStream,
  onMessage: (message: AgentMessage) => void,
  onViolation: (error: GitfleetError) => void,
): void {
  stream.on('data', (wire: WireAgentMessageOut) => {
    let message: AgentMessage;
    try {
      message = decodeAgentMessage(wire);
    } catch (err) {
      onViolation(toGitfleetError(err, ErrorCode.ProtocolViolation));
      return;
    }
    onMessage(message);
  });
}

/** Decodes every message the hub sends on an agent-side stream (see {@link onAgentMessage}). */
export function onHubMessage(
  stream: AgentLinkClientStream,
  onMessage: (message: HubMessage) => void,
  onViolation: (error: GitfleetError) => void,
): void {
  stream.on('data', (wire: WireHubMessageOut) => {
    let message: HubMessage;
    try {
      message = decodeHubMessage(wire);
    } catch (err) {
      onViolation(toGitfleetError(err, ErrorCode.ProtocolViolation));
      return;
    }
    onMessage(message);
  });
}

/**
 * Writes a hub message; returns `stream.write`'s result (false = the transport buffer is full:
 * wait for 'drain' before writing more, see "Backpressure" in proto/README.md).
 */
export function writeHubMessage(stream: AgentLinkServerStream, message: HubMessage): boolean {
  return stream.write(encodeHubMessage(message));
}

/** Writes an agent message; returns `stream.write`'s result (see {@link writeHubMessage}). */
export function writeAgentMessage(stream: AgentLinkClientStream, message: AgentMessage): boolean {
  return stream.write(encodeAgentMessage(message));
}

/** gRPC metadata carrying the agent's bearer token (`authorization: Bearer <token>`). */
export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
  return metadata;
}

/** The bearer token of a call, or undefined when the metadata carries none (or several). */
export function readBearerToken(metadata: Metadata): string | undefined {
  const values = metadata.get(AUTHORIZATION_METADATA_KEY);
  if (values.length !== 1 || typeof values[0] !== 'string') return undefined;
  const match = /^Bearer ([^\s]+)$/.exec(values[0]);
  return match?.[1];
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

interface Ctx {
  /** Wire message being decoded ("AgentMessage" / "HubMessage"). */
  readonly message: string;
  /** Its message_id as received (may be empty or invalid). */
  readonly messageId: string;
}

function violation(ctx: Ctx, field: string, problem: string): GitfleetError {
  const id = ctx.messageId === '' ? '(no message_id)' : ctx.messageId;
  return new GitfleetError(
    ErrorCode.ProtocolViolation,
    `${ctx.message} ${id}: ${field} ${problem}`,
    {
      terminal: true,
      details: { message: ctx.message, field, messageId: ctx.messageId },
    },
  );
}

/**
 * A list longer than its documented limit: LIMIT_EXCEEDED (the hub ends the stream with
 * RESOURCE_EXHAUSTED), checked before any entry is decoded.
 */
function atMost(ctx: Ctx, field: string, length: number, limit: number, name: string): void {
  if (length <= limit) return;
  const id = ctx.messageId === '' ? '(no message_id)' : ctx.messageId;
  throw new GitfleetError(
    ErrorCode.LimitExceeded,
    `${ctx.message} ${id}: ${field} lists ${String(length)} apps, more than the limit of ${String(limit)} (${name}); a target cannot hold more apps than that`,
    {
      terminal: true,
      details: { message: ctx.message, field, messageId: ctx.messageId, limit: name, length },
    },
  );
}

function present<T>(ctx: Ctx, field: string, value: T | null | undefined): T {
  if (value === null || value === undefined) throw violation(ctx, field, 'is missing');
  return value;
}

function nonEmpty(ctx: Ctx, field: string, value: string): string {
  if (value === '') throw violation(ctx, field, 'is missing');
  return value;
}

function checked(
  ctx: Ctx,
  field: string,
  value: string,
  isValid: (v: string) => boolean,
  expected: string,
): string {
  nonEmpty(ctx, field, value);
  if (!isValid(value))
    throw violation(ctx, field, `is ${JSON.stringify(value)} (expected ${expected})`);
  return value;
}

const dnsLabel = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isDnsLabel, 'a DNS label');
const messageId = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isMessageId, "an id without ':' or whitespace");
const revision = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isRevision, 'a 40 or 64 hex commit SHA');
const sha256 = (ctx: Ctx, field: string, v: string): string =>
  checked(ctx, field, v, isSha256Digest, 'sha256:<64 hex>');

/** A uint64/int64 decoded as a decimal string (longs: String) → a safe integer ≥ min. */
function integer(ctx: Ctx, field: string, value: string | number, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw violation(
      ctx,
      field,
      `is ${String(value)} (expected an integer >= ${String(min)} and <= 2^53-1)`,
    );
  }
  return n;
}

const JSON_POINTER = /^(\/([^~/]|~[01])*)*$/;

function jsonPointer(ctx: Ctx, field: string, value: string): string {
  if (!JSON_POINTER.test(value)) {
    throw violation(ctx, field, `is ${JSON.stringify(value)} (expected an RFC 6901 JSON pointer)`);
  }
  return value;
}

/**
 * Deepest nesting of arrays and objects accepted in a JSON field (an object of an assignment, a
 * drifted value). What the hub renders stays far below it (YAML nesting is limited to 100, and
 * an overlay adds at most as much again); the JSON helpers that walk values recursively
 * (canonicalJson, the digests) stay far from the stack's end below it.
 */
const MAX_WIRE_JSON_DEPTH = 512;

/** True when JSON text nests arrays and objects deeper than `max` (one pass, no recursion). */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      // A backslash escapes the next character; a quote ends the string.
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

function parseJson(ctx: Ctx, field: string, text: string): JsonValue {
  if (nestedDeeperThan(text, MAX_WIRE_JSON_DEPTH)) {
    throw violation(
      ctx,
      field,
      `nests arrays and objects more than ${String(MAX_WIRE_JSON_DEPTH)} deep (MAX_WIRE_JSON_DEPTH)`,
    );
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw violation(
      ctx,
      field,
      `is not JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function isJsonObject(value: JsonValue): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kubeObject(ctx: Ctx, field: string, text: string): KubeObject {
  const value = parseJson(ctx, field, text);
  if (!isJsonObject(value)) throw violation(ctx, field, 'is not a JSON object');
  const metadata = value['metadata'];
  const problems = [
    typeof value['apiVersion'] === 'string' && value['apiVersion'] !== '' ? '' : 'apiVersion',
    typeof value['kind'] === 'string' && value['kind'] !== '' ? '' : 'kind',
    metadata !== undefined &&
    isJsonObject(metadata) &&
    typeof metadata['name'] === 'string' &&
    metadata['name'] !== ''
      ? ''
      : 'metadata.name',
  ].filter((p) => p !== '');
  if (problems.length > 0) {
    throw violation(ctx, field, `is not a Kubernetes object (missing ${problems.join(', ')})`);
  }
  return value;
}

function unique(ctx: Ctx, field: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw violation(ctx, field, `lists ${JSON.stringify(name)} more than once`);
    seen.add(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Enums: domain value ⇄ wire name. The tables are complete in both directions (checked by type
// for the domain side, and by codec.test.ts against the loaded .proto for the wire side).

interface EnumCodec<D extends string, W extends string> {
  readonly encode: (value: D) => W;
  readonly decode: (ctx: Ctx, field: string, value: string | number) => D;
}

function enumCodec<D extends string, W extends string>(
  unspecified: string,
  toWire: Readonly<Record<D, W>>,
): EnumCodec<D, W> {
  const fromWire = new Map<string, D>();
  for (const [domain, wire] of Object.entries(toWire) as [D, W][]) fromWire.set(wire, domain);
  return {
    encode: (value) => toWire[value],
    decode: (ctx, field, value) => {
      const domain = typeof value === 'string' ? fromWire.get(value) : undefined;
      if (domain !== undefined) return domain;
      if (value === unspecified || value === 0)
        throw violation(ctx, field, `is ${unspecified} (must be set)`);
      throw violation(
        ctx,
        field,
        `is ${JSON.stringify(value)} (expected one of ${[...fromWire.keys()].join(', ')})`,
      );
    },
  };
}

type Specified<W extends string> = Exclude<W, `${string}_UNSPECIFIED`>;

const syncModes = enumCodec('SYNC_MODE_UNSPECIFIED', {
  [SyncMode.Automated]: 'SYNC_MODE_AUTOMATED',
  [SyncMode.Manual]: 'SYNC_MODE_MANUAL',
} satisfies Record<SyncMode, Specified<WireSyncMode>>);

const driftModes = enumCodec('DRIFT_MODE_UNSPECIFIED', {
  [DriftMode.Correct]: 'DRIFT_MODE_CORRECT',
  [DriftMode.Warn]: 'DRIFT_MODE_WARN',
  [DriftMode.Ignore]: 'DRIFT_MODE_IGNORE',
} satisfies Record<DriftMode, Specified<WireDriftMode>>);

const unmanagedModes = enumCodec('UNMANAGED_MODE_UNSPECIFIED', {
  [UnmanagedMode.Ignore]: 'UNMANAGED_MODE_IGNORE',
  [UnmanagedMode.Warn]: 'UNMANAGED_MODE_WARN',
  [UnmanagedMode.Prune]: 'UNMANAGED_MODE_PRUNE',
} satisfies Record<UnmanagedMode, Specified<WireUnmanagedMode>>);

const conflictModes = enumCodec('CONFLICT_MODE_UNSPECIFIED', {
  [ConflictMode.Force]: 'CONFLICT_MODE_FORCE',
  [ConflictMode.Report]: 'CONFLICT_MODE_REPORT',
} satisfies Record<ConflictMode, Specified<WireConflictMode>>);

const deletionModes = enumCodec('DELETION_MODE_UNSPECIFIED', {
  [DeletionMode.Delete]: 'DELETION_MODE_DELETE',
  [DeletionMode.Orphan]: 'DELETION_MODE_ORPHAN',
} satisfies Record<DeletionMode, Specified<WireDeletionMode>>);

const syncStates = enumCodec('SYNC_STATE_UNSPECIFIED', {
  [SyncState.Synced]: 'SYNC_STATE_SYNCED',
  [SyncState.OutOfSync]: 'SYNC_STATE_OUT_OF_SYNC',
  [SyncState.Applying]: 'SYNC_STATE_APPLYING',
  [SyncState.Failed]: 'SYNC_STATE_FAILED',
} satisfies Record<SyncState, Specified<WireSyncState>>);

const healthStatuses = enumCodec('HEALTH_STATUS_UNSPECIFIED', {
  [HealthStatus.Healthy]: 'HEALTH_STATUS_HEALTHY',
  [HealthStatus.Progressing]: 'HEALTH_STATUS_PROGRESSING',
  [HealthStatus.Degraded]: 'HEALTH_STATUS_DEGRADED',
  [HealthStatus.Suspended]: 'HEALTH_STATUS_SUSPENDED',
  [HealthStatus.Missing]: 'HEALTH_STATUS_MISSING',
  [HealthStatus.Unknown]: 'HEALTH_STATUS_UNKNOWN',
} satisfies Record<HealthStatus, Specified<WireHealthStatus>>);

const applyActions = enumCodec('APPLY_ACTION_UNSPECIFIED', {
  [ApplyAction.Created]: 'APPLY_ACTION_CREATED',
  [ApplyAction.Configured]: 'APPLY_ACTION_CONFIGURED',
  [ApplyAction.Unchanged]: 'APPLY_ACTION_UNCHANGED',
  [ApplyAction.Deleted]: 'APPLY_ACTION_DELETED',
  [ApplyAction.Skipped]: 'APPLY_ACTION_SKIPPED',
  [ApplyAction.Failed]: 'APPLY_ACTION_FAILED',
} satisfies Record<ApplyAction, Specified<WireApplyAction>>);

const driftActions = enumCodec('DRIFT_ACTION_UNSPECIFIED', {
  [DriftAction.Corrected]: 'DRIFT_ACTION_CORRECTED',
  [DriftAction.Reported]: 'DRIFT_ACTION_REPORTED',
  [DriftAction.Ignored]: 'DRIFT_ACTION_IGNORED',
} satisfies Record<DriftAction, Specified<WireDriftAction>>);

const unmanagedActions = enumCodec('UNMANAGED_ACTION_UNSPECIFIED', {
  [UnmanagedAction.Reported]: 'UNMANAGED_ACTION_REPORTED',
  [UnmanagedAction.Pruned]: 'UNMANAGED_ACTION_PRUNED',
  [UnmanagedAction.PruneFailed]: 'UNMANAGED_ACTION_PRUNE_FAILED',
} satisfies Record<UnmanagedAction, Specified<WireUnmanagedAction>>);

/** Wire names each proto enum maps to, by enum name (codec.test.ts checks them against the .proto). */
export const ENUM_WIRE_NAMES: Readonly<Record<string, readonly string[]>> = {
  SyncMode: Object.values(SyncMode).map(syncModes.encode),
  DriftMode: Object.values(DriftMode).map(driftModes.encode),
  UnmanagedMode: Object.values(UnmanagedMode).map(unmanagedModes.encode),
  ConflictMode: Object.values(ConflictMode).map(conflictModes.encode),
  DeletionMode: Object.values(DeletionMode).map(deletionModes.encode),
  SyncState: Object.values(SyncState).map(syncStates.encode),
  HealthStatus: Object.values(HealthStatus).map(healthStatuses.encode),
  ApplyAction: Object.values(ApplyAction).map(applyActions.encode),
  DriftAction: Object.values(DriftAction).map(driftActions.encode),
  UnmanagedAction: Object.values(UnmanagedAction).map(unmanagedActions.encode),
};

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

// ---------------------------------------------------------------------------------------------
// Shared pieces

function encodeErrorDetail(error: ErrorDetail | undefined): WireErrorDetail | null {
  return error === undefined ? null : { code: error.code, message: error.message };
}

function decodeErrorDetail(
  ctx: Ctx,
  field: string,
  wire: WireErrorDetailOut | null,
): ErrorDetail | undefined {
  if (wire === null) return undefined;
  const code = nonEmpty(ctx, `${field}.code`, wire.code);
  if (!ERROR_CODES.has(code)) {
    throw violation(ctx, `${field}.code`, `is ${JSON.stringify(code)} (not a gitfleet ErrorCode)`);
  }
  return { code: code as ErrorCode, message: wire.message };
}

function encodeRef(ref: ObjectRef): WireObjectRef {
  return { ...ref };
}

function decodeRef(ctx: Ctx, field: string, wire: WireObjectRefOut | null): ObjectRef {
  const ref = present(ctx, field, wire);
  return {
    group: ref.group,
    version: nonEmpty(ctx, `${field}.version`, ref.version),
    kind: nonEmpty(ctx, `${field}.kind`, ref.kind),
    namespace: ref.namespace,
    name: nonEmpty(ctx, `${field}.name`, ref.name),
  };
}

function encodeSelector(selector: ObjectSelector): WireObjectSelector {
  return { ...selector };
}

function decodeSelector(
  ctx: Ctx,
  field: string,
  wire: WireObjectSelectorOut | null,
): ObjectSelector {
  const s = present(ctx, field, wire);
  const selector: { group?: string; kind?: string; namespace?: string; name?: string } = {};
  if (s.group !== undefined) selector.group = s.group;
  if (s.kind !== undefined) selector.kind = s.kind;
  if (s.namespace !== undefined) selector.namespace = s.namespace;
  if (s.name !== undefined) selector.name = s.name;
  return selector;
}

function encodeHealth(health: Health): WireHealth {
  return { status: healthStatuses.encode(health.status), message: health.message };
}

function decodeHealth(ctx: Ctx, field: string, wire: WireHealthOut | null): Health {
  const h = present(ctx, field, wire);
  return { status: healthStatuses.decode(ctx, `${field}.status`, h.status), message: h.message };
}

function decodeEnvelope(ctx: Ctx, wire: WireAgentMessageOut | WireHubMessageOut): Envelope {
  return {
    messageId: messageId(ctx, 'messageId', wire.messageId),
    seq: integer(ctx, 'seq', wire.seq, 0),
    sentAtUnixMs: integer(ctx, 'sentAtUnixMs', wire.sentAtUnixMs, 0),
    trace: { ...wire.trace },
  };
}

function checkSeq(ctx: Ctx, kind: PayloadKind, seq: number): void {
  if (isSequenced(kind) && seq < 1)
    throw violation(ctx, 'seq', `is ${String(seq)} (a ${kind} needs seq >= 1)`);
  if (!isSequenced(kind) && seq !== 0)
    throw violation(ctx, 'seq', `is ${String(seq)} (a ${kind} has seq 0)`);
}

function encodeEnvelope(message: Envelope): {
  messageId: string;
  seq: number;
  sentAtUnixMs: number;
  trace: Record<string, string>;
} {
  return {
    messageId: message.messageId,
    seq: message.seq,
    sentAtUnixMs: message.sentAtUnixMs,
    trace: { ...message.trace },
  };
}

// ---------------------------------------------------------------------------------------------
// Ack and heartbeat (both directions)

function encodeAck(ack: Ack): WireAck {
  return {
    ackedMessageId: ack.ackedMessageId,
    ackedSeq: ack.ackedSeq,
    error: encodeErrorDetail(ack.error),
  };
}

function decodeAck(ctx: Ctx, wire: WireAckOut): Ack {
  const error = decodeErrorDetail(ctx, 'ack.error', wire.error);
  return {
    kind: 'ack',
    ackedMessageId: messageId(ctx, 'ack.ackedMessageId', wire.ackedMessageId),
    ackedSeq: integer(ctx, 'ack.ackedSeq', wire.ackedSeq, 1),
    ...(error === undefined ? {} : { error }),
  };
}

// ---------------------------------------------------------------------------------------------
// Agent → hub

/** Encodes an agent message for `stream.write`. */
export function encodeAgentMessage(message: AgentMessage): WireAgentMessage {
  const envelope = encodeEnvelope(message);
  const p = message.payload;
  switch (p.kind) {
    case 'hello':
      return {
        ...envelope,
        hello: {
          target: p.target,
          agentVersion: p.agentVersion,
          agentInstanceId: p.agentInstanceId,
          protocolVersion: p.protocolVersion,
          held: p.held.map((h) => ({
            app: h.app,
            assignmentVersion: h.assignmentVersion,
            revision: h.revision,
            contentDigest: h.contentDigest,
            statusHash: h.statusHash ?? '',
          })),
        },
      };
    case 'ack':
      return { ...envelope, ack: encodeAck(p) };
    case 'statusReport':
      return { ...envelope, statusReport: encodeStatusReport(p) };
    case 'heartbeat':
      return { ...envelope, heartbeat: {} };
  }
}

/**
 * Decodes and validates a received agent message.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming the message and field; LIMIT_EXCEEDED naming
 *   the limit
 */
export function decodeAgentMessage(wire: WireAgentMessageOut): AgentMessage {
  const ctx: Ctx = { message: 'AgentMessage', messageId: wire.messageId };
  const envelope = decodeEnvelope(ctx, wire);
  let payload: AgentPayload;
  switch (wire.payload) {
    case 'hello':
      payload = decodeHello(ctx, present(ctx, 'hello', wire.hello));
      break;
    case 'ack':
      payload = decodeAck(ctx, present(ctx, 'ack', wire.ack));
      break;
    case 'statusReport':
      payload = decodeStatusReport(ctx, present(ctx, 'statusReport', wire.statusReport));
      break;
    case 'heartbeat':
      present(ctx, 'heartbeat', wire.heartbeat);
      payload = { kind: 'heartbeat' };
      break;
    default:
      throw violation(
        ctx,
        'payload',
        'is missing (expected hello, ack, statusReport or heartbeat)',
      );
  }
  checkSeq(ctx, payload.kind, envelope.seq);
  return { ...envelope, payload };
}

function decodeHello(ctx: Ctx, wire: WireHelloOut): Hello {
  atMost(ctx, 'hello.held', wire.held.length, MAX_HELD_APPS, 'MAX_HELD_APPS');
  const held = wire.held.map((h, i) => decodeHeldApp(ctx, `hello.held[${String(i)}]`, h));
  unique(
    ctx,
    'hello.held',
    held.map((h) => h.app),
  );
  return {
    kind: 'hello',
    target: dnsLabel(ctx, 'hello.target', wire.target),
    agentVersion: nonEmpty(ctx, 'hello.agentVersion', wire.agentVersion),
    agentInstanceId: messageId(ctx, 'hello.agentInstanceId', wire.agentInstanceId),
    protocolVersion: integer(ctx, 'hello.protocolVersion', wire.protocolVersion, 1),
    held,
  };
}

function decodeHeldApp(ctx: Ctx, field: string, wire: WireHeldAppOut): HeldApp {
  const held: HeldApp = {
    app: dnsLabel(ctx, `${field}.app`, wire.app),
    assignmentVersion: integer(ctx, `${field}.assignmentVersion`, wire.assignmentVersion, 1),
    revision: revision(ctx, `${field}.revision`, wire.revision),
    contentDigest: sha256(ctx, `${field}.contentDigest`, wire.contentDigest),
  };
  return wire.statusHash === ''
    ? held
    : { ...held, statusHash: sha256(ctx, `${field}.statusHash`, wire.statusHash) };
}

function encodeStatusReport(r: StatusReport): WireStatusReport {
  return {
    target: r.target,
    app: r.app,
    assignmentVersion: r.assignmentVersion,
    revision: r.revision,
    contentDigest: r.contentDigest,
    syncState: syncStates.encode(r.syncState),
    health: encodeHealth(r.health),
    objects: r.objects.map((o) => ({
      ref: encodeRef(o.ref),
      action: applyActions.encode(o.action),
      health: encodeHealth(o.health),
      message: o.message,
      error: encodeErrorDetail(o.error),
    })),
    drift: r.drift.map((d) => ({
      ref: encodeRef(d.ref),
      changes: d.changes.map((c) => ({
        path: c.path,
        desired: c.desired === undefined ? '' : canonicalJson(c.desired),
        live: c.live === undefined ? '' : canonicalJson(c.live),
      })),
      fieldManager: d.fieldManager,
      firstSeenUnixMs: d.firstSeenUnixMs,
      lastSeenUnixMs: d.lastSeenUnixMs,
      action: driftActions.encode(d.action),
      correctionCount: d.correctionCount,
    })),
    unmanaged: r.unmanaged.map((u) => ({
      ref: encodeRef(u.ref),
      createdBy: u.createdBy,
      action: unmanagedActions.encode(u.action),
      message: u.message,
    })),
    error: encodeErrorDetail(r.error),
    statusHash: r.statusHash,
    observedAtUnixMs: r.observedAtUnixMs,
  };
}

function decodeStatusReport(ctx: Ctx, wire: WireStatusReportOut): StatusReport {
  const f = 'statusReport';
  const error = decodeErrorDetail(ctx, `${f}.error`, wire.error);
  return {
    kind: 'statusReport',
    target: dnsLabel(ctx, `${f}.target`, wire.target),
    app: dnsLabel(ctx, `${f}.app`, wire.app),
    assignmentVersion: integer(ctx, `${f}.assignmentVersion`, wire.assignmentVersion, 1),
    revision: revision(ctx, `${f}.revision`, wire.revision),
    contentDigest: sha256(ctx, `${f}.contentDigest`, wire.contentDigest),
    syncState: syncStates.decode(ctx, `${f}.syncState`, wire.syncState),
    health: decodeHealth(ctx, `${f}.health`, wire.health),
    objects: wire.objects.map((o, i) => decodeObjectResult(ctx, `${f}.objects[${String(i)}]`, o)),
    drift: wire.drift.map((d, i) => decodeDriftRecord(ctx, `${f}.drift[${String(i)}]`, d)),
    unmanaged: wire.unmanaged.map((u, i) =>
      decodeUnmanaged(ctx, `${f}.unmanaged[${String(i)}]`, u),
    ),
    ...(error === undefined ? {} : { error }),
    statusHash: sha256(ctx, `${f}.statusHash`, wire.statusHash),
    observedAtUnixMs: integer(ctx, `${f}.observedAtUnixMs`, wire.observedAtUnixMs, 0),
  };
}

function decodeObjectResult(ctx: Ctx, field: string, wire: WireObjectResultOut): ObjectResult {
  const action = applyActions.decode(ctx, `${field}.action`, wire.action);
  const error = decodeErrorDetail(ctx, `${field}.error`, wire.error);
  if ((action === ApplyAction.Failed) !== (error !== undefined)) {
    throw violation(
      ctx,
      `${field}.error`,
      action === ApplyAction.Failed
        ? 'is missing (action is failed)'
        : `is set but action is ${action}`,
    );
  }
  return {
    ref: decodeRef(ctx, `${field}.ref`, wire.ref),
    action,
    health: decodeHealth(ctx, `${field}.health`, wire.health),
    message: wire.message,
    ...(error === undefined ? {} : { error }),
  };
}

function decodeDriftRecord(ctx: Ctx, field: string, wire: WireDriftRecordOut): DriftRecord {
  if (wire.changes.length === 0) throw violation(ctx, `${field}.changes`, 'is empty');
  const firstSeenUnixMs = integer(ctx, `${field}.firstSeenUnixMs`, wire.firstSeenUnixMs, 0);
  const lastSeenUnixMs = integer(
    ctx,
    `${field}.lastSeenUnixMs`,
    wire.lastSeenUnixMs,
    firstSeenUnixMs,
  );
  return {
    ref: decodeRef(ctx, `${field}.ref`, wire.ref),
    changes: wire.changes.map((c, i) =>
      decodeFieldChange(ctx, `${field}.changes[${String(i)}]`, c),
    ),
    fieldManager: wire.fieldManager,
    firstSeenUnixMs,
    lastSeenUnixMs,
    action: driftActions.decode(ctx, `${field}.action`, wire.action),
    correctionCount: wire.correctionCount,
  };
}

function decodeFieldChange(ctx: Ctx, field: string, wire: WireFieldChangeOut): FieldChange {
  const change: { path: string; desired?: JsonValue; live?: JsonValue } = {
    path: jsonPointer(ctx, `${field}.path`, wire.path),
  };
  if (wire.desired !== '') change.desired = parseJson(ctx, `${field}.desired`, wire.desired);
  if (wire.live !== '') change.live = parseJson(ctx, `${field}.live`, wire.live);
  return change;
}

function decodeUnmanaged(ctx: Ctx, field: string, wire: WireUnmanagedObjectOut): UnmanagedObject {
  return {
    ref: decodeRef(ctx, `${field}.ref`, wire.ref),
    createdBy: wire.createdBy,
    action: unmanagedActions.decode(ctx, `${field}.action`, wire.action),
    message: wire.message,
  };
}

// ---------------------------------------------------------------------------------------------
// Hub → agent

/** Encodes a hub message for `stream.write`. */
export function encodeHubMessage(message: HubMessage): WireHubMessage {
  const envelope = encodeEnvelope(message);
  const p = message.payload;
  switch (p.kind) {
    case 'welcome':
      return {
        ...envelope,
        welcome: {
          sessionId: p.sessionId,
          protocolVersion: p.protocolVersion,
          heartbeatIntervalMs: p.heartbeatIntervalMs,
          resync: {
            assignments: p.resync.assignments.map((a) => ({ ...a })),
            removals: p.resync.removals.map((a) => ({ ...a })),
            reportRequests: [...p.resync.reportRequests],
            upToDate: [...p.resync.upToDate],
          },
        },
      };
    case 'assignment':
      return { ...envelope, assignment: encodeAssignment(p) };
    case 'appRemoval':
      return {
        ...envelope,
        appRemoval: {
          target: p.target,
          app: p.app,
          version: p.version,
          deletion: deletionModes.encode(p.deletion),
        },
      };
    case 'syncRequest':
      return {
        ...envelope,
        syncRequest: {
          target: p.target,
          app: p.app,
          assignmentVersion: p.assignmentVersion,
          requestId: p.requestId,
        },
      };
    case 'ack':
      return { ...envelope, ack: encodeAck(p) };
    case 'heartbeat':
      return { ...envelope, heartbeat: {} };
  }
}

/**
 * Decodes and validates a received hub message.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming the message and field; LIMIT_EXCEEDED naming
 *   the limit
 */
export function decodeHubMessage(wire: WireHubMessageOut): HubMessage {
  const ctx: Ctx = { message: 'HubMessage', messageId: wire.messageId };
  const envelope = decodeEnvelope(ctx, wire);
  let payload: HubPayload;
  switch (wire.payload) {
    case 'welcome':
      payload = decodeWelcome(ctx, present(ctx, 'welcome', wire.welcome));
      break;
    case 'assignment':
      payload = decodeAssignment(ctx, present(ctx, 'assignment', wire.assignment));
      break;
    case 'appRemoval':
      payload = decodeAppRemoval(ctx, present(ctx, 'appRemoval', wire.appRemoval));
      break;
    case 'syncRequest':
      payload = decodeSyncRequest(ctx, present(ctx, 'syncRequest', wire.syncRequest));
      break;
    case 'ack':
      payload = decodeAck(ctx, present(ctx, 'ack', wire.ack));
      break;
    case 'heartbeat':
      present(ctx, 'heartbeat', wire.heartbeat);
      payload = { kind: 'heartbeat' };
      break;
    default:
      throw violation(
        ctx,
        'payload',
        'is missing (expected welcome, assignment, appRemoval, syncRequest, ack or heartbeat)',
      );
  }
  checkSeq(ctx, payload.kind, envelope.seq);
  return { ...envelope, payload };
}

function decodeWelcome(ctx: Ctx, wire: WireWelcomeOut): Welcome {
  return {
    kind: 'welcome',
    sessionId: messageId(ctx, 'welcome.sessionId', wire.sessionId),
    protocolVersion: integer(ctx, 'welcome.protocolVersion', wire.protocolVersion, 1),
    heartbeatIntervalMs: integer(ctx, 'welcome.heartbeatIntervalMs', wire.heartbeatIntervalMs, 1),
    resync: decodeResyncPlan(ctx, 'welcome.resync', present(ctx, 'welcome.resync', wire.resync)),
  };
}

function decodeResyncPlan(ctx: Ctx, field: string, wire: WireResyncPlanOut): ResyncPlan {
  const appVersion = (list: string) => (a: WireAppVersionOut, i: number) => ({
    app: dnsLabel(ctx, `${field}.${list}[${String(i)}].app`, a.app),
    version: integer(ctx, `${field}.${list}[${String(i)}].version`, a.version, 1),
  });
  for (const [list, length] of [
    ['assignments', wire.assignments.length],
    ['removals', wire.removals.length],
    ['reportRequests', wire.reportRequests.length],
    ['upToDate', wire.upToDate.length],
  ] as const) {
    atMost(ctx, `${field}.${list}`, length, MAX_HELD_APPS, 'MAX_HELD_APPS');
  }
  const names = (list: string, values: readonly string[]): string[] =>
    values.map((v, i) => dnsLabel(ctx, `${field}.${list}[${String(i)}]`, v));
  const plan: ResyncPlan = {
    assignments: wire.assignments.map(appVersion('assignments')),
    removals: wire.removals.map(appVersion('removals')),
    reportRequests: names('reportRequests', wire.reportRequests),
    upToDate: names('upToDate', wire.upToDate),
  };
  unique(ctx, `${field}.reportRequests`, plan.reportRequests);
  // Each app is in at most one of assignments / removals / upToDate.
  unique(ctx, field, [
    ...plan.assignments.map((a: AppVersion) => a.app),
    ...plan.removals.map((a: AppVersion) => a.app),
    ...plan.upToDate,
  ]);
  return plan;
}

function encodeAssignment(a: Assignment): WireAssignment {
  const p = a.policies;
  return {
    target: a.target,
    app: a.app,
    version: a.version,
    revision: a.revision,
    contentDigest: a.contentDigest,
    objects: a.objects.map((o) => canonicalJson(o)),
    policies: {
      sync: syncModes.encode(p.sync),
      prune: { enabled: p.prune.enabled, allowEmpty: p.prune.allowEmpty },
      drift: {
        mode: driftModes.encode(p.drift.mode),
        overrides: p.drift.overrides.map((o) => ({
          selector: encodeSelector(o.selector),
          mode: driftModes.encode(o.mode),
        })),
      },
      ignore: p.ignore.map((r) => ({
        selector: encodeSelector(r.selector),
        jsonPointers: [...r.jsonPointers],
      })),
      unmanaged: {
        mode: unmanagedModes.encode(p.unmanaged.mode),
        allow: p.unmanaged.allow.map(encodeSelector),
      },
      conflict: conflictModes.encode(p.conflict),
      deletion: deletionModes.encode(p.deletion),
    },
  };
}

function decodeAssignment(ctx: Ctx, wire: WireAssignmentOut): Assignment {
  const f = 'assignment';
  const objects = wire.objects.map((o, i) => kubeObject(ctx, `${f}.objects[${String(i)}]`, o));
  const digest = sha256(ctx, `${f}.contentDigest`, wire.contentDigest);
  if (contentDigest(objects) !== digest) {
    throw violation(
      ctx,
      `${f}.contentDigest`,
      `is ${digest} but the objects digest to ${contentDigest(objects)}`,
    );
  }
  return {
    kind: 'assignment',
    target: dnsLabel(ctx, `${f}.target`, wire.target),
    app: dnsLabel(ctx, `${f}.app`, wire.app),
    version: integer(ctx, `${f}.version`, wire.version, 1),
    revision: revision(ctx, `${f}.revision`, wire.revision),
    contentDigest: digest,
    objects,
    policies: decodePolicies(ctx, `${f}.policies`, present(ctx, `${f}.policies`, wire.policies)),
  };
}

function decodePolicies(ctx: Ctx, f: string, wire: WireAssignmentPoliciesOut): AssignmentPolicies {
  const prune = present(ctx, `${f}.prune`, wire.prune);
  const drift = present(ctx, `${f}.drift`, wire.drift);
  const unmanaged = present(ctx, `${f}.unmanaged`, wire.unmanaged);
  return {
    sync: syncModes.decode(ctx, `${f}.sync`, wire.sync),
    prune: { enabled: prune.enabled, allowEmpty: prune.allowEmpty },
    drift: {
      mode: driftModes.decode(ctx, `${f}.drift.mode`, drift.mode),
      overrides: drift.overrides.map((o, i) => {
        const at = `${f}.drift.overrides[${String(i)}]`;
        return {
          selector: decodeSelector(ctx, `${at}.selector`, o.selector),
          mode: driftModes.decode(ctx, `${at}.mode`, o.mode),
        };
      }),
    },
    ignore: wire.ignore.map((r, i) => {
      const at = `${f}.ignore[${String(i)}]`;
      if (r.jsonPointers.length === 0) throw violation(ctx, `${at}.jsonPointers`, 'is empty');
      return {
        selector: decodeSelector(ctx, `${at}.selector`, r.selector),
        jsonPointers: r.jsonPointers.map((p, j) =>
          jsonPointer(ctx, `${at}.jsonPointers[${String(j)}]`, p),
        ),
      };
    }),
    unmanaged: {
      mode: unmanagedModes.decode(ctx, `${f}.unmanaged.mode`, unmanaged.mode),
      allow: unmanaged.allow.map((s, i) =>
        decodeSelector(ctx, `${f}.unmanaged.allow[${String(i)}]`, s),
      ),
    },
    conflict: conflictModes.decode(ctx, `${f}.conflict`, wire.conflict),
    deletion: deletionModes.decode(ctx, `${f}.deletion`, wire.deletion),
  };
}

function decodeAppRemoval(ctx: Ctx, wire: WireAppRemovalOut): AppRemoval {
  return {
    kind: 'appRemoval',
    target: dnsLabel(ctx, 'appRemoval.target', wire.target),
    app: dnsLabel(ctx, 'appRemoval.app', wire.app),
    version: integer(ctx, 'appRemoval.version', wire.version, 1),
    deletion: deletionModes.decode(ctx, 'appRemoval.deletion', wire.deletion),
  };
}

function decodeSyncRequest(ctx: Ctx, wire: WireSyncRequestOut): SyncRequest {
  return {
    kind: 'syncRequest',
    target: dnsLabel(ctx, 'syncRequest.target', wire.target),
    app: dnsLabel(ctx, 'syncRequest.app', wire.app),
    assignmentVersion: integer(ctx, 'syncRequest.assignmentVersion', wire.assignmentVersion, 1),
    requestId: messageId(ctx, 'syncRequest.requestId', wire.requestId),
  };
}
