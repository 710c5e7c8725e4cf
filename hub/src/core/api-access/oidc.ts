/**
 * Who an OIDC bearer token speaks for, once its signature, issuer, audience and lifetime have
 * been verified (../../http/oidc.ts): the identity `oidc:<username claim>` with the highest scope
 * that the scope map grants to the values of the scope claim. A verified token whose claim values
 * map to no scope authenticates its holder but grants nothing (403, naming what is missing); a
 * token that does not verify is described by {@link rejectionReason} (401), without ever quoting
 * the token or its claims.
 *
 * Pure.
 */
import type { Authentication } from './access.ts';
import type { OidcSettings } from './oidc-settings.ts';
import { API_SCOPES, type ApiScope } from './scopes.ts';

/** Signature algorithms a token may use: asymmetric only (no `none`, no HMAC). */
export const OIDC_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

/** Leeway for `exp`, `nbf` and `iat` against the hub's clock. */
export const OIDC_CLOCK_TOLERANCE_S = 30;

/** Identities of OIDC tokens are `oidc:<username>`, never a static token's name. */
export const OIDC_IDENTITY_PREFIX = 'oidc:';

/** Longest username taken from a token. */
export const MAX_OIDC_USERNAME = 256;

/**
 * Whether a bearer token has the form of a compact JWS: three base64url parts separated by dots
 * (the last may be empty, as in an unsigned token, which is then refused by its algorithm).
 */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** The string values of a claim: a string is one value, a list gives its strings. */
function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The highest scope among `scopes`; undefined for none. */
function highest(scopes: readonly ApiScope[]): ApiScope | undefined {
  let best: ApiScope | undefined;
  for (const s of scopes)
    if (best === undefined || API_SCOPES.indexOf(s) > API_SCOPES.indexOf(best)) best = s;
  return best;
}

/** The Authentication of a verified token's claims. */
export function oidcAuthentication(
  claims: Readonly<Record<string, unknown>>,
  settings: Pick<OidcSettings, 'scopeClaim' | 'usernameClaim' | 'scopeMap'>,
): Authentication {
  const { scopeClaim, usernameClaim, scopeMap } = settings;
  const username = claims[usernameClaim];
  if (typeof username !== 'string' || username === '')
    return {
      kind: 'rejected',
      reason: `the token has no string claim "${usernameClaim}" naming its holder (--oidc-username-claim)`,
    };
  // the name is logged and recorded (a rollout command's `by`): printable, bounded
  if (
    username.length > MAX_OIDC_USERNAME ||
    [...username].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  )
    return {
      kind: 'rejected',
      reason: `the claim "${usernameClaim}" is no usable name (control characters, or over ${String(MAX_OIDC_USERNAME)} characters)`,
    };
  const name = `${OIDC_IDENTITY_PREFIX}${username}`;
  const values = claimValues(claims[scopeClaim]);
  const scope = highest(values.flatMap((v) => scopeMap.get(v) ?? []));
  if (scope !== undefined) return { kind: 'identified', identity: { name, scope } };
  return {
    kind: 'unscoped',
    name,
    missing:
      values.length === 0
        ? `the token has no claim "${scopeClaim}" (a string or a list of strings)`
        : `no value of its claim "${scopeClaim}" is in the scope map (--oidc-scope-map-file)`,
  };
}

/** What went wrong verifying a token, as the verifier reports it. */
export interface OidcFailure {
  /** jose's error code (`ERR_JWT_EXPIRED` …); anything else: the token is not a valid JWS. */
  readonly code: string;
  /** For a claim check: the claim (`iss`, `aud`, `nbf` …). */
  readonly claim?: string;
}

/** Why a token that does not verify is refused, in words that quote nothing of the token. */
export function rejectionReason(
  failure: OidcFailure,
  settings: Pick<OidcSettings, 'issuer' | 'audience'>,
): string {
  switch (failure.code) {
    case 'ERR_JWT_EXPIRED':
      return failure.claim === 'iat' ? 'the token was issued too long ago' : 'the token expired';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `the token's algorithm is not one of ${OIDC_ALGORITHMS.join(', ')}`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'the token is signed by a key the issuer does not publish';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the issuer publishes several keys matching the token: it must name one (kid)';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token signature does not verify';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      switch (failure.claim) {
        case 'iss':
          return `the token is not issued by ${settings.issuer} (--oidc-issuer)`;
        case 'aud':
          return `the token is not for the audience ${settings.audience} (--oidc-audience)`;
        case 'nbf':
          return 'the token is not valid yet (nbf)';
        case 'exp':
          return 'the token has no valid expiry (exp)';
        case 'iat':
          return 'the token is issued in the future (iat)';
        default:
          return `the token's claim ${failure.claim ?? '(unnamed)'} does not hold`;
      }
    default:
      return 'the token is not a valid signed JWT';
  }
}
