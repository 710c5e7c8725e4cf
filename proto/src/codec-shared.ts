/**
 * Codec pieces both directions share (./codec.ts): the envelope, acks, error details, object
 * references, selectors and health, and the one way a received message is decoded — envelope,
 * exactly one payload by its oneof case, then the sequence-number rule of the payload's kind.
 */
import { ErrorCode } from './domain/errors.ts';
import { isSequenced } from './domain/messages.ts';
import type {
  Ack,
  Envelope,
  ErrorDetail,
  Health,
  ObjectRef,
  ObjectSelector,
  PayloadKind,
} from './domain/messages.ts';
import { healthStatuses } from './codec-enums.ts';
import { integer, messageId, nonEmpty, present, violation, type Ctx } from './codec-validate.ts';
import type { Ack as WireAck, Ack__Output as WireAckOut } from './generated/gitfleet/v1/Ack.ts';
import type { AgentMessage__Output as WireAgentMessageOut } from './generated/gitfleet/v1/AgentMessage.ts';
import type {
  ErrorDetail as WireErrorDetail,
  ErrorDetail__Output as WireErrorDetailOut,
} from './generated/gitfleet/v1/ErrorDetail.ts';
import type {
  Health as WireHealth,
  Health__Output as WireHealthOut,
} from './generated/gitfleet/v1/Health.ts';
import type { HubMessage__Output as WireHubMessageOut } from './generated/gitfleet/v1/HubMessage.ts';
import type {
  ObjectRef as WireObjectRef,
  ObjectRef__Output as WireObjectRefOut,
} from './generated/gitfleet/v1/ObjectRef.ts';
import type {
  ObjectSelector as WireObjectSelector,
  ObjectSelector__Output as WireObjectSelectorOut,
} from './generated/gitfleet/v1/ObjectSelector.ts';

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A received AgentMessage or HubMessage, as grpc-js hands it over. */
type WireMessageOut = WireAgentMessageOut | WireHubMessageOut;

export function encodeErrorDetail(error: ErrorDetail | undefined): WireErrorDetail | null {
  return error === undefined ? null : { code: error.code, message: error.message };
}

export function decodeErrorDetail(
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

export function encodeRef(ref: ObjectRef): WireObjectRef {
  return { ...ref };
}

export function decodeRef(ctx: Ctx, field: string, wire: WireObjectRefOut | null): ObjectRef {
  const ref = present(ctx, field, wire);
  return {
    group: ref.group,
    version: nonEmpty(ctx, `${field}.version`, ref.version),
    kind: nonEmpty(ctx, `${field}.kind`, ref.kind),
    namespace: ref.namespace,
    name: nonEmpty(ctx, `${field}.name`, ref.name),
  };
}

export function encodeSelector(selector: ObjectSelector): WireObjectSelector {
  return { ...selector };
}

export function decodeSelector(
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

export function encodeHealth(health: Health): WireHealth {
  return { status: healthStatuses.encode(health.status), message: health.message };
}

export function decodeHealth(ctx: Ctx, field: string, wire: WireHealthOut | null): Health {
  const h = present(ctx, field, wire);
  return { status: healthStatuses.decode(ctx, `${field}.status`, h.status), message: h.message };
}

function decodeEnvelope(ctx: Ctx, wire: WireMessageOut): Envelope {
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

export function encodeEnvelope(message: Envelope): {
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

export function encodeAck(ack: Ack): WireAck {
  return {
    ackedMessageId: ack.ackedMessageId,
    ackedSeq: ack.ackedSeq,
    error: encodeErrorDetail(ack.error),
  };
}

export function decodeAck(ctx: Ctx, wire: WireAckOut): Ack {
  const error = decodeErrorDetail(ctx, 'ack.error', wire.error);
  return {
    kind: 'ack',
    ackedMessageId: messageId(ctx, 'ack.ackedMessageId', wire.ackedMessageId),
    ackedSeq: integer(ctx, 'ack.ackedSeq', wire.ackedSeq, 1),
    ...(error === undefined ? {} : { error }),
  };
}

/**
 * One decoder per payload case of a wire message (in the order a violation lists them), given
 * the payload's value once it is known to be present.
 */
export type PayloadDecoders<W extends WireMessageOut, P> = {
  readonly [K in NonNullable<W['payload']>]: (ctx: Ctx, wire: NonNullable<W[K & keyof W]>) => P;
};

/** "a, b or c" */
function oneOf(names: readonly string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/**
 * Decodes and validates a received message: its envelope, its one payload (by the oneof case)
 * and the payload's sequence-number rule.
 *
 * @throws GitfleetError PROTOCOL_VIOLATION naming the message and field; LIMIT_EXCEEDED naming
 *   the limit
 */
export function decodeMessage<W extends WireMessageOut, P extends { readonly kind: PayloadKind }>(
  message: 'AgentMessage' | 'HubMessage',
  wire: W,
  decoders: PayloadDecoders<W, P>,
): Envelope & { readonly payload: P } {
  const ctx: Ctx = { message, messageId: wire.messageId };
  const envelope = decodeEnvelope(ctx, wire);
  const kind: string | undefined = wire.payload;
  if (kind === undefined || !Object.hasOwn(decoders, kind)) {
    throw violation(ctx, 'payload', `is missing (expected ${oneOf(Object.keys(decoders))})`);
  }
  // the oneof case names the field that holds the payload
  const decode = decoders[kind as keyof typeof decoders] as (ctx: Ctx, wire: unknown) => P;
  const value: unknown = (wire as unknown as Readonly<Record<string, unknown>>)[kind];
  const payload = decode(ctx, present(ctx, kind, value));
  checkSeq(ctx, payload.kind, envelope.seq);
  return { ...envelope, payload };
}
