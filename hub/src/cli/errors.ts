/**
 * The exit codes of `gitfleet` and the one error type that carries them. Every failure the CLI
 * reports says what went wrong and what to do; `main.ts` prints the message and exits with the
 * code. Pure: no I/O.
 */

export const ExitCode = {
  Ok: 0,
  /** The operation failed, or (when asked, e.g. `status --exit-code`) the fleet is not healthy. */
  Failed: 1,
  /** Bad usage or configuration: unknown flag, missing argument, bad value. */
  Usage: 2,
  /** The hub (or the fleet's Git server) cannot be reached. */
  Unreachable: 3,
  /** An application, target, environment or revision that does not exist. */
  NotFound: 4,
  /** The fleet repository moved on while we pushed, twice: a conflict to resolve by hand. */
  Conflict: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;
  /** Lines printed after the message (problems, advice). */
  readonly details: readonly string[];

  constructor(
    exitCode: ExitCode,
    message: string,
    opts: { details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.exitCode = exitCode;
    this.details = opts.details ?? [];
  }
}

export function usageError(message: string, command?: string): CliError {
  return new CliError(ExitCode.Usage, message, {
    details: [`see: gitfleet ${command === undefined ? '' : `${command} `}--help`],
  });
}

export function isCliError(err: unknown): err is CliError {
  return err instanceof CliError;
}
