/**
 * The shared shape of gitfleet's binaries (hub, agent): `--help`, configuration loaded once
 * (CONFIG_INVALID → the problems and the usage on stderr, exit 2), a JSON-lines logger on stderr,
 * the process guard (./process-guard.ts: a stray rejection is logged and counted, an uncaught
 * exception is logged and ends the process), start (failure → exit 1), and one graceful shutdown
 * on SIGTERM/SIGINT within a deadline (a repeated signal — the process group and a supervisor
 * may both send one — does not cut it short).
 *
 * Exit status: 0 after a graceful shutdown; 1 the start failed; 2 invalid configuration; 3 the
 * shutdown deadline passed (the log names what had not finished); 4 an uncaught exception (after
 * the graceful shutdown it triggers).
 */
import { ErrorCode, toGitfleetError } from './domain/errors.ts';
import { jsonLogger, type LogLevel, type LogMeta, type Logger } from './domain/logger.ts';
import { errorLogFields, installProcessGuard } from './process-guard.ts';

export * from './log-throttle.ts';
export * from './process-guard.ts';
export * from './shutdown.ts';

/** How long a shutdown may take before the process exits anyway (status 3). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export const ExitStatus = {
  Ok: 0,
  StartFailed: 1,
  ConfigInvalid: 2,
  ShutdownDeadline: 3,
  UncaughtException: 4,
} as const;
export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];

/** What runBinary needs of a binary's configuration. */
export interface BinaryConfig {
  readonly logLevel: LogLevel;
  /** The shutdown deadline. @defaultValue {@link DEFAULT_SHUTDOWN_TIMEOUT_MS} */
  readonly shutdownTimeoutMs?: number;
}

/** What runBinary hands a binary at start. */
export interface BinaryRuntime {
  /** Unhandled rejections and uncaught exceptions seen so far (for a metric). */
  unexpectedErrors(): number;
}

/** A started binary. */
export interface RunningBinary {
  close(): Promise<void>;
  /** What has not finished closing yet; the shutdown deadline's log line names it. */
  unfinished?(): readonly string[];
}

export interface BinaryDefinition<C extends BinaryConfig> {
  readonly usage: string;
  readonly loadConfig: () => C;
  readonly logMeta: (config: C) => LogMeta;
  readonly start: (config: C, logger: Logger, runtime: BinaryRuntime) => Promise<RunningBinary>;
  /** What the log calls it ('agent', 'hub'). */
  readonly name: string;
}

export async function runBinary<C extends BinaryConfig>(def: BinaryDefinition<C>): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(def.usage);
    process.exit(ExitStatus.Ok);
  }
  let config: C;
  try {
    config = def.loadConfig();
  } catch (err) {
    process.stderr.write(`${toGitfleetError(err).message}\n\n${def.usage}`);
    process.exit(ExitStatus.ConfigInvalid);
  }
  const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), {
    level: config.logLevel,
    base: def.logMeta(config),
  });
  const deadlineMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let running: RunningBinary | undefined;
  let starting = true;
  let stopping: { readonly reason: string; readonly status: ExitStatus } | undefined;

  const close = (): void => {
    const r = running;
    if (r === undefined || stopping === undefined) return;
    const status = stopping.status;
    r.close().then(
      () => process.exit(status),
      (err: unknown) => {
        logger.error(`${def.name} shutdown failed`, errorLogFields(err));
        process.exit(status === ExitStatus.Ok ? ExitStatus.StartFailed : status);
      },
    );
  };
  const stop = (reason: string, status: ExitStatus): void => {
    if (stopping !== undefined) return;
    stopping = { reason, status };
    logger.info('shutting down', { signal: reason, deadlineMs });
    // ref'd on purpose: it must fire even when whatever hangs holds no handle
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting without waiting any longer', {
        code: ErrorCode.Timeout,
        deadlineMs,
        unfinished: starting ? ['start'] : (running?.unfinished?.() ?? ['close']),
      });
      process.exit(ExitStatus.ShutdownDeadline);
    }, deadlineMs);
    if (!starting) close();
  };

  const guard = installProcessGuard({
    logger,
    onUncaughtException: () => stop('uncaughtException', ExitStatus.UncaughtException),
  });
  // installed before start: a signal during a start that waits on a dependency still ends the
  // process within the deadline
  process.on('SIGTERM', () => stop('SIGTERM', ExitStatus.Ok));
  process.on('SIGINT', () => stop('SIGINT', ExitStatus.Ok));
  const runtime: BinaryRuntime = { unexpectedErrors: () => guard.unexpectedErrors() };
  try {
    running = await def.start(config, logger, runtime);
  } catch (err) {
    const e = toGitfleetError(err);
    logger.error(`${def.name} failed to start`, { code: e.code, error: e.message });
    process.exit(ExitStatus.StartFailed);
  } finally {
    starting = false;
  }
  close();
}
