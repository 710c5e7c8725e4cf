/**
 * Building blocks of the HTTP API's schemas (TypeBox, JSON Schema 2020-12) and the schemas every
 * part of the API shares: errors, list metadata, object references, status counts.
 *
 * Each schema is the single source of its shape: the TypeScript type is derived from it
 * (`Wire<typeof X>`), the OpenAPI document embeds it (./openapi.ts), and ajv validates against it
 * (./validate.ts). A schema with a `$id` is a named component of the document: wherever it is
 * nested, the document refers to it (`$ref: #/components/schemas/<$id>`).
 */
import Type, { type Static, type TObjectOptions, type TProperties, type TSchema } from 'typebox';
import { ErrorCode } from '@gitfleet/proto/domain';
import { ConnectionState } from '../../store/port.ts';

/** A value as it goes over the wire and as the views build it: read-only all the way down. */
export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The TypeScript type of a body of the API. */
export type Wire<S extends TSchema> = DeepReadonly<Static<S>>;

/** A closed object: every property documented, nothing else allowed. */
export function closed<P extends TProperties>(properties: P, options: TObjectOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** A string with a description (the common case of the API's fields). */
export const str = (description?: string) =>
  Type.String(description === undefined ? {} : { description });

/** An integer (counts, versions, Unix milliseconds) with a description. */
export const int = (description?: string) =>
  Type.Integer(description === undefined ? {} : { description });

/** A boolean with a description. */
export const bool = (description?: string) =>
  Type.Boolean(description === undefined ? {} : { description });

export const stringList = (description?: string) =>
  Type.Array(Type.String(), description === undefined ? {} : { description });

/** Labels, pins: string to string. */
export const stringMap = (description?: string) =>
  Type.Record(Type.String(), Type.String(), description === undefined ? {} : { description });

/** The pattern of target and application names (RFC 1123 DNS labels, as isDnsLabel). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

export const ErrorCodeSchema = Type.Enum(ErrorCode);

/** Structured error details: scalar values only (the offending query parameter, a file…). */
export const ErrorDetails = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  { description: 'Structured details (`parameter`: the offending query parameter).' },
);

/** The body of every error of the API (the webhook's own refusals aside). */
export const ErrorBody = closed(
  {
    error: closed({
      code: ErrorCodeSchema,
      message: str('Names the subject (parameter, name) first and says what is allowed.'),
      details: Type.Optional(ErrorDetails),
    }),
  },
  { $id: 'Error' },
);
export type ErrorBody = Wire<typeof ErrorBody>;

/** An error as an agent reported it (a rejected desired version, an app-level failure). */
export const ErrorDetail = closed(
  { code: ErrorCodeSchema, message: str() },
  { $id: 'ErrorDetail' },
);

export const ListMetadata = closed(
  {
    continue: Type.Optional(
      str('Present when more items remain: pass it as `continue` for the next page.'),
    ),
    total: int('Items in the whole list, filters applied.'),
  },
  { $id: 'ListMetadata' },
);

/** One page of a list: `items` in the list's stable order and `metadata`. */
export function listOf<T extends TSchema>(item: T, $id: string, description: string) {
  return closed({ items: Type.Array(item), metadata: ListMetadata }, { $id, description });
}

/** Aggregated status of a set of (target, app) rows. */
export const StatusCounts = closed(
  {
    apps: int('(target, app) pairs with desired state.'),
    synced: int(),
    healthy: int('Healthy on a Connected target.'),
    drifted: int('With at least one drift record.'),
  },
  { $id: 'StatusCounts' },
);
export type StatusCounts = Wire<typeof StatusCounts>;

/** One Kubernetes object ("" group: the core group; "" namespace: cluster-scoped). */
export const ObjectRef = closed(
  { group: str(), version: str(), kind: str(), namespace: str(), name: str() },
  { $id: 'ObjectRef' },
);

export const ConnectionStateSchema = Type.Enum(ConnectionState);
