/**
 * The hub's HTTP API as the CLI uses it: GET with query parameters, lists followed page by page
 * through `metadata.continue`, and every failure turned into a CliError with the right exit code
 * (hub unreachable: 3; 404: 4; 400: 2; a refused API token, 401/403: 1; anything else: 1) and a
 * message that says what to do — for a refused token, which scope the request needs. Every
 * request carries the API token (`Authorization: Bearer …`) when one is given.
 */
import { TOKEN_HINT } from './api-token.ts';
import { CliError, ExitCode } from './errors.ts';

export const DEFAULT_HUB_URL = 'http://127.0.0.1:8080';
/** Items per page the CLI asks for (the hub's maximum is 5000). */
const PAGE_LIMIT = 1000;
/** A walk that needs more pages than this is a hub bug (a token that never ends). */
const MAX_PAGES = 10_000;

export interface HubClientOptions {
  /** Base URL of the hub (`http://hub:8080`). */
  readonly url: string;
  /** Deadline of each request. */
  readonly timeoutMs: number;
  /** The bearer token sent on every request. */
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

interface ErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly details?: { readonly scope?: unknown };
  };
}

interface ListBody<T> {
  readonly items: T[];
  readonly metadata: { readonly continue?: string; readonly total: number };
}

export type Query = Readonly<Record<string, string | undefined>>;

export interface RequestOptions {
  /** This request's deadline instead of the client's. */
  readonly timeoutMs?: number;
}

/**
 * Checks a hub URL: absolute http(s), no credentials, no query.
 *
 * @throws CliError exit 2
 */
export function checkHubUrl(raw: string, from: string): string {
  const u = URL.parse(raw);
  if (u === null || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new CliError(ExitCode.Usage, `${from}: ${JSON.stringify(raw)} is not an http(s) URL`, {
      details: ['give the hub base URL, e.g. --hub http://127.0.0.1:8080'],
    });
  }
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    throw new CliError(
      ExitCode.Usage,
      `${from}: the hub URL must have no credentials, query or fragment`,
      { details: ['give the hub base URL, e.g. --hub http://127.0.0.1:8080'] },
    );
  }
  return raw.replace(/\/+$/, '');
}

function causeText(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown }) : undefined;
  if (cause !== undefined && cause !== null) {
    if (typeof cause.code === 'string') return cause.code;
    if (typeof cause.message === 'string') return cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** What to do about a refused request (401, 403), naming the scope the hub asked for. */
function refusalHint(status: number, scope: unknown, sentToken: boolean): string {
  const needed = typeof scope === 'string' ? `a token of scope ${scope}` : 'an API token';
  if (status === 403)
    return `this needs ${needed} (or a stronger one): give such a token with ${TOKEN_HINT}`;
  return sentToken
    ? `check the API token: it must be one the hub accepts (its --api-tokens-file), of scope ${typeof scope === 'string' ? scope : 'read'} or stronger`
    : `give the hub ${needed}: ${TOKEN_HINT}`;
}

export class HubClient {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(opts: HubClientOptions) {
    this.url = opts.url;
    this.#timeoutMs = opts.timeoutMs;
    this.#token = opts.token;
    this.#fetch = opts.fetch ?? fetch;
  }

  /**
   * GET `path?query` (undefined values left out) and the parsed JSON body.
   *
   * @throws CliError exit 3 when the hub cannot be reached or does not answer in time, 4 on 404,
   *   2 on 400, 1 otherwise
   */
  get<T>(path: string, query: Query = {}, opts: RequestOptions = {}): Promise<T> {
    return this.#request<T>('GET', path, query, opts);
  }

  /**
   * POST `path?query` (with `body` as JSON, when given) and the parsed JSON body of a 2xx.
   *
   * @throws CliError as `get`
   */
  post<T>(path: string, query: Query, opts: RequestOptions = {}, body?: unknown): Promise<T> {
    return this.#request<T>('POST', path, query, opts, body);
  }

  async #request<T>(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    opts: RequestOptions,
    json?: unknown,
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    const url = `${this.url}${path}${qs === '' ? '' : `?${qs}`}`;
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const token = this.#token;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          accept: 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      throw new CliError(
        ExitCode.Unreachable,
        timedOut
          ? `the hub at ${this.url} did not answer within ${String(timeoutMs)} ms`
          : `cannot reach the hub at ${this.url} (${causeText(err)})`,
        {
          details: [
            'check that the hub runs and that --hub (or GITFLEET_HUB_URL) points at its HTTP address',
          ],
          cause: err,
        },
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(
        res.status >= 500 ? ExitCode.Failed : ExitCode.Unreachable,
        `${this.url}${path} answered ${String(res.status)} with something that is not JSON: is this a gitfleet hub?`,
        { details: ['check --hub (or GITFLEET_HUB_URL)'] },
      );
    }
    if (res.ok) return body as T;
    const err = (body as ErrorBody).error;
    const message = err?.message ?? `HTTP ${String(res.status)}`;
    if (res.status === 404) throw new CliError(ExitCode.NotFound, message);
    if (res.status === 400) throw new CliError(ExitCode.Usage, message);
    if (res.status === 401 || res.status === 403) {
      throw new CliError(
        ExitCode.Failed,
        `the hub refused the request (${String(res.status)}${err?.code === undefined ? '' : ` ${err.code}`}): ${message}`,
        { details: [refusalHint(res.status, err?.details?.scope, token !== undefined)] },
      );
    }
    throw new CliError(
      ExitCode.Failed,
      `the hub answered ${String(res.status)}${err?.code === undefined ? '' : ` ${err.code}`}: ${message}`,
    );
  }

  /** Every item of a paginated list, following `metadata.continue` to the end. */
  async list<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.get<ListBody<T>>(path, {
        ...query,
        limit: String(PAGE_LIMIT),
        ...(token === undefined ? {} : { continue: token }),
      });
      items.push(...body.items);
      token = body.metadata.continue;
      if (token === undefined) return items;
    }
    throw new CliError(ExitCode.Failed, `${path}: the hub never ended the list`);
  }
}
