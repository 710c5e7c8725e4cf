import { describe, expect, it } from 'vitest';
import {
  authenticate,
  bearerToken,
  decideAccess,
  identify,
  MAX_BEARER_LENGTH,
  type AccessDecision,
  type Authentication,
} from './access.ts';
import {
  grants,
  requiredScope,
  scopesGranting,
  scopesGrantingText,
  type ApiScope,
  type RouteAccess,
} from './scopes.ts';
import { tokenDigest, type ApiToken } from './tokens.ts';

const TOKENS: readonly ApiToken[] = [
  { name: 'reader', scope: 'read', sha256: tokenDigest('read-token-0123456789') },
  { name: 'ops', scope: 'operate', sha256: tokenDigest('operate-token-0123456789') },
  { name: 'root', scope: 'admin', sha256: tokenDigest('admin-token-0123456789') },
];

describe('scopes', () => {
  it.each<[ApiScope, ApiScope, boolean]>([
    ['read', 'read', true],
    ['read', 'operate', false],
    ['read', 'admin', false],
    ['operate', 'read', true],
    ['operate', 'operate', true],
    ['operate', 'admin', false],
    ['admin', 'read', true],
    ['admin', 'operate', true],
    ['admin', 'admin', true],
  ])('%s grants %s: %s', (held, needed, want) => {
    expect(grants(held, needed)).toBe(want);
  });

  it('names the scopes granting one, weakest first', () => {
    expect(scopesGranting('read')).toEqual(['read', 'operate', 'admin']);
    expect(scopesGranting('operate')).toEqual(['operate', 'admin']);
    expect(scopesGranting('admin')).toEqual(['admin']);
    expect(scopesGrantingText('read')).toBe('read, operate or admin');
    expect(scopesGrantingText('operate')).toBe('operate or admin');
    expect(scopesGrantingText('admin')).toBe('admin');
  });

  it.each<[RouteAccess, 'open' | 'read', ApiScope | undefined]>([
    ['open', 'read', undefined],
    ['read', 'open', 'read'],
    ['operate', 'open', 'operate'],
    ['admin', 'read', 'admin'],
    ['metrics', 'open', undefined],
    ['metrics', 'read', 'read'],
  ])('a route of access %s (metrics auth %s) needs %s', (access, metricsAuth, want) => {
    expect(requiredScope(access, metricsAuth)).toBe(want);
  });
});

describe('bearerToken', () => {
  it.each<[string | undefined, ReturnType<typeof bearerToken>]>([
    [undefined, 'none'],
    ['', 'none'],
    ['Bearer abc', { token: 'abc' }],
    ['bearer abc', { token: 'abc' }],
    ['BEARER  abc ', { token: 'abc' }],
    ['Basic YWxpY2U6cHc=', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer a b', 'malformed'],
    ['Bearer é', 'malformed'],
    [`Bearer ${'x'.repeat(MAX_BEARER_LENGTH + 1)}`, 'malformed'],
  ])('%j → %j', (header, want) => {
    expect(bearerToken(header)).toEqual(want);
  });
});

describe('identify and authenticate', () => {
  it('finds the holder of a token by its digest, and nobody for any other', () => {
    expect(identify('operate-token-0123456789', TOKENS)).toEqual({ name: 'ops', scope: 'operate' });
    expect(identify('operate-token-012345678', TOKENS)).toBeUndefined();
    expect(identify('', TOKENS)).toBeUndefined();
    expect(identify('read-token-0123456789', [])).toBeUndefined();
  });

  it.each<[string | undefined, Authentication]>([
    [undefined, { kind: 'none' }],
    ['Token x', { kind: 'malformed' }],
    ['Bearer nobodys-token', { kind: 'unknown' }],
    [
      'Bearer admin-token-0123456789',
      { kind: 'identified', identity: { name: 'root', scope: 'admin' } },
    ],
  ])('%j → %j', (header, want) => {
    expect(authenticate(header, TOKENS)).toEqual(want);
  });
});

describe('decideAccess', () => {
  const reader: Authentication = {
    kind: 'identified',
    identity: { name: 'reader', scope: 'read' },
  };
  const ops: Authentication = { kind: 'identified', identity: { name: 'ops', scope: 'operate' } };
  const op = 'POST /api/v1/rollout/command';

  it.each<{
    name: string;
    needed: ApiScope | undefined;
    authn: Authentication;
    configured?: boolean;
    want: AccessDecision;
  }>([
    {
      name: 'an open route, no token',
      needed: undefined,
      authn: { kind: 'none' },
      want: { kind: 'open' },
    },
    {
      name: 'an open route, a bad token',
      needed: undefined,
      authn: { kind: 'unknown' },
      want: { kind: 'open' },
    },
    {
      name: 'the scope held',
      needed: 'operate',
      authn: ops,
      want: { kind: 'allowed', identity: { name: 'ops', scope: 'operate' } },
    },
    {
      name: 'a stronger scope',
      needed: 'read',
      authn: ops,
      want: { kind: 'allowed', identity: { name: 'ops', scope: 'operate' } },
    },
    {
      name: 'a weaker scope',
      needed: 'operate',
      authn: reader,
      want: {
        kind: 'forbidden',
        identity: { name: 'reader', scope: 'read' },
        message: `${op} needs a token of scope operate or admin; the token of reader has scope read`,
      },
    },
    {
      name: 'no token',
      needed: 'operate',
      authn: { kind: 'none' },
      want: {
        kind: 'unauthenticated',
        invalidToken: false,
        message: `${op} needs a token of scope operate or admin: send Authorization: Bearer <token>`,
      },
    },
    {
      name: 'another scheme',
      needed: 'read',
      authn: { kind: 'malformed' },
      want: {
        kind: 'unauthenticated',
        invalidToken: true,
        message: `${op} needs a token of scope read, operate or admin: the Authorization header is not Bearer <token>`,
      },
    },
    {
      name: 'an unknown token',
      needed: 'admin',
      authn: { kind: 'unknown' },
      want: {
        kind: 'unauthenticated',
        invalidToken: true,
        message: `${op} needs a token of scope admin: the bearer token is not one this hub accepts`,
      },
    },
    {
      name: 'a hub without tokens',
      needed: 'read',
      authn: { kind: 'unknown' },
      configured: false,
      want: {
        kind: 'unauthenticated',
        invalidToken: false,
        message: `${op} needs a token of scope read, operate or admin, and this hub accepts none: start it with --api-tokens-file`,
      },
    },
  ])('$name', ({ needed, authn, configured, want }) => {
    expect(
      decideAccess({
        operation: op,
        needed,
        authentication: authn,
        configured: configured ?? true,
      }),
    ).toEqual(want);
  });
});
