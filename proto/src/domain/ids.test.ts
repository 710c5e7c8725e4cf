import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from './errors.ts';
import {
  ackId,
  appRemovalId,
  assignmentId,
  canonicalJson,
  contentDigest,
  heartbeatId,
  helloId,
  isDnsLabel,
  isMessageId,
  objectRef,
  sessionId,
  statusHash,
  statusReportId,
  syncRequestId,
  welcomeId,
} from './ids.ts';
import type { StatusReport } from './messages.ts';

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts keys', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    [
      'sorts nested keys, keeps array order',
      { z: [{ y: 1, x: 2 }, 3], a: {} },
      '{"a":{},"z":[{"x":2,"y":1},3]}',
    ],
    [
      'sorts by UTF-16 code units',
      { b: 0, B: 0, é: 0, '10': 0, '9': 0 },
      '{"10":0,"9":0,"B":0,"b":0,"é":0}',
    ],
    ['leaves out undefined members', { a: undefined, b: null }, '{"b":null}'],
    ['writes numbers as JSON.stringify', [1, 1.5, -0, 1e21, 0.1], '[1,1.5,0,1e+21,0.1]'],
    ['escapes strings as JSON.stringify', 'a"\n\u2028', JSON.stringify('a"\n\u2028')],
    [
      'accepts null-prototype objects',
      Object.assign(Object.create(null) as object, { a: 1 }),
      '{"a":1}',
    ],
    ['scalars', true, 'true'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each<[string, unknown, string]>([
    ['NaN', { spec: { replicas: Number.NaN } }, '/spec/replicas'],
    ['Infinity', [Number.POSITIVE_INFINITY], '/0'],
    ['bigint', { a: 1n }, '/a'],
    ['a function', { f: () => 1 }, '/f'],
    ['a class instance', { when: new Date(0) }, '/when'],
    ['undefined in an array', [1, undefined], '/1'],
    ['a key needing pointer escapes', { 'a/b~c': Number.NaN }, '/a~1b~0c'],
  ])('rejects %s, naming the pointer', (_name, value, pointer) => {
    try {
      canonicalJson(value);
      expect.unreachable('canonicalJson should throw');
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.Internal)).toBe(true);
      expect((err as Error).message).toContain(`"${pointer}"`);
    }
  });
});

