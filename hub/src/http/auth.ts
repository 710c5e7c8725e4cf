/**
 * The access check of every request, before its query is read (so that a request without a
 * token learns nothing of a route's parameters): the bearer token of the `Authorization` header
 * against the hub's tokens (../core/api-access), then the decision for the route's scope. A
 * refusal is the API's error
 * body with a `WWW-Authenticate: Bearer` challenge (RFC 6750): 401 UNAUTHORIZED without a
 * usable token, 403 FORBIDDEN for a token without the scope. Refusals to a known identity are
 * logged (who, what); no token is ever logged.
 */
import type http from 'node:http';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import {
  authenticate,
  decideAccess,
  type ApiIdentity,
  type ApiScope,
} from '../core/api-access/index.ts';
import type { HttpServerDeps } from './deps.ts';
import { errorReply, type Reply } from './route.ts';

const REALM = 'gitfleet-hub';

/**
 * Whether a request to `operation` needing `needed` may proceed: its identity (undefined on an
 * open route), or the refusal to answer with.
 */
export function checkAccess(
  deps: Pick<HttpServerDeps, 'config' | 'logger'>,
  req: http.IncomingMessage,
  operation: string,
  needed: ApiScope | undefined,
): { readonly identity?: ApiIdentity } | { readonly refused: Reply } {
  if (needed === undefined) return {};
  const decision = decideAccess({
    operation,
    needed,
    authentication: authenticate(req.headers.authorization, deps.config.apiTokens),
    configured: deps.config.apiTokens.length > 0,
  });
  switch (decision.kind) {
    case 'open':
      return {};
    case 'allowed':
      return { identity: decision.identity };
    case 'unauthenticated':
      return {
        refused: errorReply(
          new GitfleetError(ErrorCode.Unauthorized, decision.message, {
            details: { scope: needed },
          }),
          401,
          {
            'www-authenticate': `Bearer realm="${REALM}"${decision.invalidToken ? ', error="invalid_token"' : ''}, scope="${needed}"`,
          },
        ),
      };
    case 'forbidden':
      deps.logger.info('api request refused: the token lacks the scope', {
        operation,
        identity: decision.identity.name,
        scope: decision.identity.scope,
        needed,
      });
      return {
        refused: errorReply(
          new GitfleetError(ErrorCode.Forbidden, decision.message, {
            details: { scope: needed },
          }),
          403,
          {
            'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${needed}"`,
          },
        ),
      };
  }
}
