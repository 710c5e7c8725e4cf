/**
 * The hub's HTTP server, a thin adapter: the route table (paths, methods, query parameters),
 * query validation, reading the store into a snapshot, and writing JSON. The views themselves are
 * pure (./views.ts), pagination too (./paginate.ts); the document of it all is ./openapi.ts,
 * held to this route table by server.test.ts.
 *
 * Errors are `{ error: { code, message, details? } }` with the GitfleetError code: 400
 * INVALID_REQUEST (bad or unknown query parameter), 404 NOT_FOUND, 405, 500 INTERNAL. The webhook
 * keeps its own `{ error: "<reason>" }` (what Git hosts show in their delivery logs).
 */
import http from 'node:http';
import {
  ErrorCode,
  GitfleetError,
  STALE_AFTER_MISSED_HEARTBEATS,
  isDnsLabel,
  toGitfleetError,
  type Logger,
} from '@gitfleet/proto';
import type { HubConfig } from '../config.ts';
import type { GitPoller } from '../git/poller.ts';
import { redactUrl } from '../git/repo-url.ts';
import { MAX_WEBHOOK_BODY_BYTES, verifyWebhook } from '../git/webhook.ts';
import type { AgentLinkServer } from '../link/agent-link-server.ts';
import type { DeliveryQueue } from '../queue/delivery-queue.ts';
import type { Resolver } from '../resolve/resolver.ts';
import type { ResolverStatus } from '../resolve/types.ts';
import type { HubStore } from '../store/port.ts';
import { OPENAPI } from './openapi.ts';
import { paginate, parsePageRequest, type Page } from './paginate.ts';
import { previewDiff, type DiffPreviewDeps } from './preview.ts';
import { authorize, parseCommand, type RolloutRouteDeps } from './rollouts.ts';
import {
  APPLICATION_KEY,
  DRIFT_KEY,
  ENVIRONMENT_KEY,
  HISTORY_KEY,
  STATUS_KEY,
  TARGET_KEY,
  applicationViews,
  driftItems,
  environmentViews,
  fleetView,
  historyItems,
  statusRows,
  targetViews,
  targetsToLoad,
  type FleetSnapshot,
  type ListKey,
  type TargetSnapshot,
} from './views.ts';

export interface HttpServerDeps {
  readonly config: Pick<
    HubConfig,
    'httpAddress' | 'webhookSecret' | 'heartbeatIntervalMs' | 'fleetRepo'
  >;
  readonly store: HubStore;
  readonly resolver: Pick<Resolver, 'fleet' | 'status' | 'trigger'>;
  readonly queue: Pick<DeliveryQueue, 'counts'>;
  readonly link: Pick<AgentLinkServer, 'connectedTargets'> &
    Partial<Pick<AgentLinkServer, 'deliveryLatency' | 'metricLines'>>;
  readonly poller: Pick<GitPoller, 'trigger' | 'status'>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Git and the fleet repository, for `GET /api/v1/diff` (absent: that route answers 404). */
  readonly preview?: DiffPreviewDeps;
  /** Rollouts and the API token of their commands (absent: those routes answer 404). */
  readonly rollouts?: RolloutRouteDeps;
  /** Unexpected errors the process guard caught (absent: not run as a binary; the metric is 0). */
  readonly unexpectedErrors?: () => number;
}

export interface RunningHttpServer {
  readonly port: number;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
  /** Ends every connection now, requests in flight included (a shutdown out of time). */
  closeConnections(): void;
}

// ---------------------------------------------------------------------------------------------
// The route table

export type Reply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType?: string };

export interface RequestContext {
  readonly deps: HttpServerDeps;
  /** Validated query parameters (empty values dropped). */
  readonly query: ReadonlyMap<string, string>;
  readonly req: http.IncomingMessage;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Every query parameter accepted; any other is refused (400). */
  readonly query: readonly string[];
  /** Parameters that must be given (400 when absent). */
  readonly required: readonly string[];
  readonly handle: (ctx: RequestContext) => Promise<Reply>;
}

