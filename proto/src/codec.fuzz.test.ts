/**
 * Inputs the codec's fuzzing found (test/src/fuzz/codec.properties.ts), kept as fixed cases: each
 * must be refused with a GitfleetError PROTOCOL_VIOLATION naming the message and the field, never
 * with another error.
 */
import { describe, expect, it } from 'vitest';
import {
  agentLinkGrpc,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAgentMessage,
  encodeHubMessage,
} from './codec.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { contentDigest, statusHash } from './domain/ids.ts';
import type { AgentMessage, HubMessage, StatusReport } from './domain/messages.ts';

const connect = agentLinkGrpc().service.Connect;
const REVISION = '3f786850e387550fdab836ed7e6dc881de23001b';
const OBJECT = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"}';

const assignment: HubMessage = {
  messageId: 'edge-1.web.v7',
  seq: 2,
  sentAtUnixMs: 1,
  trace: {},
  payload: {
    kind: 'assignment',
    target: 'edge-1',
    app: 'web',
    version: 7,
    revision: REVISION,
    contentDigest: contentDigest([]),
    objects: [],
    policies: {
      sync: 'automated',
      prune: { enabled: true, allowEmpty: false },
      drift: { mode: 'correct', overrides: [] },
      ignore: [],
      unmanaged: { mode: 'warn', allow: [] },
      conflict: 'force',
      deletion: 'orphan',
    },
  },
};

const reportContent: Omit<StatusReport, 'statusHash' | 'observedAtUnixMs'> = {
  kind: 'statusReport',
  target: 'edge-1',
  app: 'web',
  assignmentVersion: 7,
  revision: REVISION,
  contentDigest: contentDigest([]),
  syncState: 'OutOfSync',
  health: { status: 'Healthy', message: '' },
  objects: [],
  drift: [
    {
      ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'n' },
      changes: [{ path: '/data', desired: 1, live: 2 }],
      fieldManager: 'kubectl',
      firstSeenUnixMs: 1,
      lastSeenUnixMs: 2,
      action: 'reported',
      correctionCount: 0,
    },
  ],
  unmanaged: [],
};
const report: AgentMessage = {
  messageId: 'edge-1.web.v7.status.x',
  seq: 2,
  sentAtUnixMs: 1,
  trace: {},
  payload: { ...reportContent, statusHash: statusHash(reportContent), observedAtUnixMs: 1 },
};

const hubWire = () =>
  connect.responseDeserialize(connect.responseSerialize(encodeHubMessage(assignment)));
const agentWire = () =>
  connect.requestDeserialize(connect.requestSerialize(encodeAgentMessage(report)));
const nested = (depth: number, inner = '1'): string =>
  `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

function refused(decode: () => unknown, field: string): GitfleetError {
  let caught: unknown;
  try {
    decode();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GitfleetError);
  const err = caught as GitfleetError;
  expect(err.code).toBe(ErrorCode.ProtocolViolation);
  expect(err.details).toMatchObject({ field });
  return err;
}

describe('codec: JSON nested deeper than MAX_WIRE_JSON_DEPTH (512)', () => {
  it.each([513, 5_000, 100_000])(
    'an assignment object nested %i deep: PROTOCOL_VIOLATION, not a stack overflow',
    (depth) => {
      const wire = hubWire();
      wire.assignment!.objects = [`${OBJECT},"data":${nested(depth)}}`];
      const err = refused(() => decodeHubMessage(wire), 'assignment.objects[0]');
      expect(err.message).toMatch(
        /nests arrays and objects more than 512 deep \(MAX_WIRE_JSON_DEPTH\)/,
      );
    },
  );

  it.each(['desired', 'live'] as const)('a drifted %s value nested 100,000 deep', (side) => {
    const wire = agentWire();
    wire.statusReport!.drift[0]!.changes[0]![side] = nested(100_000);
    refused(() => decodeAgentMessage(wire), `statusReport.drift[0].changes[0].${side}`);
  });

  it('exactly 512 deep, and brackets inside strings, are fine', () => {
    const wire = agentWire();
    wire.statusReport!.drift[0]!.changes[0]!.live = `[${nested(510, '{"a":"\\"[[[[{{{{"}')}]`;
    const decoded = decodeAgentMessage(wire);
    expect(decoded.payload.kind).toBe('statusReport');
  });
});

describe('codec: numbers too large for a double', () => {
  const big = '1'.repeat(400);
  it.each([
    ['an integer of 400 digits', big, '/data/n'],
    ['an exponent of 400', '1e400', '/data/n'],
    ['a negative exponent of +999', '-2.5E+999', '/data/n'],
  ])('%s in an assignment object: PROTOCOL_VIOLATION naming where', (_name, literal, pointer) => {
    const wire = hubWire();
    wire.assignment!.objects = [`${OBJECT},"data":{"n":${literal}}}`];
    const err = refused(() => decodeHubMessage(wire), 'assignment.objects[0]');
    expect(err.message).toContain(`at "${pointer}" too large for a double`);
  });

  it('a drifted value deep in an array', () => {
    const wire = agentWire();
    wire.statusReport!.drift[0]!.changes[0]!.live = `{"a/b":[0,{"x":1e999}]}`;
    const err = refused(() => decodeAgentMessage(wire), 'statusReport.drift[0].changes[0].live');
    expect(err.message).toContain('at "/a~1b/1/x"');
  });

  it.each([
    ['308 digits', '9'.repeat(308)],
    ['1e308', '1e308'],
    ['a tiny number', '1e-400'],
    ['digits in a string', `"${big}"`],
  ])('%s decode', (_name, literal) => {
    const wire = agentWire();
    wire.statusReport!.drift[0]!.changes[0]!.live = `{"n":${literal}}`;
    const decoded = decodeAgentMessage(wire);
    expect(decoded.payload.kind).toBe('statusReport');
  });
});
