/**
 * Mapping of fetch failures (isomorphic-git errors, Node network errors, our own limits) to
 * GitfleetErrors whose messages name the repository (without credentials), say what happened,
 * that the last fetched commits stay in use, and what to do. Pure; no secret ever gets through:
 * every text taken from the failure is scrubbed, and the original error is replaced by a
 * scrubbed copy as the cause.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { scrubSecrets } from './repo-url.ts';

export interface FetchErrorContext {
  /** The repository URL without credentials. */
  readonly url: string;
  /** Whether credentials were configured for the repository. */
  readonly hasToken: boolean;
  /** Texts that must not appear in the error (token, Basic header value…). */
  readonly secrets: readonly string[];
  /**
   * Which credentials were sent, for messages (e.g. the repository credentials entry and where
   * it is defined); never the secret.
   */
  readonly credentials?: string;
  /** Set when the fetch was aborted by its deadline. */
  readonly timedOutAfterMs?: number;
}

const KEPT = 'the last fetched commits stay in use';
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
]);

export function toFetchError(err: unknown, ctx: FetchErrorContext): GitfleetError {
  if (err instanceof GitfleetError) return err;
  const scrub = (s: string): string => scrubSecrets(s, ctx.secrets);
  const subject = `Git repository ${ctx.url}`;
  const details = { repo: ctx.url };
  const cause = scrubbedCopy(err, scrub);
  if (ctx.timedOutAfterMs !== undefined) {
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `${subject}: fetch timed out after ${String(ctx.timedOutAfterMs)} ms; ${KEPT}; check that the Git host is reachable and responsive, or raise fetchTimeoutMs`,
      { cause, details },
    );
  }
  const code = stringProp(err, 'code');
  const status = httpStatus(err);
  if (code === 'UserCanceledError' || status === 401 || status === 403) {
    const sent = ctx.credentials === undefined ? '' : ` with ${ctx.credentials}`;
    const what =
      status === 403
        ? `the server refused access (HTTP 403)${sent}`
        : ctx.hasToken
          ? `the server rejected the credentials (HTTP 401)${ctx.credentials === undefined ? '' : ` of ${ctx.credentials}`}`
          : 'the server requires credentials (HTTP 401)';
    const fix = ctx.hasToken
      ? `check the token configured for this repository (value, expiry and read access)${ctx.credentials === undefined ? '' : `: the file of ${ctx.credentials}`}`
      : 'configure a token for this repository: an entry of --repo-creds-file whose urlPrefix matches this URL (docs/sources.md, Private repositories), or --fleet-token-file for the fleet repository';
    return new GitfleetError(ErrorCode.GitAuthFailed, `${subject}: ${what}; ${KEPT}; ${fix}`, {
      cause,
      terminal: true,
      details: {
        ...details,
        ...(status === undefined ? {} : { httpStatus: status }),
        ...(ctx.credentials === undefined ? {} : { credsEntry: ctx.credentials }),
      },
    });
  }
  if (status === 404) {
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `${subject}: not found (HTTP 404); ${KEPT}; check the URL (some hosts also answer 404 to a private repository without credentials)`,
      { cause, details: { ...details, httpStatus: status } },
    );
  }
  if (status !== undefined) {
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `${subject}: the server answered HTTP ${String(status)}; ${KEPT}; the fetch is retried`,
      { cause, details: { ...details, httpStatus: status } },
    );
  }
  const message = scrub(err instanceof Error ? err.message : String(err));
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `${subject}: could not reach the Git host (${code}); ${KEPT}; check the host and the network, the fetch is retried`,
      { cause, details },
    );
  }
  if (code === 'SmartHttpError' || code === 'EmptyServerResponseError' || code === 'ParseError') {
    return new GitfleetError(
      ErrorCode.GitFetchFailed,
      `${subject}: the server did not answer as a Git smart-HTTP server (${message}); ${KEPT}; check that the URL is a Git clone URL`,
      { cause, details },
    );
  }
  return new GitfleetError(
    ErrorCode.GitFetchFailed,
    `${subject}: fetch failed: ${message}; ${KEPT}; the fetch is retried`,
    { cause, details },
  );
}

/** The HTTP status of an isomorphic-git HttpError, if it is one. */
export function httpStatus(err: unknown): number | undefined {
  if (stringProp(err, 'code') !== 'HttpError') return undefined;
  const data: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'data') : {};
  const status: unknown =
    typeof data === 'object' && data !== null ? Reflect.get(data, 'statusCode') : undefined;
  return typeof status === 'number' ? status : undefined;
}

export function stringProp(err: unknown, key: string): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const v: unknown = Reflect.get(err, key);
  return typeof v === 'string' ? v : undefined;
}

/** An Error with the same name, code and (scrubbed) message, and nothing else (no data, no headers). */
function scrubbedCopy(err: unknown, scrub: (s: string) => string): Error {
  const copy = new Error(scrub(err instanceof Error ? err.message : String(err)));
  copy.name = err instanceof Error ? err.name : 'Error';
  const code = stringProp(err, 'code');
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}
