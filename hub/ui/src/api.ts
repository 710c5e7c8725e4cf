/**
 * The UI's client of the hub's API (same origin): JSON GET and POST with the session's bearer
 * token, errors as {@link ApiError} with the API's code and message verbatim, lists followed
 * page by page. A 401 (a token revoked or rotated) signs out and brings the sign-in page back,
 * which returns here once signed in.
 */
import { navigate } from './router.ts';
import { currentSession, signOut } from './session.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

type Query = Record<string, string | undefined>;

/** `path` with the defined values of `query`. */
export function apiUrl(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

/** The request headers of the session (its bearer token). */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = currentSession()?.token ?? '';
  return token === '' ? extra : { ...extra, authorization: `Bearer ${token}` };
}

/** Signs out and opens the sign-in page, which returns to the current page. */
export function backToSignIn(): void {
  const here = `${window.location.pathname}${window.location.search}`;
  signOut();
  if (!window.location.pathname.startsWith('/ui/signin'))
    navigate(`/ui/signin?next=${encodeURIComponent(here)}`);
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; details?: unknown };
    };
    const e = body.error;
    if (e !== undefined && typeof e.code === 'string' && typeof e.message === 'string')
      return new ApiError(res.status, e.code, e.message, e.details);
  } catch {
    // not the API's error body
  }
  return new ApiError(
    res.status,
    `HTTP_${String(res.status)}`,
    text.trim() === '' ? `${res.url}: HTTP ${String(res.status)} ${res.statusText}` : text.trim(),
  );
}

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: authHeaders({
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, 'UNAVAILABLE', `the hub cannot be reached: ${(err as Error).message}`);
  }
  if (res.status === 401) {
    const e = await errorOf(res);
    backToSignIn();
    throw e;
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function apiGet<T>(path: string, query?: Query): Promise<T> {
  return request<T>('GET', apiUrl(path, query));
}

export function apiPost<T>(path: string, query?: Query, body?: unknown): Promise<T> {
  return request<T>('POST', apiUrl(path, query), body);
}

interface ListPage<T> {
  readonly items: readonly T[];
  readonly metadata?: { readonly continue?: string };
}

/** Every item of a list, following `metadata.continue` (5,000 per page). */
export async function apiGetAll<T>(path: string, query?: Query): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await apiGet<ListPage<T>>(path, { limit: '5000', ...query, continue: cont });
    out.push(...page.items);
    cont = page.metadata?.continue;
    if (cont === undefined || cont === '') return out;
  }
  throw new ApiError(0, 'LIMIT_EXCEEDED', `${path}: more than 1,000 pages`);
}
