/**
 * The pin routes: every pin in force with the commit that set it (scope read), and a promotion
 * of an application from one environment to the next as a commit to the fleet branch (scope
 * operate; the author is the name of the token). A hub without them answers 404.
 *
 * A refused promotion is 409 with code PREREQUISITE_MISSING and `details.reasons` (one line per
 * target of the source environment that does not run the application healthily yet). Git
 * failures name the repository and what to do: 502 when the Git server refused or failed the
 * fetch or push (GIT_AUTH_FAILED: give the hub a token that may push), 409 APPLY_CONFLICT when
 * the branch kept moving, 409 FLEET_INVALID when the hub would refuse the fleet after the change.
 */
import Type from 'typebox';
import { ErrorCode, GitfleetError, isGitfleetError } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import { NoQuery } from '../api/queries.ts';
import { PinList, PromoteQuery, Promotion, PromotionRefused } from '../api/pins.ts';
import { ErrorBody } from '../api/schema.ts';
import { listPins, promote, type PinRouteDeps } from '../pins.ts';
import {
  errorReply,
  errorResponse,
  type Reply,
  type RequestContext,
  type Route,
} from '../route.ts';

function pinsOf(ctx: RequestContext): PinRouteDeps {
  const p = ctx.deps.pins;
  if (p === undefined) throw new GitfleetError(ErrorCode.NotFound, 'pins are not served here');
  return p;
}

/** The status of a promotion that failed with `code`, or undefined for the dispatcher's. */
function statusOf(code: string): number | undefined {
  switch (code) {
    case ErrorCode.GitAuthFailed:
    case ErrorCode.GitFetchFailed:
    case ErrorCode.SourceRefused:
    case ErrorCode.LimitExceeded:
      return 502;
    case ErrorCode.Unavailable:
      return 503;
    case ErrorCode.ApplyConflict:
    case ErrorCode.FleetInvalid:
      return 409;
    default:
      return undefined;
  }
}

const NOT_SERVED = errorResponse('This hub serves no pins.');
/** Reasons quoted in a refusal's message (all of them are in `details.reasons`). */
const MAX_REASONS_SHOWN = 5;

function shown(reasons: readonly string[]): string {
  const more = reasons.length - MAX_REASONS_SHOWN;
  return [
    ...reasons.slice(0, MAX_REASONS_SHOWN),
    ...(more > 0 ? [`and ${String(more)} more`] : []),
  ].join('; ');
}

export const PIN_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/pins',
    access: ApiScope.Read,
    query: NoQuery,
    doc: {
      operationId: 'listPins',
      summary: 'Every pin in force, where it is written, and the commit that set it.',
      description:
        'Environment pins and per-target pins of the fleet commit in force. setBy is the newest commit on the fleet branch where the pin took its current value, found by walking the history of its file (at most 500 commits per file: past that, setBy is absent and truncated is true). Computed once per commit in force.',
      tags: ['fleet'],
      responses: {
        '200': { description: 'The pins.', json: PinList },
        '404': NOT_SERVED,
        '503': errorResponse(
          'The fleet commit in force is not in the Git cache yet (a fleet restored before its first fetch).',
        ),
      },
    },
    handle: async (ctx) => {
      try {
        const body: PinList = await listPins(ctx.deps, pinsOf(ctx));
        return { status: 200, json: body };
      } catch (err) {
        if (isGitfleetError(err, ErrorCode.Unavailable)) return errorReply(err, 503);
        throw err;
      }
    },
  },
  {
    method: 'POST',
    path: '/api/v1/promote',
    access: ApiScope.Operate,
    query: PromoteQuery,
    doc: {
      operationId: 'promote',
      summary:
        'Pin an application in the next environment to the revision the previous one runs healthily, as a commit to the fleet branch.',
      description:
        'Allowed when every target of `from` the application is placed on reports it Synced and Healthy, Connected, at the revision it is meant to run, all at one revision. The commit edits the pin in the file declaring `to` as `gitfleet promote` does; its author is the name of the bearer token, its committer gitfleet. A pass of the resolver starts at once.',
      tags: ['fleet'],
      responses: {
        '200': { description: 'Promoted (or `to` already had that pin).', json: Promotion },
        '400': errorResponse('A bad query parameter, or `from` and `to` are the same.'),
        '404': errorResponse(
          'The application or an environment is not declared, or this hub serves no pins.',
        ),
        '409': {
          description:
            'Refused: PREREQUISITE_MISSING with `details.reasons` when `from` does not run the application healthily everywhere; APPLY_CONFLICT when the fleet branch kept moving; FLEET_INVALID when the hub would refuse the fleet after the change.',
          json: Type.Union([PromotionRefused, ErrorBody]),
        },
        '502': errorResponse(
          'The fleet repository refused or failed the fetch or push (GIT_AUTH_FAILED: give the hub a token that may push, an entry of --repo-creds-file or --fleet-token-file).',
        ),
        '503': errorResponse('No fleet definition is in force yet.'),
      },
    },
    handle: async (ctx): Promise<Reply> => {
      const app = ctx.query.get('app') ?? '';
      const from = ctx.query.get('from') ?? '';
      const to = ctx.query.get('to') ?? '';
      const reason = ctx.query.get('reason');
      try {
        const outcome = await promote(ctx.deps, pinsOf(ctx), {
          app,
          from,
          to,
          ...(reason === undefined ? {} : { reason }),
          by: ctx.identity?.name ?? '',
        });
        if (outcome.ok) {
          const body: Promotion = outcome.promotion;
          return { status: 200, json: body };
        }
        ctx.deps.logger.info('promotion refused', {
          app,
          from,
          to,
          by: ctx.identity?.name ?? '',
          reasons: outcome.reasons.length,
        });
        const body: PromotionRefused = {
          error: {
            code: ErrorCode.PrerequisiteMissing,
            message: `not promoting ${app} from ${from} to ${to}: ${from} does not run it healthily everywhere yet (${shown(outcome.reasons)}); wait until it does (GET /api/v1/status?app=${app}&environment=${from}), or pin ${to} by hand (gitfleet pin ${app} REVISION --env ${to})`,
            details: { reasons: [...outcome.reasons], app, from, to },
          },
        };
        return { status: 409, json: body };
      } catch (err) {
        const status = isGitfleetError(err) ? statusOf(err.code) : undefined;
        if (status === undefined || !isGitfleetError(err)) throw err;
        ctx.deps.logger.warn('promotion failed', {
          app,
          from,
          to,
          code: err.code,
          error: err.message,
        });
        return errorReply(err, status);
      }
    },
  },
];
