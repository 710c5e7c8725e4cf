import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { openApiDocument } from './openapi.ts';
import { NoQuery } from './queries.ts';
import { closed, stringMap } from './schema.ts';
import { DocumentValidator, schemaProblems } from './validate.ts';

const Row = closed(
  {
    name: Type.String({ pattern: '^[a-z]+$' }),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
    ratio: Type.Optional(Type.Number()),
    state: Type.Optional(Type.Enum(['A', 'B'])),
    tags: Type.Optional(Type.Array(Type.String())),
    labels: Type.Optional(stringMap()),
    anything: Type.Optional(Type.Unknown()),
  },
  { $id: 'Row' },
);

describe('schemaProblems', () => {
  it.each<unknown>([
    { name: 'a' },
    {
      name: 'abc',
      count: 9,
      ratio: 0.5,
      state: 'B',
      tags: ['x'],
      labels: { 'a/b': 'v' },
      anything: [1, { x: null }],
    },
    { name: 'a', ratio: 3 }, // an integer is a number
  ])('accepts %j', (value) => {
    expect(schemaProblems(Row, value)).toEqual([]);
  });

  it.each<{ value: unknown; problems: string[] }>([
    { value: [], problems: ['/: must be object'] },
    { value: {}, problems: ["/: must have required property 'name'"] },
    { value: { name: 'a', extra: 1 }, problems: ['/: has the unknown property "extra"'] },
    { value: { name: 'A1' }, problems: ['/name: must match pattern "^[a-z]+$"'] },
    { value: { name: 'a', count: 1.5 }, problems: ['/count: must be integer'] },
    { value: { name: 'a', count: 10 }, problems: ['/count: must be <= 9'] },
    { value: { name: 'a', state: 'C' }, problems: ['/state: must be one of "A", "B"'] },
    { value: { name: 'a', tags: ['x', 2] }, problems: ['/tags/1: must be string'] },
    { value: { name: 'a', labels: { 'a/b': 1 } }, problems: ['/labels/a~1b: must be string'] },
  ])('refuses $value', ({ value, problems }) => {
    expect(schemaProblems(Row, value).map((p) => `${p.path}: ${p.message}`)).toEqual(problems);
  });

  it('takes only named schemas', () => {
    expect(() => schemaProblems(Type.String(), 'x')).toThrow(/named schema/);
  });
});

describe('DocumentValidator', () => {
  const doc = openApiDocument([
    {
      method: 'GET',
      path: '/api/rows',
      access: 'open',
      query: NoQuery,
      doc: {
        operationId: 'rows',
        summary: 's',
        tags: ['t'],
        responses: {
          '200': { description: 'ok', json: Type.Array(Row) },
          '503': { description: 'text', text: true },
        },
      },
    },
  ]);
  const validator = new DocumentValidator(JSON.parse(JSON.stringify(doc)) as typeof doc);

  it('holds a response to the schema of its route and status', () => {
    expect(validator.response('get', '/api/rows', 200, [{ name: 'a' }])).toEqual([]);
    expect(validator.response('get', '/api/rows', 200, [{ name: 1 }])).toEqual([
      { path: '/0/name', message: 'must be string' },
    ]);
    // the generic 400 of every route: the Error body
    expect(
      validator.response('get', '/api/rows', 400, {
        error: { code: 'INVALID_REQUEST', message: 'm', details: { parameter: 'x' } },
      }),
    ).toEqual([]);
    expect(validator.response('get', '/api/rows', 400, { error: { code: 'NOPE' } })).toHaveLength(
      2,
    );
  });

  it('refuses to check what the document does not say', () => {
    expect(() => validator.response('get', '/api/rows', 503, 'x')).toThrow(/no JSON 503/);
    expect(() => validator.response('post', '/api/rows', 200, [])).toThrow(/no JSON 200/);
    expect(() => validator.component('Nope', {})).toThrow(/no schema Nope/);
    expect(validator.component('Row', { name: 'a' })).toEqual([]);
  });
});
