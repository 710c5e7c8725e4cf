/**
 * The hub's HTTP server, a thin adapter: the route table (./routes/*: paths, methods, access,
 * query schemas, docs and handlers), the access check (./auth.ts) and then the query check at the
 * edge (./query.ts), and writing JSON. The views themselves are pure (./views.ts), pagination too
 * (./paginate.ts); the OpenAPI document is built from the route table (./api/openapi.ts) and
 * served at /api/v1/openapi.json.
 *
 * Every path under /api/ needs a bearer token (read for GET, operate for commands), checked
 * before the route's method or query: 401 UNAUTHORIZED without a usable one, 403 FORBIDDEN
 * without the scope. /api/v1/auth/config (asked by the sign-in page before any token), /healthz,
 * /readyz and the webhook (its own signature) are open; /metrics too unless --metrics-auth read.
 * The web UI is served at /ui/, open (./static/serve-ui.ts). JSON bodies over 1 KiB and the event
 * stream are gzip-encoded for a client that accepts it (./compression.ts).
 *
 * Errors are `{ error: { code, message, details? } }` with the GitfleetError code: 400
 * INVALID_REQUEST (bad or unknown query parameter), 401 UNAUTHORIZED, 403 FORBIDDEN,
 * 404 NOT_FOUND, 405, 500 INTERNAL. The webhook keeps its own `{ error: "<reason>" }`
 * (./routes/operations.ts).
 */
import http from 'node:http';
import { ErrorCode, GitfleetError, toGitfleetError } from '@gitfleet/proto';
import { ApiScope, requiredScope, uiConnectSources } from '../core/api-access/index.ts';
import { hubMetricsOf } from '../metrics.ts';
import { checkAccess } from './auth.ts';
import type { HttpServerDeps } from './deps.ts';
import { openApiDocument, type OpenApiDocument } from './api/openapi.ts';
import { NoQuery } from './api/queries.ts';
import { parseQuery } from './query.ts';
import { errorReply, matchPath, type Reply, type RequestContext, type Route } from './route.ts';
import { eventStreamsOf } from './events/streams.ts';
import { AUTH_CONFIG_ROUTE } from './routes/auth-config.ts';
import { DIFF_ROUTE } from './routes/diff.ts';
import { EVENTS_ROUTE } from './routes/events.ts';
import { FLEET_ROUTES } from './routes/fleet.ts';
import { HEALTH_ROUTES, METRICS_DOC, WEBHOOK_ROUTE, openApiRoute } from './routes/operations.ts';
import { PIN_ROUTES } from './routes/pins.ts';
import { ROLLOUT_ROUTES } from './routes/rollouts.ts';
import { TARGET_ROUTES } from './routes/targets.ts';
import { WHOAMI_ROUTE } from './routes/identity.ts';
import { REPORT_ROUTE } from './routes/report.ts';
import { fleetStatus, loadSnapshot } from './snapshot.ts';
import { statusRows } from './views.ts';
import { sendJson } from './compression.ts';
import { uiHandler } from './static/serve-ui.ts';

export type { HttpServerDeps } from './deps.ts';

export interface RunningHttpServer {
  readonly port: number;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
  /** Ends every connection now, requests in flight included (a shutdown out of time). */
  closeConnections(): void;
}

/** `GET /metrics`: the hub's Prometheus registry (../metrics.ts), one per set of deps. */
async function metrics(ctx: RequestContext): Promise<Reply> {
  const { deps } = ctx;
  const m = hubMetricsOf(deps, () => ({
    unexpectedErrors: deps.unexpectedErrors,
    fleet: () => fleetStatus(deps),
    streams: () => deps.link.connectedTargets().length,
    queue: deps.queue,
    apps: async () => statusRows(await loadSnapshot(deps)),
    link: deps.link,
    ...(deps.metrics === undefined ? {} : { more: deps.metrics }),
  }));
  return { status: 200, contentType: m.contentType, text: await m.render() };
}

