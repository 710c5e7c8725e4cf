/**
 * The web UI's sign-in with the hub's OIDC issuer (docs/security.md, "Web UI sign-in with the
 * identity provider"): the authorization code flow of a public client with PKCE (S256), state
 * and nonce, done in the browser with oauth4webapi.
 *
 * 1. {@link startOidcSignIn}: the issuer's discovery document, a fresh code verifier, state and
 *    nonce kept in sessionStorage (this tab only, until the callback), then the browser goes to
 *    the authorization endpoint with redirect_uri `<origin>/ui/signin/callback`.
 * 2. {@link finishOidcSignIn} at the callback: the pending state is taken out of sessionStorage
 *    and the code out of the address bar (replaceState) first; then the response is checked
 *    against the state, the code exchanged at the token endpoint with the verifier, and the ID
 *    token checked (iss, aud, exp, nonce). The ID token is the bearer token of the session: the
 *    hub verifies its signature on every request.
 *
 * Nothing of it goes to localStorage; nothing secret stays in a URL.
 */
import * as oauth from 'oauth4webapi';
import type { AuthConfig } from '../../src/http/api/auth.ts';
import {
  CALLBACK_PATH,
  PENDING_KEY,
  allowsPlainHttp,
  authorizationUrl,
  parsePending,
  safeNext,
  type PendingSignIn,
} from './oidc-params.ts';

export type OidcConfig = NonNullable<AuthConfig['oidc']>;

/** The hub's sign-in options (`GET /api/v1/auth/config`, open). */
export async function fetchAuthConfig(): Promise<AuthConfig> {
  const res = await fetch('/api/v1/auth/config', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the hub's sign-in options: HTTP ${String(res.status)}`);
  return (await res.json()) as AuthConfig;
}

/** Plain http only to a loopback issuer (the hub refuses any other). */
function httpOptions(issuer: string): { [oauth.allowInsecureRequests]?: true } {
  return allowsPlainHttp(issuer) ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  const res = await oauth.discoveryRequest(url, { algorithm: 'oidc', ...httpOptions(issuer) });
  return oauth.processDiscoveryResponse(url, res);
}

/** Starts the sign-in: leaves the page for the issuer's authorization endpoint. */
export async function startOidcSignIn(config: OidcConfig, next: string): Promise<void> {
  const as = await discover(config.issuer);
  if (as.authorization_endpoint === undefined)
    throw new Error(`${config.issuer} names no authorization_endpoint in its discovery document`);
  // the page may connect to the issuer's origin only (the hub's content security policy)
  const origin = new URL(config.issuer).origin;
  if (as.token_endpoint === undefined || new URL(as.token_endpoint).origin !== origin)
    throw new Error(
      `the token endpoint of ${config.issuer} is not on its origin ${origin}: the web UI connects to that origin only`,
    );
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const pending: PendingSignIn = {
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: `${window.location.origin}${CALLBACK_PATH}`,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier,
    next: safeNext(next),
    startedAtMs: Date.now(),
  };
  const url = authorizationUrl(as.authorization_endpoint, {
    ...pending,
    scopes: config.scopes,
    codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
  });
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.href);
}

/** A failed sign-in in words: the issuer's error and description, or what did not hold. */
export function signInProblem(err: unknown): string {
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError)
    return `the issuer refused: ${err.error}${err.error_description === undefined ? '' : ` (${err.error_description})`}`;
  if (err instanceof TypeError && /fetch/i.test(err.message))
    return `the issuer cannot be reached (${err.message})`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Finishes the sign-in at the callback: the ID token and where to go. The pending state and the
 * code leave sessionStorage and the address bar before anything else, whatever follows.
 * @throws Error saying what failed (see {@link signInProblem})
 */
export async function finishOidcSignIn(): Promise<{
  readonly idToken: string;
  readonly next: string;
}> {
  const current = new URL(window.location.href);
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  window.history.replaceState(null, '', CALLBACK_PATH);
  const parsed = parsePending(raw, Date.now());
  if ('problem' in parsed) throw new Error(`${parsed.problem}: sign in again`);
  const { pending } = parsed;
  const as = await discover(pending.issuer);
  const client: oauth.Client = { client_id: pending.clientId };
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    pending.redirectUri,
    pending.codeVerifier,
    httpOptions(pending.issuer),
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const idToken = result.id_token;
  if (idToken === undefined) throw new Error('the issuer returned no ID token');
  return { idToken, next: pending.next };
}
