/**
 * The edge check of every request's query: ajv validates it against the route's query schema
 * (./api/queries.ts), and each violation becomes a 400 INVALID_REQUEST naming the parameter
 * and what is allowed. Parameters a route does not take are refused, so that a typo never
 * silently widens a filter; an empty value counts as absent.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { TObject, TSchema } from 'typebox';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { NAME_PARAMETERS, parameterNames } from './api/queries.ts';
import { describeError } from './api/validate.ts';

/** What parseQuery needs of a route. */
export interface QueryRoute {
  readonly path: string;
  readonly query: TObject;
}

// query values are strings: ajv reads `limit=5` as the integer its schema says
const ajv = new Ajv2020({ allErrors: true, coerceTypes: true, strict: true });
const validators = new WeakMap<TObject, ValidateFunction>();

function validatorOf(schema: TObject): ValidateFunction {
  let v = validators.get(schema);
  if (v === undefined) {
    v = ajv.compile(schema);
    validators.set(schema, v);
  }
  return v;
}

function invalid(parameter: string, message: string): GitfleetError {
  return new GitfleetError(ErrorCode.InvalidRequest, `query parameter ${parameter}: ${message}`, {
    terminal: true,
    details: { parameter },
  });
}

/** An integer parameter's bounds and default, as its schema gives them. */
interface IntegerSchema {
  readonly type: 'integer';
  readonly minimum: number;
  readonly maximum: number;
  readonly default?: number;
}

function isBoundedInteger(schema: TSchema): schema is IntegerSchema {
  const s = schema as Readonly<Record<string, unknown>>;
  return (
    s['type'] === 'integer' && typeof s['minimum'] === 'number' && typeof s['maximum'] === 'number'
  );
}

/** What is wrong with `value` of `parameter`, said the way the API says it. */
function complaint(parameter: string, value: string, e: ErrorObject, schema: TSchema): string {
  const v = JSON.stringify(value);
  if (NAME_PARAMETERS.has(parameter) && e.keyword === 'pattern')
    return `${v} is not a valid ${parameter} name (a DNS label)`;
  if (e.keyword === 'enum') {
    const allowed = (e.params as { readonly allowedValues: readonly string[] }).allowedValues;
    return `${v} is not one of ${allowed.join(', ')}`;
  }
  if (isBoundedInteger(schema)) {
    const { minimum, maximum } = schema;
    const dflt = schema.default === undefined ? '' : ` (default ${String(schema.default)})`;
    return `${v} is not allowed: an integer from ${String(minimum)} to ${String(maximum)}${dflt}`;
  }
  return `${v} ${describeError(e)}`;
}

/**
 * The query of a request to `route`: known parameters only, each at most once, every value as
 * its schema allows, required ones present. Values stay the strings given.
 *
 * @throws GitfleetError INVALID_REQUEST naming the parameter (the first in the route's order)
 */
export function parseQuery(params: URLSearchParams, route: QueryRoute): Map<string, string> {
  const names = parameterNames(route.query);
  const known = new Set(names);
  const given: Record<string, string> = {};
  for (const key of new Set(params.keys())) {
    const value = params.get(key) ?? '';
    if (!known.has(key) || value !== '') given[key] = value;
  }
  const validate = validatorOf(route.query);
  const errors = validate({ ...given }) ? [] : (validate.errors ?? []);
  const unknown = errors
    .filter((e) => e.keyword === 'additionalProperties')
    .map((e) => String((e.params as { readonly additionalProperty: unknown }).additionalProperty));
  if (unknown.length > 0) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}: ${route.path} takes ${names.length === 0 ? 'none' : names.join(', ')}`,
      { terminal: true, details: { parameter: unknown.join(',') } },
    );
  }
  const query = new Map<string, string>();
  for (const name of names) {
    if (params.getAll(name).length > 1) throw invalid(name, 'is given more than once');
    const value = given[name];
    if (value === undefined) continue;
    const e = errors.find((x) => x.instancePath === `/${name}`);
    const schema = route.query.properties[name];
    if (e !== undefined && schema !== undefined)
      throw invalid(name, complaint(name, value, e, schema));
    query.set(name, value);
  }
  const missing = new Set(
    errors
      .filter((e) => e.keyword === 'required')
      .map((e) => String((e.params as { readonly missingProperty: unknown }).missingProperty)),
  );
  for (const name of (route.query.required as readonly string[] | undefined) ?? []) {
    if (missing.has(name)) throw invalid(name, `is required by ${route.path}`);
  }
  const [other] = errors;
  if (other !== undefined) throw invalid(other.instancePath.slice(1), describeError(other));
  return query;
}
