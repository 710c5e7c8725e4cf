/**
 * The query check at the edge: known parameters only, each once, values as their schemas allow,
 * required ones present; every refusal names the parameter and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, isDnsLabel, isGitfleetError } from '@gitfleet/proto';
import { parseQuery } from './query.ts';
import type { Route } from './route.ts';
import { ROUTES } from './server.ts';

function routeOf(path: string): Route {
  const r = ROUTES.find((x) => x.path === path);
  if (r === undefined) throw new Error(`no route ${path}`);
  return r;
}

function refusal(path: string, query: string): string {
  try {
    parseQuery(new URLSearchParams(query), routeOf(path));
  } catch (err) {
    expect(isGitfleetError(err, ErrorCode.InvalidRequest)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`${path}?${query} was accepted`);
}

describe('parseQuery', () => {
  it.each<{ path: string; query: string; want: Record<string, string> }>([
    { path: '/api/v1/status', query: '', want: {} },
    {
      path: '/api/v1/status',
      query: 'target=edge&app=web&environment=prod&limit=5',
      want: { target: 'edge', app: 'web', environment: 'prod', limit: '5' },
    },
    // an empty value counts as absent (`?target=&app=` templates)
    { path: '/api/v1/status', query: 'target=&app=web', want: { app: 'web' } },
    {
      path: '/api/v1/drift',
      query: 'kind=Deployment&manager=kubectl-client-side-apply',
      want: { kind: 'Deployment', manager: 'kubectl-client-side-apply' },
    },
    { path: '/api/v1/history', query: 'target=a&app=b', want: { target: 'a', app: 'b' } },
  ])('$path?$query', ({ path, query, want }) => {
    expect(Object.fromEntries(parseQuery(new URLSearchParams(query), routeOf(path)))).toEqual(want);
  });

  it.each<{ path: string; query: string; message: string | RegExp }>([
    {
      path: '/api/v1/status',
      query: 'tagret=edge',
      message:
        'unknown query parameter tagret: /api/v1/status takes target, app, environment, limit, continue',
    },
    { path: '/api/v1/drift', query: 'x=1&y=2&x=3', message: /^unknown query parameters x, y: / },
    { path: '/healthz', query: 'verbose=1', message: /\/healthz takes none$/ },
    {
      path: '/api/v1/status',
      query: 'target=a&target=b',
      message: 'query parameter target: is given more than once',
    },
    {
      path: '/api/v1/status',
      query: 'app=Not_A_Label',
      message: 'query parameter app: "Not_A_Label" is not a valid app name (a DNS label)',
    },
    {
      path: '/api/v1/history',
      query: 'app=web',
      message: 'query parameter target: is required by /api/v1/history',
    },
    {
      path: '/api/v1/history',
      query: 'target=edge&app=',
      message: 'query parameter app: is required by /api/v1/history',
    },
  ])('refuses $path?$query', ({ path, query, message }) => {
    try {
      parseQuery(new URLSearchParams(query), routeOf(path));
      expect.unreachable();
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.InvalidRequest)).toBe(true);
      if (typeof message === 'string') expect((err as Error).message).toBe(message);
      else expect((err as Error).message).toMatch(message);
    }
  });
});

describe('parseQuery against the route schemas', () => {
  it.each<{ path: string; query: string; message: string }>([
    {
      path: '/api/v1/status',
      query: 'limit=ten',
      message:
        'query parameter limit: "ten" is not allowed: an integer from 1 to 5000 (default 500)',
    },
    {
      path: '/api/v1/status',
      query: 'limit=0',
      message: 'query parameter limit: "0" is not allowed: an integer from 1 to 5000 (default 500)',
    },
    {
      path: '/api/v1/drift',
      query: 'limit=5001',
      message:
        'query parameter limit: "5001" is not allowed: an integer from 1 to 5000 (default 500)',
    },
    {
      path: '/api/v1/rollout/command',
      query: 'app=web&command=restart',
      message:
        'query parameter command: "restart" is not one of pause, resume, abort, rollback, approve',
    },
    {
      path: '/api/v1/rollout/command',
      query: 'app=web',
      message: 'query parameter command: is required by /api/v1/rollout/command',
    },
    // the first refusal in the route's parameter order, a bad value before a missing one
    {
      path: '/api/v1/diff',
      query: 'target=Edge&revision=main',
      message: 'query parameter target: "Edge" is not a valid target name (a DNS label)',
    },
    // an unknown parameter is refused even when empty
    {
      path: '/api/v1/fleet',
      query: 'x=',
      message: 'unknown query parameter x: /api/v1/fleet takes none',
    },
  ])('refuses $path?$query', ({ path, query, message }) => {
    expect(refusal(path, query)).toBe(message);
  });

  it('names the parameter in the details', () => {
    try {
      parseQuery(new URLSearchParams('limit=-3'), routeOf('/api/v1/targets'));
      expect.unreachable();
    } catch (err) {
      expect(isGitfleetError(err, ErrorCode.InvalidRequest)).toBe(true);
      expect((err as { details: unknown }).details).toEqual({ parameter: 'limit' });
    }
  });

  it.each(['a', 'edge-1', '0', 'a'.repeat(63), 'Edge', '-a', 'a-', 'a'.repeat(64), 'a.b', 'a_b'])(
    'takes %j as a name exactly when isDnsLabel does',
    (name) => {
      let accepted = true;
      try {
        parseQuery(new URLSearchParams({ target: name }), routeOf('/api/v1/status'));
      } catch {
        accepted = false;
      }
      expect(accepted).toBe(isDnsLabel(name));
    },
  );
});
