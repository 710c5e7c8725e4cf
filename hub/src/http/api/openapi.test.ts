import { describe, expect, it } from 'vitest';
import Type from 'typebox';
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
});