/** Every route of the hub; OPENAPI documents exactly these. */
export const ROUTES: readonly Route[] = [
  ...HEALTH_ROUTES,
  {
    method: 'GET',
    path: '/metrics',
    access: 'metrics',
    query: NoQuery,
    doc: METRICS_DOC,
    handle: metrics,
  },
  WEBHOOK_ROUTE,
  openApiRoute(() => OPENAPI),
  AUTH_CONFIG_ROUTE,
  ...FLEET_ROUTES,
  EVENTS_ROUTE,
  ...ROLLOUT_ROUTES,
  ...PIN_ROUTES,
  DIFF_ROUTE,
  ...TARGET_ROUTES,
  WHOAMI_ROUTE,
  REPORT_ROUTE,
];

/** The OpenAPI document of ROUTES, served at `GET /api/v1/openapi.json`. */
export const OPENAPI: OpenApiDocument = openApiDocument(ROUTES);

// ---------------------------------------------------------------------------------------------
// The adapter

/** Finds the route of a request and runs it; every failure becomes an error reply. */
export async function dispatch(
  deps: HttpServerDeps,
  req: http.IncomingMessage,
  url: URL,
): Promise<Reply> {
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const candidates = ROUTES.filter((r) => matchPath(r.path, url.pathname) !== undefined);
  const route = candidates.find((r) => r.method === method);
  // the API answers nobody without a token, not even which routes or methods it has
  const needed =
    route !== undefined
      ? requiredScope(route.access, deps.config.metricsAuth)
      : url.pathname.startsWith('/api/')
        ? ApiScope.Read
        : undefined;
  const access = await checkAccess(deps, req, `${method} ${url.pathname}`, needed);
  if ('refused' in access) return access.refused;
  if (route === undefined) {
    if (candidates.length === 0)
      return errorReply(
        new GitfleetError(
          ErrorCode.NotFound,
          `no route ${url.pathname} (see /api/v1/openapi.json)`,
        ),
        404,
      );
    return errorReply(
      new GitfleetError(
        ErrorCode.InvalidRequest,
        `${method} ${url.pathname}: method not allowed (use ${candidates.map((r) => r.method).join(', ')})`,
      ),
      405,
    );
  }
  try {
    const query = parseQuery(url.searchParams, route);
    const params = matchPath(route.path, url.pathname) ?? new Map<string, string>();
    return await route.handle({ deps, req, query, params, ...access });
  } catch (err) {
    const e = toGitfleetError(err);
    if (e.code === ErrorCode.InvalidRequest) return errorReply(e, 400);
    if (e.code === ErrorCode.NotFound) return errorReply(e, 404);
    deps.logger.error('http request failed', { path: url.pathname, error: e.message });
    return errorReply(e, 500);
  }
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

/** Starts the HTTP server on `config.httpAddress` (port 0: any free port). */
export async function startHttpServer(deps: HttpServerDeps): Promise<RunningHttpServer> {
  const ui = uiHandler(
    deps.config.uiDir,
    deps.logger,
    ROUTES.some((r) => r.path === '/'),
    uiConnectSources(deps.config.oidc),
  );
  await ui.start();
  const server = http.createServer((req, res) => {
    if (ui.handle(req, res)) return;
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://hub');
      let reply: Reply;
      try {
        reply = await dispatch(deps, req, url);
      } catch (err) {
        reply = errorReply(toGitfleetError(err), 500);
      }
      res.statusCode = reply.status;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.status === 405) {
        res.setHeader(
          'allow',
          ROUTES.filter((r) => matchPath(r.path, url.pathname) !== undefined)
            .map((r) => (r.method === 'GET' ? 'GET, HEAD' : r.method))
            .join(', '),
        );
      }
      if ('stream' in reply) {
        reply.stream(res);
      } else if ('json' in reply) {
        await sendJson(req, res, reply.json);
      } else {
        res.setHeader('content-type', reply.contentType ?? 'text/plain; charset=utf-8');
        res.end(reply.text);
      }
    })();
  });
  const [host, port] = splitHostPort(deps.config.httpAddress);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: boundPort,
    close() {
      // open event streams end first: the server's close waits for every open response
      eventStreamsOf(deps)?.close();
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
    closeConnections() {
      server.closeAllConnections();
    },
  };
}
