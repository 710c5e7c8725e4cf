/**
 * The target routes of the agent identity (docs/security.md, "Registration, renewal and
 * revocation"), both scope admin: create a one-time registration token for a target (shown once,
 * in the answer; the hub keeps its SHA-256), and revoke a target's certificates (every one issued
 * until now is refused on Connect and Renew, and its open streams end). The target must be
 * declared in the fleet in force for a token; any target name may be revoked. Nothing of a token
 * is logged. A hub without these deps answers 404.
 */
import type http from 'node:http';
import { ErrorCode, GitfleetError, isDnsLabel } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { DEFAULT_TOKEN_TTL_MS, tokenTtlProblem } from '../../core/registration/index.ts';
import { parseDuration } from '../../core/time/index.ts';
import type { RegistrationRouteDeps } from '../deps.ts';
import { NoQuery } from '../api/queries.ts';
import {
  RegistrationToken,
  RegistrationTokenRequest,
  Revocation,
  TargetPath,
} from '../api/targets.ts';
import { errorResponse, type RequestContext, type Route } from '../route.ts';

/** The largest body accepted (`{"ttl": "…"}` is a few bytes). */
const MAX_BODY_BYTES = 4 * 1024;

const invalid = (message: string, parameter: string): GitfleetError =>
  new GitfleetError(ErrorCode.InvalidRequest, message, {
    terminal: true,
    details: { parameter },
  });

function depsOf(ctx: RequestContext): RegistrationRouteDeps {
  const r = ctx.deps.registration;
  if (r === undefined) {
    throw new GitfleetError(ErrorCode.NotFound, 'registration is not served here');
  }
  return r;
}

function targetOf(ctx: RequestContext): string {
  const target = ctx.params.get('target') ?? '';
  if (!isDnsLabel(target)) {
    throw invalid(
      `target ${JSON.stringify(target)} is not a valid target name (a DNS label)`,
      'target',
    );
  }
  return target;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const chunk = c as Buffer;
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw invalid(`the body is over ${String(MAX_BODY_BYTES)} bytes`, 'body');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('the body is not JSON: send {"ttl": "1h"} or nothing', 'body');
  }
}

/** The TTL a request asks for (default 1h). @throws GitfleetError INVALID_REQUEST */
export function requestedTtlMs(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the body is not a JSON object: send {"ttl": "1h"} or nothing', 'body');
  }
  const extra = Object.keys(body).filter((k) => k !== 'ttl');
  if (extra.length > 0)
    throw invalid(`unknown field ${extra.join(', ')}: the body takes ttl`, 'body');
  const ttl = (body as { ttl?: unknown }).ttl;
  if (ttl === undefined) return DEFAULT_TOKEN_TTL_MS;
  if (typeof ttl !== 'string') throw invalid('ttl: a duration string such as "1h"', 'ttl');
  const d = parseDuration(ttl);
  const problem = 'problem' in d ? d.problem : tokenTtlProblem(d.ms);
  if (problem !== undefined) throw invalid(`ttl ${JSON.stringify(ttl)} ${problem}`, 'ttl');
  return 'ms' in d ? d.ms : DEFAULT_TOKEN_TTL_MS;
}

const NOT_SERVED = errorResponse('This hub serves no registration.');

export const TARGET_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/v1/targets/{target}/registration-token',
    params: TargetPath,
    access: ApiScope.Admin,
    query: NoQuery,
    doc: {
      operationId: 'createRegistrationToken',
      summary: 'A one-time registration token for an agent of the target.',
      description:
        'The token is shown once, in this answer; the hub keeps only its SHA-256. The first Register that presents it consumes it, whatever the outcome. The target must be declared in the fleet in force. Needs an API token of scope admin; logged with its name, never with the token.',
      tags: ['targets'],
      requestBody: RegistrationTokenRequest,
      responses: {
        '201': { description: 'The token.', json: RegistrationToken },
        '400': errorResponse('A bad target name, body or ttl.'),
        '404': errorResponse(
          'The target is not declared in the fleet in force (or none is in force yet), or this hub serves no registration.',
        ),
      },
    },
    handle: async (ctx) => {
      const r = depsOf(ctx);
      const target = targetOf(ctx);
      const ttlMs = requestedTtlMs(await readJson(ctx.req));
      const declared = r.isDeclared(target);
      if (declared !== true) {
        throw new GitfleetError(
          ErrorCode.NotFound,
          declared === undefined
            ? `no fleet definition is in force yet, so target ${target} cannot be checked: try again once the hub has read the fleet`
            : `target ${target} is not declared in the fleet in force: declare it first`,
          { details: { target } },
        );
      }
      const created = await r.store.createToken(target, ttlMs, (r.now ?? Date.now)());
      const expiresAt = new Date(created.expiresAtMs).toISOString();
      ctx.deps.logger.info('registration token created', {
        target,
        expiresAt,
        by: ctx.identity?.name ?? '',
      });
      const body: RegistrationToken = { token: created.token, target, expiresAt };
      return { status: 201, json: body };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/targets/{target}/revoke',
    params: TargetPath,
    access: ApiScope.Admin,
    query: NoQuery,
    doc: {
      operationId: 'revokeTarget',
      summary: 'Revoke every certificate of the target issued until now.',
      description:
        "Records a cutoff (Redis's time): every certificate of the target whose notBefore is at or before it is refused on Connect and Renew, and its open streams end on every replica within about two seconds. The agent registers again with a new registration token. Needs an API token of scope admin.",
      tags: ['targets'],
      responses: {
        '200': { description: 'Revoked.', json: Revocation },
        '400': errorResponse('A bad target name.'),
        '404': NOT_SERVED,
      },
    },
    handle: async (ctx) => {
      const r = depsOf(ctx);
      const target = targetOf(ctx);
      const cutoff = await r.store.revoke(target);
      const revokedAt = new Date(cutoff).toISOString();
      ctx.deps.logger.warn('target revoked: its certificates issued until now are refused', {
        target,
        revokedAt,
        by: ctx.identity?.name ?? '',
      });
      const body: Revocation = { target, revokedAt, revokedAtMs: cutoff };
      return { status: 200, json: body };
    },
  },
];
