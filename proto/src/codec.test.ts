import { describe, expect, it } from 'vitest';
import {
  ENUM_WIRE_NAMES,
  agentLinkGrpc,
  bearerMetadata,
  decodeAgentMessage,
  decodeHubMessage,
  encodeAgentMessage,
  encodeHubMessage,
  readBearerToken,
} from './codec.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { assignmentId, contentDigest, statusHash } from './domain/ids.ts';
import type {
  AgentMessage,
  AgentPayload,
  Assignment,
  HubMessage,
  Hello,
  HubPayload,
  KubeObject,
  StatusReport,
} from './domain/messages.ts';
import { PROTOCOL_VERSION } from './domain/messages.ts';
import { loadGitfleetPackageDefinition } from './load.ts';

// Round trips go through real protobuf bytes: encode → serialize → deserialize (with the loader
// options) → decode, exactly what grpc-js does on the two ends of a stream.
const connect = agentLinkGrpc().service.Connect;
const agentWire = (m: AgentMessage) =>
  connect.requestDeserialize(connect.requestSerialize(encodeAgentMessage(m)));
const hubWire = (m: HubMessage) =>
  connect.responseDeserialize(connect.responseSerialize(encodeHubMessage(m)));

const REVISION = '3f786850e387550fdab836ed7e6dc881de23001b';
const OBJECTS: KubeObject[] = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
];

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
      overrides: [
        { selector: { group: 'apps', kind: 'Deployment' }, mode: 'warn' },
        {
          selector: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'flags' },
          mode: 'ignore',
        },
      ],
    },
    ignore: [
      {
        selector: { kind: 'Deployment' },
        jsonPointers: ['/spec/replicas', '/metadata/annotations/a~1b'],
      },
    ],
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
  health: { status: 'Progressing', message: 'Deployment/shop/web: 1/2 replicas available' },
  objects: [
    {
      ref: { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: 'shop' },
      action: 'unchanged',
      health: { status: 'Healthy', message: '' },
      message: '',
    },
    {
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      action: 'failed',
      health: { status: 'Degraded', message: 'crash loop' },
      message: 'apply failed',
      error: {
        code: 'APPLY_CONFLICT',
        message: 'Deployment/shop/web: .spec.replicas owned by kubectl',
      },
    },
  ],
  drift: [
    {
      ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      changes: [
        { path: '/spec/replicas', desired: 2, live: 5 },
        { path: '/metadata/labels/debug', live: 'true' },
        { path: '/data/password', desired: '***', live: null },
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
  observedAtUnixMs: 1_700_000_061_000,
};

const envelope = (messageId: string, seq: number) => ({
  messageId,
  seq,
  sentAtUnixMs: 1_700_000_000_123,
  trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
});
const agent = (messageId: string, seq: number, payload: AgentPayload): AgentMessage => ({
  ...envelope(messageId, seq),
  payload,
});
const hub = (messageId: string, seq: number, payload: HubPayload): HubMessage => ({
  ...envelope(messageId, seq),
  payload,
});
/** A signature as carried (64 bytes, base64); its validity is the agent's concern. */
const SIGNATURE = { keyId: '0123456789abcdef', value: Buffer.alloc(64, 7).toString('base64') };

const helloPayload: Hello = {
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
};
const hello = agent('edge-1.i-1.hello.0', 1, helloPayload);
const statusMsg = agent('edge-1.web.v7.status.x', 2, report);
const agentAck = agent('edge-1.web.v7.ack', 0, {
  kind: 'ack',
  ackedMessageId: 'edge-1.web.v7',
  ackedSeq: 2,
});
const agentNack = agent('edge-1.web.v7.ack', 0, {
  kind: 'ack',
  ackedMessageId: 'edge-1.web.v7',
  ackedSeq: 2,
  error: { code: 'MANIFEST_INVALID', message: 'Deployment/shop/web: bad' },
});
const { error: _error, ...reportWithoutError } = report;

const agentMessages: [string, AgentMessage][] = [
  ['hello', hello],
  ['hello with nothing held', agent('edge-1.i-1.hello.1', 1, { ...helloPayload, held: [] })],
  ['status report', statusMsg],
  [
    'status report, minimal',
    agent('edge-1.web.v7.status.y', 3, {
      ...reportWithoutError,
      objects: [],
      drift: [],
      unmanaged: [],
    }),
  ],
  ['ack ok', agentAck],
  ['ack with error', agentNack],
  ['heartbeat', { ...agent('s.agent.heartbeat.1', 0, { kind: 'heartbeat' }), trace: {} }],
];

const hubMessages: [string, HubMessage][] = [
  [
    'welcome',
    hub('edge-1.session.n.welcome', 1, {
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
    }),
  ],
  [
    'welcome with an empty plan',
    hub('edge-1.session.n.welcome', 1, {
      kind: 'welcome',
      sessionId: 'edge-1.session.n',
      protocolVersion: 1,
      heartbeatIntervalMs: 10_000,
      resync: { assignments: [], removals: [], reportRequests: [], upToDate: [] },
    }),
  ],
  ['assignment', hub(assignmentId('edge-1', 'web', 7), 2, assignment)],
  [
    'assignment with no objects and a huge version',
    hub('edge-1.web.v9007199254740991', 3, {
      ...assignment,
      version: Number.MAX_SAFE_INTEGER,
      objects: [],
      contentDigest: contentDigest([]),
      policies: {
        ...assignment.policies,
        drift: { mode: 'ignore', overrides: [] },
        ignore: [],
        unmanaged: { mode: 'prune', allow: [] },
      },
    }),
  ],
  [
    'app removal',
    hub('edge-1.db.v2.removal', 4, {
      kind: 'appRemoval',
      target: 'edge-1',
      app: 'db',
      version: 2,
      deletion: 'delete',
    }),
  ],
  [
    'sync request',
    hub('edge-1.web.v7.sync.job-1', 5, {
      kind: 'syncRequest',
      target: 'edge-1',
      app: 'web',
      assignmentVersion: 7,
      requestId: 'job-1',
    }),
  ],
  [
    'ack',
    hub('edge-1.web.v7.status.x.ack', 0, {
      kind: 'ack',
      ackedMessageId: 'edge-1.web.v7.status.x',
      ackedSeq: 2,
    }),
  ],
  ['heartbeat', hub('s.hub.heartbeat.9', 0, { kind: 'heartbeat' })],
  [
    'signed assignment',
    hub(assignmentId('edge-1', 'web', 7), 6, { ...assignment, signature: SIGNATURE }),
  ],
  [
    'signed app removal',
    hub('edge-1.db.v3.removal', 7, {
      kind: 'appRemoval',
      target: 'edge-1',
      app: 'db',
      version: 3,
      deletion: 'orphan',
      signature: SIGNATURE,
    }),
  ],
  [
    'signed sync request',
    hub('edge-1.web.v7.sync.job-2', 8, {
      kind: 'syncRequest',
      target: 'edge-1',
      app: 'web',
      assignmentVersion: 7,
      requestId: 'job-2',
      signature: SIGNATURE,
    }),
  ],
  [
    // carried as it came: the agent's verification refuses it, so the hub hears why
    'assignment with a signature that is not well formed',
    hub(assignmentId('edge-1', 'web', 8), 9, {
      ...assignment,
      version: 8,
      signature: { keyId: 'not-a-key-id', value: '' },
    }),
  ],
];

/** Drops `undefined` members so the expected value compares strictly with decoded output. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('codec round trip through protobuf bytes', () => {
  it.each(agentMessages)('AgentMessage %s', (_name, message) => {
    expect(decodeAgentMessage(agentWire(message))).toStrictEqual(plain(message));
  });

  it.each(hubMessages)('HubMessage %s', (_name, message) => {
    expect(decodeHubMessage(hubWire(message))).toStrictEqual(plain(message));
  });

  it('sends objects as canonical JSON and keeps the status hash valid', () => {
    const wire = hubWire(hub('edge-1.web.v7', 2, assignment));
    expect(wire.assignment?.objects[1]).toBe(
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}',
    );
    const decoded = decodeAgentMessage(agentWire(agent('r', 1, report))).payload as StatusReport;
    expect(statusHash(decoded)).toBe(report.statusHash);
  });

  it('keeps selector presence: group "" (core) differs from no group (any)', () => {
    const wire = hubWire(hub('edge-1.web.v7', 2, assignment));
    const overrides = wire.assignment?.policies?.drift?.overrides ?? [];
    expect(overrides[1]?.selector).toMatchObject({ group: '' });
    expect(wire.assignment?.policies?.ignore[0]?.selector?.group).toBeUndefined();
  });
});

describe('enum tables', () => {
  const definition = loadGitfleetPackageDefinition();
  it.each(Object.entries(ENUM_WIRE_NAMES))(
    '%s maps every wire value but *_UNSPECIFIED',
    (name, wireNames) => {
      const type = definition[`gitfleet.v1.${name}`];
      expect(type?.format).toBe('Protocol Buffer 3 EnumDescriptorProto');
      const values = (type as { type: { value: { name: string }[] } }).type.value.map(
        (v) => v.name,
      );
      expect([...wireNames].sort()).toStrictEqual(
        values.filter((v) => !v.endsWith('_UNSPECIFIED')).sort(),
      );
    },
  );
});

type AgentWire = ReturnType<typeof agentWire>;
type HubWire = ReturnType<typeof hubWire>;

function expectViolation(decode: () => unknown, message: string, field: string): void {
  try {
    decode();
    expect.unreachable('decode should reject the message');
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    const e = err as GitfleetError;
    expect(e.code).toBe(ErrorCode.ProtocolViolation);
    expect(e.details).toMatchObject({ message, field });
    expect(e.message).toContain(`${message} `);
    expect(e.message).toContain(field);
  }
}

describe('decodeAgentMessage rejects', () => {
  const base = (m: AgentMessage): AgentWire => agentWire(m);
  it.each<[string, AgentMessage, (w: AgentWire) => void, string]>([
    [
      'a missing payload',
      hello,
      (w) => {
        delete w.payload;
        delete w.hello;
      },
      'payload',
    ],
    [
      'a payload tag without its message',
      hello,
      (w) => {
        w.hello = null;
      },
      'hello',
    ],
    [
      'a missing message id',
      hello,
      (w) => {
        w.messageId = '';
      },
      'messageId',
    ],
    [
      'a message id with ":"',
      hello,
      (w) => {
        w.messageId = 'edge-1:hello';
      },
      'messageId',
    ],
    [
      'seq 0 on a hello',
      hello,
      (w) => {
        w.seq = '0';
      },
      'seq',
    ],
    [
      'a seq on an ack',
      agentAck,
      (w) => {
        w.seq = '3';
      },
      'seq',
    ],
    [
      'a seq beyond 2^53',
      hello,
      (w) => {
        w.seq = '18446744073709551615';
      },
      'seq',
    ],
    [
      'a hello without target',
      hello,
      (w) => {
        w.hello!.target = '';
      },
      'hello.target',
    ],
    [
      'a hello with an invalid target',
      hello,
      (w) => {
        w.hello!.target = 'Edge_1';
      },
      'hello.target',
    ],
    [
      'a hello without protocol version',
      hello,
      (w) => {
        w.hello!.protocolVersion = 0;
      },
      'hello.protocolVersion',
    ],
    [
      'a held app with a bad digest',
      hello,
      (w) => {
        w.hello!.held[0]!.contentDigest = 'md5:1';
      },
      'hello.held[0].contentDigest',
    ],
    [
      'a held app listed twice',
      hello,
      (w) => {
        w.hello!.held[1]!.app = 'web';
      },
      'hello.held',
    ],
    [
      'an ack of nothing',
      agentAck,
      (w) => {
        w.ack!.ackedMessageId = '';
      },
      'ack.ackedMessageId',
    ],
    [
      'an ack error with an unknown code',
      agentNack,
      (w) => {
        w.ack!.error!.code = 'OOPS';
      },
      'ack.error.code',
    ],
    [
      'an unspecified sync state',
      statusMsg,
      (w) => {
        w.statusReport!.syncState = 'SYNC_STATE_UNSPECIFIED';
      },
      'statusReport.syncState',
    ],
    [
      'an unknown enum number',
      statusMsg,
      (w) => {
        (w.statusReport!.health!.status as unknown) = 42;
      },
      'statusReport.health.status',
    ],
    [
      'a report without health',
      statusMsg,
      (w) => {
        w.statusReport!.health = null;
      },
      'statusReport.health',
    ],
    [
      'a failed object without error',
      statusMsg,
      (w) => {
        w.statusReport!.objects[1]!.error = null;
      },
      'statusReport.objects[1].error',
    ],
    [
      'an object ref without kind',
      statusMsg,
      (w) => {
        w.statusReport!.objects[0]!.ref!.kind = '';
      },
      'statusReport.objects[0].ref.kind',
    ],
    [
      'a drift value that is not JSON',
      statusMsg,
      (w) => {
        w.statusReport!.drift[0]!.changes[0]!.live = '{oops';
      },
      'statusReport.drift[0].changes[0].live',
    ],
    [
      'a drift path that is not a JSON pointer',
      statusMsg,
      (w) => {
        w.statusReport!.drift[0]!.changes[0]!.path = 'spec.replicas';
      },
      'statusReport.drift[0].changes[0].path',
    ],
    [
      'a drift without changes',
      statusMsg,
      (w) => {
        w.statusReport!.drift[0]!.changes = [];
      },
      'statusReport.drift[0].changes',
    ],
    [
      'a drift last seen before first seen',
      statusMsg,
      (w) => {
        w.statusReport!.drift[0]!.lastSeenUnixMs = '1';
      },
      'statusReport.drift[0].lastSeenUnixMs',
    ],
    [
      'a report without status hash',
      statusMsg,
      (w) => {
        w.statusReport!.statusHash = '';
      },
      'statusReport.statusHash',
    ],
    [
      'a report with a short revision',
      statusMsg,
      (w) => {
        w.statusReport!.revision = 'main';
      },
      'statusReport.revision',
    ],
  ])('%s', (_name, message, mutate, field) => {
    const wire = base(message);
    mutate(wire);
    expectViolation(() => decodeAgentMessage(wire), 'AgentMessage', field);
  });
});

describe('decodeHubMessage rejects', () => {
  const base = (m: HubMessage): HubWire => hubWire(m);
  const byName = (name: string): HubMessage => hubMessages.find(([n]) => n === name)![1];
  const welcome = byName('welcome');
  const assign = byName('assignment');
  it.each<[string, HubMessage, (w: HubWire) => void, string]>([
    [
      'a missing payload',
      welcome,
      (w) => {
        delete w.payload;
        delete w.welcome;
      },
      'payload',
    ],
    [
      'a welcome without session id',
      welcome,
      (w) => {
        w.welcome!.sessionId = '';
      },
      'welcome.sessionId',
    ],
    [
      'a welcome without resync plan',
      welcome,
      (w) => {
        w.welcome!.resync = null;
      },
      'welcome.resync',
    ],
    [
      'a welcome with heartbeat 0',
      welcome,
      (w) => {
        w.welcome!.heartbeatIntervalMs = 0;
      },
      'welcome.heartbeatIntervalMs',
    ],
    [
      'an app both assigned and up to date',
      welcome,
      (w) => {
        w.welcome!.resync!.upToDate.push('web');
      },
      'welcome.resync',
    ],
    [
      'an assignment at version 0',
      assign,
      (w) => {
        w.assignment!.version = '0';
      },
      'assignment.version',
    ],
    [
      'an assignment without app',
      assign,
      (w) => {
        w.assignment!.app = '';
      },
      'assignment.app',
    ],
    [
      'an object that is not JSON',
      assign,
      (w) => {
        w.assignment!.objects[0] = '{"kind":';
      },
      'assignment.objects[0]',
    ],
    [
      'an object that is a JSON array',
      assign,
      (w) => {
        w.assignment!.objects[0] = '[]';
      },
      'assignment.objects[0]',
    ],
    [
      'an object without metadata.name',
      assign,
      (w) => {
        w.assignment!.objects[1] = '{"apiVersion":"v1","kind":"Namespace","metadata":{}}';
      },
      'assignment.objects[1]',
    ],
    [
      'a digest that does not match',
      assign,
      (w) => {
        w.assignment!.contentDigest = contentDigest([]);
      },
      'assignment.contentDigest',
    ],
    [
      'an assignment without policies',
      assign,
      (w) => {
        w.assignment!.policies = null;
      },
      'assignment.policies',
    ],
    [
      'an unspecified sync mode',
      assign,
      (w) => {
        w.assignment!.policies!.sync = 'SYNC_MODE_UNSPECIFIED';
      },
      'assignment.policies.sync',
    ],
    [
      'a missing prune policy',
      assign,
      (w) => {
        w.assignment!.policies!.prune = null;
      },
      'assignment.policies.prune',
    ],
    [
      'an override without selector',
      assign,
      (w) => {
        w.assignment!.policies!.drift!.overrides[0]!.selector = null;
      },
      'assignment.policies.drift.overrides[0].selector',
    ],
    [
      'an override with a bad mode',
      assign,
      (w) => {
        w.assignment!.policies!.drift!.overrides[1]!.mode = 'DRIFT_MODE_UNSPECIFIED';
      },
      'assignment.policies.drift.overrides[1].mode',
    ],
    [
      'an ignore rule without pointers',
      assign,
      (w) => {
        w.assignment!.policies!.ignore[0]!.jsonPointers = [];
      },
      'assignment.policies.ignore[0].jsonPointers',
    ],
    [
      'an ignore rule with a bad pointer',
      assign,
      (w) => {
        w.assignment!.policies!.ignore[0]!.jsonPointers[1] = '/a~2';
      },
      'assignment.policies.ignore[0].jsonPointers[1]',
    ],
    [
      'an unspecified unmanaged mode',
      assign,
      (w) => {
        w.assignment!.policies!.unmanaged!.mode = 'UNMANAGED_MODE_UNSPECIFIED';
      },
      'assignment.policies.unmanaged.mode',
    ],
    [
      'an unspecified deletion mode',
      byName('app removal'),
      (w) => {
        w.appRemoval!.deletion = 'DELETION_MODE_UNSPECIFIED';
      },
      'appRemoval.deletion',
    ],
    [
      'a sync request without request id',
      byName('sync request'),
      (w) => {
        w.syncRequest!.requestId = '';
      },
      'syncRequest.requestId',
    ],
    [
      'a signature longer than 256 bytes',
      byName('signed assignment'),
      (w) => {
        w.assignment!.signature = Buffer.alloc(257);
      },
      'assignment.signature',
    ],
    [
      'a key id longer than 64 characters',
      byName('signed app removal'),
      (w) => {
        w.appRemoval!.keyId = 'k'.repeat(65);
      },
      'appRemoval.keyId',
    ],
    [
      'an ack of seq 0',
      byName('ack'),
      (w) => {
        w.ack!.ackedSeq = '0';
      },
      'ack.ackedSeq',
    ],
  ])('%s', (_name, message, mutate, field) => {
    const wire = base(message);
    mutate(wire);
    expectViolation(() => decodeHubMessage(wire), 'HubMessage', field);
  });
});

describe('bearer metadata', () => {
  it('round-trips a token', () => {
    expect(readBearerToken(bearerMetadata('s3cr3t-token'))).toBe('s3cr3t-token');
  });

  it.each<[string, string[]]>([
    ['no header', []],
    ['a basic header', ['Basic abc']],
    ['an empty bearer', ['Bearer ']],
    ['two headers', ['Bearer a', 'Bearer b']],
  ])('reads nothing from %s', (_name, values) => {
    const metadata = bearerMetadata('x');
    metadata.remove('authorization');
    for (const v of values) metadata.add('authorization', v);
    expect(readBearerToken(metadata)).toBeUndefined();
  });
});

describe('a missing payload names every payload the direction has', () => {
  it.each<[string, () => unknown, string]>([
    [
      'AgentMessage',
      () => {
        const w = agentWire(hello);
        delete w.payload;
        return decodeAgentMessage(w);
      },
      'payload is missing (expected hello, ack, statusReport or heartbeat)',
    ],
    [
      'HubMessage',
      () => {
        const w = hubWire(hub('edge-1.hb', 0, { kind: 'heartbeat' }));
        delete w.payload;
        return decodeHubMessage(w);
      },
      'payload is missing (expected welcome, assignment, appRemoval, syncRequest, ack or heartbeat)',
    ],
  ])('%s', (_name, decode, text) => {
    expect(decode).toThrow(text);
  });
});
