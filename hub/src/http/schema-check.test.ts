import { describe, expect, it } from 'vitest';
import type { JsonSchema, OpenApiDocument } from './openapi.ts';
import { checkSchema, danglingRefs } from './schema-check.ts';

const DOC: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 't', version: 'v1', description: '' },
  paths: {},
  components: {
    schemas: {
      Row: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[a-z]+$' },
          count: { type: 'integer', minimum: 0, maximum: 9 },
          ratio: { type: 'number' },
          state: { type: 'string', enum: ['A', 'B'] },
          tags: { type: 'array', items: { type: 'string' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          anything: {},
          maybe: { type: ['string', 'null'] },
        },
        required: ['name'],
        additionalProperties: false,
      },
      Either: {
        oneOf: [
          { type: 'string' },
          { type: 'object', properties: { ok: { const: true } }, required: ['ok'] },
        ],
      },
    },
  },
};
const ROW: JsonSchema = { $ref: '#/components/schemas/Row' };

describe('checkSchema', () => {
  it.each<{ value: unknown; schema?: JsonSchema }>([
    { value: { name: 'a' } },
    {
      value: {
        name: 'abc',
        count: 9,
        ratio: 0.5,
        state: 'B',
        tags: ['x'],
        labels: { k: 'v' },
        anything: [1, { x: null }],
        maybe: null,
      },
    },
    { value: { name: 'a', ratio: 3 } }, // an integer is a number
    { value: 'text', schema: { $ref: '#/components/schemas/Either' } },
    { value: { ok: true }, schema: { $ref: '#/components/schemas/Either' } },
  ])('accepts $value', ({ value, schema }) => {
    expect(checkSchema(value, schema ?? ROW, DOC)).toEqual([]);
  });

  it.each<{ value: unknown; problems: string[]; schema?: JsonSchema }>([
    { value: [], problems: ['/: is array, expected object'] },
    { value: {}, problems: ['/: lacks the required property "name"'] },
    {
      value: { name: 'a', extra: 1 },
      problems: ['/extra: is not in the schema (additionalProperties: false)'],
    },
    { value: { name: 'A1' }, problems: ['/name: "A1" does not match ^[a-z]+$'] },
    { value: { name: 'a', count: 1.5 }, problems: ['/count: is number, expected integer'] },
    { value: { name: 'a', count: 10 }, problems: ['/count: is 10, above the maximum 9'] },
    { value: { name: 'a', state: 'C' }, problems: ['/state: is "C", expected one of "A", "B"'] },
    { value: { name: 'a', tags: ['x', 2] }, problems: ['/tags/1: is integer, expected string'] },
    {
      value: { name: 'a', labels: { 'a/b': 1 } },
      problems: ['/labels/a~1b: is integer, expected string'],
    },
    { value: { name: 'a', maybe: 1 }, problems: ['/maybe: is integer, expected string or null'] },
    {
      value: { ok: false },
      schema: { $ref: '#/components/schemas/Either' },
      problems: ['/: matches 0 of the 2 oneOf schemas'],
    },
  ])('refuses $value', ({ value, schema, problems }) => {
    expect(checkSchema(value, schema ?? ROW, DOC).map((p) => `${p.path}: ${p.message}`)).toEqual(
      problems,
    );
  });

  it('finds dangling refs', () => {
    expect(danglingRefs(DOC)).toEqual([]);
    const broken: OpenApiDocument = {
      ...DOC,
      components: { schemas: { A: { items: { $ref: '#/components/schemas/Nope' } } } },
    };
    expect(danglingRefs(broken)).toEqual(['#/components/schemas/Nope']);
  });
});
