/**
 * The OpenAPI 3.1 document of the hub's HTTP API, built from the route table: each route's
 * query schema gives its parameters, its access the security requirement (the bearer scheme
 * with the scope needed as its role, and the 401/403 answers), its doc the rest, and every
 * schema with a `$id` becomes a component the document refers to. Served at
 * `GET /api/v1/openapi.json`; ajv holds responses to it in the tests (./validate.ts).
 */
import type { TObject, TSchema } from 'typebox';
import { ApiScope, scopesGrantingText, type RouteAccess } from '../../core/api-access/index.ts';
import type { OperationDoc, ResponseDoc } from '../route.ts';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../paginate.ts';
import { ErrorBody } from './schema.ts';

/** A JSON Schema as the document carries it (plain JSON, `$ref`s to its components). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required?: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
}

export interface OpenApiMediaType {
  readonly schema: JsonSchema;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly content?: Readonly<Record<string, OpenApiMediaType>>;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly content: Readonly<Record<string, OpenApiMediaType>>;
  };
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
  /**
   * Who may call it: `[]` anyone; `[{ bearerToken: [scope] }]` a token granting that scope;
   * `[{}, { bearerToken: ['read'] }]` anyone, or a read token when the hub asks one.
   */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
}

export type HttpMethod = 'get' | 'post';

export interface OpenApiSecurityScheme {
  readonly type: 'http';
  readonly scheme: 'bearer';
  readonly description: string;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Partial<Readonly<Record<HttpMethod, OpenApiOperation>>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes: Readonly<Record<string, OpenApiSecurityScheme>>;
  };
}

/** What the document needs of a route. */
export interface DocumentedRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly access: RouteAccess;
  readonly query: TObject;
  /** The path parameters (`{name}` segments of `path`), when it has any. */
  readonly params?: TObject;
  readonly doc: OperationDoc;
}

export const COMPONENTS_PREFIX = '#/components/schemas/';

const INFO = {
  title: 'gitfleet hub',
  version: 'v1',
  description:
    'Fleet status, drift, connection state and sync history aggregated by the gitfleet hub. ' +
    `Lists are paginated like the Kubernetes API: \`limit\` (default ${String(DEFAULT_LIMIT)}, at most ${String(MAX_LIMIT)}) ` +
    'and the opaque `continue` token of `metadata.continue`; items come in a stable order ' +
    '(target, then application, then object; history newest first). Unknown query parameters are ' +
    'refused (400) so that typos do not silently widen a filter. An empty value counts as absent. ' +
    'Every /api/v1 operation needs `Authorization: Bearer <token>` with the scope its security ' +
    'requirement names (401 UNAUTHORIZED without a usable token, 403 FORBIDDEN without the scope), ' +
    'checked before the query. Secret values appear only as fingerprints `*** sha256:<hex>`.',
} as const;

/** The name of the bearer scheme in `components.securitySchemes`. */
export const BEARER_SCHEME = 'bearerToken';

const SECURITY_SCHEMES: Readonly<Record<string, OpenApiSecurityScheme>> = {
  [BEARER_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    description:
      "A token of the hub's --api-tokens-file. Scopes, each granting the ones before it: read (every GET), operate (commands that change state), admin. The scope an operation needs is the role its security requirement lists.",
  },
};

/** Every route refuses unknown query parameters; a route that says nothing more gets this. */
const GENERIC_400: ResponseDoc = {
  description: 'An unknown query parameter.',
  json: ErrorBody,
};

/**
 * The components of a set of schemas: every schema with a `$id` found in them, each with its
 * nested named schemas turned into `$ref`s. `toDocument` converts a schema the same way.
 */
export class ComponentSet {
  private readonly schemas = new Map<string, JsonSchema>();

  /** `schema` as the document carries it: named sub-schemas (and itself, if named) as `$ref`s. */
  toDocument(schema: TSchema): JsonSchema {
    return this.convert(schema) as JsonSchema;
  }

