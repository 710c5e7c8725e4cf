/**
 * The scopes of the hub's HTTP API and what each route needs. A scope is held by a bearer token
 * (./tokens.ts); the scopes are ordered, each one granting the ones below it:
 *
 * - `read`: every GET route of `/api/v1` (status, drift, diffs, rollouts, the OpenAPI document);
 * - `operate`: also the routes that change state (rollout commands);
 * - `admin`: everything.
 *
 * Pure.
 */

export const ApiScope = { Read: 'read', Operate: 'operate', Admin: 'admin' } as const;
export type ApiScope = (typeof ApiScope)[keyof typeof ApiScope];

/** Every scope, weakest first. */
export const API_SCOPES: readonly ApiScope[] = [ApiScope.Read, ApiScope.Operate, ApiScope.Admin];

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

/** Whether a token of scope `held` may call a route that needs `needed`. */
export function grants(held: ApiScope, needed: ApiScope): boolean {
  return API_SCOPES.indexOf(held) >= API_SCOPES.indexOf(needed);
}

/** The scopes that grant `needed`, weakest first (`operate, admin` for operate). */
export function scopesGranting(needed: ApiScope): ApiScope[] {
  return API_SCOPES.filter((s) => grants(s, needed));
}

/** The scopes granting `needed` as words: `read, operate or admin`, `operate or admin`, `admin`. */
export function scopesGrantingText(needed: ApiScope): string {
  const all = scopesGranting(needed);
  const last = all.pop() ?? needed;
  return all.length === 0 ? last : `${all.join(', ')} or ${last}`;
}

/**
 * Who may call a route: anyone (`open`: health, readiness, the webhook with its own signature),
 * a token of a scope, or `metrics`: open unless the hub asks a read token for it
 * (`--metrics-auth read`).
 */
export type RouteAccess = ApiScope | 'open' | 'metrics';

/** Whether `/metrics` needs a token: `open` (default) or `read`. */
export const MetricsAuth = { Open: 'open', Read: 'read' } as const;
export type MetricsAuth = (typeof MetricsAuth)[keyof typeof MetricsAuth];

/** The scope a request to a route of that access needs; undefined: none (open). */
export function requiredScope(access: RouteAccess, metricsAuth: MetricsAuth): ApiScope | undefined {
  if (access === 'open') return undefined;
  if (access === 'metrics') return metricsAuth === MetricsAuth.Read ? ApiScope.Read : undefined;
  return access;
}
