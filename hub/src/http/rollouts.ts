/**
 * The rollout routes: read a rollout and its explanation, preview the plan, and send a command
 * (pause, resume, abort, rollback, approve a wave). Commands change state, so they need the API
 * token (`--api-token-file`, `Authorization: Bearer …`), compared in constant time; without a
 * configured token they are refused, never open.
 */
import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { ErrorCode, GitfleetError } from '@gitfleet/proto';
import type { RolloutCommand } from '../core/rollout/index.ts';
import type { RolloutController } from '../rollout/controller.ts';

/** What the rollout routes need of the hub. */
export interface RolloutRouteDeps {
  readonly rollouts: Pick<RolloutController, 'list' | 'view' | 'plan' | 'command'>;
  /** Bearer token of state-changing routes; undefined: they answer 403. */
  readonly apiToken: string | undefined;
}

export const ROLLOUT_COMMANDS = ['pause', 'resume', 'abort', 'rollback', 'approve'] as const;
export type RolloutCommandName = (typeof ROLLOUT_COMMANDS)[number];

/** Who may change state: the bearer token, compared in constant time. */
export function authorize(req: http.IncomingMessage, token: string | undefined): void {
  if (token === undefined) {
    throw new GitfleetError(
      ErrorCode.Unauthorized,
      'state-changing API routes are off: start the hub with --api-token-file',
    );
  }
  const presented = Buffer.from(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new GitfleetError(
      ErrorCode.Unauthorized,
      'a valid API token is required: send Authorization: Bearer <token of --api-token-file>',
    );
  }
}

/**
 * The command a request asks for.
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
