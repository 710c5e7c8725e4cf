/**
 * Whether a request to the hub's HTTP API may proceed: who sent it (the bearer token of its
 * `Authorization` header, looked up by digest in constant time) and whether that identity's
 * scope grants what the route needs. A request without a usable token is unauthenticated (401),
 * one whose token lacks the scope is forbidden (403); the messages name the scope needed and
 * never echo the token. An OIDC token, verified by the HTTP adapter (./oidc.ts for its claims),
 * arrives here as its Authentication; one that cannot be checked for want of the issuer's keys
 * is unavailable (503).
 *
 * Pure: node:crypto hashes and compares, nothing else.
 */
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { grants, scopesGrantingText, type ApiScope } from './scopes.ts';
import type { ApiToken } from './tokens.ts';

/** Who a request acts as: the token's name and scope. */
export interface ApiIdentity {
  readonly name: string;
  readonly scope: ApiScope;
}

/** What the request's credentials say. */
export type Authentication =
  | { readonly kind: 'none' }
  /** An Authorization header that is not `Bearer <token>`. */
  | { readonly kind: 'malformed' }
  /** A bearer token that is no one's. */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'identified'; readonly identity: ApiIdentity }
  /** An OIDC token that does not verify (signature, issuer, audience, lifetime …). */
  | { readonly kind: 'rejected'; readonly reason: string }
  /** A verified OIDC token whose claims map to no scope: `missing` says what is missing. */
  | { readonly kind: 'unscoped'; readonly name: string; readonly missing: string }
  /** An OIDC token that cannot be checked now: the issuer's keys are out of reach. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Longest bearer token looked at; anything longer is no one's. */
export const MAX_BEARER_LENGTH = 8_192;

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive): `none` for
 * no header, `malformed` for any other form.
 */
export function bearerToken(
  header: string | undefined,
): { readonly token: string } | 'none' | 'malformed' {
  if (header === undefined || header === '') return 'none';
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (m?.[1] === undefined || m[1].length > MAX_BEARER_LENGTH) return 'malformed';
  return { token: m[1] };
}

/**
 * The holder of `token` among `tokens`, by SHA-256 digest. Every entry is compared (equal-length
 * digests, timingSafeEqual), so the time taken says nothing of which one matched or how close
 * the token came.
 */
export function identify(token: string, tokens: readonly ApiToken[]): ApiIdentity | undefined {
  const presented = createHash('sha256').update(token, 'utf8').digest();
  let found: ApiToken | undefined;
  for (const t of tokens) {
    const expected = Buffer.from(t.sha256, 'hex');
    const equal = expected.length === presented.length && timingSafeEqual(expected, presented);
    if (equal && found === undefined) found = t;
  }
  return found === undefined ? undefined : { name: found.name, scope: found.scope };
}

/** The Authentication of a request's Authorization header against the static tokens. */
export function authenticate(
  header: string | undefined,
  tokens: readonly ApiToken[],
): Authentication {
  const bearer = bearerToken(header);
  if (bearer === 'none' || bearer === 'malformed') return { kind: bearer };
  const identity = identify(bearer.token, tokens);
  return identity === undefined ? { kind: 'unknown' } : { kind: 'identified', identity };
}

export type AccessDecision =
  | { readonly kind: 'open' }
  | { readonly kind: 'allowed'; readonly identity: ApiIdentity }
  | { readonly kind: 'unauthenticated'; readonly message: string; readonly invalidToken: boolean }
  | {
      readonly kind: 'forbidden';
      /** Who was refused; without a scope for an OIDC token that maps to none. */
      readonly identity: { readonly name: string; readonly scope?: ApiScope };
      readonly message: string;
    }
  /** The credentials cannot be checked now (503): the message names what is out of reach. */
  | { readonly kind: 'unavailable'; readonly message: string };

export interface AccessRequest {
  /** `GET /api/v1/status`, for messages. */
  readonly operation: string;
  /** What the route needs; undefined: it is open. */
  readonly needed: ApiScope | undefined;
  readonly authentication: Authentication;
  /** Whether the hub accepts any token at all (static tokens or OIDC). */
  readonly configured: boolean;
}

/** Whether the request may proceed, and as whom. */
export function decideAccess(req: AccessRequest): AccessDecision {
  const { needed, authentication: authn, operation } = req;
  if (needed === undefined) return { kind: 'open' };
  const scopes = scopesGrantingText(needed);
  if (authn.kind === 'identified') {
    const { identity } = authn;
    if (grants(identity.scope, needed)) return { kind: 'allowed', identity };
    return {
      kind: 'forbidden',
      identity,
      message: `${operation} needs a token of scope ${scopes}; the token of ${identity.name} has scope ${identity.scope}`,
    };
  }
  if (authn.kind === 'unscoped') {
    return {
      kind: 'forbidden',
      identity: { name: authn.name },
      message: `${operation} needs a token of scope ${scopes}; the token of ${authn.name} grants no scope: ${authn.missing}`,
    };
  }
  if (authn.kind === 'unavailable') {
    return {
      kind: 'unavailable',
      message: `${operation}: the bearer token cannot be checked now: ${authn.reason}`,
    };
  }
  if (!req.configured) {
    return {
      kind: 'unauthenticated',
      invalidToken: false,
      message: `${operation} needs a token of scope ${scopes}, and this hub accepts none: start it with --api-tokens-file`,
    };
  }
  const why =
    authn.kind === 'none'
      ? 'send Authorization: Bearer <token>'
      : authn.kind === 'malformed'
        ? 'the Authorization header is not Bearer <token>'
        : authn.kind === 'rejected'
          ? `the bearer token is refused: ${authn.reason}`
          : 'the bearer token is not one this hub accepts';
  return {
    kind: 'unauthenticated',
    invalidToken: authn.kind !== 'none',
    message: `${operation} needs a token of scope ${scopes}: ${why}`,
  };
}
