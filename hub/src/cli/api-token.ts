/**
 * The bearer token the CLI sends the hub on every request: the file of --api-token-file, else
 * GITFLEET_API_TOKEN (the token itself), else the file of GITFLEET_API_TOKEN_FILE. Its scope, as
 * the hub's --api-tokens-file gives it, decides what the CLI may do: read (every command that
 * only reads), operate (rollout commands). The token is never printed.
 */
import { readFileSync } from 'node:fs';
import type { ParsedCommand } from './parse.ts';
import { CliError, ExitCode } from './errors.ts';

/** Where the token may come from: the command's options and the environment. */
export interface TokenSources {
  readonly cmd: ParsedCommand;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const FLAG = 'api-token-file';

/** Where to give a token, for messages. */
export const TOKEN_HINT = '--api-token-file (or GITFLEET_API_TOKEN_FILE), or GITFLEET_API_TOKEN';

/**
 * The API token, if one is given.
 *
 * @throws CliError exit 2 when the file cannot be read or is empty
 */
export function apiToken(ctx: TokenSources): string | undefined {
  const from = ctx.cmd.from.get(FLAG);
  const value = ctx.cmd.values.get(FLAG);
  const file = typeof value === 'string' ? value : undefined;
  const envToken = (ctx.env['GITFLEET_API_TOKEN'] ?? '').trim();
  if (file !== undefined && (from === `--${FLAG}` || envToken === '')) {
    let token: string;
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new CliError(
        ExitCode.Usage,
        `${from ?? `--${FLAG}`}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (token === '')
      throw new CliError(ExitCode.Usage, `${from ?? `--${FLAG}`}: ${file} is empty`);
    return token;
  }
  return envToken === '' ? undefined : envToken;
}

/**
 * The API token of the environment (GITFLEET_API_TOKEN, else the file of
 * GITFLEET_API_TOKEN_FILE), or undefined — never an error: for shell completion, which stays
 * silent.
 */
export function environmentApiToken(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const token = (env['GITFLEET_API_TOKEN'] ?? '').trim();
  if (token !== '') return token;
  const file = env['GITFLEET_API_TOKEN_FILE'];
  if (file === undefined || file === '') return undefined;
  try {
    const fromFile = readFileSync(file, 'utf8').trim();
    return fromFile === '' ? undefined : fromFile;
  } catch {
    return undefined;
  }
}

/**
 * The API token of a command that changes state (scope operate).
 *
 * @throws CliError exit 2 when none is given, or as apiToken
 */
export function requireApiToken(ctx: TokenSources): string {
  const token = apiToken(ctx);
  if (token !== undefined) return token;
  throw new CliError(ExitCode.Usage, `which API token? set ${TOKEN_HINT}`, {
    details: [
      "a token of scope operate (the hub's --api-tokens-file): rollout commands change state",
    ],
  });
}