/** Query parameters holding a target or app name: must be DNS labels. */
const NAME_PARAMS: ReadonlySet<string> = new Set(['target', 'app']);
const PAGE_PARAMS = ['limit', 'continue'] as const;

function invalid(parameter: string, message: string): GitfleetError {
  return new GitfleetError(ErrorCode.InvalidRequest, `query parameter ${parameter}: ${message}`, {
    terminal: true,
    details: { parameter },
  });
}

/**
 * The query of a request to `route`: known parameters only, each at most once, names valid,
 * required ones present. An empty value counts as absent.
 *
 * @throws GitfleetError INVALID_REQUEST naming the parameter
 */
export function parseQuery(params: URLSearchParams, route: Route): Map<string, string> {
  const allowed = new Set(route.query);
  const unknown = [...new Set(params.keys())].filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}: ${route.path} takes ${route.query.length === 0 ? 'none' : route.query.join(', ')}`,
      { terminal: true, details: { parameter: unknown.join(',') } },
    );
  }
  const out = new Map<string, string>();
  for (const name of route.query) {
    const values = params.getAll(name);
    if (values.length > 1) throw invalid(name, 'is given more than once');
    const v = values[0];
    if (v === undefined || v === '') continue;
    if (NAME_PARAMS.has(name) && !isDnsLabel(v))
      throw invalid(name, `${JSON.stringify(v)} is not a valid ${name} name (a DNS label)`);
    out.set(name, v);
  }
  for (const name of route.required) {
    if (!out.has(name)) throw invalid(name, `is required by ${route.path}`);
  }
  return out;
}

function pick<K extends string>(
  query: ReadonlyMap<string, string>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = query.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A paginated list route: `limit` and `continue` are checked before anything is read. */
function listRoute<T>(
  path: string,
  filters: readonly string[],
  key: ListKey<T>,
  build: (ctx: RequestContext) => Promise<T[]>,
  required: readonly string[] = [],
): Route {
  return {
    method: 'GET',
    path,
    query: [...filters, ...PAGE_PARAMS],
    required,
    handle: async (ctx) => {
      const page = parsePageRequest(
        ctx.query.get('limit') ?? null,
        ctx.query.get('continue') ?? null,
        key.shape,
      );
      const body: Page<T> = paginate(await build(ctx), key.of, page);
      return { status: 200, json: body };
    },
  };
}

/** Everything the store holds about `only` (undefined: every target the store or fleet knows). */
async function loadSnapshot(
  deps: HttpServerDeps,
  only?: readonly string[],
): Promise<FleetSnapshot> {
  const { store } = deps;
  const fleet = deps.resolver.fleet;
  const names =
    only ??
    [...new Set([...(await store.targets()), ...(fleet?.targets.map((t) => t.name) ?? [])])].sort();
  const now = (deps.now ?? Date.now)();
  const staleAfter = STALE_AFTER_MISSED_HEARTBEATS * deps.config.heartbeatIntervalMs;
  const targets = await Promise.all(
    names.map(async (name): Promise<TargetSnapshot> => ({
      name,
      connection: await store.connection(name, now, staleAfter),
      desired: await store.listDesired(name),
      reports: await store.listReports({ target: name }),
    })),
  );
  return { fleet, targets };
}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function webhook(ctx: RequestContext): Promise<Reply> {
  const { deps, req } = ctx;
  const body = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
  if (body === undefined) return { status: 413, json: { error: 'body too large' } };
  const secret = deps.config.webhookSecret;
  if (secret === undefined)
    return {
      status: 404,
      json: { error: 'webhooks are not configured (--webhook-secret-file)' },
    };
  const verdict = verifyWebhook({
    headers: req.headers,
    body,
    secrets: { github: secret, gitlab: secret, gitea: secret },
  });
  if (!verdict.ok) return { status: verdict.status, json: { error: verdict.reason } };
  // a polled repository: its fetch starts a pass when the refs moved (one pass, not two);
  // any other (an application source): a pass now
  const polled = verdict.repoUrls.map((u) => deps.poller.trigger(u)).some(Boolean);
  if (!polled) {
    // a pass records its own problems and never rejects; this catch is for the impossible
    deps.resolver.trigger().catch((err: unknown) =>
      deps.logger.error('resolve pass after a webhook failed', {
        error: toGitfleetError(err).message,
      }),
    );
  }
  return { status: 202, json: { accepted: true, ref: verdict.ref } };
}

/** The resolver's status with the poller's view of the fleet repository's fetches (views.ts). */
function fleetStatus(deps: HttpServerDeps): ResolverStatus {
  const url = redactUrl(deps.config.fleetRepo);
  return fleetView(
    deps.resolver.status,
    deps.poller.status().find((p) => p.url === url),
  );
}

async function metrics(ctx: RequestContext): Promise<Reply> {
  const { deps } = ctx;
  const rows = statusRows(await loadSnapshot(deps));
  const counts = await deps.queue.counts();
  const fleet = fleetStatus(deps);
  return {
    status: 200,
    contentType: 'text/plain; version=0.0.4',
    text: [
      '# HELP gitfleet_unexpected_errors_total Unhandled rejections and uncaught exceptions caught by the process guard.',
      '# TYPE gitfleet_unexpected_errors_total counter',
      `gitfleet_unexpected_errors_total ${String(deps.unexpectedErrors?.() ?? 0)}`,
      "# HELP gitfleet_hub_fleet_accepted 1 when the fleet at the branch's head is the one in force.",
      '# TYPE gitfleet_hub_fleet_accepted gauge',
      `gitfleet_hub_fleet_accepted ${fleet.fleetAccepted ? 1 : 0}`,
      '# HELP gitfleet_hub_fleet_problems Problems of the last resolve pass (fetch, read, fleet errors).',
      '# TYPE gitfleet_hub_fleet_problems gauge',
      `gitfleet_hub_fleet_problems ${String(fleet.problems.length + fleet.fleetProblems.filter((p) => p.severity === 'error').length)}`,
      '# TYPE gitfleet_hub_streams gauge',
      `gitfleet_hub_streams ${String(deps.link.connectedTargets().length)}`,
      '# TYPE gitfleet_hub_queue_depth gauge',
      `gitfleet_hub_queue_depth ${String(counts.waiting + counts.active + counts.delayed)}`,
      '# TYPE gitfleet_hub_app_synced gauge',
      ...rows.map(
        (x) =>
          `gitfleet_hub_app_synced{target="${x.target}",app="${x.app}"} ${x.sync === 'Synced' ? 1 : 0}`,
      ),
      '# TYPE gitfleet_hub_app_healthy gauge',
      ...rows.map(
        (x) =>
          `gitfleet_hub_app_healthy{target="${x.target}",app="${x.app}"} ${x.health === 'Healthy' ? 1 : 0}`,
      ),
      '# TYPE gitfleet_hub_app_drift gauge',
      ...rows.map(
        (x) => `gitfleet_hub_app_drift{target="${x.target}",app="${x.app}"} ${String(x.drift)}`,
      ),
      ...(deps.link.deliveryLatency?.render() ?? []),
      ...(deps.link.metricLines?.() ?? []),
      '',
    ].join('\n'),
  };
}

/** `GET /api/v1/diff`: what a revision would change on a target (./preview.ts). */
async function diff(ctx: RequestContext): Promise<Reply> {
  const { deps, query } = ctx;
  if (deps.preview === undefined) {
    return errorReply(
      new GitfleetError(ErrorCode.NotFound, 'this hub was started without diff previews'),
      404,
    );
  }
  try {
    const body = await previewDiff(
      { ...deps.preview, store: deps.store, fleet: deps.resolver.fleet },
      {
        app: query.get('app') ?? '',
        target: query.get('target') ?? '',
        revision: query.get('revision') ?? '',
      },
    );
    return { status: 200, json: body };
  } catch (err) {
    const e = toGitfleetError(err);
    // the revision does not render: the request was fine, the content is not
    const unrenderable: readonly string[] = [
      ErrorCode.ManifestInvalid,
      ErrorCode.LimitExceeded,
      ErrorCode.SourceRefused,
    ];
    if (unrenderable.includes(e.code)) return errorReply(e, 422);
    // an ambiguous abbreviated SHA or a ref naming both a branch and a tag: say which
    if (e.code === ErrorCode.ConfigInvalid) return errorReply(e, 400);
    throw e;
  }
}

function rolloutsOf(ctx: RequestContext): RolloutRouteDeps {
  const r = ctx.deps.rollouts;
  if (r === undefined) throw new GitfleetError(ErrorCode.NotFound, 'rollouts are not served here');
  return r;
}

function noRollout(app: string): GitfleetError {
  return new GitfleetError(
    ErrorCode.NotFound,
    `application "${app}" has no rollout: it is not declared, has no spec.rollout, or no revision was seen yet`,
    { details: { app } },
  );
}

/** Every route of the hub; OPENAPI documents exactly these (server.test.ts). */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/healthz',
    query: [],
    required: [],
    handle: () => Promise.resolve({ status: 200, text: 'ok' }),
  },
  {
    method: 'GET',
    path: '/readyz',
    query: [],
    required: [],
    handle: (ctx) =>
      Promise.resolve(
        // ready once a whole pass over an accepted fleet finished (HTTP is up before the first)
        ctx.deps.resolver.fleet !== undefined && ctx.deps.resolver.status.lastPassAtMs !== undefined
          ? { status: 200, text: 'ok' }
          : { status: 503, text: 'no fleet definition accepted yet' },
      ),
  },
  { method: 'GET', path: '/metrics', query: [], required: [], handle: metrics },
  { method: 'POST', path: '/webhook', query: [], required: [], handle: webhook },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    query: [],
    required: [],
    handle: () => Promise.resolve({ status: 200, json: OPENAPI }),
  },
  {
    method: 'GET',
    path: '/api/v1/fleet',
    query: [],
    required: [],
    handle: (ctx) => Promise.resolve({ status: 200, json: fleetStatus(ctx.deps) }),
  },
  listRoute('/api/v1/status', ['target', 'app', 'environment'], STATUS_KEY, async (ctx) => {
    const filter = pick(ctx.query, ['target', 'app', 'environment']);
    const snap = await loadSnapshot(ctx.deps, targetsToLoad(ctx.deps.resolver.fleet, filter));
    return statusRows(snap, filter);
  }),
  listRoute('/api/v1/targets', ['environment'], TARGET_KEY, async (ctx) => {
    const filter = pick(ctx.query, ['environment']);
    const fleet = ctx.deps.resolver.fleet;
    const only = targetsToLoad(fleet, filter);
    return targetViews(await loadSnapshot(ctx.deps, only), filter);
  }),
  listRoute('/api/v1/applications', [], APPLICATION_KEY, async (ctx) =>
    applicationViews(await loadSnapshot(ctx.deps)),
  ),
  listRoute('/api/v1/environments', [], ENVIRONMENT_KEY, async (ctx) =>
    environmentViews(await loadSnapshot(ctx.deps)),
  ),
  listRoute(
    '/api/v1/drift',
    ['target', 'app', 'environment', 'kind', 'manager'],
    DRIFT_KEY,
    async (ctx) => {
      const filter = pick(ctx.query, ['target', 'app', 'environment', 'kind', 'manager']);
      const snap = await loadSnapshot(ctx.deps, targetsToLoad(ctx.deps.resolver.fleet, filter));
      return driftItems(snap, filter);
    },
  ),
  listRoute(
    '/api/v1/history',
    ['target', 'app'],
    HISTORY_KEY,
    async (ctx) => {
      const target = ctx.query.get('target') ?? '';
      const app = ctx.query.get('app') ?? '';
      return historyItems(target, app, await ctx.deps.store.syncHistory(target, app));
    },
    ['target', 'app'],
  ),
  {
    method: 'GET',
    path: '/api/v1/rollouts',
    query: [],
    required: [],
    handle: async (ctx) => ({
      status: 200,
      json: {
        items: (await rolloutsOf(ctx).rollouts.list()).map((v) => ({
          app: v.app,
          id: v.state.id,
          phase: v.state.phase,
          fromRevision: v.state.fromRevision,
          toRevision: v.state.toRevision,
          wave: v.state.wave,
          summary: v.explanation.summary,
        })),
      },
    }),
  },
  {
    method: 'GET',
    path: '/api/v1/rollout',
    query: ['app'],
    required: ['app'],
    handle: async (ctx) => {
      const app = ctx.query.get('app') ?? '';
      const v = await rolloutsOf(ctx).rollouts.view(app);
      if (v === undefined) throw noRollout(app);
      return { status: 200, json: v };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/rollout/plan',
    query: ['app'],
    required: ['app'],
    handle: async (ctx) => {
      const app = ctx.query.get('app') ?? '';
      const plan = await rolloutsOf(ctx).rollouts.plan(app);
      if (plan === undefined) throw noRollout(app);
      return { status: 200, json: plan };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/rollout/command',
    query: ['app', 'command', 'wave', 'by'],
    required: ['app', 'command'],
    handle: async (ctx) => {
      const r = rolloutsOf(ctx);
      authorize(ctx.req, r.apiToken);
      const app = ctx.query.get('app') ?? '';
      const cmd = parseCommand(
        ctx.query.get('command') ?? '',
        ctx.query.get('wave'),
        ctx.query.get('by'),
      );
      await r.rollouts.command(app, cmd);
      return { status: 202, json: { accepted: true, app, command: cmd } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/diff',
    query: ['app', 'target', 'revision'],
    required: ['app', 'target', 'revision'],
    handle: diff,
  },
];

// ---------------------------------------------------------------------------------------------
// The adapter

function errorReply(err: GitfleetError, status: number): Reply {
  return {
    status,
    json: {
      error: {
        code: err.code,
        message: err.message,
        ...(Object.keys(err.details).length === 0 ? {} : { details: err.details }),
      },
    },
  };
}

/** Finds the route of a request and runs it; every failure becomes an error reply. */
export async function dispatch(
  deps: HttpServerDeps,
  req: http.IncomingMessage,
  url: URL,
): Promise<Reply> {
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const candidates = ROUTES.filter((r) => r.path === url.pathname);
  const route = candidates.find((r) => r.method === method);
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
    return await route.handle({ deps, req, query: parseQuery(url.searchParams, route) });
  } catch (err) {
    const e = toGitfleetError(err);
    if (e.code === ErrorCode.InvalidRequest) return errorReply(e, 400);
    if (e.code === ErrorCode.NotFound) return errorReply(e, 404);
    if (e.code === ErrorCode.Unauthorized) return errorReply(e, 401);
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
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://hub');
      let reply: Reply;
      try {
        reply = await dispatch(deps, req, url);
      } catch (err) {
        reply = errorReply(toGitfleetError(err), 500);
      }
      res.statusCode = reply.status;
      if (reply.status === 405) {
        res.setHeader(
          'allow',
          ROUTES.filter((r) => r.path === url.pathname)
            .map((r) => (r.method === 'GET' ? 'GET, HEAD' : r.method))
            .join(', '),
        );
      }
      if ('json' in reply) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(reply.json));
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
