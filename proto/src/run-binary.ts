/**
 * The shared shape of gitfleet's binaries (hub, agent): `--help`, configuration loaded once
 * (CONFIG_INVALID → the problems and the usage on stderr, exit 2), a JSON-lines logger on stderr,
 * start (failure → exit 1), and one graceful shutdown on SIGTERM/SIGINT (a repeated signal —
 * the process group and a supervisor may both send one — does not cut it short; exit 0).
 */
import { toGitfleetError } from './domain/errors.ts';
import { jsonLogger, type LogLevel, type LogMeta, type Logger } from './domain/logger.ts';

export interface BinaryDefinition<C extends { readonly logLevel: LogLevel }> {
  readonly usage: string;
  readonly loadConfig: () => C;
  readonly logMeta: (config: C) => LogMeta;
  readonly start: (config: C, logger: Logger) => Promise<{ close(): Promise<void> }>;
  /** What the log calls it ('agent', 'hub'). */
  readonly name: string;
}

export async function runBinary<C extends { readonly logLevel: LogLevel }>(
  def: BinaryDefinition<C>,
): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(def.usage);
    process.exit(0);
  }
  let config: C;
  try {
    config = def.loadConfig();
  } catch (err) {
    process.stderr.write(`${toGitfleetError(err).message}\n\n${def.usage}`);
    process.exit(2);
  }
  const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), {
    level: config.logLevel,
    base: def.logMeta(config),
  });
  try {
    const running = await def.start(config, logger);
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal });
      void running.close().then(() => process.exit(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    const e = toGitfleetError(err);
    logger.error(`${def.name} failed to start`, { code: e.code, error: e.message });
    process.exit(1);
  }
}
