import { describe, expect, it } from 'vitest';
import { decideAccess, type AccessDecision, type Authentication } from './access.ts';
import { looksLikeJwt, oidcAuthentication, rejectionReason, type OidcFailure } from './oidc.ts';
import {
  discoveryUrl,
  oidcSettingsOf,
  oidcUrlProblem,
  parseScopeMap,
  type OidcOptions,
} from './oidc-settings.ts';
import type { ApiScope } from './scopes.ts';

const MAP = new Map<string, ApiScope>([
  ['platform-admins', 'admin'],
  ['sre', 'operate'],
  ['devs', 'read'],
]);
const SETTINGS = { scopeClaim: 'groups', usernameClaim: 'sub', scopeMap: MAP };

describe('oidcAuthentication', () => {
  it.each<{ name: string; claims: Record<string, unknown>; want: Authentication }>([
    {
      name: 'one group, as a list',
      claims: { sub: 'alice', groups: ['devs'] },
      want: { kind: 'identified', identity: { name: 'oidc:alice', scope: 'read' } },
    },
    {
      name: 'the highest of several groups, unmapped ones ignored',
      claims: { sub: 'bob', groups: ['devs', 'nobody', 'platform-admins', 'sre'] },
      want: { kind: 'identified', identity: { name: 'oidc:bob', scope: 'admin' } },
    },
    {
      name: 'a string claim is one value',
      claims: { sub: 'carol', groups: 'sre' },
      want: { kind: 'identified', identity: { name: 'oidc:carol', scope: 'operate' } },
    },
    {
      name: 'a string claim is not split',
      claims: { sub: 'carol', groups: 'sre devs' },
      want: {
        kind: 'unscoped',
        name: 'oidc:carol',
        missing: 'no value of its claim "groups" is in the scope map (--oidc-scope-map-file)',
      },
    },
    {
      name: 'non-string list entries are ignored',
      claims: { sub: 'dan', groups: [1, { sre: true }, null, 'devs'] },
      want: { kind: 'identified', identity: { name: 'oidc:dan', scope: 'read' } },
    },
    {
      name: 'no mapped group',
      claims: { sub: 'eve', groups: ['marketing'] },
      want: {
        kind: 'unscoped',
        name: 'oidc:eve',
        missing: 'no value of its claim "groups" is in the scope map (--oidc-scope-map-file)',
      },
    },
    {
      name: 'no scope claim',
      claims: { sub: 'eve' },
      want: {
        kind: 'unscoped',
        name: 'oidc:eve',
        missing: 'the token has no claim "groups" (a string or a list of strings)',
      },
    },
    {
      name: 'a scope claim of another type',
      claims: { sub: 'eve', groups: { admin: true } },
      want: {
        kind: 'unscoped',
        name: 'oidc:eve',
        missing: 'the token has no claim "groups" (a string or a list of strings)',
      },
    },
    {
      name: 'no username claim',
      claims: { groups: ['devs'] },
      want: {
        kind: 'rejected',
        reason: 'the token has no string claim "sub" naming its holder (--oidc-username-claim)',
      },
    },
    {
      name: 'an empty username',
      claims: { sub: '', groups: ['devs'] },
      want: {
        kind: 'rejected',
        reason: 'the token has no string claim "sub" naming its holder (--oidc-username-claim)',
      },
    },
    {
      name: 'a username with a control character',
      claims: { sub: 'mallory\nforged log line', groups: ['devs'] },
      want: {
        kind: 'rejected',
        reason: 'the claim "sub" is no usable name (control characters, or over 256 characters)',
      },
    },
    {
      name: 'a username too long',
      claims: { sub: 'x'.repeat(257), groups: ['devs'] },
      want: {
        kind: 'rejected',
        reason: 'the claim "sub" is no usable name (control characters, or over 256 characters)',
      },
    },
  ])('$name', ({ claims, want }) => {
    expect(oidcAuthentication(claims, SETTINGS)).toEqual(want);
  });

  it('takes the username and scopes from the configured claims', () => {
    expect(
      oidcAuthentication(
        { sub: 'u-123', email: 'alice@example.com', roles: ['sre'], groups: ['devs'] },
        { ...SETTINGS, usernameClaim: 'email', scopeClaim: 'roles' },
      ),
    ).toEqual({
      kind: 'identified',
      identity: { name: 'oidc:alice@example.com', scope: 'operate' },
    });
  });
});

