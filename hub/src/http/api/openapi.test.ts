import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import type { RouteAccess } from '../../core/api-access/index.ts';
import { NoQuery } from './queries.ts';
import { ComponentSet, openApiDocument } from './openapi.ts';
import { closed } from './schema.ts';

const Inner = closed({ n: Type.Integer() }, { $id: 'Inner' });
const Outer = closed(
  { one: Inner, maybe: Type.Optional(Inner), many: Type.Array(Inner) },
  { $id: 'Outer', description: 'd' },
);

describe('ComponentSet', () => {
  it('refers to every named schema, nested or optional, and keeps each once', () => {
    const set = new ComponentSet();
    expect(set.toDocument(Type.Array(Outer))).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Outer' },
    });
    const inner = { $ref: '#/components/schemas/Inner' };
    expect(set.all()).toEqual({
      Inner: {
        type: 'object',
        required: ['n'],
        properties: { n: { type: 'integer' } },
        additionalProperties: false,
      },
      Outer: {
        type: 'object',
        required: ['one', 'many'],
        properties: { one: inner, maybe: inner, many: { type: 'array', items: inner } },
        description: 'd',
        additionalProperties: false,
      },
    });
  });

  it('refuses two different schemas of one name', () => {
    const set = new ComponentSet();
    set.toDocument(Inner);
    expect(() => set.toDocument(closed({ m: Type.String() }, { $id: 'Inner' }))).toThrow(
      /two different schemas are named Inner/,
    );
  });
});

describe('openApiDocument', () => {
  it('gives the query schema as parameters and every route the 400 of the query check', () => {
    const doc = openApiDocument([
      {
        method: 'GET',
        path: '/a',
        access: 'open',
        query: closed({
          x: Type.String({ description: 'An x.', pattern: '^[a-z]+$' }),
          y: Type.Optional(Type.Integer({ description: 'A y.' })),
        }),
        doc: {
          operationId: 'a',
          summary: 's',
          tags: ['t'],
          responses: { '200': { description: 'ok', json: Outer } },
        },
      },
      {
        method: 'POST',
        path: '/a',
        access: 'open',
        query: NoQuery,
        doc: { operationId: 'b', summary: 's', tags: ['t'], responses: {} },
      },
    ]);
    const get = doc.paths['/a']?.get;
    expect(get?.parameters).toEqual([
      {
        name: 'x',
        in: 'query',
        required: true,
        description: 'An x.',
        schema: { type: 'string', pattern: '^[a-z]+$' },
      },
      { name: 'y', in: 'query', description: 'A y.', schema: { type: 'integer' } },
    ]);
    expect(get?.responses['200']?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/Outer' } },
    });
    expect(Object.keys(get?.responses ?? {})).toEqual(['200', '400']);
    expect(doc.paths['/a']?.post?.parameters).toBeUndefined();
    expect(Object.keys(doc.components.schemas)).toEqual(['Inner', 'Outer', 'Error']);
  });

  it.each<{ access: RouteAccess; security: unknown; statuses: string[] }>([
    { access: 'open', security: [], statuses: ['200', '400'] },
    { access: 'read', security: [{ bearerToken: ['read'] }], statuses: ['200', '400', '401'] },
    {
      access: 'operate',
      security: [{ bearerToken: ['operate'] }],
      statuses: ['200', '400', '401', '403'],
    },
    {
      access: 'admin',
      security: [{ bearerToken: ['admin'] }],
      statuses: ['200', '400', '401', '403'],
    },
    {
      access: 'metrics',
      security: [{}, { bearerToken: ['read'] }],
      statuses: ['200', '400', '401'],
    },
  ])(
    'declares the bearer scheme and the scope of $access routes',
    ({ access, security, statuses }) => {
      const doc = openApiDocument([
        {
          method: 'GET',
          path: '/x',
          access,
          query: NoQuery,
          doc: {
            operationId: 'x',
            summary: 's',
            tags: ['t'],
            responses: { '200': { description: 'ok', text: true } },
          },
        },
      ]);
      expect(doc.components.securitySchemes['bearerToken']).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      const op = doc.paths['/x']?.get;
      expect(op?.security).toEqual(security);
      expect(Object.keys(op?.responses ?? {})).toEqual(statuses);
    },
  );
});
