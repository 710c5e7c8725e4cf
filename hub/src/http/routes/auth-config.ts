/**
 * `GET /api/v1/auth/config`, open (the sign-in page asks it before anyone holds a token): how the
 * web UI may sign in besides an API token — the OIDC issuer and the browser client id and scopes
 * of `--oidc-client-id` (../../core/api-access/oidc-browser.ts). Nothing secret: the same issuer,
 * client id and scopes are in every authorization request the browser sends.
 */
import { authConfigOf } from '../../core/api-access/index.ts';
import { AuthConfig } from '../api/auth.ts';
import { NoQuery } from '../api/queries.ts';
import type { Reply, RequestContext, Route } from '../route.ts';

export const AUTH_CONFIG_ROUTE: Route = {
  method: 'GET',
  path: '/api/v1/auth/config',
  access: 'open',
  query: NoQuery,
  doc: {
    operationId: 'authConfig',
    summary: 'How the web UI may sign in: the OIDC issuer and browser client, when configured.',
    description:
      'Open (no token). `oidc` is absent unless the hub accepts OIDC tokens and has --oidc-client-id.',
    tags: ['auth'],
    responses: { '200': { description: 'The sign-in options.', json: AuthConfig } },
  },
  handle: (ctx: RequestContext): Promise<Reply> => {
    const body: AuthConfig = authConfigOf(ctx.deps.config.oidc);
    return Promise.resolve({ status: 200, json: body, headers: { 'cache-control': 'no-store' } });
  },
};
