/**
 * The fleet routes: the fleet definition's status and the paginated views — status per
 * (target, app), targets, applications, environments, drift and sync history. Each list checks
 * `limit` and `continue` before it reads anything, then reads only the targets it shows.
 */
import type { TObject, TSchema } from 'typebox';
import { ApiScope } from '../../core/api-access/index.ts';
import { FleetStatus } from '../api/fleet-status.ts';
import {
  ApplicationList,
  DriftList,
  EnvironmentList,
  HistoryList,
  StatusList,
  TargetList,
} from '../api/fleet.ts';
import {
  DriftQuery,
  HistoryQuery,
  NoQuery,
  PageQuery,
  StatusQuery,
  TargetsQuery,
} from '../api/queries.ts';
import { paginate, parsePageRequest, type Page } from '../paginate.ts';
import { errorResponse, type ResponseDoc, type RequestContext, type Route } from '../route.ts';
import { fleetStatus, loadSnapshot } from '../snapshot.ts';
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
  historyItems,
  statusRows,
  targetViews,
  targetsToLoad,
  type ListKey,
} from '../views.ts';

/** The query values of `keys` that were given. */
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

const BAD_QUERY = errorResponse(
  'A bad query parameter: unknown, given twice, a bad `limit` or `continue`, or a name that is not a DNS label.',
);
const NO_ENVIRONMENT = errorResponse('The `environment` is not declared in the fleet in force.');

interface ListDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  /** The schema of a page. */
  readonly list: TSchema;
  readonly notFound?: ResponseDoc;
}

/** A paginated list route: `limit` and `continue` are checked before anything is read. */
function listRoute<T>(
  path: string,
  query: TObject,
  doc: ListDoc,
  key: ListKey<T>,
  build: (ctx: RequestContext) => Promise<T[]>,
): Route {
  return {
    method: 'GET',
    path,
    access: ApiScope.Read,
    query,
    doc: {
      operationId: doc.operationId,
      summary: doc.summary,
      description: doc.description,
      tags: ['fleet'],
      responses: {
        '200': { description: 'One page of the list.', json: doc.list },
        '400': BAD_QUERY,
        ...(doc.notFound === undefined ? {} : { '404': doc.notFound }),
      },
    },
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

export const FLEET_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/fleet',
    access: ApiScope.Read,
    query: NoQuery,
    doc: {
      operationId: 'fleet',
      summary:
        "The fleet definition: the branch's head and whether its fleet is in force, the commit in force, every problem (fetch, read, limits, fleet errors) and render failures.",
      tags: ['fleet'],
      responses: { '200': { description: 'The resolver status.', json: FleetStatus } },
    },
    handle: (ctx) => {
      const body: FleetStatus = fleetStatus(ctx.deps);
      return Promise.resolve({ status: 200, json: body });
    },
  },
  listRoute(
    '/api/v1/status',
    StatusQuery,
    {
      operationId: 'listStatus',
      summary: 'Status per (target, application).',
      description:
        'Desired version and revision, delivery, the last report (revision, sync, health, drift count, error) and the connection of the target. An app on a target that is not Connected is never Healthy.',
      list: StatusList,
      notFound: NO_ENVIRONMENT,
    },
    STATUS_KEY,
    async (ctx) => {
      const filter = pick(ctx.query, ['target', 'app', 'environment']);
      const snap = await loadSnapshot(ctx.deps, targetsToLoad(ctx.deps.resolver.fleet, filter));
      return statusRows(snap, filter);
    },
  ),
  listRoute(
    '/api/v1/targets',
    TargetsQuery,
    {
      operationId: 'listTargets',
      summary: 'Targets: labels, environment, connection state, last seen, app counts.',
      description:
        'Every target the fleet declares or the hub holds state for. Connection: Connected, Stale (silent for 3 heartbeat intervals) or Disconnected.',
      list: TargetList,
      notFound: NO_ENVIRONMENT,
    },
    TARGET_KEY,
    async (ctx) => {
      const filter = pick(ctx.query, ['environment']);
      const only = targetsToLoad(ctx.deps.resolver.fleet, filter);
      return targetViews(await loadSnapshot(ctx.deps, only), filter);
    },
  ),
  listRoute(
    '/api/v1/applications',
    PageQuery,
    {
      operationId: 'listApplications',
      summary: 'Applications across targets: placement and counts.',
      description: 'Every application the fleet declares or the hub holds desired state of.',
      list: ApplicationList,
    },
    APPLICATION_KEY,
    async (ctx) => applicationViews(await loadSnapshot(ctx.deps)),
  ),
  listRoute(
    '/api/v1/environments',
    PageQuery,
    {
      operationId: 'listEnvironments',
      summary: 'Environments: targets, pins, desired commits per app, counts.',
      description: 'Every environment of the fleet in force (none before a fleet is accepted).',
      list: EnvironmentList,
    },
    ENVIRONMENT_KEY,
    async (ctx) => environmentViews(await loadSnapshot(ctx.deps)),
  ),
  listRoute(
    '/api/v1/drift',
    DriftQuery,
    {
      operationId: 'listDrift',
      summary: 'Fleet-wide drift report.',
      description:
        'Drift records of the last reports: the object, the fields with desired and live values, the field manager that changed them, first and last seen, and what the agent did.',
      list: DriftList,
      notFound: NO_ENVIRONMENT,
    },
    DRIFT_KEY,
    async (ctx) => {
      const filter = pick(ctx.query, ['target', 'app', 'environment', 'kind', 'manager']);
      const snap = await loadSnapshot(ctx.deps, targetsToLoad(ctx.deps.resolver.fleet, filter));
      return driftItems(snap, filter);
    },
  ),
  listRoute(
    '/api/v1/history',
    HistoryQuery,
    {
      operationId: 'listHistory',
      summary: 'Sync history of one (target, application), newest first.',
      description: 'Transitions of sync state or revision (the last 50).',
      list: HistoryList,
    },
    HISTORY_KEY,
    async (ctx) => {
      const target = ctx.query.get('target') ?? '';
      const app = ctx.query.get('app') ?? '';
      return historyItems(target, app, await ctx.deps.store.syncHistory(target, app));
    },
  ),
];
