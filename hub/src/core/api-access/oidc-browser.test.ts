import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OIDC_SCOPES,
  authConfigOf,
  oidcBrowserClientOf,
  parseOidcScopes,
  uiConnectSources,
  type AuthConfig,
  type OidcBrowserOptions,
} from './oidc-browser.ts';
import type { OidcSettings } from './oidc-settings.ts';

const FLAGS = {
  clientId: '--oidc-client-id',
  scopes: '--oidc-scopes',
  issuer: '--oidc-issuer',
  audience: '--oidc-audience',
} as const;
const flag = (o: keyof typeof FLAGS): string => FLAGS[o];

describe('parseOidcScopes', () => {
  it.each<{ value: string; want: ReturnType<typeof parseOidcScopes> }>([
    { value: 'openid email', want: { scopes: ['openid', 'email'] } },
    { value: ' openid,groups  profile ,', want: { scopes: ['openid', 'groups', 'profile'] } },
    { value: 'openid openid email', want: { scopes: ['openid', 'email'] } },
    { value: 'openid api://gitfleet/read', want: { scopes: ['openid', 'api://gitfleet/read'] } },
    {
      value: 'email profile',
      want: { problem: 'the scopes must include openid (the sign-in uses the ID token)' },
    },
    {
      value: '',
      want: { problem: 'the scopes must include openid (the sign-in uses the ID token)' },
    },
    {
      value: 'openid "groups"',
      want: { problem: '"\\"groups\\"" is not a scope (printable, no quotes or spaces)' },
    },
    {
      value: 'openid a\\b',
      want: { problem: '"a\\\\b" is not a scope (printable, no quotes or spaces)' },
    },
    {
      value: ['openid', ...Array.from({ length: 32 }, (_, i) => `s${String(i)}`)].join(' '),
      want: { problem: '33 scopes: at most 32' },
    },
  ])('$value', ({ value, want }) => {
    expect(parseOidcScopes(value)).toEqual(want);
  });

  it('the default scopes parse as themselves', () => {
    expect(parseOidcScopes(DEFAULT_OIDC_SCOPES.join(' '))).toEqual({ scopes: DEFAULT_OIDC_SCOPES });
  });
});

describe('oidcBrowserClientOf', () => {
  const on = { on: true, settings: { audience: 'gitfleet-ui' } };
  const opts = (o: Partial<OidcBrowserOptions>): OidcBrowserOptions => ({
    clientId: undefined,
    scopes: DEFAULT_OIDC_SCOPES,
    scopesSet: false,
    ...o,
  });

  it.each<{
    name: string;
    o: OidcBrowserOptions;
    oidc: Parameters<typeof oidcBrowserClientOf>[1];
    want: ReturnType<typeof oidcBrowserClientOf>;
  }>([
    {
      name: 'unset: no client, no problem',
      o: opts({}),
      oidc: on,
      want: { client: undefined, problems: [] },
    },
    {
      name: 'unset with OIDC off: no client, no problem',
      o: opts({}),
      oidc: { on: false, settings: undefined },
      want: { client: undefined, problems: [] },
    },
    {
      name: 'the audience: a client with the scopes',
      o: opts({ clientId: 'gitfleet-ui', scopes: ['openid', 'email'], scopesSet: true }),
      oidc: on,
      want: { client: { clientId: 'gitfleet-ui', scopes: ['openid', 'email'] }, problems: [] },
    },
    {
      name: 'another id than the audience',
      o: opts({ clientId: 'web' }),
      oidc: on,
      want: {
        client: undefined,
        problems: [
          '--oidc-client-id: "web" is not the audience the hub accepts ("gitfleet-ui", --oidc-audience): an ID token names its client as its aud, so the client id must be that audience',
        ],
      },
    },
    {
      name: 'without OIDC',
      o: opts({ clientId: 'gitfleet-ui' }),
      oidc: { on: false, settings: undefined },
      want: {
        client: undefined,
        problems: [
          '--oidc-client-id needs OIDC: set --oidc-issuer, --oidc-audience and the scope map too',
        ],
      },
    },
    {
      name: 'OIDC with problems of its own: reported there, not twice',
      o: opts({ clientId: 'gitfleet-ui' }),
      oidc: { on: true, settings: undefined },
      want: { client: undefined, problems: [] },
    },
    {
      name: 'an empty id',
      o: opts({ clientId: '' }),
      oidc: on,
      want: { client: undefined, problems: ['--oidc-client-id: the client id is empty'] },
    },
    {
      name: 'scopes without a client',
      o: opts({ scopesSet: true }),
      oidc: on,
      want: {
        client: undefined,
        problems: ["--oidc-scopes is only used with --oidc-client-id (the web UI's OIDC sign-in)"],
      },
    },
  ])('$name', ({ o, oidc, want }) => {
    expect(oidcBrowserClientOf(o, oidc, flag)).toEqual(want);
  });
});

describe('authConfigOf', () => {
  const settings: Pick<OidcSettings, 'issuer' | 'browserClient'> = {
    issuer: 'https://idp.example.com/realms/ops',
    browserClient: { clientId: 'gitfleet-ui', scopes: ['openid', 'groups'] },
  };

  it.each<{
    name: string;
    settings: Pick<OidcSettings, 'issuer' | 'browserClient'> | undefined;
    want: AuthConfig;
  }>([
    { name: 'no OIDC', settings: undefined, want: {} },
    {
      name: 'OIDC tokens without a browser client',
      settings: { issuer: settings.issuer },
      want: {},
    },
    {
      name: 'OIDC with a browser client',
      settings,
      want: {
        oidc: {
          issuer: 'https://idp.example.com/realms/ops',
          clientId: 'gitfleet-ui',
          scopes: ['openid', 'groups'],
        },
      },
    },
  ])('$name', ({ settings: s, want }) => {
    expect(authConfigOf(s)).toStrictEqual(want);
  });
});

describe('uiConnectSources', () => {
  const client = { clientId: 'gitfleet-ui', scopes: ['openid'] };
  it.each<{
    name: string;
    settings: Pick<OidcSettings, 'issuer' | 'browserClient'> | undefined;
    want: readonly string[];
  }>([
    { name: 'no OIDC', settings: undefined, want: [] },
    { name: 'no browser client', settings: { issuer: 'https://idp.example.com' }, want: [] },
    {
      name: 'the issuer origin, without its path',
      settings: { issuer: 'https://idp.example.com:8443/realms/ops', browserClient: client },
      want: ['https://idp.example.com:8443'],
    },
    {
      name: 'a loopback issuer',
      settings: { issuer: 'http://127.0.0.1:5556/dex', browserClient: client },
      want: ['http://127.0.0.1:5556'],
    },
  ])('$name', ({ settings, want }) => {
    expect(uiConnectSources(settings)).toEqual(want);
  });
});
