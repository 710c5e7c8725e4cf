/**
 * A small checker of JSON values against the JSON Schema subset of ./openapi.ts (type, properties,
 * required, additionalProperties, items, enum, const, oneOf, minimum/maximum, pattern, local
 * `$ref`s). Pure. The tests use it to hold the API's responses to its document.
 */
import type { JsonSchema, OpenApiDocument, SchemaType } from './openapi.ts';

export interface SchemaProblem {
  /** RFC 6901 pointer into the value. */
  readonly path: string;
  readonly message: string;
}

const REF_PREFIX = '#/components/schemas/';

function typeOf(value: unknown): SchemaType | 'undefined' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'object':
      return 'object';
    case 'undefined':
      return 'undefined';
    default:
      return 'other';
  }
}

function typeMatches(actual: ReturnType<typeof typeOf>, wanted: SchemaType): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** The schema a `$ref` names in `doc`. @throws Error for a ref that does not resolve (a doc bug). */
export function resolveRef(doc: OpenApiDocument, ref: string): JsonSchema {
  const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
  const schema =
    name !== undefined && Object.hasOwn(doc.components.schemas, name)
      ? doc.components.schemas[name]
      : undefined;
  if (schema === undefined) throw new Error(`schema ref ${ref} does not resolve`);
  return schema;
}

/** Every way `value` breaks `schema` (empty: it conforms). */
export function checkSchema(
  value: unknown,
  schema: JsonSchema,
  doc: OpenApiDocument,
  path = '',
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const fail = (message: string): void => void problems.push({ path: path || '/', message });
  if (schema.$ref !== undefined) return checkSchema(value, resolveRef(doc, schema.$ref), doc, path);
  if (schema.oneOf !== undefined) {
    const matching = schema.oneOf.filter((s) => checkSchema(value, s, doc, path).length === 0);
    if (matching.length !== 1)
      fail(
        `matches ${String(matching.length)} of the ${String(schema.oneOf.length)} oneOf schemas`,
      );
  }
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const wanted: readonly SchemaType[] =
      typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!wanted.some((w) => typeMatches(actual, w))) {
      fail(`is ${actual}, expected ${wanted.join(' or ')}`);
      return problems;
    }
  }
  if (schema.const !== undefined && value !== schema.const)
    fail(`is ${JSON.stringify(value)}, expected ${JSON.stringify(schema.const)}`);
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value))
    fail(
      `is ${JSON.stringify(value)}, expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    );
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      fail(`is ${String(value)}, below the minimum ${String(schema.minimum)}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      fail(`is ${String(value)}, above the maximum ${String(schema.maximum)}`);
  }
  if (
    typeof value === 'string' &&
    schema.pattern !== undefined &&
    !new RegExp(schema.pattern, 'u').test(value)
  )
    fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (actual === 'array' && schema.items !== undefined) {
    (value as unknown[]).forEach((v, i) => {
      problems.push(...checkSchema(v, schema.items ?? {}, doc, `${path}/${String(i)}`));
    });
  }
  if (actual === 'object') {
    const obj = value as Readonly<Record<string, unknown>>;
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(obj, key)) fail(`lacks the required property "${key}"`);
    }
    for (const [key, v] of Object.entries(obj)) {
      const sub = `${path}/${escape(key)}`;
      const prop =
        schema.properties !== undefined && Object.hasOwn(schema.properties, key)
          ? schema.properties[key]
          : undefined;
      if (prop !== undefined) problems.push(...checkSchema(v, prop, doc, sub));
      else if (schema.additionalProperties === false)
        problems.push({ path: sub, message: 'is not in the schema (additionalProperties: false)' });
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...checkSchema(v, schema.additionalProperties, doc, sub));
    }
  }
  return problems;
}

/** Every `$ref` anywhere in `doc` that does not name one of its schemas. */
export function danglingRefs(doc: OpenApiDocument): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') {
          try {
            resolveRef(doc, v);
          } catch {
            out.push(v);
          }
        } else walk(v);
      }
    }
  };
  walk(doc);
  return out;
}
