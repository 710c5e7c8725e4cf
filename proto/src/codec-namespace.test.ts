/**
 * The destination namespace and createNamespace of an assignment's policies: through real
 * protobuf bytes (encode → serialize → deserialize → decode), every malformed value a
 * PROTOCOL_VIOLATION naming the field, and both covered by the hub's signature — while an
 * assignment without them signs exactly as before they existed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agentLinkGrpc, decodeHubMessage, encodeHubMessage } from './codec.ts';
import { ErrorCode, GitfleetError } from './domain/errors.ts';
import { assignmentId, canonicalJson, contentDigest } from './domain/ids.ts';
import type { Assignment, AssignmentPolicies, HubMessage, KubeObject } from './domain/messages.ts';
import {
  SignatureProblem,
  pinHubKeys,
  signMessage,
  signingKeyFromPem,
  signingPayload,
  verifyHubSignature,
} from './domain/signature.ts';

const connect = agentLinkGrpc().service.Connect;
const hubWire = (m: HubMessage) =>
  connect.responseDeserialize(connect.responseSerialize(encodeHubMessage(m)));
type HubWire = ReturnType<typeof hubWire>;

const OBJECTS: KubeObject[] = [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ui' } }];
const POLICIES: AssignmentPolicies = {
  sync: 'automated',
  prune: { enabled: true, allowEmpty: false },
  drift: { mode: 'correct', overrides: [] },
  ignore: [],
  unmanaged: { mode: 'ignore', allow: [] },
  conflict: 'force',
  deletion: 'delete',
};
const base: Assignment = {
  kind: 'assignment',
  target: 'c1',
  app: 'guestbook',
  version: 2,
  revision: 'a'.repeat(40),
  contentDigest: contentDigest(OBJECTS),
  objects: OBJECTS,
  policies: POLICIES,
};
const withPolicies = (extra: Partial<AssignmentPolicies>): Assignment => ({
  ...base,
  policies: { ...POLICIES, ...extra },
});
const message = (payload: Assignment): HubMessage => ({
  messageId: assignmentId('c1', payload.app, payload.version),
  seq: 1,
  sentAtUnixMs: 1_700_000_000_000,
  trace: {},
  payload,
});

describe('AssignmentPolicies namespace fields round trip', () => {
  it.each<[string, Partial<AssignmentPolicies>]>([
    ['none', {}],
    ['a destination namespace', { destinationNamespace: 'guestbook' }],
    [
      'a destination namespace to create',
      { destinationNamespace: 'guestbook', createNamespace: true },
    ],
  ])('%s', (_, extra) => {
    const m = message(withPolicies(extra));
    expect(decodeHubMessage(hubWire(m))).toEqual(m);
  });

  it('createNamespace false decodes as absent', () => {
    const m = message(withPolicies({ destinationNamespace: 'guestbook', createNamespace: false }));
    const decoded = decodeHubMessage(hubWire(m)).payload as Assignment;
    expect(decoded.policies).toEqual({ ...POLICIES, destinationNamespace: 'guestbook' });
    expect('createNamespace' in decoded.policies).toBe(false);
  });

  it('an assignment without them decodes without them', () => {
    const decoded = decodeHubMessage(hubWire(message(base))).payload as Assignment;
    expect('destinationNamespace' in decoded.policies).toBe(false);
    expect('createNamespace' in decoded.policies).toBe(false);
  });
});

describe('AssignmentPolicies namespace fields refused on decode', () => {
  type WirePolicies = NonNullable<NonNullable<HubWire['assignment']>['policies']>;
  const edited = (edit: (p: WirePolicies) => void): HubWire => {
    const wire = hubWire(message(withPolicies({ destinationNamespace: 'guestbook' })));
    const policies = wire.assignment?.policies;
    if (policies === undefined || policies === null) throw new Error('no policies');
    edit(policies);
    return wire;
  };

  it.each<[string, (p: WirePolicies) => void, string]>([
    ['uppercase', (p) => (p.destinationNamespace = 'Guestbook'), 'destinationNamespace'],
    ['a dot', (p) => (p.destinationNamespace = 'guest.book'), 'destinationNamespace'],
    ['too long', (p) => (p.destinationNamespace = 'n'.repeat(64)), 'destinationNamespace'],
    ['a leading dash', (p) => (p.destinationNamespace = '-guestbook'), 'destinationNamespace'],
    [
      'createNamespace without a destination',
      (p) => {
        p.destinationNamespace = '';
        p.createNamespace = true;
      },
      'createNamespace',
    ],
  ])('%s → PROTOCOL_VIOLATION naming the field', (_, edit, field) => {
    const wire = edited(edit);
    expect(() => decodeHubMessage(wire)).toThrow(GitfleetError);
    try {
      decodeHubMessage(wire);
    } catch (err) {
      expect((err as GitfleetError).code).toBe(ErrorCode.ProtocolViolation);
      expect((err as GitfleetError).message).toContain(`assignment.policies.${field}`);
    }
  });
});

describe('the signed namespace policies', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = signingKeyFromPem(
    privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    'test key',
  );
  const pinned = pinHubKeys([key.publicKey]);

  it('an assignment without them signs exactly as before they existed', () => {
    const payload = signingPayload(base).toString();
    expect(payload).not.toContain('destinationNamespace');
    expect(payload).not.toContain('createNamespace');
    // the payload of policies as they were signed before: the seven policy fields only
    const before = canonicalJson({
      app: base.app,
      contentDigest: base.contentDigest,
      policies: POLICIES,
      revision: base.revision,
      target: base.target,
      version: base.version,
    });
    expect(payload).toBe(`gitfleet.v1/assignment\n${before}`);
    // createNamespace false is the same as absent
    expect(signingPayload(withPolicies({ createNamespace: false })).toString()).toBe(payload);
  });

  it('are in the payload when set', () => {
    const payload = signingPayload(
      withPolicies({ destinationNamespace: 'guestbook', createNamespace: true }),
    ).toString();
    expect(payload).toContain('"createNamespace":true');
    expect(payload).toContain('"destinationNamespace":"guestbook"');
  });

  it.each<[string, (a: Assignment) => Assignment]>([
    [
      'another namespace',
      (a) => ({ ...a, policies: { ...a.policies, destinationNamespace: 'kube-system' } }),
    ],
    [
      'the namespace dropped',
      (a) => {
        const { destinationNamespace: _, createNamespace: __, ...policies } = a.policies;
        return { ...a, policies };
      },
    ],
    [
      'createNamespace dropped',
      (a) => ({ ...a, policies: { ...a.policies, createNamespace: false } }),
    ],
  ])('edited after signing: %s → mismatch', (_, edit) => {
    const signed = signMessage(
      withPolicies({ destinationNamespace: 'guestbook', createNamespace: true }),
      key,
    );
    expect(verifyHubSignature(signed, 'c1', pinned).ok).toBe(true);
    expect(verifyHubSignature(edit(signed), 'c1', pinned)).toMatchObject({
      ok: false,
      problem: SignatureProblem.Mismatch,
    });
  });

  it('added to an assignment signed without them → mismatch', () => {
    const signed = signMessage(base, key);
    const added = {
      ...signed,
      policies: { ...signed.policies, destinationNamespace: 'guestbook' },
    };
    expect(verifyHubSignature(added, 'c1', pinned).ok).toBe(false);
  });
});
