/**
 * The OpenAPI document cannot drift from the server: every route and query parameter of the
 * route table is documented, with the same required flags, and nothing is documented that the
 * server does not serve. Plus the query rules every route shares.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, isGitfleetError } from '@gitfleet/proto';
import { OPENAPI, type HttpMethod, type OpenApiOperation } from './openapi.ts';
import { danglingRefs, resolveRef } from './schema-check.ts';
import { ROUTES, parseQuery, type Route } from './server.ts';

const methodOf = (r: Route): HttpMethod => (r.method === 'GET' ? 'get' : 'post');

function operationOf(route: Route): OpenApiOperation | undefined {
  const item = Object.hasOwn(OPENAPI.paths, route.path) ? OPENAPI.paths[route.path] : undefined;
  return item?.[methodOf(route)];
}

function routeOf(path: string): Route {
  const r = ROUTES.find((x) => x.path === path);
  if (r === undefined) throw new Error(`no route ${path}`);
  return r;
}

describe('the route table and the OpenAPI document', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is documented with exactly its query parameters',
    (_name, route) => {
      const op = operationOf(route);
      expect(op, `${route.method} ${route.path} missing from OPENAPI.paths`).toBeDefined();
      const params = op?.parameters ?? [];
      expect(params.map((p) => p.name).sort()).toEqual([...route.query].sort());
      expect(
        params
          .filter((p) => p.required === true)
          .map((p) => p.name)
          .sort(),
      ).toEqual([...route.required].sort());
      expect(params.every((p) => p.in === 'query')).toBe(true);
      if (route.query.length > 0) expect(op?.responses['400']).toBeDefined();
    },
  );

  it('documents no route the server does not serve', () => {
    const served = new Set(ROUTES.map((r) => `${methodOf(r)} ${r.path}`));
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(documented.filter((d) => !served.has(d))).toEqual([]);
    expect(documented.length).toBe(ROUTES.length);
  });

  it('every list route is paginated and answers { items, metadata }', () => {
    const lists = ROUTES.filter((r) => r.query.includes('limit'));
    expect(lists.map((r) => r.path).sort()).toEqual([
      '/api/v1/applications',
      '/api/v1/drift',
      '/api/v1/environments',
      '/api/v1/history',
      '/api/v1/status',
      '/api/v1/targets',
    ]);
    for (const route of lists) {
      expect(route.query).toContain('continue');
      const schema = operationOf(route)?.responses['200']?.content?.['application/json']?.schema;
      const list = resolveRef(OPENAPI, schema?.$ref ?? '');
      expect(list.required).toEqual(['items', 'metadata']);
      expect(list.properties?.['metadata']).toEqual({ $ref: '#/components/schemas/ListMetadata' });
    }
  });

  it('operation ids are unique and every $ref resolves', () => {
    const ids = Object.values(OPENAPI.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(danglingRefs(OPENAPI)).toEqual([]);
    expect(OPENAPI.openapi).toBe('3.1.0');
  });
});

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
