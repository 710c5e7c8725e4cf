/**
 * The pure parts of the web UI's OIDC sign-in (./oidc.ts): the callback path, what the sign-in
 * button names, which paths the sign-in may return to, when the issuer may be plain http, the
 * authorization request's URL, and the state a tab keeps between the redirect to the issuer and
 * the callback. No DOM: unit-tested beside (./oidc-params.test.ts).
 */

/** The redirect URI's path: the issuer sends the browser back to `<origin>/ui/signin/callback`. */
export const CALLBACK_PATH = '/ui/signin/callback';

/** A sign-in not finished within this is refused at the callback (start again). */
export const PENDING_MAX_AGE_MS = 10 * 60_000;

/** The sessionStorage key of the pending sign-in (one per tab; removed at the callback). */
export const PENDING_KEY = 'gitfleet-oidc-pending';

/** What the sign-in button names: the issuer's host (`idp.example.com`, `127.0.0.1:5556`). */
export function issuerLabel(issuer: string): string {
  return URL.parse(issuer)?.host ?? issuer;
}

/**
 * The path under /ui to return to after signing in: `next` when it is one (no other origin, no
 * `//` or `\` tricks, not the sign-in pages themselves), else the fleet grid.
 */
export function safeNext(next: string | null | undefined): string {
  const fallback = '/ui/';
  if (next === null || next === undefined || next === '') return fallback;
  if (!next.startsWith('/ui/') && next !== '/ui') return fallback;
  if (next.includes('\\') || next.startsWith('//')) return fallback;
  const u = URL.parse(next, 'http://ui.invalid');
  if (u === null || u.origin !== 'http://ui.invalid') return fallback;
  // checked again once `..` segments are resolved
  if (!u.pathname.startsWith('/ui/') && u.pathname !== '/ui') return fallback;
  if (u.pathname === '/ui/signin' || u.pathname.startsWith('/ui/signin/')) return fallback;
  return `${u.pathname}${u.search}`;
}

/** Whether the issuer is on loopback, where plain http is allowed (as the hub allows it). */
export function allowsPlainHttp(url: string): boolean {
  const u = URL.parse(url);
  if (u === null) return false;
  const h = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** What a tab keeps in sessionStorage from the redirect to the issuer until the callback. */
export interface PendingSignIn {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Where to go once signed in (a path under /ui). */
  readonly next: string;
  readonly startedAtMs: number;
}

const FIELDS = ['issuer', 'clientId', 'redirectUri', 'state', 'nonce', 'codeVerifier', 'next'];

/** The pending sign-in of its stored text, or why there is none to finish. */
export function parsePending(
  raw: string | null,
  nowMs: number,
): { readonly pending: PendingSignIn } | { readonly problem: string } {
  if (raw === null)
    return { problem: 'no sign-in was started in this tab (or it was finished already)' };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { problem: 'the pending sign-in of this tab is unreadable' };
  }
  if (typeof v !== 'object' || v === null)
    return { problem: 'the pending sign-in of this tab is unreadable' };
  const o = v as Record<string, unknown>;
  if (FIELDS.some((f) => typeof o[f] !== 'string') || typeof o['startedAtMs'] !== 'number')
    return { problem: 'the pending sign-in of this tab is unreadable' };
  const pending = o as unknown as PendingSignIn;
  if (nowMs - pending.startedAtMs > PENDING_MAX_AGE_MS)
    return {
      problem: `the sign-in took over ${String(PENDING_MAX_AGE_MS / 60_000)} minutes`,
    };
  return { pending };
}

/** The authorization request: code flow, PKCE S256, state and nonce. */
export function authorizationUrl(
  endpoint: string,
  p: {
    readonly clientId: string;
    readonly redirectUri: string;
    readonly scopes: readonly string[];
    readonly state: string;
    readonly nonce: string;
    readonly codeChallenge: string;
  },
): URL {
  const url = new URL(endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', p.scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('nonce', p.nonce);
  url.searchParams.set('code_challenge', p.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}