describe('contentDigest', () => {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web', namespace: 'shop' },
    data: { 'app.yaml': 'port: 8080\n' },
  };
  const service = {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { namespace: 'shop', name: 'web' },
    spec: { ports: [{ port: 80, targetPort: 8080 }] },
  };
  // Pinned: changing the canonical form or the digest recipe changes every digest in the fleet
  // (every agent would re-apply everything), so that must be a deliberate protocol change.
  const PINNED = 'sha256:d411eac666baa26632c7280eb410528deb811a1aa4f94b0134828bb0dc42f796';

  it('is stable (pinned value)', () => {
    expect(contentDigest([configMap, service])).toBe(PINNED);
  });

  it('does not depend on object order or key order', () => {
    const reordered = JSON.parse(
      '{"spec":{"ports":[{"targetPort":8080,"port":80}]},"metadata":{"name":"web","namespace":"shop"},"kind":"Service","apiVersion":"v1"}',
    ) as typeof service;
    expect(contentDigest([reordered, configMap])).toBe(PINNED);
  });

  it.each<[string, unknown[]]>([
    ['a changed value', [{ ...configMap, data: { 'app.yaml': 'port: 8081\n' } }, service]],
    ['a missing object', [configMap]],
    ['a duplicated object', [configMap, service, service]],
    [
      'array order inside an object',
      [configMap, { ...service, spec: { ports: [{ port: 80 }, { port: 81 }] } }],
    ],
  ])('changes with %s', (_name, objects) => {
    expect(contentDigest(objects as never)).not.toBe(PINNED);
  });

  it('of the empty set is sha256 of the empty string', () => {
    expect(contentDigest([])).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('statusHash', () => {
  const report: StatusReport = {
    kind: 'statusReport',
    target: 'edge-1',
    app: 'web',
    assignmentVersion: 3,
    revision: '3f786850e387550fdab836ed7e6dc881de23001b',
    contentDigest: 'sha256:d411eac666baa26632c7280eb410528deb811a1aa4f94b0134828bb0dc42f796',
    syncState: 'Synced',
    health: { status: 'Healthy', message: '' },
    objects: [],
    drift: [],
    unmanaged: [],
    statusHash: '',
    observedAtUnixMs: 1_700_000_000_000,
  };

  it('ignores statusHash and observedAtUnixMs', () => {
    const { statusHash: _h, observedAtUnixMs: _o, ...content } = report;
    expect(statusHash({ ...report, observedAtUnixMs: 1, statusHash: 'x' })).toBe(
      statusHash(report),
    );
    expect(statusHash(content)).toBe(statusHash(report));
  });

  it.each<[string, Partial<StatusReport>]>([
    ['health', { health: { status: 'Degraded', message: '' } }],
    ['health message', { health: { status: 'Healthy', message: 'x' } }],
    ['sync state', { syncState: 'OutOfSync' }],
    ['assignment version', { assignmentVersion: 4 }],
    ['an app error', { error: { code: 'APPLY_FAILED', message: 'x' } }],
  ])('changes with %s', (_name, change) => {
    expect(statusHash({ ...report, ...change })).not.toBe(statusHash(report));
  });
});

describe('message ids', () => {
  it.each<[string, string]>([
    [assignmentId('edge-1', 'web', 7), 'edge-1.web.v7'],
    [appRemovalId('edge-1', 'web', 8), 'edge-1.web.v8.removal'],
    [syncRequestId('edge-1', 'web', 7, 'job-42'), 'edge-1.web.v7.sync.job-42'],
    [
      statusReportId({
        target: 'edge-1',
        app: 'web',
        assignmentVersion: 7,
        statusHash: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      }),
      'edge-1.web.v7.status.0123456789abcdef',
    ],
    [helloId('edge-1', 'a1b2', 0), 'edge-1.a1b2.hello.0'],
    [sessionId('edge-1', 'n0nce'), 'edge-1.session.n0nce'],
    [welcomeId('edge-1.session.n0nce'), 'edge-1.session.n0nce.welcome'],
    [ackId('edge-1.web.v7'), 'edge-1.web.v7.ack'],
    [heartbeatId('edge-1.session.n0nce', 'agent', 3), 'edge-1.session.n0nce.agent.heartbeat.3'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
    expect(isMessageId(actual)).toBe(true);
  });

  it.each<[string, () => string]>([
    ['a ":" in a part', () => assignmentId('edge:1', 'web', 1)],
    ['whitespace in a part', () => syncRequestId('edge-1', 'web', 1, 'a b')],
    ['an empty part', () => sessionId('edge-1', '')],
    ['a negative version', () => assignmentId('edge-1', 'web', -1)],
    ['a fractional counter', () => heartbeatId('s', 'hub', 1.5)],
    [
      'a status hash that is not sha256',
      () => statusReportId({ target: 't', app: 'a', assignmentVersion: 1, statusHash: 'md5:x' }),
    ],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(/message id part/);
  });

  it.each<[string, boolean]>([
    ['edge-1', true],
    ['a', true],
    ['Edge', false],
    ['-edge', false],
    ['edge.1', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('isDnsLabel(%s) = %s', (name, expected) => {
    expect(isDnsLabel(name)).toBe(expected);
  });
});

describe('objectRef', () => {
  it.each<[string, Record<string, unknown>, object]>([
    [
      'a namespaced object of a named group',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
      { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
    ],
    [
      'a cluster-scoped core object',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { group: '', version: 'v1', kind: 'Namespace', namespace: '', name: 'shop' },
    ],
  ])('%s', (_name, object, expected) => {
    expect(objectRef(object as never)).toStrictEqual(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['no apiVersion', { kind: 'X', metadata: { name: 'a' } }],
    ['no kind', { apiVersion: 'v1', metadata: { name: 'a' } }],
    ['no metadata', { apiVersion: 'v1', kind: 'X' }],
    ['an empty name', { apiVersion: 'v1', kind: 'X', metadata: { name: '' } }],
  ])('rejects %s with MANIFEST_INVALID', (_name, object) => {
    expect(() => objectRef(object as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.ManifestInvalid }),
    );
  });
});
