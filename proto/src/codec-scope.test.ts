/**
 * The Assignment's project scope through real protobuf bytes: encode → serialize → deserialize →
 * decode, and every malformed scope a PROTOCOL_VIOLATION naming the field.
 */
import { describe, expect, it } from 'vitest';
import { agentLinkGrpc, decodeHubMessage, encodeHubMessage } from './codec.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { assignmentId, contentDigest } from './domain/ids.ts';
import type { Assignment, HubMessage, KubeObject } from './domain/messages.ts';
import { MAX_SCOPE_PATTERN_LENGTH, MAX_SCOPE_RULES } from './domain/project-scope.ts';
import type { ObjectScope } from './domain/project-scope.ts';

const connect = agentLinkGrpc().service.Connect;
const hubWire = (m: HubMessage) =>
  connect.responseDeserialize(connect.responseSerialize(encodeHubMessage(m)));
type HubWire = ReturnType<typeof hubWire>;

const OBJECTS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'payments' } },
];
const SCOPE: ObjectScope = {
  name: 'payments',
  namespaces: ['payments', 'payments-*'],
  kinds: {
    allow: [
      { group: 'apps', kind: '*' },
      { group: '', kind: 'ConfigMap' },
    ],
    allowClusterScoped: [{ group: '', kind: 'Namespace' }],
    deny: [{ group: 'networking.k8s.io', kind: '*' }],
  },
};

const base: Assignment = {
  kind: 'assignment',
  target: 'c1',
  app: 'web',
  version: 4,
  revision: 'b'.repeat(40),
  contentDigest: contentDigest(OBJECTS),
  objects: OBJECTS,
  policies: {
    sync: 'automated',
    prune: { enabled: true, allowEmpty: false },
    drift: { mode: 'correct', overrides: [] },
    ignore: [],
    unmanaged: { mode: 'ignore', allow: [] },
    conflict: 'force',
    deletion: 'delete',
  },
};
const message = (payload: Assignment): HubMessage => ({
  messageId: assignmentId('c1', 'web', payload.version),
  seq: 3,
  sentAtUnixMs: 1_700_000_000_000,
  trace: {},
  payload,
});

describe('Assignment.scope round trip', () => {
  it.each<[string, ObjectScope]>([
    ['a full scope', SCOPE],
    [
      'allow present and empty (no namespaced kind)',
      { ...SCOPE, kinds: { ...SCOPE.kinds, allow: [] } },
    ],
    [
      'allow absent (every namespaced kind), no cluster-scoped kind',
      { name: 'team', namespaces: ['*'], kinds: { allowClusterScoped: [], deny: [] } },
    ],
    ['no namespace at all', { name: 'cluster-only', namespaces: [], kinds: SCOPE.kinds }],
  ])('%s', (_, scope) => {
    const m = message({ ...base, scope });
    expect(decodeHubMessage(hubWire(m))).toEqual(m);
  });

  it('an assignment without scope decodes without one', () => {
    const decoded = decodeHubMessage(hubWire(message(base))).payload as Assignment;
    expect(decoded).toEqual(base);
    expect('scope' in decoded).toBe(false);
  });

  it('a scope without allowClusterScoped decodes in its normal form (an empty list)', () => {
    const decoded = decodeHubMessage(
      hubWire(message({ ...base, scope: { name: 'p', namespaces: ['p'], kinds: { deny: [] } } })),
    ).payload as Assignment;
    expect(decoded.scope).toEqual({
      name: 'p',
      namespaces: ['p'],
      kinds: { allowClusterScoped: [], deny: [] },
    });
  });
});

describe('Assignment.scope rejects', () => {
  const withScope = (): HubWire => hubWire(message({ ...base, scope: SCOPE }));
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ group: '', kind: `K${i}` }));
  it.each<[string, (w: HubWire) => void, string]>([
    ['a missing name', (w) => void (w.assignment!.scope!.name = ''), 'assignment.scope.name'],
    [
      'a name that is no DNS label',
      (w) => void (w.assignment!.scope!.name = 'Pay Ments'),
      'assignment.scope.name',
    ],
    [
      'an empty namespace glob',
      (w) => void (w.assignment!.scope!.namespaces[1] = ''),
      'assignment.scope.namespaces[1]',
    ],
    [
      'a namespace glob with a slash',
      (w) => void (w.assignment!.scope!.namespaces[0] = 'a/b'),
      'assignment.scope.namespaces[0]',
    ],
    [
      'a namespace glob too long',
      (w) => void (w.assignment!.scope!.namespaces[0] = 'a'.repeat(MAX_SCOPE_PATTERN_LENGTH + 1)),
      'assignment.scope.namespaces[0]',
    ],
    [
      'too many namespaces',
      (w) =>
        void (w.assignment!.scope!.namespaces = Array.from(
          { length: MAX_SCOPE_RULES + 1 },
          () => 'a',
        )),
      'assignment.scope.namespaces',
    ],
    [
      'an empty kind in allowedKinds',
      (w) => void (w.assignment!.scope!.allowedKinds!.kinds[0]!.kind = ''),
      'assignment.scope.allowedKinds.kinds[0].kind',
    ],
    [
      'an uppercase group in deniedKinds',
      (w) => void (w.assignment!.scope!.deniedKinds[0]!.group = 'Networking'),
      'assignment.scope.deniedKinds[0].group',
    ],
    [
      'a kind with a space in allowedClusterScopedKinds',
      (w) => void (w.assignment!.scope!.allowedClusterScopedKinds[0]!.kind = 'Name space'),
      'assignment.scope.allowedClusterScopedKinds[0].kind',
    ],
    [
      'too many denied kinds',
      (w) => void (w.assignment!.scope!.deniedKinds = many(MAX_SCOPE_RULES + 1)),
      'assignment.scope.deniedKinds',
    ],
  ])('%s', (_, mutate, field) => {
    const wire = withScope();
    mutate(wire);
    try {
      decodeHubMessage(wire);
      expect.unreachable('decode should reject the scope');
    } catch (err) {
      expect(err).toBeInstanceOf(GitfleetError);
      const e = err as GitfleetError;
      expect(e.code).toBe(ErrorCode.ProtocolViolation);
      expect(e.details).toMatchObject({ message: 'HubMessage', field });
    }
  });

  it('accepts the limits themselves', () => {
    const wire = withScope();
    wire.assignment!.scope!.namespaces = [
      'a'.repeat(MAX_SCOPE_PATTERN_LENGTH),
      ...Array.from({ length: MAX_SCOPE_RULES - 1 }, () => 'b'),
    ];
    wire.assignment!.scope!.deniedKinds = many(MAX_SCOPE_RULES);
    const decoded = decodeHubMessage(wire).payload as Assignment;
    expect(decoded.scope?.namespaces).toHaveLength(MAX_SCOPE_RULES);
    expect(decoded.scope?.kinds.deny).toHaveLength(MAX_SCOPE_RULES);
  });
});
