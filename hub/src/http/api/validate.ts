/**
 * Holds JSON values to the API's schemas with ajv (JSON Schema 2020-12): a response body to what
 * the OpenAPI document says of its route and status, or a value to one named schema. The tests
 * use it on every body they see; the edge validates queries with the same schemas (../query.ts).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { TSchema } from 'typebox';
import { formatPointer } from '@gitfleet/proto/domain';
import { ComponentSet, type HttpMethod, type OpenApiDocument } from './openapi.ts';

export interface SchemaProblem {
  /** RFC 6901 pointer into the value ('/' for the value itself). */
  readonly path: string;
  readonly message: string;
}

/** The id ajv knows the document by; `$ref`s inside it resolve against it. */
const DOCUMENT_ID = 'https://gitfleet.dev/hub/openapi.json';

/** ajv's complaint with the offending name or values, as one line. */
export function describeError(e: ErrorObject): string {
  const p = e.params as Readonly<Record<string, unknown>>;
  if (e.keyword === 'additionalProperties')
    return `has the unknown property "${String(p['additionalProperty'])}"`;
  if (e.keyword === 'enum') {
    const allowed = (p['allowedValues'] as readonly unknown[]).map((v) => JSON.stringify(v));
    return `must be one of ${allowed.join(', ')}`;
  }
  return e.message ?? e.keyword;
}

function problemsOf(validate: ValidateFunction, value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath === '' ? '/' : e.instancePath,
    message: describeError(e),
  }));
}

/** Validates values against the schemas of one OpenAPI document (or just its components). */
export class DocumentValidator {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });

  constructor(document: Pick<OpenApiDocument, 'components'> & Partial<OpenApiDocument>) {
    // the document's own fields are not schema keywords: ajv only follows pointers through them
    this.ajv.addVocabulary(['openapi', 'info', 'paths', 'components']);
    this.ajv.addSchema(document, DOCUMENT_ID);
  }

  /**
   * Every way `body` breaks the schema the document gives the JSON response of `method path` at
   * `status`.
   *
   * @throws Error when the document has no JSON response there (an undocumented answer)
   */
  response(method: HttpMethod, path: string, status: number, body: unknown): SchemaProblem[] {
    const validate = this.schemaAt([
      ...['paths', path, method, 'responses', String(status)],
      ...['content', 'application/json', 'schema'],
    ]);
    if (validate === undefined) {
      throw new Error(`the document has no JSON ${String(status)} response of ${method} ${path}`);
    }
    return problemsOf(validate, body);
  }

  /**
   * Every way `value` breaks the component schema `name`.
   *
   * @throws Error when the document has no such component
   */
  component(name: string, value: unknown): SchemaProblem[] {
    const validate = this.schemaAt(['components', 'schemas', name]);
    if (validate === undefined) throw new Error(`the document has no schema ${name}`);
    return problemsOf(validate, value);
  }

  private schemaAt(path: readonly string[]): ValidateFunction | undefined {
    return this.ajv.getSchema(`${DOCUMENT_ID}#${formatPointer(path)}`);
  }
}

/**
 * Every way `value` breaks `schema`, a named one (with its `$id`).
 *
 * @throws Error for a schema without `$id`
 */
export function schemaProblems(
  schema: TSchema & { readonly $id?: string },
  value: unknown,
): SchemaProblem[] {
  const name = schema.$id;
  if (name === undefined) throw new Error('schemaProblems takes a named schema (with $id)');
  const components = new ComponentSet();
  components.toDocument(schema);
  return new DocumentValidator({
    components: { schemas: components.all(), securitySchemes: {} },
  }).component(name, value);
}
