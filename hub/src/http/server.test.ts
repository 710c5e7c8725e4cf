/**
 * The OpenAPI document cannot drift from the server: every route and query parameter of the
 * route table is documented, with the same required flags and security requirement, nothing is
 * documented that the server does not serve, and every schema in it compiles (every `$ref`
 * resolves). Every /api/v1 route needs a token: read to read, operate to change state.
 */
import { describe, expect, it } from 'vitest';
import { COMPONENTS_PREFIX, type HttpMethod, type OpenApiOperation } from './api/openapi.ts';
import { parameterNames, requiredNames } from './api/queries.ts';
import { DocumentValidator } from './api/validate.ts';
import type { Route } from './route.ts';
import { OPENAPI, ROUTES } from './server.ts';

const methodOf = (r: Route): HttpMethod => (r.method === 'GET' ? 'get' : 'post');

function operationOf(route: Route): OpenApiOperation | undefined {
  const item = Object.hasOwn(OPENAPI.paths, route.path) ? OPENAPI.paths[route.path] : undefined;
  return item?.[methodOf(route)];
}

function component(ref: string | undefined): Readonly<Record<string, unknown>> | undefined {
  const name = ref?.startsWith(COMPONENTS_PREFIX) ? ref.slice(COMPONENTS_PREFIX.length) : '';
  return Object.hasOwn(OPENAPI.components.schemas, name)
    ? OPENAPI.components.schemas[name]
    : undefined;
}

describe('the route table and the OpenAPI document', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is documented with exactly its query parameters',
    (_name, route) => {
      const op = operationOf(route);
      expect(op, `${route.method} ${route.path} missing from OPENAPI.paths`).toBeDefined();
      // path parameters: exactly the `{name}` segments of the path, each required
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pathParams = (op?.parameters ?? []).filter((p) => p.in === 'path');
      expect(pathParams.map((p) => p.name).sort()).toEqual(inPath.sort());
      expect(pathParams.every((p) => p.required === true)).toBe(true);
      const params = (op?.parameters ?? []).filter((p) => p.in !== 'path');
      expect(params.map((p) => p.name).sort()).toEqual(parameterNames(route.query).sort());
      expect(
        params
          .filter((p) => p.required === true)
          .map((p) => p.name)
          .sort(),
      ).toEqual(requiredNames(route.query).sort());
      expect(params.every((p) => p.in === 'query')).toBe(true);
      // every route refuses unknown query parameters
      expect(op?.responses['400']).toBeDefined();
    },
  );

  it('every /api/v1 route needs a token: read for GET, operate for POST (admin for agent identities); the rest is open', () => {
    const access = Object.fromEntries(ROUTES.map((r) => [`${r.method} ${r.path}`, r.access]));
    for (const r of ROUTES) {
      if (r.path.startsWith('/api/') && r.path !== '/api/v1/auth/config') {
        const post = r.path.startsWith('/api/v1/targets/{target}/') ? 'admin' : 'operate';
        expect(r.access, `${r.method} ${r.path}`).toBe(r.method === 'GET' ? 'read' : post);
        expect(operationOf(r)?.security).toEqual([{ bearerToken: [r.access] }]);
        expect(operationOf(r)?.responses['401']).toBeDefined();
      }
    }
    expect(access).toMatchObject({
      'GET /healthz': 'open',
      'GET /readyz': 'open',
      'POST /webhook': 'open',
      'GET /metrics': 'metrics',
      'GET /api/v1/auth/config': 'open',
    });
    expect(operationOf(ROUTES.find((r) => r.path === '/healthz') as Route)?.security).toEqual([]);
    expect(OPENAPI.components.securitySchemes['bearerToken']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('documents no route the server does not serve', () => {
    const served = new Set(ROUTES.map((r) => `${methodOf(r)} ${r.path}`));
    const documented = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(documented.filter((d) => !served.has(d))).toEqual([]);
    expect(documented.length).toBe(ROUTES.length);
  });

  it('every list route is paginated and answers { items, metadata }', () => {
    const lists = ROUTES.filter((r) => parameterNames(r.query).includes('limit'));
    expect(lists.map((r) => r.path).sort()).toEqual([
      '/api/v1/applications',
      '/api/v1/drift',
      '/api/v1/environments',
      '/api/v1/history',
      '/api/v1/status',
      '/api/v1/targets',
    ]);
    for (const route of lists) {
      expect(parameterNames(route.query)).toContain('continue');
      const schema = operationOf(route)?.responses['200']?.content?.['application/json']?.schema;
      const list = component(schema?.['$ref'] as string | undefined);
      expect(list?.['required']).toEqual(['items', 'metadata']);
      expect(list?.['properties']).toMatchObject({
        metadata: { $ref: '#/components/schemas/ListMetadata' },
      });
    }
  });

  it('operation ids are unique and every schema compiles, its $refs resolved', () => {
    const ids = Object.values(OPENAPI.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(OPENAPI.openapi).toBe('3.1.0');
    const validator = new DocumentValidator(OPENAPI);
    for (const name of Object.keys(OPENAPI.components.schemas)) {
      expect(() => validator.component(name, null), name).not.toThrow();
    }
    for (const [path, item] of Object.entries(OPENAPI.paths)) {
      for (const [method, op] of Object.entries(item) as [HttpMethod, OpenApiOperation][]) {
        for (const [status, r] of Object.entries(op.responses)) {
          if (r.content?.['application/json'] === undefined) continue;
          expect(() => validator.response(method, path, Number(status), null)).not.toThrow();
        }
      }
    }
  });
});
