import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOKEN_TTL_MS,
  MAX_ISSUE_WAIT_MS,
  certificateProfile,
  csrRefusal,
  isRevoked,
  keyRefusal,
  renewRefusal,
  revokedMessage,
  streamCertificateVerdict,
  tokenRefusal,
  tokenTtlProblem,
  type CsrFacts,
  type TokenRecord,
} from './index.ts';

const URI = 'spiffe://gitfleet/target/edge-1';
const ok: CsrFacts = {
  commonNames: ['edge-1'],
  altNames: [{ type: 'url', value: URI }],
  key: { type: 'ec', curve: 'P-256' },
  signatureValid: true,
};

describe('csrRefusal', () => {
  const cases: readonly [string, Partial<CsrFacts>, RegExp | undefined][] = [
    ['CN and URI SAN of the target', {}, undefined],
    ['no names at all', { commonNames: [], altNames: [] }, undefined],
    ['only the CN', { altNames: [] }, undefined],
    ['only the URI SAN', { commonNames: [] }, undefined],
    ['P-384', { key: { type: 'ec', curve: 'P-384' } }, undefined],
    ['RSA 2048', { key: { type: 'rsa', bits: 2048 } }, undefined],
    ['RSA 4096', { key: { type: 'rsa', bits: 4096 } }, undefined],
    ['a signature that does not hold', { signatureValid: false }, /signature does not hold/],
    ['another CN', { commonNames: ['edge-2'] }, /CN "edge-2" is not target edge-1/],
    ['two CNs, one other', { commonNames: ['edge-1', 'x'] }, /CN "x" is not target edge-1/],
    [
      "another target's URI",
      { altNames: [{ type: 'url', value: 'spiffe://gitfleet/target/edge-2' }] },
      /URI SAN spiffe:\/\/gitfleet\/target\/edge-2 \(another target\) is not/,
    ],
    [
      'another URI',
      { altNames: [{ type: 'url', value: 'https://example.com' }] },
      /URI SAN https:\/\/example.com is not/,
    ],
    [
      'a DNS name',
      {
        altNames: [
          { type: 'url', value: URI },
          { type: 'dns', value: 'edge-1' },
        ],
      },
      /asks for a dns name \(edge-1\)/,
    ],
    ['an IP address', { altNames: [{ type: 'ip', value: '10.0.0.1' }] }, /asks for a ip name/],
    ['P-521', { key: { type: 'ec', curve: 'P-521' } }, /EC on curve P-521/],
    ['RSA 1024', { key: { type: 'rsa', bits: 1024 } }, /RSA of 1024 bits/],
    ['Ed25519', { key: { type: 'other', name: 'ed25519' } }, /key is ed25519/],
  ];
  it.each(cases)('%s', (_, change, refusal) => {
    const got = csrRefusal({ ...ok, ...change }, 'edge-1');
    if (refusal === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(refusal);
  });

  it('names what the agent CA signs', () => {
    expect(keyRefusal({ type: 'rsa', bits: 2047 })).toBe(
      "the CSR's key is RSA of 2047 bits: the agent CA signs EC P-256 or P-384, or RSA of at least 2048 bits",
    );
  });
});

describe('certificateProfile', () => {
  const serialBytes = new Uint8Array(16).fill(0xab);
  const base = { target: 'edge-1', ttlMs: 86_400_000, cutoffMs: undefined, serialBytes };
  const cases: readonly [string, number, number | undefined, number, number][] = [
    // name, now, cutoff, expected notBefore, expected wait
    ['no revocation: now, to the second', 1_000_500, undefined, 1_000_000, 0],
    ['revoked long ago', 1_000_500, 10_000, 1_000_000, 0],
    ['revoked in the same second, before now', 1_000_500, 1_000_200, 1_001_000, 500],
    ['revoked in the same second, at now', 1_000_500, 1_000_500, 1_001_000, 500],
    ['revoked a second ago', 1_000_500, 999_999, 1_000_000, 0],
  ];
  it.each(cases)('%s', (_, nowMs, cutoffMs, notBeforeMs, waitMs) => {
    const p = certificateProfile({ ...base, nowMs, cutoffMs });
    expect(p).toEqual({
      commonName: 'edge-1',
      uri: URI,
      extendedKeyUsage: ['clientAuth'],
      keyUsage: ['digitalSignature'],
      ca: false,
      serialHex: 'ab'.repeat(16),
      notBeforeMs,
      notAfterMs: notBeforeMs + 86_400_000,
      waitMs,
    });
    // the certificate it describes is not revoked by the cutoff
    expect(isRevoked(notBeforeMs, cutoffMs)).toBe(false);
  });

  it('refuses to wait for a cutoff far ahead of its clock', () => {
    const p = certificateProfile({
      ...base,
      nowMs: 1_000_000,
      cutoffMs: 1_000_000 + MAX_ISSUE_WAIT_MS + 1_000,
    });
    expect('refused' in p ? p.refused : '').toMatch(/ahead of this hub's clock/);
  });

  it('needs 16 bytes of serial', () => {
    expect(
      certificateProfile({ ...base, nowMs: 0, serialBytes: new Uint8Array(8) }),
    ).toHaveProperty('refused');
  });
});

describe('tokenRefusal', () => {
  const now = Date.UTC(2030, 0, 1);
  const fresh: TokenRecord = {
    target: 'edge-1',
    createdAtMs: now - 1_000,
    expiresAtMs: now - 1_000 + DEFAULT_TOKEN_TTL_MS,
  };
  const cases: readonly [
    string,
    TokenRecord | undefined,
    string,
    boolean | undefined,
    RegExp | undefined,
  ][] = [
    ['a fresh token for a declared target', fresh, 'edge-1', true, undefined],
    ['unknown', undefined, 'edge-1', true, /^registration token unknown/],
    [
      'used',
      { ...fresh, usedAtMs: now - 10 },
      'edge-1',
      true,
      /^registration token already used at 2029-12-31T23:59:59.990Z/,
    ],
    [
      'expired',
      { ...fresh, expiresAtMs: now },
      'edge-1',
      true,
      /^registration token expired at 2030-01-01T00:00:00.000Z/,
    ],
    [
      'for another target',
      fresh,
      'edge-2',
      true,
      /^registration token is for target edge-1, not edge-2/,
    ],
    [
      'target left the fleet',
      fresh,
      'edge-1',
      false,
      /^target edge-1 is not declared in the fleet/,
    ],
    ['no fleet in force', fresh, 'edge-1', undefined, /^no fleet definition is in force/],
    // used comes before expired: the more useful thing to know
    [
      'used and expired',
      { ...fresh, expiresAtMs: now - 1, usedAtMs: now - 5 },
      'edge-1',
      true,
      /already used/,
    ],
  ];
  it.each(cases)('%s', (_, record, target, declared, refusal) => {
    const got = tokenRefusal(record, target, now, declared);
    if (refusal === undefined) expect(got).toBeUndefined();
    else {
      expect(got).toMatch(refusal);
      // every refusal says what to do
      expect(got).toMatch(/registration-token/);
    }
  });

  it.each([
    [59_999, false],
    [60_000, true],
    [DEFAULT_TOKEN_TTL_MS, true],
    [7 * 24 * 3_600_000, true],
    [7 * 24 * 3_600_000 + 1, false],
    [1.5, false],
  ] as const)('ttl %d accepted: %s', (ttl, accepted) => {
    expect(tokenTtlProblem(ttl) === undefined).toBe(accepted);
  });
});

describe('revocation and expiry', () => {
  const v = { notBeforeMs: 10_000, notAfterMs: 20_000 };
  const cases: readonly [string, number | undefined, number, string][] = [
    ['never revoked, valid', undefined, 15_000, 'valid'],
    ['revoked before it was issued', 9_999, 15_000, 'valid'],
    ['revoked at its notBefore', 10_000, 15_000, 'revoked'],
    ['revoked after it was issued', 12_000, 15_000, 'revoked'],
    ['expired', undefined, 20_000, 'expired'],
    ['revoked and expired: revoked', 12_000, 25_000, 'revoked'],
  ];
  it.each(cases)('%s', (_, cutoff, now, kind) => {
    expect(streamCertificateVerdict('edge-1', v, cutoff, now).kind).toBe(kind);
  });

  it('says what to do about a revoked certificate', () => {
    expect(revokedMessage('edge-1', Date.UTC(2030, 0, 1))).toBe(
      'the client certificate of target edge-1 was revoked at 2030-01-01T00:00:00.000Z (gitfleet-hub revoke): register the agent again with a new registration token (gitfleet-hub registration-token --target edge-1)',
    );
  });

  const renewals: readonly [string, number | undefined, boolean | undefined, RegExp | undefined][] =
    [
      ['declared, never revoked', undefined, true, undefined],
      ['declared, revoked before issue', 9_000, true, undefined],
      ['revoked', 10_000, true, /was revoked at/],
      ['left the fleet', undefined, false, /no longer declared in the fleet/],
      ['no fleet in force', undefined, undefined, /renew again later/],
    ];
  it.each(renewals)('renew: %s', (_, cutoff, declared, refusal) => {
    const got = renewRefusal('edge-1', v, cutoff, declared);
    if (refusal === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(refusal);
  });
});
