import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from './errors.ts';
import { contentDigest } from './ids.ts';
import type { AppRemoval, Assignment, SyncRequest } from './messages.ts';
import {
  SIGNATURE_DOMAINS,
  SignatureProblem,
  checkHubSignature,
  keyIdOf,
  pinHubKeys,
  publicKeysFromPem,
  signMessage,
  signingKeyFromPem,
  signingPayload,
  verifyHubSignature,
  type HubSigningKey,
  type SignedMessage,
} from './signature.ts';

function newKey(): { key: HubSigningKey; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    key: signingKeyFromPem(pem, 'test key'),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

const hub = newKey();
const other = newKey();
const pinned = pinHubKeys([hub.key.publicKey]);

const objects = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'apps' } },
];
const assignment: Assignment = {
  kind: 'assignment',
  target: 'c1',
  app: 'web',
  version: 3,
  revision: 'a'.repeat(40),
  contentDigest: contentDigest(objects),
  objects,
  policies: {
    sync: 'automated',
    prune: { enabled: true, allowEmpty: false },
    drift: { mode: 'correct', overrides: [{ selector: { kind: 'Deployment' }, mode: 'warn' }] },
    ignore: [{ selector: { kind: 'Deployment' }, jsonPointers: ['/spec/replicas'] }],
    unmanaged: { mode: 'warn', allow: [{ namespace: 'apps', name: 'keep-*' }] },
    conflict: 'force',
    deletion: 'delete',
  },
};
const removal: AppRemoval = {
  kind: 'appRemoval',
  target: 'c1',
  app: 'web',
  version: 4,
  deletion: 'orphan',
};
const syncRequest: SyncRequest = {
  kind: 'syncRequest',
  target: 'c1',
  app: 'web',
  assignmentVersion: 3,
  requestId: 'op-1',
};

const signedAssignment = signMessage(assignment, hub.key);
const signedRemoval = signMessage(removal, hub.key);
const signedSync = signMessage(syncRequest, hub.key);

describe('signingPayload', () => {
  it('starts with the domain line of the kind and holds the canonical JSON of the fields', () => {
    expect(signingPayload(removal).toString('utf8')).toBe(
      'gitfleet.v1/app-removal\n{"app":"web","deletion":"orphan","target":"c1","version":4}',
    );
    expect(signingPayload(syncRequest).toString('utf8')).toBe(
      'gitfleet.v1/sync-request\n{"app":"web","assignmentVersion":3,"requestId":"op-1","target":"c1"}',
    );
    const a = signingPayload(assignment).toString('utf8');
    expect(a.startsWith(SIGNATURE_DOMAINS.assignment)).toBe(true);
    expect(a).toContain(`"contentDigest":"${assignment.contentDigest}"`);
    // objects are covered through the digest, not repeated
    expect(a).not.toContain('ConfigMap');
  });

  it('ignores properties outside the protocol and the signature itself', () => {
    const extra = {
      ...assignment,
      policies: { ...assignment.policies, note: 'x' },
      signature: { keyId: '0'.repeat(16), value: '' },
    } as Assignment;
    expect(signingPayload(extra)).toEqual(signingPayload(assignment));
  });
});

describe('keys', () => {
  it('derives the key id from the raw public key: 16 hex, the same from the PEM', () => {
    expect(hub.key.keyId).toMatch(/^[0-9a-f]{16}$/);
    const [fromPem] = publicKeysFromPem(hub.publicPem, 'pinned');
    expect(fromPem === undefined ? '' : keyIdOf(fromPem)).toBe(hub.key.keyId);
    expect(other.key.keyId).not.toBe(hub.key.keyId);
  });

  it('reads several public keys from one PEM text (a rotation)', () => {
    const keys = pinHubKeys(publicKeysFromPem(`${hub.publicPem}\n${other.publicPem}`, 'pinned'));
    expect([...keys.keys()].sort()).toEqual([hub.key.keyId, other.key.keyId].sort());
  });

  it.each<[string, () => unknown, string]>([
    ['a PEM without a public key', () => publicKeysFromPem('nothing here', 'f.pem'), 'f.pem'],
    [
      'an RSA public key',
      () =>
        publicKeysFromPem(
          generateKeyPairSync('rsa', { modulusLength: 1024 })
            .publicKey.export({ format: 'pem', type: 'spki' })
            .toString(),
          'rsa.pem',
        ),
      'rsa',
    ],
    ['a private key that is no PEM', () => signingKeyFromPem('garbage', 'key.pem'), 'key.pem'],
    [
      'an EC private key',
      () =>
        signingKeyFromPem(
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
          'ec.pem',
        ),
      'ec',
    ],
  ])('refuses %s with CONFIG_INVALID', (_name, load, named) => {
    try {
      load();
      expect.unreachable('should throw');
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.ConfigInvalid)).toBe(true);
      expect((err as Error).message).toContain(named);
      expect((err as Error).message).not.toContain('PRIVATE KEY');
    }
  });
});

