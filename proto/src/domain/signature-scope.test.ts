/**
 * The project scope of an assignment is signed: widened, narrowed, dropped or added after the
 * hub signed, the signature no longer holds (SIGNATURE_INVALID); an assignment without a scope
 * signs as it always did.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from './errors.ts';
import { contentDigest } from './ids.ts';
import type { Assignment } from './messages.ts';
import type { ObjectScope } from './project-scope.ts';
import {
  SignatureProblem,
  checkHubSignature,
  pinHubKeys,
  signMessage,
  signingKeyFromPem,
  signingPayload,
  verifyHubSignature,
} from './signature.ts';

const { privateKey } = generateKeyPairSync('ed25519');
const key = signingKeyFromPem(
  privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  'test key',
);
const pinned = pinHubKeys([key.publicKey]);

const objects = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'payments' } },
];
const SCOPE: ObjectScope = {
  name: 'payments',
  namespaces: ['payments', 'payments-*'],
  kinds: {
    allowClusterScoped: [],
    deny: [{ group: '', kind: 'ResourceQuota' }],
  },
};
const unscoped: Assignment = {
  kind: 'assignment',
  target: 'c1',
  app: 'web',
  version: 5,
  revision: 'c'.repeat(40),
  contentDigest: contentDigest(objects),
  objects,
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
const scoped: Assignment = { ...unscoped, scope: SCOPE };

describe('the signed project scope', () => {
  it('is part of the signing payload only when present', () => {
    expect(signingPayload(unscoped).toString()).not.toContain('"scope"');
    expect(signingPayload(scoped).toString()).toContain(
      '"scope":{"kinds":{"allowClusterScoped":[],"deny":[{"group":"","kind":"ResourceQuota"}]},"name":"payments","namespaces":["payments","payments-*"]}',
    );
  });

  it('verifies as signed, also in another but equal form', () => {
    const signed = signMessage(scoped, key);
    expect(verifyHubSignature(signed, 'c1', pinned)).toEqual({ ok: true, keyId: key.keyId });
    // absent allowClusterScoped means the same as an empty list: the same payload
    const { allowClusterScoped: _, ...kinds } = SCOPE.kinds;
    const equal = { ...signed, scope: { ...SCOPE, kinds } };
    expect(verifyHubSignature(equal, 'c1', pinned).ok).toBe(true);
  });

  it.each<[string, (a: Assignment) => Assignment]>([
    [
      'a namespace added',
      (a) => ({ ...a, scope: { ...SCOPE, namespaces: [...SCOPE.namespaces, '*'] } }),
    ],
    ['every namespace', (a) => ({ ...a, scope: { ...SCOPE, namespaces: ['*'] } })],
    [
      'cluster-scoped kinds allowed',
      (a) => ({
        ...a,
        scope: {
          ...SCOPE,
          kinds: { ...SCOPE.kinds, allowClusterScoped: [{ group: '*', kind: '*' }] },
        },
      }),
    ],
    [
      'a deny rule dropped',
      (a) => ({ ...a, scope: { ...SCOPE, kinds: { ...SCOPE.kinds, deny: [] } } }),
    ],
    [
      'an allow list dropped (every namespaced kind)',
      (a) => ({ ...a, scope: { ...SCOPE, kinds: { ...SCOPE.kinds, allow: undefined } } }),
    ],
    ['another project name', (a) => ({ ...a, scope: { ...SCOPE, name: 'platform' } })],
    [
      'the scope dropped',
      (a) => {
        const { scope: _, ...rest } = a;
        return rest;
      },
    ],
  ])('edited after signing: %s → SIGNATURE_INVALID', (_, edit) => {
    const base = signMessage(
      {
        ...scoped,
        scope: { ...SCOPE, kinds: { ...SCOPE.kinds, allow: [{ group: 'apps', kind: '*' }] } },
      },
      key,
    );
    const edited = edit(base);
    const verdict = verifyHubSignature(edited, 'c1', pinned);
    expect(verdict).toMatchObject({ ok: false, problem: SignatureProblem.Mismatch });
    try {
      checkHubSignature(edited, 'c1', pinned);
      expect.unreachable('the edited scope must not verify');
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.SignatureInvalid)).toBe(true);
    }
  });

  it('a scope added to an unscoped assignment after signing does not verify', () => {
    const signed = signMessage(unscoped, key);
    expect(verifyHubSignature(signed, 'c1', pinned).ok).toBe(true);
    expect(verifyHubSignature({ ...signed, scope: SCOPE }, 'c1', pinned).ok).toBe(false);
  });
});
