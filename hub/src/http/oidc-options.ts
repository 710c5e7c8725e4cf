/**
 * The hub's OIDC options (part of the flag table HUB_FLAGS in ../config.ts) and the settings
 * they make together (../core/api-access/oidc-settings.ts): OIDC is on once `--oidc-issuer` is
 * set, and then needs `--oidc-audience` and `--oidc-scope-map-file`.
 */
import { option, text, type ConfigValue, type ParseContext } from '@gitfleet/proto';
import {
  oidcSettingsOf,
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
};

type OidcValues = {
  readonly oidcIssuer: string | undefined;
  readonly oidcAudience: string | undefined;
  readonly oidcJwksUrl: string | undefined;
  readonly oidcScopeClaim: string;
  readonly oidcScopeMapFile: ReadonlyMap<string, ApiScope> | undefined;
  readonly oidcUsernameClaim: string;
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
  } as const;
  return oidcSettingsOf(
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
}
