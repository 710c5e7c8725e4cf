/**
 * Fuzz properties of the wire codec (proto/src/codec.ts). What arrives off the wire is protobuf
 * bytes, deserialized by grpc-js with the loader options into a wire object, then decoded. Bytes
 * protobuf itself cannot read fail in grpc-js (which fails the call) and are skipped here. Every
 * wire object that does deserialize must decode to a message or fail with a GitfleetError
 * PROTOCOL_VIOLATION (LIMIT_EXCEEDED for a list over its limit) — never another error — and a
 * decoded message must encode again and decode to itself.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  ErrorCode,
  GitfleetError,
  PROTOCOL_VERSION,
  agentLinkGrpc,
  contentDigest,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAgentMessage,
  encodeHubMessage,
  statusHash,
} from '@gitfleet/proto';
import type {
  AgentMessage,
  Assignment,
  HubMessage,
  KubeObject,
  StatusReport,
} from '@gitfleet/proto';
import { ContractBroken, ensure, property } from './harness.ts';
import type { AnyFuzzProperty } from './harness.ts';

const connect = agentLinkGrpc().service.Connect;
type Direction = 'agent' | 'hub';

const REVISION = '3f786850e387550fdab836ed7e6dc881de23001b';
const OBJECTS: KubeObject[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
];
const ENVELOPE = { sentAtUnixMs: 1_700_000_000_123, trace: { traceparent: '00-0af7-01' } };

const assignment: Assignment = {
  kind: 'assignment',
  target: 'edge-1',
  app: 'web',
  version: 7,
  revision: REVISION,
  contentDigest: contentDigest(OBJECTS),
  objects: OBJECTS,
  policies: {
    sync: 'automated',
    prune: { enabled: true, allowEmpty: false },
    drift: {
      mode: 'correct',
      overrides: [{ selector: { group: 'apps', kind: 'Deployment' }, mode: 'warn' }],
    },
    ignore: [{ selector: { kind: 'Deployment' }, jsonPointers: ['/spec/replicas', '/a~1b'] }],
    unmanaged: { mode: 'warn', allow: [{ kind: 'Secret', namespace: 'shop' }, {}] },
    conflict: 'force',
    deletion: 'orphan',
  },
};

const reportContent: Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'> = {
  kind: 'statusReport',
  target: 'edge-1',
  app: 'web',
  assignmentVersion: 7,
  revision: REVISION,
  contentDigest: assignment.contentDigest,
  syncState: 'OutOfSync',
  health: { status: 'Progressing', message: '1/2 replicas' },
  objects: [
    {
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      action: 'failed',
      health: { status: 'Degraded', message: 'crash loop' },
      message: 'apply failed',
      error: { code: 'APPLY_CONFLICT', message: 'owned by kubectl' },
    },
  ],
  drift: [
    {
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      changes: [
        { path: '/spec/replicas', desired: 2, live: 5 },
        { path: '/x', live: { a: [1] } },
      ],
      fieldManager: 'kubectl-edit',
      firstSeenUnixMs: 1_700_000_000_000,
      lastSeenUnixMs: 1_700_000_060_000,
      action: 'reported',
      correctionCount: 0,
    },
  ],
  unmanaged: [
    {
      ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'stray' },
      createdBy: 'kubectl-create',
      action: 'reported',
      message: '',
    },
  ],
  error: { code: 'APPLY_FAILED', message: '1 of 2 objects failed' },
};
const report: StatusReport = {
  ...reportContent,
  statusHash: statusHash(reportContent),
  observedAtUnixMs: 1,
};

/** One valid message of every payload kind, each direction. */
const AGENT_MESSAGES: readonly AgentMessage[] = [
  {
    ...ENVELOPE,
    messageId: 'edge-1.i-1.hello.0',
    seq: 1,
    payload: {
      kind: 'hello',
      target: 'edge-1',
      agentVersion: '0.1.0',
      agentInstanceId: 'i-1',
      protocolVersion: PROTOCOL_VERSION,
      held: [
        {
          app: 'web',
          assignmentVersion: 6,
          revision: REVISION,
          contentDigest: assignment.contentDigest,
          statusHash: report.statusHash,
        },
        { app: 'db', assignmentVersion: 1, revision: REVISION, contentDigest: contentDigest([]) },
      ],
    },
  },
  { ...ENVELOPE, messageId: 'edge-1.web.v7.status.x', seq: 2, payload: report },
  {
    ...ENVELOPE,
    messageId: 'edge-1.web.v7.ack',
    seq: 0,
    payload: {
      kind: 'ack',
      ackedMessageId: 'edge-1.web.v7',
      ackedSeq: 2,
      error: { code: 'MANIFEST_INVALID', message: 'bad' },
    },
  },
  { ...ENVELOPE, messageId: 's.agent.heartbeat.1', seq: 0, payload: { kind: 'heartbeat' } },
];

