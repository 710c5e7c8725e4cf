/** gitfleet-hub entry point: load config once, run, stop cleanly on SIGTERM/SIGINT. */
import { jsonLogger, toGitfleetError } from '@gitfleet/proto';
import { HUB_USAGE, loadHubConfig, type HubConfig } from './config.ts';
import { runHub } from './run.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(HUB_USAGE);
  process.exit(0);
}
let config: HubConfig;
try {
  config = loadHubConfig();
} catch (err) {
  process.stderr.write(`${toGitfleetError(err).message}\n\n${HUB_USAGE}`);
  process.exit(2);
}
const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), {
  level: config.logLevel,
  base: { component: 'hub', replica: config.replica },
});
try {
  const running = await runHub(config, logger);
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
  logger.error('hub failed to start', { code: e.code, error: e.message });
  process.exit(1);
}
