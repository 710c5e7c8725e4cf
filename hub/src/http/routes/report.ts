/**
 * `GET /api/v1/report?target&app`: the last StatusReport of one (target, application), in full
 * (../report-view.ts): each object's apply action and health, drift records with Secret values
 * masked, unmanaged objects, the app-level error. 404 until the agent has reported on the pair.
 */
import { ErrorCode, GitfleetError, STALE_AFTER_MISSED_HEARTBEATS } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { PairQuery } from '../api/queries.ts';
import { PairReport } from '../api/report.ts';
import { reportView } from '../report-view.ts';
import { errorResponse, type Reply, type RequestContext, type Route } from '../route.ts';

export const REPORT_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/report',
  access: ApiScope.Read,
  query: PairQuery,
  doc: {
    operationId: 'report',
    summary: 'The last report of one (target, application): objects, drift, unmanaged, error.',
    description:
      "What the agent last said of the application: sync and health, each object with the last apply's action, its health and message, the drift records (Secret values as fingerprints, as in GET /api/v1/drift), the unmanaged objects and the app-level error. Health is Unknown while the target is not Connected.",
    tags: ['fleet'],
    responses: {
      '200': { description: 'The last report.', json: PairReport },
      '404': errorResponse('The agent has not reported on this (target, application).'),
    },
  },
  handle: async (ctx: RequestContext): Promise<Reply> => {
    const { store, config } = ctx.deps;
    const target = ctx.query.get('target') ?? '';
    const app = ctx.query.get('app') ?? '';
    const now = (ctx.deps.now ?? Date.now)();
    const [report, connection] = await Promise.all([
      store.getReport(target, app),
      store.connection(target, now, STALE_AFTER_MISSED_HEARTBEATS * config.heartbeatIntervalMs),
    ]);
    if (report === undefined) {
      throw new GitfleetError(
        ErrorCode.NotFound,
        `no report of application "${app}" on target "${target}": its agent has not reported on it`,
        { terminal: true, details: { target, app } },
      );
    }
    const body: PairReport = reportView(report, connection.state);
    return { status: 200, json: body };
  },
};
