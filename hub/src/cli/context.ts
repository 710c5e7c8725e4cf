/**
 * What every `gitfleet` command runs with (the parsed command, output, clock) and the small
 * helpers they share: option values, name checks, the request deadline, the hub client and JSON
 * output.
 */
import { apiToken } from './api-token.ts';
import { usageError } from './errors.ts';
import type { Painter } from './format.ts';
import { HubClient, checkHubUrl } from './hub-client.ts';
import type { ParsedCommand } from './parse.ts';

export interface CommandContext {
  readonly cmd: ParsedCommand;
  readonly p: Painter;
  readonly json: boolean;
  readonly nowMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  /** Notes and warnings (stderr). */
  readonly note: (text: string) => void;
  /** Whether stdout is a terminal (`rollout watch` redraws in place). */
  readonly isTTY: boolean;
  /** Width of the terminal (0: unknown). */
  readonly columns: number;
  /** The time now (nowMs is when the command started). */
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.cmd.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.cmd.values.get(name) === true;
}

export function need(ctx: CommandContext, name: string): string {
  const v = str(ctx, name);
  if (v === undefined) throw usageError(`--${name} is required`, ctx.cmd.spec.name);
  return v;
}

/** Checks a name given on the command line: a DNS label, like every fleet name. */
export function name(
  ctx: CommandContext,
  what: string,
  value: string | undefined,
): string | undefined {
  if (value !== undefined && !DNS_LABEL.test(value)) {
    throw usageError(
      `${what} ${JSON.stringify(value)} is not a valid name (lowercase letters, digits and '-', at most 63)`,
      ctx.cmd.spec.name,
    );
  }
  return value;
}

export function timeoutMs(ctx: CommandContext): number {
  const raw = str(ctx, 'timeout') ?? '15000';
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 100 || n > 600_000) {
    throw usageError(
      `${ctx.cmd.from.get('timeout') ?? '--timeout'}=${raw}: must be a number of milliseconds from 100 to 600000`,
      ctx.cmd.spec.name,
    );
  }
  return n;
}

/** The client of the hub of --hub, sending the API token (./api-token.ts) on every request. */
export function hubClient(ctx: CommandContext): HubClient {
  const raw = str(ctx, 'hub') ?? 'http://127.0.0.1:8080';
  const token = apiToken(ctx);
  return new HubClient({
    url: checkHubUrl(raw, ctx.cmd.from.get('hub') ?? '--hub'),
    timeoutMs: timeoutMs(ctx),
    ...(token === undefined ? {} : { token }),
  });
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(JSON.stringify(value, null, 2));
}

/** Names for a message: `a, b`, or `none`. */
export function declaredList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
