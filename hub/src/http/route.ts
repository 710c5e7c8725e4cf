/**
 * What a route of the hub's HTTP server is: method and path, who may call it, the schema of the
 * query it accepts, its documentation (the OpenAPI document is built from the route table,
 * ./api/openapi.ts), and the handler. Plus the replies handlers give and the error reply every
 * failure becomes.
 */
import type http from 'node:http';
import type { GitfleetError } from '@gitfleet/proto';
import type { TObject, TSchema } from 'typebox';
import type { ApiIdentity, RouteAccess } from '../core/api-access/index.ts';
import { ErrorBody } from './api/schema.ts';
import type { HttpServerDeps } from './deps.ts';

/** Response headers besides the content type. */
export type ReplyHeaders = Readonly<Record<string, string>>;

export type Reply =
  | { readonly status: number; readonly json: unknown; readonly headers?: ReplyHeaders }
  | {
      readonly status: number;
      readonly text: string;
      readonly contentType?: string;
      readonly headers?: ReplyHeaders;
    }
  | {
      readonly status: number;
      /** Writes the body (a stream the handler keeps open); the status and headers are set. */
      readonly stream: (res: http.ServerResponse) => void;
      readonly headers?: ReplyHeaders;
    };

export interface RequestContext {
  readonly deps: HttpServerDeps;
  /** The query, validated against the route's schema (empty values dropped, raw strings). */
  readonly query: ReadonlyMap<string, string>;
  /** The path parameters (`{target}` of the route's path), decoded; the route checks them. */
  readonly params: ReadonlyMap<string, string>;
  readonly req: http.IncomingMessage;
  /** Who sent the request: the name and scope of its token (undefined on open routes). */
  readonly identity?: ApiIdentity;
}

/** One response of an operation: a JSON body of `json`, or `text/plain`. */
export type ResponseDoc =
  | { readonly description: string; readonly json: TSchema }
  | { readonly description: string; readonly text: true }
  | { readonly description: string; readonly eventStream: true };

/** What the OpenAPI document says of a route besides its parameters. */
export interface OperationDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly requestBody?: TSchema;
  /** By status code. Routes without their own 400 get the generic one of the query check. */
  readonly responses: Readonly<Record<string, ResponseDoc>>;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** The path; a segment `{name}` is a path parameter (documented by `params`). */
  readonly path: string;
  /** The schema of the path parameters, for the document (each is a string, required). */
  readonly params?: TObject;
  /**
   * Who may call it: a bearer token of a scope (checked before anything else of the request),
   * anyone (`open`), or `metrics` (open unless the hub runs with --metrics-auth read).
   */
  readonly access: RouteAccess;
  /** Every query parameter accepted (any other is refused, 400), typed; `required` ones too. */
  readonly query: TObject;
  readonly doc: OperationDoc;
  readonly handle: (ctx: RequestContext) => Promise<Reply>;
}

/** A JSON response of the Error schema. */
export const errorResponse = (description: string): ResponseDoc => ({
  description,
  json: ErrorBody,
});

/** `{ error: { code, message, details? } }` with the status (and headers) given. */
export function errorReply(err: GitfleetError, status: number, headers?: ReplyHeaders): Reply {
  const body: ErrorBody = {
    error: {
      code: err.code,
      message: err.message,
      ...(Object.keys(err.details).length === 0 ? {} : { details: err.details }),
    },
  };
  return { status, json: body, ...(headers === undefined ? {} : { headers }) };
}

/**
 * The path parameters of `pathname` when it matches the route path `template` (segments `{name}`
 * match any one non-empty segment), or undefined.
 */
export function matchPath(
  template: string,
  pathname: string,
): ReadonlyMap<string, string> | undefined {
  if (!template.includes('{')) return template === pathname ? new Map() : undefined;
  const want = template.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return undefined;
  const params = new Map<string, string>();
  for (const [i, w] of want.entries()) {
    const g = got[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(w)?.[1];
    if (name === undefined) {
      if (w !== g) return undefined;
      continue;
    }
    let value: string;
    try {
      value = decodeURIComponent(g);
    } catch {
      return undefined;
    }
    if (value === '') return undefined;
    params.set(name, value);
  }
  return params;
}