describe('verifyHubSignature', () => {
  it.each<[string, SignedMessage]>([
    ['an assignment', signedAssignment],
    ['a removal', signedRemoval],
    ['a sync request', signedSync],
  ])('accepts %s signed by a pinned key', (_name, m) => {
    expect(verifyHubSignature(m, 'c1', pinned)).toEqual({ ok: true, keyId: hub.key.keyId });
  });

  it('accepts a key among several pinned ones', () => {
    const both = pinHubKeys([other.key.publicKey, hub.key.publicKey]);
    expect(verifyHubSignature(signedAssignment, 'c1', both).ok).toBe(true);
  });

  const tampered: [string, SignedMessage][] = [
    ['assignment target', { ...signedAssignment, target: 'c2' }],
    ['assignment app', { ...signedAssignment, app: 'api' }],
    ['assignment version', { ...signedAssignment, version: 4 }],
    ['assignment revision', { ...signedAssignment, revision: 'b'.repeat(40) }],
    ['assignment contentDigest', { ...signedAssignment, contentDigest: contentDigest([]) }],
    [
      'assignment policies.sync',
      { ...signedAssignment, policies: { ...assignment.policies, sync: 'manual' } },
    ],
    [
      'assignment policies.prune',
      {
        ...signedAssignment,
        policies: { ...assignment.policies, prune: { enabled: true, allowEmpty: true } },
      },
    ],
    [
      'assignment policies.drift',
      {
        ...signedAssignment,
        policies: { ...assignment.policies, drift: { mode: 'ignore', overrides: [] } },
      },
    ],
    [
      'assignment policies.ignore',
      {
        ...signedAssignment,
        policies: {
          ...assignment.policies,
          ignore: [{ selector: { kind: 'Deployment' }, jsonPointers: ['/spec'] }],
        },
      },
    ],
    [
      'assignment policies.unmanaged',
      {
        ...signedAssignment,
        policies: { ...assignment.policies, unmanaged: { mode: 'prune', allow: [] } },
      },
    ],
    [
      'assignment policies.unmanaged.allow selector',
      {
        ...signedAssignment,
        policies: {
          ...assignment.policies,
          unmanaged: { mode: 'warn', allow: [{ namespace: 'apps', name: '*' }] },
        },
      },
    ],
    [
      'assignment policies.conflict',
      { ...signedAssignment, policies: { ...assignment.policies, conflict: 'report' } },
    ],
    [
      'assignment policies.deletion',
      { ...signedAssignment, policies: { ...assignment.policies, deletion: 'orphan' } },
    ],
    ['removal version', { ...signedRemoval, version: 5 }],
    ['removal deletion', { ...signedRemoval, deletion: 'delete' }],
    ['removal app', { ...signedRemoval, app: 'api' }],
    ['sync request version', { ...signedSync, assignmentVersion: 2 }],
    ['sync request id', { ...signedSync, requestId: 'op-2' }],
    [
      'a removal carrying an assignment signature',
      {
        ...signedRemoval,
        signature: signMessage({ ...assignment, version: 4 }, hub.key).signature,
      },
    ],
  ];
  it.each(tampered)('refuses a changed %s', (_name, m) => {
    const verdict = verifyHubSignature(m, m.target, pinned);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.problem).toBe(SignatureProblem.Mismatch);
  });

  it.each<[string, SignedMessage, string, SignatureProblem]>([
    ['another target', signMessage({ ...assignment, target: 'c2' }, hub.key), 'c1', 'other-target'],
    ['no signature', assignment, 'c1', 'unsigned'],
    ['an unpinned key', signMessage(assignment, other.key), 'c1', 'unknown-key'],
    [
      'an unknown key id',
      { ...signedAssignment, signature: { keyId: 'f'.repeat(16), value: '' } },
      'c1',
      'unknown-key',
    ],
    [
      'a key id that is no key id',
      { ...signedAssignment, signature: { keyId: 'not-hex', value: '' } },
      'c1',
      'unknown-key',
    ],
    [
      'a pinned key id over another key’s signature',
      {
        ...signedAssignment,
        signature: {
          keyId: hub.key.keyId,
          value: signMessage(assignment, other.key).signature?.value ?? '',
        },
      },
      'c1',
      'mismatch',
    ],
    [
      'a short signature',
      { ...signedAssignment, signature: { keyId: hub.key.keyId, value: 'AAAA' } },
      'c1',
      'malformed',
    ],
    [
      'a signature that is no base64',
      { ...signedAssignment, signature: { keyId: hub.key.keyId, value: '!'.repeat(88) } },
      'c1',
      'malformed',
    ],
  ])('refuses %s', (_name, m, target, problem) => {
    const verdict = verifyHubSignature(m, target, pinned);
    expect(verdict).toMatchObject({ ok: false, problem });
    if (!verdict.ok) expect(verdict.message).toContain(`${m.kind} ${m.app}`);
  });

  it('refuses everything when no key is pinned', () => {
    expect(verifyHubSignature(signedAssignment, 'c1', new Map())).toMatchObject({
      ok: false,
      problem: 'unknown-key',
    });
  });
});

describe('checkHubSignature', () => {
  it('throws a terminal SIGNATURE_INVALID naming the message and the problem', () => {
    try {
      checkHubSignature({ ...signedRemoval, deletion: 'delete' }, 'c1', pinned);
      expect.unreachable('should throw');
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.SignatureInvalid)).toBe(true);
      expect(err).toMatchObject({ terminal: true, details: { app: 'web', problem: 'mismatch' } });
      expect((err as Error).message).toContain('appRemoval web v4 for target c1');
    }
  });

  it('passes a valid message', () => {
    expect(() => {
      checkHubSignature(signedSync, 'c1', pinned);
    }).not.toThrow();
  });
});
