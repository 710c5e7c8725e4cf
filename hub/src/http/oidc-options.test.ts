import { describe, expect, it } from 'vitest';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { loadHubConfig, type HubConfig } from '../config.ts';

const FILES: Record<string, string> = {
  '/t/tokens/edge.token': 'edge-agent-token-0123456789abcdef',
  '/t/scopes.yaml': '# groups\nplatform-admins: admin\nsre: operate\ndevs: read\n',
  '/t/bad-scopes.yaml': 'platform-admins: admin\nsre: write\ndevs read\nsre: read\n',
};
const BASE = [
  ...['--fleet-repo', 'https://git.example/fleet.git', '--insecure-plaintext'],
  ...['--allow-static-tokens', '--agent-tokens-dir', '/t/tokens'],
];
const OIDC = [
  ...['--oidc-issuer', 'https://idp.example.com/realms/ops'],
  ...['--oidc-audience', 'gitfleet', '--oidc-scope-map-file', '/t/scopes.yaml'],
];

function load(argv: readonly string[], env: NodeJS.ProcessEnv = {}): HubConfig {
  return loadHubConfig({
    argv: [...BASE, ...argv],
    env,
    readFile: (p) => {
      const f = FILES[p];
      if (f === undefined) throw new Error(`ENOENT: no such file ${p}`);
      return f;
    },
    readDir: () => ['edge.token'],
  });
}

function problems(argv: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    load(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(GitfleetError);
    expect((err as GitfleetError).code).toBe(ErrorCode.ConfigInvalid);
    return (err as GitfleetError).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('the OIDC options of the hub', () => {
  it('are off unless set', () => {
    expect(load([]).oidc).toBeUndefined();
  });

  it('make the settings, with the default claims and a discovered JWKS', () => {
    expect(load(OIDC).oidc).toEqual({
      issuer: 'https://idp.example.com/realms/ops',
      audience: 'gitfleet',
      jwksUrl: undefined,
      scopeClaim: 'groups',
      usernameClaim: 'sub',
      scopeMap: new Map([
        ['platform-admins', 'admin'],
        ['sre', 'operate'],
        ['devs', 'read'],
      ]),
    });
  });

  it('take the claims and the JWKS URL from flags or the environment', () => {
    const c = load(OIDC, {
      GITFLEET_OIDC_JWKS_URL: 'https://idp.example.com/keys',
      GITFLEET_OIDC_SCOPE_CLAIM: 'roles',
      GITFLEET_OIDC_USERNAME_CLAIM: 'email',
    });
    expect(c.oidc).toMatchObject({
      jwksUrl: 'https://idp.example.com/keys',
      scopeClaim: 'roles',
      usernameClaim: 'email',
    });
  });

  it('report every problem together: URLs, missing options, map lines, claim names', () => {
    const message = problems([
      ...['--oidc-issuer', 'http://idp.example.com'],
      ...['--oidc-jwks-url', 'https://user:pw@idp.example.com/keys'],
      ...['--oidc-scope-map-file', '/t/bad-scopes.yaml'],
      ...['--oidc-username-claim', 'e mail'],
    ]);
    for (const want of [
      '--oidc-username-claim: "e mail" is not a claim name (printable, no spaces)',
      '--oidc-scope-map-file: /t/bad-scopes.yaml:2: the scope of "sre" must be read, operate or admin, not "write"',
      '--oidc-scope-map-file: /t/bad-scopes.yaml:3: expected <claim value>: <scope>, e.g. platform-admins: admin',
      'OIDC needs --oidc-issuer, --oidc-audience and --oidc-scope-map-file together: --oidc-audience is not set',
      '--oidc-issuer: "http://idp.example.com" must be https (plain http only on loopback)',
      '--oidc-jwks-url: the URL must hold no credentials',
    ])
      expect(message).toContain(want);
    expect(message).not.toContain('pw@');
  });

  it('name an unreadable map file, and an option set by the environment by its variable', () => {
    const message = problems([], {
      GITFLEET_OIDC_ISSUER: 'ftp://idp.example.com',
      GITFLEET_OIDC_AUDIENCE: 'gitfleet',
      GITFLEET_OIDC_SCOPE_MAP_FILE: '/t/missing.yaml',
    });
    expect(message).toContain('GITFLEET_OIDC_SCOPE_MAP_FILE: cannot read /t/missing.yaml');
    expect(message).toContain(
      'GITFLEET_OIDC_ISSUER: "ftp://idp.example.com" is not an absolute https URL',
    );
    expect(message).not.toContain('together');
  });

  it('a loopback issuer may be plain http', () => {
    const c = load([...OIDC, '--oidc-issuer', 'http://127.0.0.1:5556/dex']);
    expect(c.oidc?.issuer).toBe('http://127.0.0.1:5556/dex');
  });
});

describe("the web UI's OIDC sign-in options", () => {
  const UI = [...OIDC, '--oidc-client-id', 'gitfleet'];

  it('are off unless --oidc-client-id is set', () => {
    expect(load(OIDC).oidc?.browserClient).toBeUndefined();
  });

  it('make a browser client of the audience, with the default scopes', () => {
    expect(load(UI).oidc?.browserClient).toEqual({
      clientId: 'gitfleet',
      scopes: ['openid', 'email', 'profile', 'groups'],
    });
  });

  it('take the scopes from a flag or the environment', () => {
    expect(load([...UI, '--oidc-scopes', 'openid,email roles']).oidc?.browserClient).toEqual({
      clientId: 'gitfleet',
      scopes: ['openid', 'email', 'roles'],
    });
    expect(load(UI, { GITFLEET_OIDC_SCOPES: 'openid groups' }).oidc?.browserClient?.scopes).toEqual(
      ['openid', 'groups'],
    );
  });

  it('report a client id other than the audience with every other problem', () => {
    const message = problems([
      ...OIDC,
      ...['--oidc-client-id', 'web', '--oidc-scopes', 'email'],
      ...['--oidc-username-claim', 'e mail'],
    ]);
    for (const want of [
      '--oidc-client-id: "web" is not the audience the hub accepts ("gitfleet", --oidc-audience)',
      '--oidc-scopes: the scopes must include openid',
      '--oidc-username-claim: "e mail" is not a claim name',
    ])
      expect(message).toContain(want);
  });

  it('refuse a client id without OIDC, and scopes without a client id', () => {
    expect(problems(['--oidc-client-id', 'gitfleet'])).toContain(
      '--oidc-client-id needs OIDC: set --oidc-issuer, --oidc-audience and the scope map too',
    );
    expect(problems([...OIDC], { GITFLEET_OIDC_SCOPES: 'openid' })).toContain(
      "GITFLEET_OIDC_SCOPES is only used with --oidc-client-id (the web UI's OIDC sign-in)",
    );
  });
});
