/**
 * OIDC bearer tokens of the HTTP API, the adapter: a JWT is verified with `jose` against the
 * issuer's published keys (its JWKS) — signature (RS256, ES256 or EdDSA only), `iss`, `aud`,
 * `exp` (required) and `nbf` with 30 s of clock tolerance — and its claims become an identity
 * and a scope (../core/api-access/oidc.ts).
 *
 * The JWKS URL is `--oidc-jwks-url`, or the `jwks_uri` of the issuer's discovery document
 * (`<issuer>/.well-known/openid-configuration`), read at the first token and kept; a document
 * naming another issuer, or a plain-http `jwks_uri` off loopback, is refused. The keys are
 * cached and fetched again after 10 minutes, or when a token names a key not in the cache (at
 * most once per cooldown): a key the issuer rotates in is taken up without a restart.
 *
 * Keys out of reach (the IdP down, an answer other than 200, a timeout) are `unavailable` (503,
 * naming the URL), logged once per outage; static tokens are unaffected. Nothing of a token is
 * ever logged or returned.
 */
import type { Logger } from '@gitfleet/proto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import {
  OIDC_ALGORITHMS,
  OIDC_CLOCK_TOLERANCE_S,
  discoveryUrl,
  oidcAuthentication,
  oidcUrlProblem,
  rejectionReason,
  type Authentication,
  type OidcSettings,
} from '../core/api-access/index.ts';

/** Checks an OIDC bearer token (the HTTP server's view of {@link OidcVerifier}). */
export interface OidcAuthenticator {
  authenticate(token: string): Promise<Authentication>;
}

export interface OidcVerifierOptions {
  /** Least time between two fetches of the keys for a token naming an unknown key. */
  readonly cooldownMs?: number;
  /** How long a fetch of the discovery document or the keys may take. */
  readonly timeoutMs?: number;
  /** How long fetched keys are used before they are fetched again. */
  readonly cacheMaxAgeMs?: number;
}

const DEFAULTS = { cooldownMs: 5_000, timeoutMs: 5_000, cacheMaxAgeMs: 600_000 } as const;

/** Keys or discovery out of reach: `reason` names the URL and what went wrong. */
class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

/** What went wrong fetching, in words (no response body, no token). */
function fetchProblem(err: unknown, timeoutMs: number): string {
  if (err instanceof errors.JWKSTimeout || (err instanceof Error && err.name === 'TimeoutError'))
    return `no answer within ${String(timeoutMs)} ms`;
  if (err instanceof Error) {
    const cause: unknown = err.cause;
    const code =
      typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
    return typeof code === 'string' ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export class OidcVerifier implements OidcAuthenticator {
  private readonly opts: Required<OidcVerifierOptions>;
  private keys: { readonly url: string; readonly getKey: JWTVerifyGetKey } | undefined;
  private discovering: Promise<string> | undefined;
  /** The URL whose outage was logged last; undefined: the keys were reachable. */
  private outage: string | undefined;

  private readonly settings: OidcSettings;
  private readonly deps: { readonly logger: Logger };

  constructor(
    settings: OidcSettings,
    deps: { readonly logger: Logger },
    options: OidcVerifierOptions = {},
  ) {
    this.settings = settings;
    this.deps = deps;
    this.opts = { ...DEFAULTS, ...options };
    if (settings.jwksUrl !== undefined) this.keys = this.keySet(settings.jwksUrl);
  }

  /** Where the keys come from, for the start log: the JWKS URL, or the discovery document. */
  get source(): string {
    return this.settings.jwksUrl ?? discoveryUrl(this.settings.issuer);
  }

  async authenticate(token: string): Promise<Authentication> {
    const { settings } = this;
    try {
      const keys = this.keys ?? (await this.discover());
      const { payload } = await jwtVerify(token, keys.getKey, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: OIDC_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      });
      this.reachable();
      return oidcAuthentication(payload, settings);
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        this.unreachable(err.message);
        return { kind: 'unavailable', reason: err.message };
      }
      // the keys answered: whatever failed is the token's
      this.reachable();
      return {
        kind: 'rejected',
        reason: rejectionReason(
          {
            code: err instanceof errors.JOSEError ? err.code : 'ERR_UNKNOWN',
            ...(err instanceof errors.JWTClaimValidationFailed ? { claim: err.claim } : {}),
          },
          settings,
        ),
      };
    }
  }

  /** The remote key set of `url`; a failure to fetch it is a KeysUnavailable. */
  private keySet(url: string): { readonly url: string; readonly getKey: JWTVerifyGetKey } {
    const remote = createRemoteJWKSet(new URL(url), {
      cooldownDuration: this.opts.cooldownMs,
      timeoutDuration: this.opts.timeoutMs,
      cacheMaxAge: this.opts.cacheMaxAgeMs,
    });
    const getKey: JWTVerifyGetKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        // no key for the token (after a fetch, if not cooling down) is the token's problem
        if (
          err instanceof errors.JWKSNoMatchingKey ||
          err instanceof errors.JWKSMultipleMatchingKeys ||
          err instanceof errors.JOSENotSupported
        )
          throw err;
        throw new KeysUnavailable(
          `the signing keys at ${url} cannot be fetched: ${fetchProblem(err, this.opts.timeoutMs)}`,
        );
      }
    };
    return { url, getKey };
  }

  /** The key set of the discovered `jwks_uri`; one fetch at a time, kept once it succeeds. */
  private async discover(): Promise<{ readonly url: string; readonly getKey: JWTVerifyGetKey }> {
    this.discovering ??= this.readDiscovery().finally(() => {
      this.discovering = undefined;
    });
    const url = await this.discovering;
    this.keys ??= this.keySet(url);
    return this.keys;
  }

  private async readDiscovery(): Promise<string> {
    const url = discoveryUrl(this.settings.issuer);
    const fail = (why: string): KeysUnavailable =>
      new KeysUnavailable(`the discovery document ${url} cannot be used: ${why}`);
    let doc: unknown;
    try {
      const res = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw fail(`it answered HTTP ${String(res.status)}, not 200`);
      }
      doc = await res.json();
    } catch (err) {
      if (err instanceof KeysUnavailable) throw err;
      throw fail(err instanceof SyntaxError ? 'not JSON' : fetchProblem(err, this.opts.timeoutMs));
    }
    if (!isObject(doc)) throw fail('not a JSON object');
    if (doc['issuer'] !== this.settings.issuer)
      throw fail(`it names another issuer than ${this.settings.issuer}`);
    const jwksUri = doc['jwks_uri'];
    if (typeof jwksUri !== 'string') throw fail('it has no jwks_uri');
    const problem = oidcUrlProblem(jwksUri, 'its jwks_uri');
    if (problem !== undefined) throw fail(problem);
    this.deps.logger.info('oidc keys discovered', {
      issuer: this.settings.issuer,
      jwksUrl: jwksUri,
    });
    return jwksUri;
  }

  private unreachable(reason: string): void {
    if (this.outage === reason) return;
    this.outage = reason;
    this.deps.logger.warn('oidc tokens cannot be checked: the issuer keys are out of reach', {
      issuer: this.settings.issuer,
      reason,
    });
  }

  private reachable(): void {
    if (this.outage === undefined) return;
    this.outage = undefined;
    this.deps.logger.info('oidc issuer keys are reachable again', { issuer: this.settings.issuer });
  }
}
