/**
 * The browser client of the web UI's OIDC sign-in (docs/security.md, "Web UI sign-in with the
 * identity provider"): a public client of the hub's OIDC issuer (authorization code with PKCE, no
 * secret) whose ID token the UI then sends as its bearer token. Since the hub accepts only tokens
 * naming its audience, and an ID token names the client it was issued to as its `aud`, the
 * client id must be that audience.
 *
 * The UI learns the issuer, the client id and the scopes to ask from the open route
 * `GET /api/v1/auth/config` ({@link authConfigOf}); none of them is a secret.
 *
 * Pure.
 */
import type { OidcBrowserClient, OidcSettings } from './oidc-settings.ts';

export type { OidcBrowserClient } from './oidc-settings.ts';

/**
 * Scopes asked by default: `openid` (an ID token), `email` and `profile` (the usual username
 * claims) and `groups` (the claim the scope map reads by default; issuers that do not know the
 * scope leave it out).
 */
export const DEFAULT_OIDC_SCOPES: readonly string[] = ['openid', 'email', 'profile', 'groups'];

/** A scope token of RFC 6749 §3.3: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/**
 * The scopes of a space- or comma-separated list, or why it is none: each a valid scope token,
 * `openid` among them (without it there is no ID token), at most 32, duplicates dropped.
 */
export function parseOidcScopes(
  value: string,
): { readonly scopes: readonly string[] } | { readonly problem: string } {
  const scopes = [...new Set(value.split(/[\s,]+/).filter((s) => s !== ''))];
  const bad = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (bad !== undefined)
    return { problem: `${JSON.stringify(bad)} is not a scope (printable, no quotes or spaces)` };
  if (scopes.length > 32) return { problem: `${String(scopes.length)} scopes: at most 32` };
  if (!scopes.includes('openid'))
    return { problem: 'the scopes must include openid (the sign-in uses the ID token)' };
  return { scopes };
}

/** The browser client options as read from flags (clientId undefined: unset). */
export interface OidcBrowserOptions {
  readonly clientId: string | undefined;
  readonly scopes: readonly string[];
  /** Whether the scopes were set (not the default). */
  readonly scopesSet: boolean;
}

/**
 * The browser client of the options, or the problems: it needs OIDC (`settings`, undefined when
 * OIDC is off or has problems of its own), and its id must be the audience the hub accepts.
 * `oidcOn` tells an OIDC with problems (reported already) from no OIDC at all. `flag` names an
 * option for messages.
 */
export function oidcBrowserClientOf(
  o: OidcBrowserOptions,
  oidc: { readonly on: boolean; readonly settings: Pick<OidcSettings, 'audience'> | undefined },
  flag: (option: 'clientId' | 'scopes' | 'issuer' | 'audience') => string,
): { readonly client: OidcBrowserClient | undefined; readonly problems: readonly string[] } {
  if (o.clientId === undefined) {
    return {
      client: undefined,
      problems: o.scopesSet
        ? [`${flag('scopes')} is only used with ${flag('clientId')} (the web UI's OIDC sign-in)`]
        : [],
    };
  }
  if (!oidc.on)
    return {
      client: undefined,
      problems: [
        `${flag('clientId')} needs OIDC: set ${flag('issuer')}, ${flag('audience')} and the scope map too`,
      ],
    };
  if (o.clientId === '')
    return { client: undefined, problems: [`${flag('clientId')}: the client id is empty`] };
  const { settings } = oidc;
  // the other OIDC problems are reported already
  if (settings === undefined) return { client: undefined, problems: [] };
  if (o.clientId !== settings.audience)
    return {
      client: undefined,
      problems: [
        `${flag('clientId')}: "${o.clientId}" is not the audience the hub accepts ("${settings.audience}", ${flag('audience')}): an ID token names its client as its aud, so the client id must be that audience`,
      ],
    };
  return { client: { clientId: o.clientId, scopes: o.scopes }, problems: [] };
}

/** The body of `GET /api/v1/auth/config`: how the web UI may sign in besides an API token. */
export interface AuthConfig {
  /** Absent: no OIDC, or no browser client configured. */
  readonly oidc?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
  };
}

/** What the UI is told of sign-in: the issuer and browser client when both are configured. */
export function authConfigOf(
  settings: Pick<OidcSettings, 'issuer' | 'browserClient'> | undefined,
): AuthConfig {
  const client = settings?.browserClient;
  if (settings === undefined || client === undefined) return {};
  return {
    oidc: { issuer: settings.issuer, clientId: client.clientId, scopes: [...client.scopes] },
  };
}

/**
 * The origins the web UI's pages must be allowed to connect to besides their own (the
 * `connect-src` of its content security policy): the issuer's, for its discovery document and
 * token endpoint, when the browser client is configured; none otherwise.
 */
export function uiConnectSources(
  settings: Pick<OidcSettings, 'issuer' | 'browserClient'> | undefined,
): readonly string[] {
  if (settings?.browserClient === undefined) return [];
  const origin = URL.parse(settings.issuer)?.origin;
  return origin === undefined || origin === 'null' ? [] : [origin];
}
