/**
 * `gitfleet registration-token TARGET [--ttl D]` and `gitfleet revoke TARGET`: the hub's target
 * routes with an API token of scope admin (a missing or weaker one: the hub's 401 or 403, whose
 * message names the scope). The registration token is printed on stdout only —
 * one line, nothing else — so that it can go straight into a file.
 */
import type { RegistrationToken, Revocation } from '../http/api/targets.ts';
import { hubClient, name, printJson, str, type CommandContext } from './context.ts';
import { usageError } from './errors.ts';

function targetArg(ctx: CommandContext): string {
  const target = name(ctx, 'TARGET', ctx.cmd.positionals[0]);
  if (target === undefined) throw usageError('TARGET is required', ctx.cmd.spec.name);
  return target;
}

export async function registrationToken(ctx: CommandContext): Promise<number> {
  const target = targetArg(ctx);
  const ttl = str(ctx, 'ttl');
  const body: RegistrationToken = await hubClient(ctx).post<RegistrationToken>(
    `/api/v1/targets/${encodeURIComponent(target)}/registration-token`,
    {},
    {},
    ttl === undefined ? {} : { ttl },
  );
  if (ctx.json) printJson(ctx, body);
  else {
    ctx.out(body.token);
    ctx.note(
      `registration token for ${body.target}, once, until ${body.expiresAt}: give it to the agent (--registration-token-file)`,
    );
  }
  return 0;
}

export async function revoke(ctx: CommandContext): Promise<number> {
  const target = targetArg(ctx);
  const body = await hubClient(ctx).post<Revocation>(
    `/api/v1/targets/${encodeURIComponent(target)}/revoke`,
    {},
  );
  if (ctx.json) printJson(ctx, body);
  else {
    ctx.out(
      `revoked ${body.target} at ${body.revokedAt}: its certificates issued until then are refused and its streams end`,
    );
    ctx.note(`give its agent a new registration token: gitfleet registration-token ${body.target}`);
  }
  return 0;
}
