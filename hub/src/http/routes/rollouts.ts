/**
 * The rollout routes: read a rollout and its explanation, preview the plan (scope read), and send
 * a command (pause, resume, abort, rollback, approve a wave; scope operate). The sender of a
 * command is the name of its token (../auth.ts), recorded in the rollout's history and logged; a
 * `by` parameter is refused like any unknown one. A hub without rollouts answers 404.
 */
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import { ApiScope } from '../../core/api-access/index.ts';
import type { RolloutCommand } from '../../core/rollout/index.ts';
import type { RolloutRouteDeps } from '../deps.ts';
import {
  AppQuery,
  NoQuery,
  ROLLOUT_COMMANDS,
  RolloutCommandQuery,
  type RolloutCommandName,
} from '../api/queries.ts';
import { Rollout, RolloutCommandAccepted, RolloutList, RolloutPlan } from '../api/rollouts.ts';
import { errorResponse, type RequestContext, type Route } from '../route.ts';

/** What the rollout routes need of the hub. */
export type { RolloutRouteDeps } from '../deps.ts';

/**
 * The command a request asks for, sent by `by` (the name of the request's token).
 *
 * @throws GitfleetError INVALID_REQUEST naming the parameter
 */
export function parseCommand(
  name: string,
  wave: string | undefined,
  by: string | undefined,
): RolloutCommand {
  if (!(ROLLOUT_COMMANDS as readonly string[]).includes(name)) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `query parameter command: ${JSON.stringify(name)} is not one of ${ROLLOUT_COMMANDS.join(', ')}`,
      { terminal: true, details: { parameter: 'command' } },
    );
  }
  const who = by === undefined ? {} : { by: by.slice(0, 200) };
  if (name === 'approve') {
    if (wave === undefined) {
      throw new GitfleetError(
        ErrorCode.InvalidRequest,
        'query parameter wave: is required by command approve (the wave to let start)',
        { terminal: true, details: { parameter: 'wave' } },
      );
    }
    return { kind: 'approve', wave, ...who };
  }
  if (wave !== undefined) {
    throw new GitfleetError(
      ErrorCode.InvalidRequest,
      `query parameter wave: only command approve takes a wave`,
      { terminal: true, details: { parameter: 'wave' } },
    );
  }
  return { kind: name as Exclude<RolloutCommandName, 'approve'>, ...who };
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

const BAD_QUERY = errorResponse('A bad query parameter.');
const NOT_SERVED = errorResponse('This hub serves no rollouts.');

export const ROLLOUT_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/v1/rollouts',
    access: ApiScope.Read,
    query: NoQuery,
    doc: {
      operationId: 'listRollouts',
      summary: 'Every rollout: phase, revisions, current wave and a one-line summary.',
      tags: ['rollouts'],
      responses: {
        '200': { description: 'The rollouts.', json: RolloutList },
        '404': NOT_SERVED,
      },
    },
    handle: async (ctx) => {
      const body: RolloutList = {
        items: (await rolloutsOf(ctx).rollouts.list()).map((v) => ({
          app: v.app,
          id: v.state.id,
          phase: v.state.phase,
          fromRevision: v.state.fromRevision,
          toRevision: v.state.toRevision,
          wave: v.state.wave,
          summary: v.explanation.summary,
        })),
      };
      return { status: 200, json: body };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/rollout',
    access: ApiScope.Read,
    query: AppQuery,
    doc: {
      operationId: 'getRollout',
      summary: "One application's rollout, with every target's wave, state and reason.",
      tags: ['rollouts'],
      responses: {
        '200': { description: 'The rollout.', json: Rollout },
        '400': BAD_QUERY,
        '404': errorResponse(
          'The application has no rollout (no spec.rollout, or no revision seen yet), or this hub serves none.',
        ),
      },
    },
    handle: async (ctx) => {
      const app = ctx.query.get('app') ?? '';
      const v = await rolloutsOf(ctx).rollouts.view(app);
      if (v === undefined) throw noRollout(app);
      const body: Rollout = v;
      return { status: 200, json: body };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/rollout/plan',
    access: ApiScope.Read,
    query: AppQuery,
    doc: {
      operationId: 'planRollout',
      summary: 'Which target is in which wave and why, and what would hold it back.',
      tags: ['rollouts'],
      responses: {
        '200': { description: 'The plan.', json: RolloutPlan },
        '400': BAD_QUERY,
        '404': errorResponse(
          'The application has no spec.rollout, or this hub serves no rollouts.',
        ),
      },
    },
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
    access: ApiScope.Operate,
    query: RolloutCommandQuery,
    doc: {
      operationId: 'commandRollout',
      summary: 'Pause, resume, abort or roll back a rollout, or approve a gated wave.',
      description:
        'The sender recorded in the rollout history is the name of the bearer token. The command is queued and applied by the next step (within the rollout interval).',
      tags: ['rollouts'],
      responses: {
        '202': { description: 'Queued.', json: RolloutCommandAccepted },
        '400': errorResponse('A bad query parameter (unknown command, approve without a wave …).'),
        '404': errorResponse('The application has no rollout, or this hub serves none.'),
      },
    },
    handle: async (ctx) => {
      const r = rolloutsOf(ctx);
      const app = ctx.query.get('app') ?? '';
      const command = parseCommand(
        ctx.query.get('command') ?? '',
        ctx.query.get('wave'),
        ctx.identity?.name,
      );
      await r.rollouts.command(app, command);
      ctx.deps.logger.info('rollout command accepted', {
        app,
        command: command.kind,
        ...(command.kind === 'approve' ? { wave: command.wave } : {}),
        by: command.by ?? '',
      });
      const body: RolloutCommandAccepted = { accepted: true, app, command };
      return { status: 202, json: body };
    },
  },
];
