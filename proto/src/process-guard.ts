/**
 * The process-wide guard of gitfleet's binaries: nothing unexpected ends a process without a
 * JSON line saying what, and a stray rejection does not end it at all.
 *
 * - `unhandledRejection`: logged (code, message, stack), counted, and the process keeps running.
 *   A rejected promise nobody awaited is confined to the chain that made it; everything the hub
 *   and agent hold across operations (sessions, the fleet in force, Redis, the cluster) is
 *   untouched by it. Node's default (exit) would turn one forgotten `catch` into an outage.
 * - `uncaughtException`: logged and counted, then `onUncaughtException` is called, which ends the
 *   process (graceful shutdown within its deadline, non-zero status). A synchronous throw out of
 *   an event handler or timer may have left in-memory state half-updated (Node's documentation:
 *   "it is not safe to resume normal operation"); both binaries keep their durable state outside
 *   the process (Redis, the cluster), so a restart by the supervisor is the safe way on.
 * - process `warning`s (deprecations, listener leaks) become JSON lines instead of Node's plain
 *   text on stderr.
 *
 * Repeats of one message are throttled (one line per message per window, with the count of the
 * lines suppressed); the counter counts every occurrence.
 */
import { toGitfleetError, type GitfleetError } from './domain/errors.ts';
import type { Logger, LogMeta } from './domain/logger.ts';
import { DEFAULT_LOG_THROTTLE_MS, logThrottle } from './log-throttle.ts';

export interface ProcessGuard {
  /** Unhandled rejections and uncaught exceptions seen since the guard was installed. */
  unexpectedErrors(): number;
  /** Removes the guard's listeners and gives Node its own warning printer back. */
  uninstall(): void;
}

/** What the guard listens on: the process (tests give an EventEmitter of their own). */
export type GuardedEmitter = Pick<
  NodeJS.EventEmitter,
  'on' | 'off' | 'listeners' | 'removeAllListeners'
>;

export interface ProcessGuardOptions {
  readonly logger: Logger;
  /** Called once per uncaught exception, after it was logged: end the process. */
  readonly onUncaughtException: (err: GitfleetError) => void;
  /** Window of the log throttle per message. @defaultValue {@link DEFAULT_LOG_THROTTLE_MS} */
  readonly throttleMs?: number;
  readonly now?: () => number;
  /** @defaultValue process */
  readonly target?: GuardedEmitter;
}

/** The fields a log line carries about an error: code, message, stack (and details, errno). */
export function errorLogFields(err: unknown): LogMeta {
  const e = toGitfleetError(err);
  const original = err instanceof Error ? err : undefined;
  const errno = (original as { code?: unknown } | undefined)?.code;
  return {
    code: e.code,
    ...(typeof errno === 'string' && errno !== e.code ? { errno } : {}),
    error: e.message,
    ...(original?.stack === undefined ? {} : { stack: original.stack }),
    ...(Object.keys(e.details).length === 0 ? {} : { details: e.details }),
  };
}

export function installProcessGuard(opts: ProcessGuardOptions): ProcessGuard {
  const target = opts.target ?? process;
  const logger = opts.logger.child({ component: 'process-guard' });
  const throttle = logThrottle(opts.throttleMs ?? DEFAULT_LOG_THROTTLE_MS, opts.now);
  let count = 0;

  const report = (kind: string, message: string, err: unknown): void => {
    count++;
    const fields = errorLogFields(err);
    const verdict = throttle.check(`${kind}\n${String(fields['error'])}`);
    if (!verdict.log) return;
    logger.error(message, {
      kind,
      ...fields,
      unexpectedErrors: count,
      ...(verdict.suppressed > 0 ? { suppressedRepeats: verdict.suppressed } : {}),
    });
  };
  const onRejection = (reason: unknown): void =>
    report(
      'unhandledRejection',
      'unexpected error: a promise was rejected and nothing handled it; the process keeps running',
      reason,
    );
  const onException = (err: unknown): void => {
    report(
      'uncaughtException',
      'unexpected error: an exception was thrown and nothing caught it; the process stops (its state may be inconsistent)',
      err,
    );
    opts.onUncaughtException(toGitfleetError(err));
  };
  const onWarning = (w: Error): void => {
    const verdict = throttle.check(`warning\n${w.name}\n${w.message}`);
    if (!verdict.log) return;
    logger.warn('process warning', {
      warning: w.name,
      error: w.message,
      ...(verdict.suppressed > 0 ? { suppressedRepeats: verdict.suppressed } : {}),
    });
  };

  const nodeWarningPrinters = target.listeners('warning') as ((w: Error) => void)[];
  target.removeAllListeners('warning');
  target.on('warning', onWarning);
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return {
    unexpectedErrors: () => count,
    uninstall() {
      target.off('unhandledRejection', onRejection);
      target.off('uncaughtException', onException);
      target.off('warning', onWarning);
      for (const l of nodeWarningPrinters) target.on('warning', l);
    },
  };
}