const HUB_MESSAGES: readonly HubMessage[] = [
  {
    ...ENVELOPE,
    messageId: 'edge-1.session.n.welcome',
    seq: 1,
    payload: {
      kind: 'welcome',
      sessionId: 'edge-1.session.n',
      protocolVersion: 1,
      heartbeatIntervalMs: 10_000,
      resync: {
        assignments: [{ app: 'web', version: 7 }],
        removals: [{ app: 'db', version: 2 }],
        reportRequests: ['web'],
        upToDate: ['cache'],
      },
    },
  },
  { ...ENVELOPE, messageId: 'edge-1.web.v7', seq: 2, payload: assignment },
  {
    ...ENVELOPE,
    messageId: 'edge-1.db.v2.removal',
    seq: 3,
    payload: { kind: 'appRemoval', target: 'edge-1', app: 'db', version: 2, deletion: 'delete' },
  },
  {
    ...ENVELOPE,
    messageId: 'edge-1.web.v7.sync.job-1',
    seq: 4,
    payload: {
      kind: 'syncRequest',
      target: 'edge-1',
      app: 'web',
      assignmentVersion: 7,
      requestId: 'job-1',
    },
  },
  {
    ...ENVELOPE,
    messageId: 'edge-1.web.v7.status.x.ack',
    seq: 0,
    payload: { kind: 'ack', ackedMessageId: 'x', ackedSeq: 2 },
  },
  { ...ENVELOPE, messageId: 's.hub.heartbeat.9', seq: 0, payload: { kind: 'heartbeat' } },
];

function serialize(direction: Direction, index: number): Uint8Array {
  if (direction === 'agent') {
    const message = AGENT_MESSAGES[index % AGENT_MESSAGES.length];
    if (message === undefined) throw new Error('no agent message');
    return connect.requestSerialize(encodeAgentMessage(message));
  }
  const message = HUB_MESSAGES[index % HUB_MESSAGES.length];
  if (message === undefined) throw new Error('no hub message');
  return connect.responseSerialize(encodeHubMessage(message));
}

/** Protobuf bytes of an edited wire object, or undefined when protobuf cannot encode it. */
function reserialize(direction: Direction, wire: unknown): Uint8Array | undefined {
  try {
    return direction === 'agent'
      ? connect.requestSerialize(wire as Parameters<typeof connect.requestSerialize>[0])
      : connect.responseSerialize(wire as Parameters<typeof connect.responseSerialize>[0]);
  } catch {
    return undefined;
  }
}

/** What grpc-js hands the codec for these bytes, or undefined when protobuf cannot read them. */
function deserialize(direction: Direction, bytes: Uint8Array): unknown {
  try {
    const buffer = Buffer.from(bytes);
    return direction === 'agent'
      ? connect.requestDeserialize(buffer)
      : connect.responseDeserialize(buffer);
  } catch {
    return undefined; // grpc-js fails the call; the codec never sees it
  }
}

/** The codec's contract on one deserialized wire object (see the module comment). */
export function checkDecode(direction: Direction, wire: unknown): void {
  let decoded: AgentMessage | HubMessage;
  try {
    decoded =
      direction === 'agent'
        ? decodeAgentMessage(wire as Parameters<typeof decodeAgentMessage>[0])
        : decodeHubMessage(wire as Parameters<typeof decodeHubMessage>[0]);
  } catch (err) {
    ensure(
      err instanceof GitfleetError &&
        (err.code === ErrorCode.ProtocolViolation || err.code === ErrorCode.LimitExceeded),
      () =>
        `decode threw ${err instanceof GitfleetError ? `GitfleetError ${err.code}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    );
    ensure(
      err.message.startsWith(direction === 'agent' ? 'AgentMessage ' : 'HubMessage '),
      () => `message does not name the message: ${err.message}`,
    );
    return;
  }
  let again: AgentMessage | HubMessage;
  try {
    again =
      direction === 'agent'
        ? decodeAgentMessage(
            connect.requestDeserialize(
              Buffer.from(connect.requestSerialize(encodeAgentMessage(decoded as AgentMessage))),
            ),
          )
        : decodeHubMessage(
            connect.responseDeserialize(
              Buffer.from(connect.responseSerialize(encodeHubMessage(decoded as HubMessage))),
            ),
          );
  } catch (err) {
    throw new ContractBroken(
      `a decoded message did not encode and decode again: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  ensure(isDeepStrictEqual(again, decoded), () => 'a decoded message changed in a round trip');
}

type ByteEdit =
  | { readonly op: 'set'; readonly at: number; readonly byte: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function editBytes(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let out = bytes;
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    switch (e.op) {
      case 'set':
        out = Uint8Array.from(out);
        if (at < out.length) out[at] = e.byte;
        break;
      case 'insert':
        out = Uint8Array.from([...out.subarray(0, at), ...e.bytes, ...out.subarray(at)]);
        break;
      case 'delete':
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + e.length)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}

/** Strings a peer could send where the codec expects ids, digests, JSON, pointers or names. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  'a b',
  'a:b',
  'x'.repeat(600),
  'UPPER',
  '-a',
  'a-',
  'é',
  '\u0000',
  '\uFFFD',
  '\uD800',
  '0',
  '-1',
  '01',
  '1e3',
  '1.5',
  '9007199254740991',
  '9007199254740992',
  '18446744073709551615',
  '-9223372036854775808',
  'NaN',
  'Infinity',
  REVISION.toUpperCase(),
  `${REVISION}0`,
  'sha256:',
  `sha256:${'a'.repeat(64)}`,
  `sha256:${'A'.repeat(64)}`,
  '{}',
  '[]',
  'null',
  '{"a":',
  '{"a":1}',
  '{"apiVersion":"v1","kind":"K","metadata":{"name":"n"}}',
  '{"apiVersion":"v1","kind":"K","metadata":{"name":"n"},"__proto__":{"x":1}}',
  `{"apiVersion":"v1","kind":"K","metadata":{"name":"n"},"deep":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  '"\\ud800"',
  '1'.repeat(400),
  '/a~2',
  '/a~',
  '~1',
  '/',
  'SYNC_MODE_UNSPECIFIED',
  'SYNC_MODE_AUTOMATED',
  'DRIFT_MODE_WARN',
  'HEALTH_STATUS_HEALTHY',
  'MANIFEST_INVALID',
  'NOT_A_CODE',
  'hello',
  'ack',
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 30 }),
  fc.json({ maxDepth: 4 }),
);

/** One change to a deserialized wire object: a leaf replaced, a list shortened or grown, a message dropped. */
interface FieldEdit {
  readonly at: number;
  readonly text: string;
  readonly number: number;
  readonly flag: boolean;
}

const fieldEdit: fc.Arbitrary<FieldEdit> = fc.record({
  at: fc.nat(),
  text: hostileString,
  number: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 53, Number.NaN, 1.5)),
  flag: fc.boolean(),
});