describe('looksLikeJwt', () => {
  it.each<[string, boolean]>([
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln', true],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.', true],
    ['gf-admin-0123456789abcdef', false],
    ['a.b', false],
    ['a.b.c.d', false],
    ['.b.c', false],
    ['a..c', false],
    ['a+b.c.d', false],
    ['a=.b.c', false],
  ])('%j → %s', (token, want) => {
    expect(looksLikeJwt(token)).toBe(want);
  });
});

describe('rejectionReason', () => {
  const s = { issuer: 'https://idp.example.com', audience: 'gitfleet' };
  it.each<[OidcFailure, string]>([
    [{ code: 'ERR_JWT_EXPIRED', claim: 'exp' }, 'the token expired'],
    [{ code: 'ERR_JWT_EXPIRED', claim: 'iat' }, 'the token was issued too long ago'],
    [
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' },
      'the token is not issued by https://idp.example.com (--oidc-issuer)',
    ],
    [
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
      'the token is not for the audience gitfleet (--oidc-audience)',
    ],
    [{ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' }, 'the token is not valid yet (nbf)'],
    [
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'exp' },
      'the token has no valid expiry (exp)',
    ],
    [
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iat' },
      'the token is issued in the future (iat)',
    ],
    [
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' },
      "the token's claim typ does not hold",
    ],
    [
      { code: 'ERR_JOSE_ALG_NOT_ALLOWED' },
      "the token's algorithm is not one of RS256, ES256, EdDSA",
    ],
    [
      { code: 'ERR_JWKS_NO_MATCHING_KEY' },
      'the token is signed by a key the issuer does not publish',
    ],
    [
      { code: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' },
      'the issuer publishes several keys matching the token: it must name one (kid)',
    ],
    [{ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }, 'the token signature does not verify'],
    [{ code: 'ERR_JWS_INVALID' }, 'the token is not a valid signed JWT'],
    [{ code: 'ERR_UNKNOWN' }, 'the token is not a valid signed JWT'],
  ])('%j → %s', (failure, want) => {
    expect(rejectionReason(failure, s)).toBe(want);
  });
});

describe('parseScopeMap', () => {
  const F = '/etc/gitfleet/oidc-scopes.yaml';

  it('reads lines of <claim value>: <scope>, comments, quotes and YAML punctuation', () => {
    const text = [
      '# who may do what',
      '---',
      'platform-admins: admin',
      'sre:   operate   # on call',
      '',
      '"dev team": read',
      "'it''s': read",
      'https://idp.example.com/groups/ops: "operate"',
      '/org/devs: read',
      'c#-devs: read',
    ].join('\n');
    const { map, problems } = parseScopeMap(text, F);
    expect(problems).toEqual([]);
    expect([...map]).toEqual([
      ['platform-admins', 'admin'],
      ['sre', 'operate'],
      ['dev team', 'read'],
      ["it's", 'read'],
      ['https://idp.example.com/groups/ops', 'operate'],
      ['/org/devs', 'read'],
      ['c#-devs', 'read'],
    ]);
  });

  it.each<[string, string[]]>([
    ['devs: write', [`${F}:1: the scope of "devs" must be read, operate or admin, not "write"`]],
    ['devs:', [`${F}:1: the scope of "devs" must be read, operate or admin`]],
    ['devs read', [`${F}:1: expected <claim value>: <scope>, e.g. platform-admins: admin`]],
    ['"devs: read', [`${F}:1: expected <claim value>: <scope>, e.g. platform-admins: admin`]],
    ['"": read', [`${F}:1: the claim value is empty`]],
    ['devs: read\nsre: operate\ndevs: admin', [`${F}:3: "devs" is mapped already on line 1`]],
    ['# nothing\n\n', [`${F}: maps no claim value to a scope (lines of <claim value>: <scope>)`]],
    [
      'devs: Read\nok: read\nsre operate',
      [
        `${F}:1: the scope of "devs" must be read, operate or admin, not "Read"`,
        `${F}:3: expected <claim value>: <scope>, e.g. platform-admins: admin`,
      ],
    ],
  ])('%j → problems', (text, want) => {
    expect(parseScopeMap(text, F).problems).toEqual(want);
  });
});

describe('OIDC URLs and settings', () => {
  it('finds the discovery document under the issuer', () => {
    expect(discoveryUrl('https://idp.example.com/realms/ops')).toBe(
      'https://idp.example.com/realms/ops/.well-known/openid-configuration',
    );
    expect(discoveryUrl('https://idp.example.com/')).toBe(
      'https://idp.example.com/.well-known/openid-configuration',
    );
  });

  it.each<[string, string | undefined]>([
    ['https://idp.example.com/realms/ops', undefined],
    ['http://127.0.0.1:8080/jwks', undefined],
    ['http://localhost:8080', undefined],
    ['http://[::1]:8080/keys', undefined],
    [
      'http://idp.example.com',
      '--x: "http://idp.example.com" must be https (plain http only on loopback)',
    ],
    [
      'http://10.0.0.1/keys',
      '--x: "http://10.0.0.1/keys" must be https (plain http only on loopback)',
    ],
    ['idp.example.com', '--x: "idp.example.com" is not an absolute https URL'],
    ['ftp://idp.example.com', '--x: "ftp://idp.example.com" is not an absolute https URL'],
    ['https://u:p@idp.example.com', '--x: the URL must hold no credentials'],
    ['https://idp.example.com/?a=b', '--x: the URL must have no query or fragment'],
  ])('%s → %s', (url, want) => {
    expect(oidcUrlProblem(url, '--x')).toBe(want);
  });

  const NONE: OidcOptions = {
    issuer: undefined,
    audience: undefined,
    jwksUrl: undefined,
    scopeClaim: 'groups',
    usernameClaim: 'sub',
    scopeMap: undefined,
  };
  const flag = (o: string): string => `--${o}`;

  it.each<{ name: string; options: Partial<OidcOptions>; problems: string[]; on: boolean }>([
    { name: 'nothing set: off', options: {}, problems: [], on: false },
    {
      name: 'all three set',
      options: { issuer: 'https://idp.example.com', audience: 'gitfleet', scopeMap: MAP },
      problems: [],
      on: true,
    },
    {
      name: 'an issuer alone',
      options: { issuer: 'https://idp.example.com' },
      problems: [
        'OIDC needs --issuer, --audience and --scopeMap together: --audience and --scopeMap are not set',
      ],
      on: false,
    },
    {
      name: 'a JWKS URL alone, over http, and an empty audience',
      options: { jwksUrl: 'http://keys.example.com', audience: '' },
      problems: [
        'OIDC needs --issuer, --audience and --scopeMap together: --issuer and --scopeMap are not set',
        '--jwksUrl: "http://keys.example.com" must be https (plain http only on loopback)',
        '--audience: the audience is empty',
      ],
      on: false,
    },
  ])('$name', ({ options, problems, on }) => {
    const r = oidcSettingsOf({ ...NONE, ...options }, flag);
    expect(r.problems).toEqual(problems);
    expect(r.settings !== undefined).toBe(on);
  });
});

describe('decideAccess with OIDC', () => {
  const op = 'POST /api/v1/rollout/command';
  it.each<{ name: string; authn: Authentication; want: AccessDecision }>([
    {
      name: 'a verified token with the scope',
      authn: { kind: 'identified', identity: { name: 'oidc:alice', scope: 'admin' } },
      want: { kind: 'allowed', identity: { name: 'oidc:alice', scope: 'admin' } },
    },
    {
      name: 'a verified token mapping to no scope',
      authn: { kind: 'unscoped', name: 'oidc:eve', missing: 'no group maps' },
      want: {
        kind: 'forbidden',
        identity: { name: 'oidc:eve' },
        message: `${op} needs a token of scope operate or admin; the token of oidc:eve grants no scope: no group maps`,
      },
    },
    {
      name: 'a token that does not verify',
      authn: { kind: 'rejected', reason: 'the token expired' },
      want: {
        kind: 'unauthenticated',
        invalidToken: true,
        message: `${op} needs a token of scope operate or admin: the bearer token is refused: the token expired`,
      },
    },
    {
      name: 'the keys out of reach',
      authn: { kind: 'unavailable', reason: 'the signing keys at https://k/ cannot be fetched' },
      want: {
        kind: 'unavailable',
        message: `${op}: the bearer token cannot be checked now: the signing keys at https://k/ cannot be fetched`,
      },
    },
  ])('$name', ({ authn, want }) => {
    expect(
      decideAccess({ operation: op, needed: 'operate', authentication: authn, configured: true }),
    ).toEqual(want);
  });

  it('an open route never looks at the token', () => {
    expect(
      decideAccess({
        operation: 'GET /healthz',
        needed: undefined,
        authentication: { kind: 'unavailable', reason: 'x' },
        configured: true,
      }),
    ).toEqual({ kind: 'open' });
  });
});
