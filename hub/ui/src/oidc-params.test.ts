import { describe, expect, it } from 'vitest';
import {
  PENDING_MAX_AGE_MS,
  allowsPlainHttp,
  authorizationUrl,
  issuerLabel,
  parsePending,
  safeNext,
  type PendingSignIn,
} from './oidc-params.ts';

describe('issuerLabel', () => {
  it.each([
    ['https://idp.example.com/realms/ops', 'idp.example.com'],
    ['http://127.0.0.1:5556/dex', '127.0.0.1:5556'],
    ['https://login.example.com:8443', 'login.example.com:8443'],
    ['not a url', 'not a url'],
  ])('%s → %s', (issuer, want) => {
    expect(issuerLabel(issuer)).toBe(want);
  });
});

describe('safeNext', () => {
  it.each<[string | null | undefined, string]>([
    [undefined, '/ui/'],
    [null, '/ui/'],
    ['', '/ui/'],
    ['/ui/drift?app=web', '/ui/drift?app=web'],
    ['/ui/apps/web/edge', '/ui/apps/web/edge'],
    ['/ui', '/ui'],
    ['/ui/rollouts#wave', '/ui/rollouts'],
    ['https://evil.example.com/ui/', '/ui/'],
    ['//evil.example.com/ui/', '/ui/'],
    ['/ui/\\evil.example.com', '/ui/'],
    ['/api/v1/status', '/ui/'],
    ['/ui/signin', '/ui/'],
    ['/ui/signin/callback?code=x', '/ui/'],
    ['/ui/../api/v1/status', '/ui/'],
    ['javascript:alert(1)', '/ui/'],
  ])('%s → %s', (next, want) => {
    expect(safeNext(next)).toBe(want);
  });
});

describe('allowsPlainHttp', () => {
  it.each([
    ['http://127.0.0.1:5556', true],
    ['http://127.8.9.10', true],
    ['http://localhost:8080/realms/x', true],
    ['http://[::1]:5556', true],
    ['https://idp.example.com', false],
    ['http://10.0.0.1', false],
    ['http://127.0.0.1.evil.example.com', false],
    ['garbage', false],
  ])('%s → %s', (url, want) => {
    expect(allowsPlainHttp(url)).toBe(want);
  });
});

describe('authorizationUrl', () => {
  it('asks a code with PKCE S256, state and nonce, keeping the endpoint query', () => {
    const url = authorizationUrl('https://idp.example.com/auth?tenant=ops', {
      clientId: 'gitfleet-ui',
      redirectUri: 'https://hub.example.com/ui/signin/callback',
      scopes: ['openid', 'email', 'groups'],
      state: 'st',
      nonce: 'no',
      codeChallenge: 'ch',
    });
    expect(url.origin + url.pathname).toBe('https://idp.example.com/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'ops',
      response_type: 'code',
      client_id: 'gitfleet-ui',
      redirect_uri: 'https://hub.example.com/ui/signin/callback',
      scope: 'openid email groups',
      state: 'st',
      nonce: 'no',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});

describe('parsePending', () => {
  const pending: PendingSignIn = {
    issuer: 'https://idp.example.com',
    clientId: 'gitfleet-ui',
    redirectUri: 'https://hub.example.com/ui/signin/callback',
    state: 's',
    nonce: 'n',
    codeVerifier: 'v',
    next: '/ui/drift',
    startedAtMs: 1_000,
  };

  it.each<{
    name: string;
    raw: string | null;
    nowMs: number;
    want: ReturnType<typeof parsePending>;
  }>([
    { name: 'a fresh one', raw: JSON.stringify(pending), nowMs: 2_000, want: { pending } },
    {
      name: 'none',
      raw: null,
      nowMs: 2_000,
      want: { problem: 'no sign-in was started in this tab (or it was finished already)' },
    },
    {
      name: 'too old',
      raw: JSON.stringify(pending),
      nowMs: 1_000 + PENDING_MAX_AGE_MS + 1,
      want: { problem: 'the sign-in took over 10 minutes' },
    },
    {
      name: 'not JSON',
      raw: '{',
      nowMs: 2_000,
      want: { problem: 'the pending sign-in of this tab is unreadable' },
    },
    {
      name: 'a field missing',
      raw: JSON.stringify({ ...pending, nonce: undefined }),
      nowMs: 2_000,
      want: { problem: 'the pending sign-in of this tab is unreadable' },
    },
    {
      name: 'not an object',
      raw: '"x"',
      nowMs: 2_000,
      want: { problem: 'the pending sign-in of this tab is unreadable' },
    },
  ])('$name', ({ raw, nowMs, want }) => {
    expect(parsePending(raw, nowMs)).toEqual(want);
  });
});