type Slot = { readonly parent: Record<string, unknown> | unknown[]; readonly key: string | number };

function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const stack: unknown[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node as unknown[], key: i });
        stack.push(v);
      });
    } else if (typeof node === 'object' && node !== null && !(node instanceof Uint8Array)) {
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node as Record<string, unknown>, key: k });
        stack.push(v);
      }
    }
  }
  return out;
}

/** Applies field edits to a copy of the wire object (same JS types where the wire has them). */
function editFields(wire: unknown, edits: readonly FieldEdit[]): unknown {
  const copy: unknown = structuredClone(wire);
  for (const e of edits) {
    const all = slots(copy);
    const slot = all[e.at % Math.max(1, all.length)];
    if (slot === undefined) break;
    const { parent, key } = slot;
    const current: unknown = (parent as Record<string | number, unknown>)[key];
    let next: unknown;
    if (typeof current === 'string') next = e.text;
    else if (typeof current === 'number') next = e.number;
    else if (typeof current === 'boolean') next = e.flag;
    else if (Array.isArray(current))
      next = e.flag ? [] : [...(current as unknown[]), ...(current as unknown[])];
    else next = e.flag ? null : current; // a message (or null) dropped, or kept
    (parent as Record<string | number, unknown>)[key] = next;
  }
  return copy;
}

const direction = fc.constantFrom<Direction>('agent', 'hub');

export const CODEC_PROPERTIES: readonly AnyFuzzProperty[] = [
  property<{ direction: Direction; bytes: Uint8Array }>({
    name: 'codec: arbitrary bytes',
    arbitrary: fc.record({ direction, bytes: fc.uint8Array({ maxLength: 300 }) }),
    check: ({ direction: d, bytes }) => {
      const wire = deserialize(d, bytes);
      if (wire !== undefined) checkDecode(d, wire);
    },
    unitRuns: 200,
    benchWeight: 1,
  }),
  property<{ direction: Direction; message: number; edits: readonly ByteEdit[] }>({
    name: 'codec: valid messages with edited bytes',
    arbitrary: fc.record({
      direction,
      message: fc.nat(),
      edits: fc.array(byteEdit, { minLength: 1, maxLength: 4 }),
    }),
    check: ({ direction: d, message, edits }) => {
      const wire = deserialize(d, editBytes(serialize(d, message), edits));
      if (wire !== undefined) checkDecode(d, wire);
    },
    unitRuns: 200,
    benchWeight: 2,
  }),
  property<{ direction: Direction; message: number; edits: readonly FieldEdit[] }>({
    name: 'codec: valid messages with hostile field values',
    arbitrary: fc.record({
      direction,
      message: fc.nat(),
      edits: fc.array(fieldEdit, { minLength: 1, maxLength: 3 }),
    }),
    check: ({ direction: d, message, edits }) => {
      const wire = deserialize(d, serialize(d, message));
      if (wire === undefined) throw new ContractBroken('a valid message did not deserialize');
      // Through protobuf again: only what the wire can carry (no null list items, no strings
      // in number fields) reaches the codec.
      const bytes = reserialize(d, editFields(wire, edits));
      const edited = bytes === undefined ? undefined : deserialize(d, bytes);
      if (edited !== undefined) checkDecode(d, edited);
    },
    unitRuns: 300,
    benchWeight: 3,
  }),
];
