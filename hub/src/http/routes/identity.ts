/**
 * `GET /api/v1/whoami`: who the request's token names and what it may do — the web UI shows it
 * and hides the commands the scope does not allow.
 */
import { ApiScope, authenticate } from '../../core/api-access/index.ts';
import { WhoAmI } from '../api/identity.ts';
import { NoQuery } from '../api/queries.ts';
import { whoamiView } from '../report-view.ts';
import type { Reply, RequestContext, Route } from '../route.ts';

export const WHOAMI_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/whoami',
  access: ApiScope.Read,
  query: NoQuery,
  doc: {
    operationId: 'whoami',
    summary: "The request's identity: its name, scope, and whether a static or an OIDC token.",
    tags: ['auth'],
    responses: { '200': { description: 'Who the token names.', json: WhoAmI } },
  },
  handle: (ctx: RequestContext): Promise<Reply> => {
    // a static token is looked up first (../auth.ts): it named the identity when it matches
    const staticToken =
      authenticate(ctx.req.headers.authorization, ctx.deps.config.apiTokens).kind === 'identified';
    const body: WhoAmI = whoamiView(ctx.identity, staticToken);
    return Promise.resolve({ status: 200, json: body, headers: { 'cache-control': 'no-store' } });
  },
};
