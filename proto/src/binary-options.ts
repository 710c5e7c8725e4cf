/**
 * The options every gitfleet binary takes (hub and agent), declared once: each binary's flag
 * table names them where they belong in its --help.
 */
import type { LogLevel } from './domain/logger.ts';
import { httpUrl, integer, option } from './config-source.ts';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './run-binary.ts';

/** Log levels, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export const BINARY_OPTIONS = {
  logLevel: option<LogLevel>({
    flag: 'log-level',
    env: 'GITFLEET_LOG_LEVEL',
    arg: 'LEVEL',
    description: `least severe log line written: ${LOG_LEVELS.join('|')}`,
    default: 'info',
    parse: (raw, ctx) => {
      const level = LOG_LEVELS.find((l) => l === raw.value);
      if (level === undefined) {
        ctx.problem(`${raw.from}=${raw.value}: log level one of ${LOG_LEVELS.join('|')}`);
      }
      return level;
    },
  }),
  otlpEndpoint: option({
    flag: 'otlp-endpoint',
    env: 'GITFLEET_OTLP_ENDPOINT',
    arg: 'URL',
    description: 'OTLP/HTTP traces endpoint (…/v1/traces)',
    defaultText: 'off',
    parse: httpUrl,
  }),
  shutdownTimeoutMs: option({
    flag: 'shutdown-timeout-ms',
    env: 'GITFLEET_SHUTDOWN_TIMEOUT_MS',
    arg: 'N',
    description: 'longest graceful shutdown, then exit 3',
    default: DEFAULT_SHUTDOWN_TIMEOUT_MS,
    parse: integer(500, 600_000),
  }),
} as const;
