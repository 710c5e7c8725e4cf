/**
 * Pagination of the hub's list endpoints, like the Kubernetes API: `?limit=N` and an opaque
 * `continue` token. Pure. Every list has a stable order given by a sort key per item (target,
 * then app, then object…); the token is the base64url of the last returned item's key, and the
 * next page starts after that key. Items added or removed between two pages therefore never
 * shift the rest: each item that exists throughout a walk is returned exactly once.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';

/** Items per page when `limit` is not given. */
export const DEFAULT_LIMIT = 500;
/** The largest `limit` accepted. */
export const MAX_LIMIT = 5000;

/** One component of a sort key: strings compare by code point, numbers numerically. */
export type KeyPart = string | number;
export type SortKey = readonly KeyPart[];
/** The type of each component of a list's sort key (checked when a token is decoded). */
export type KeyShape = readonly ('string' | 'number')[];

export interface PageRequest {
  readonly limit: number;
  /** Return only items whose key is after this one (decoded from `continue`). */
  readonly after?: SortKey;
}

export interface PageMetadata {
  /** Present when more items remain: pass it back as `continue` to get the next page. */
  readonly continue?: string;
  /** Items in the whole list (all pages), with the request's filters applied. */
  readonly total: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly metadata: PageMetadata;
}

function invalid(parameter: string, message: string): GitfleetError {
  return new GitfleetError(ErrorCode.InvalidRequest, `query parameter ${parameter}: ${message}`, {
    terminal: true,
    details: { parameter },
  });
}

/** Total order on sort keys: component by component, a shorter prefix first. */
export function compareKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y || x === undefined || y === undefined) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    const xs = String(x);
    const ys = String(y);
    if (xs !== ys) return xs < ys ? -1 : 1;
  }
  return a.length - b.length;
}

export function encodeContinue(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The key inside a `continue` token, checked against the list's key shape (a token of another
 * list is refused).
 *
 * @throws GitfleetError INVALID_REQUEST naming `continue`
 */
export function decodeContinue(token: string, shape: KeyShape): SortKey {
  const bad = (): GitfleetError =>
    invalid('continue', 'is not a token this list returned (pass metadata.continue unchanged)');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== shape.length ||
    !parsed.every(
      (p: unknown, i) => typeof p === shape[i] && (typeof p !== 'number' || Number.isFinite(p)),
    )
  ) {
    throw bad();
  }
  return parsed as KeyPart[];
}

/**
 * `limit` and `continue` of a request (null: not given; "" counts as not given).
 *
 * @throws GitfleetError INVALID_REQUEST naming the parameter and what is allowed
 */
export function parsePageRequest(
  limit: string | null,
  token: string | null,
  shape: KeyShape,
): PageRequest {
  let n = DEFAULT_LIMIT;
  if (limit !== null && limit !== '') {
    n = /^[0-9]{1,9}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) {
      throw invalid(
        'limit',
        `${JSON.stringify(limit)} is not allowed: an integer from 1 to ${String(MAX_LIMIT)} (default ${String(DEFAULT_LIMIT)})`,
      );
    }
  }
  return token === null || token === ''
    ? { limit: n }
    : { limit: n, after: decodeContinue(token, shape) };
}

/**
 * One page of `items` in key order: at most `limit` items after `after`, the total, and a
 * `continue` token when more remain. Items with equal keys are one position (keys must be
 * unique for every item to be returned).
 */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => SortKey,
  req: PageRequest,
): Page<T> {
  const keyed = items
    .map((item) => ({ item, key: keyOf(item) }))
    .sort((a, b) => compareKeys(a.key, b.key));
  const { after } = req;
  let start = 0;
  if (after !== undefined) {
    // first item strictly after `after` (binary search: keyed is sorted)
    let lo = 0;
    let hi = keyed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keyed[mid];
      if (k !== undefined && compareKeys(k.key, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = keyed.slice(start, start + req.limit);
  const last = page.at(-1);
  const more = start + page.length < keyed.length;
  return {
    items: page.map((k) => k.item),
    metadata: {
      ...(more && last !== undefined ? { continue: encodeContinue(last.key) } : {}),
      total: keyed.length,
    },
  };
}
