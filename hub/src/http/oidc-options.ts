/**
 * The hub's OIDC options (part of the flag table HUB_FLAGS in ../config.ts) and the settings
 * they make together (../core/api-access/oidc-settings.ts): OIDC is on once `--oidc-issuer` is
 * set, and then needs `--oidc-audience` and `--oidc-scope-map-file`. `--oidc-client-id` adds
 * the web UI's sign-in with the issuer (../core/api-access/oidc-browser.ts).
 */
import { option, text, type ConfigValue, type ParseContext } from '@gitfleet/proto';
import {
  DEFAULT_OIDC_SCOPES,
  oidcBrowserClientOf,
  oidcSettingsOf,
  parseOidcScopes,
  parseScopeMap,
  type ApiScope,
  type OidcSettings,
} from '../core/api-access/index.ts';

/** A claim name: printable, no spaces. */
function claimName(raw: ConfigValue, ctx: ParseContext): string | undefined {
  if (/^[\x21-\x7e]{1,128}$/.test(raw.value)) return raw.value;
  ctx.problem(`${raw.from}: "${raw.value}" is not a claim name (printable, no spaces)`);
  return undefined;
}

export const OIDC_FLAGS = {
  oidcIssuer: option({
    flag: 'oidc-issuer',
    env: 'GITFLEET_OIDC_ISSUER',
    arg: 'URL',
    description:
      'accept OIDC bearer tokens (JWTs) on the HTTP API issued by this issuer: the exact iss of the tokens (https unless loopback)',
    defaultText: 'none (static API tokens only)',
    parse: text,
  }),
  oidcAudience: option({
    flag: 'oidc-audience',
    env: 'GITFLEET_OIDC_AUDIENCE',
    arg: 'AUD',
    description: 'the audience an OIDC token must name in its aud (required with --oidc-issuer)',
    defaultText: 'none',
    parse: text,
  }),
  oidcJwksUrl: option({
    flag: 'oidc-jwks-url',
    env: 'GITFLEET_OIDC_JWKS_URL',
    arg: 'URL',
    description: "the issuer's signing keys (JWKS; https unless loopback)",
    defaultText: 'the jwks_uri of <issuer>/.well-known/openid-configuration',
    parse: text,
  }),
  oidcScopeClaim: option({
    flag: 'oidc-scope-claim',
    env: 'GITFLEET_OIDC_SCOPE_CLAIM',
    arg: 'CLAIM',
    description:
      'the claim (a string or a list of strings) whose values --oidc-scope-map-file maps to scopes',
    default: 'groups',
    parse: claimName,
  }),
  oidcScopeMapFile: option({
    flag: 'oidc-scope-map-file',
    env: 'GITFLEET_OIDC_SCOPE_MAP_FILE',
    arg: 'PATH',
    description:
      'lines of <claim value>: <scope> (read, operate or admin), e.g. platform-admins: admin; a token gets the highest scope its values map to (required with --oidc-issuer)',
    defaultText: 'none',
    parse: (raw, ctx): ReadonlyMap<string, ApiScope> | undefined => {
      let content: string;
      try {
        content = ctx.readFile(raw.value);
      } catch (err) {
        ctx.problem(
          `${raw.from}: cannot read ${raw.value}: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      }
      const parsed = parseScopeMap(content, raw.value);
      parsed.problems.forEach((p) => ctx.problem(`${raw.from}: ${p}`));
      return parsed.problems.length === 0 ? parsed.map : undefined;
    },
  }),
  oidcUsernameClaim: option({
    flag: 'oidc-username-claim',
    env: 'GITFLEET_OIDC_USERNAME_CLAIM',
    arg: 'CLAIM',
    description: 'the claim naming the holder of an OIDC token (the identity is oidc:<value>)',
    default: 'sub',
    parse: claimName,
  }),
  oidcClientId: option({
    flag: 'oidc-client-id',
    env: 'GITFLEET_OIDC_CLIENT_ID',
    arg: 'ID',
    description:
      "the web UI's sign-in with the OIDC issuer: the id of a public client (authorization code with PKCE, redirect URI <hub URL>/ui/signin/callback); it must be --oidc-audience, the aud of its ID tokens",
    defaultText: 'none (the web UI signs in with an API token only)',
    parse: text,
  }),
  oidcScopes: option({
    flag: 'oidc-scopes',
    env: 'GITFLEET_OIDC_SCOPES',
    arg: 'SCOPE[ SCOPE…]',
    description:
      "the scopes the web UI's sign-in asks (space- or comma-separated, openid among them): enough for the issuer to put --oidc-username-claim and --oidc-scope-claim in the ID token",
    default: DEFAULT_OIDC_SCOPES,
    defaultText: DEFAULT_OIDC_SCOPES.join(' '),
    parse: (raw, ctx): readonly string[] | undefined => {
      const parsed = parseOidcScopes(raw.value);
      if ('problem' in parsed) {
        ctx.problem(`${raw.from}: ${parsed.problem}`);
        return undefined;
      }
      return parsed.scopes;
    },
  }),
};

type OidcValues = {
  readonly oidcIssuer: string | undefined;
  readonly oidcAudience: string | undefined;
  readonly oidcJwksUrl: string | undefined;
  readonly oidcScopeClaim: string;
  readonly oidcScopeMapFile: ReadonlyMap<string, ApiScope> | undefined;
  readonly oidcUsernameClaim: string;
  readonly oidcClientId: string | undefined;
  readonly oidcScopes: readonly string[];
};

/**
 * The OIDC settings of the read options (undefined: OIDC off), and the problems across them.
 * A scope map file with problems has been reported already and counts as set here.
 */
export function oidcConfig(
  v: OidcValues,
  from: Readonly<Partial<Record<keyof OidcValues, string>>>,
): { readonly settings: OidcSettings | undefined; readonly problems: readonly string[] } {
  const flags = {
    issuer: from.oidcIssuer ?? '--oidc-issuer',
    audience: from.oidcAudience ?? '--oidc-audience',
    jwksUrl: from.oidcJwksUrl ?? '--oidc-jwks-url',
    scopeMap: from.oidcScopeMapFile ?? '--oidc-scope-map-file',
    clientId: from.oidcClientId ?? '--oidc-client-id',
    scopes: from.oidcScopes ?? '--oidc-scopes',
  } as const;
  const oidc = oidcSettingsOf(
    {
      issuer: v.oidcIssuer,
      audience: v.oidcAudience,
      jwksUrl: v.oidcJwksUrl,
      scopeClaim: v.oidcScopeClaim,
      usernameClaim: v.oidcUsernameClaim,
      scopeMap: v.oidcScopeMapFile ?? (from.oidcScopeMapFile === undefined ? undefined : new Map()),
    },
    (o) => flags[o],
  );
  const browser = oidcBrowserClientOf(
    { clientId: v.oidcClientId, scopes: v.oidcScopes, scopesSet: from.oidcScopes !== undefined },
    {
      on: oidc.settings !== undefined || oidc.problems.length > 0,
      settings: oidc.settings,
    },
    (o) => flags[o],
  );
  const problems = [...oidc.problems, ...browser.problems];
  if (oidc.settings === undefined || browser.client === undefined || problems.length > 0)
    return { settings: oidc.settings, problems };
  return { settings: { ...oidc.settings, browserClient: browser.client }, problems };
}
