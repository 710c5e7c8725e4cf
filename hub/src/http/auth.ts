/**
 * The access check of every request, before its query is read (so that a request without a
 * token learns nothing of a route's parameters): the bearer token of the `Authorization` header
 * against the hub's static tokens (../core/api-access), else — a token of the form of a JWT,
 * with OIDC configured — verified as an OIDC token (./oidc.ts); then the decision for the
 * route's scope. A refusal is the API's error body with a `WWW-Authenticate: Bearer` challenge
 * (RFC 6750): 401 UNAUTHORIZED without a usable token, 403 FORBIDDEN for a token without the
 * scope, 503 UNAVAILABLE when an OIDC token cannot be checked because the issuer's keys are out
 * of reach. Refusals to a known identity are logged (who, what); no token is ever logged.
 */
import type http from 'node:http';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import {
  authenticate,
  bearerToken,
  decideAccess,
  looksLikeJwt,
  type ApiIdentity,
  type ApiScope,
  type Authentication,
} from '../core/api-access/index.ts';
import type { HttpServerDeps } from './deps.ts';
import { errorReply, type Reply } from './route.ts';

const REALM = 'gitfleet-hub';

/**
 * Who the request's credentials name: a static token (looked up first, in constant time), else
 * an OIDC token when the hub accepts them and the bearer has the form of a JWT.
 */
async function authenticationOf(
  deps: Pick<HttpServerDeps, 'config' | 'oidc'>,
  header: string | undefined,
): Promise<Authentication> {
  const authn = authenticate(header, deps.config.apiTokens);
  if (authn.kind !== 'unknown' || deps.oidc === undefined) return authn;
  const bearer = bearerToken(header);
  if (typeof bearer !== 'object' || !looksLikeJwt(bearer.token)) return authn;
  return deps.oidc.authenticate(bearer.token);
}

/**
 * Whether a request to `operation` needing `needed` may proceed: its identity (undefined on an
 * open route), or the refusal to answer with.
 */
export async function checkAccess(
  deps: Pick<HttpServerDeps, 'config' | 'logger' | 'oidc'>,
  req: http.IncomingMessage,
  operation: string,
  needed: ApiScope | undefined,
): Promise<{ readonly identity?: ApiIdentity } | { readonly refused: Reply }> {
  if (needed === undefined) return {};
  const decision = decideAccess({
    operation,
    needed,
    authentication: await authenticationOf(deps, req.headers.authorization),
    configured: deps.config.apiTokens.length > 0 || deps.oidc !== undefined,
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
    case 'unavailable':
      return {
        refused: errorReply(
          new GitfleetError(ErrorCode.Unavailable, decision.message, {
            details: { scope: needed },
          }),
          503,
          { 'retry-after': '5' },
        ),
      };
    case 'forbidden':
      deps.logger.info('api request refused: the token lacks the scope', {
        operation,
        identity: decision.identity.name,
        scope: decision.identity.scope ?? 'none',
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