  /** The components met by toDocument, in the order first met. */
  all(): Readonly<Record<string, JsonSchema>> {
    return Object.fromEntries(this.schemas);
  }

  private convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.convert(n));
    if (typeof node !== 'object' || node === null) return node;
    const id = (node as { readonly $id?: unknown }).$id;
    if (typeof id === 'string') {
      this.register(id, node);
      return { $ref: `${COMPONENTS_PREFIX}${id}` };
    }
    return this.copy(node);
  }

  private copy(node: object): JsonSchema {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k]) => k !== '$id')
        .map(([k, v]) => [k, this.convert(v)]),
    );
  }

  private register(id: string, node: object): void {
    const body = this.copy(node);
    const known = this.schemas.get(id);
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(body)) {
      throw new Error(`two different schemas are named ${id}`);
    }
    this.schemas.set(id, body);
  }
}

function parametersOf(
  query: TObject,
  components: ComponentSet,
  where: 'query' | 'path' = 'query',
): OpenApiParameter[] {
  const required = new Set<string>(query.required as readonly string[] | undefined);
  return Object.entries(query.properties).map(([name, schema]) => {
    const { description, ...rest } = components.toDocument(schema);
    return {
      name,
      in: where,
      ...(required.has(name) || where === 'path' ? { required: true } : {}),
      description: typeof description === 'string' ? description : '',
      schema: rest,
    };
  });
}

function responseOf(r: ResponseDoc, components: ComponentSet): OpenApiResponse {
  return 'json' in r
    ? {
        description: r.description,
        content: { 'application/json': { schema: components.toDocument(r.json) } },
      }
    : {
        description: r.description,
        content: {
          ['text' in r ? 'text/plain' : 'text/event-stream']: { schema: { type: 'string' } },
        },
      };
}

/** The security requirement of a route's access. */
function securityOf(access: RouteAccess): OpenApiOperation['security'] {
  if (access === 'open') return [];
  if (access === 'metrics') return [{}, { [BEARER_SCHEME]: [ApiScope.Read] }];
  return [{ [BEARER_SCHEME]: [access] }];
}

/** The refusals of the access check, for a route that needs a token. */
function accessResponses(access: RouteAccess): Record<string, ResponseDoc> {
  if (access === 'open') return {};
  const scope = access === 'metrics' ? ApiScope.Read : access;
  const unauthorized: ResponseDoc = {
    description: `No usable bearer token (none, unknown, or the hub accepts none): UNAUTHORIZED, with a WWW-Authenticate: Bearer challenge.${access === 'metrics' ? ' Only with --metrics-auth read.' : ''}`,
    json: ErrorBody,
  };
  if (scope === ApiScope.Read) return { '401': unauthorized };
  return {
    '401': unauthorized,
    '403': {
      description: `A token whose scope is not ${scopesGrantingText(scope)}: FORBIDDEN.`,
      json: ErrorBody,
    },
  };
}

function operationOf(route: DocumentedRoute, components: ComponentSet): OpenApiOperation {
  const { doc } = route;
  const responses: Record<string, ResponseDoc> = {
    ...accessResponses(route.access),
    ...doc.responses,
  };
  responses['400'] ??= GENERIC_400;
  const parameters = [
    ...(route.params === undefined ? [] : parametersOf(route.params, components, 'path')),
    ...parametersOf(route.query, components),
  ];
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    tags: doc.tags,
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(doc.requestBody === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: components.toDocument(doc.requestBody) } },
          },
        }),
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([status, r]) => [status, responseOf(r, components)]),
    ),
    security: securityOf(route.access),
  };
}

/** The OpenAPI document of `routes`. */
export function openApiDocument(routes: readonly DocumentedRoute[]): OpenApiDocument {
  const components = new ComponentSet();
  const paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    item[route.method === 'GET' ? 'get' : 'post'] = operationOf(route, components);
  }
  return {
    openapi: '3.1.0',
    info: INFO,
    paths,
    components: { schemas: components.all(), securitySchemes: SECURITY_SCHEMES },
  };
}
