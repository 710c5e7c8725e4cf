/**
 * The agent → hub half of the codec (./codec.ts): AgentMessage and its payloads (Hello, Ack,
 * StatusReport, Heartbeat), encoded for grpc-js and decoded with validation.
 */
import { canonicalJson } from './domain/ids.ts';
import { MAX_HELD_APPS } from './domain/limits.ts';
import { ApplyAction } from './domain/messages.ts';
import type {
  AgentMessage,
  AgentPayload,
  DriftRecord,
  FieldChange,
  HeldApp,
  Hello,
  JsonValue,
  ObjectResult,
  StatusReport,
  UnmanagedObject,
} from './domain/messages.ts';
import { applyActions, driftActions, syncStates, unmanagedActions } from './codec-enums.ts';
import {
  decodeAck,
  decodeErrorDetail,
  decodeHealth,
  decodeMessage,
  decodeRef,
  encodeAck,
  encodeEnvelope,
  encodeErrorDetail,
  encodeHealth,
  encodeRef,
} from './codec-shared.ts';
import {
  atMost,
  dnsLabel,
  integer,
  jsonPointer,
  messageId,
  nonEmpty,
  parseJson,
  revision,
  sha256,
  unique,
  violation,
  type Ctx,
} from './codec-validate.ts';
import type {
  AgentMessage as WireAgentMessage,
  AgentMessage__Output as WireAgentMessageOut,
} from './generated/gitfleet/v1/AgentMessage.ts';
import type { DriftRecord__Output as WireDriftRecordOut } from './generated/gitfleet/v1/DriftRecord.ts';
import type { FieldChange__Output as WireFieldChangeOut } from './generated/gitfleet/v1/FieldChange.ts';
import type { HeldApp__Output as WireHeldAppOut } from './generated/gitfleet/v1/HeldApp.ts';
import type { Hello__Output as WireHelloOut } from './generated/gitfleet/v1/Hello.ts';
import type { ObjectResult__Output as WireObjectResultOut } from './generated/gitfleet/v1/ObjectResult.ts';
import type {
  StatusReport as WireStatusReport,
  StatusReport__Output as WireStatusReportOut,
} from './generated/gitfleet/v1/StatusReport.ts';
import type { UnmanagedObject__Output as WireUnmanagedObjectOut } from './generated/gitfleet/v1/UnmanagedObject.ts';

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
  return decodeMessage<WireAgentMessageOut, AgentPayload>('AgentMessage', wire, {
    hello: decodeHello,
    ack: decodeAck,
    statusReport: decodeStatusReport,
    heartbeat: () => ({ kind: 'heartbeat' }),
  });
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
