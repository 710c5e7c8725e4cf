/** gitfleet-agent entry point: load config once, run, stop cleanly on SIGTERM/SIGINT. */
import { jsonLogger, toGitfleetError } from '@gitfleet/proto';
import { AGENT_USAGE, loadAgentConfig } from './config.ts';
import { runAgent } from './run.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(AGENT_USAGE);
  process.exit(0);
}

let config;
try {
  config = loadAgentConfig();
} catch (err) {
  process.stderr.write(`${toGitfleetError(err).message}\n\n${AGENT_USAGE}`);
  process.exit(2);
}
const logger = jsonLogger((line) => process.stderr.write(`${line}\n`), {
  level: config.logLevel,
  base: { component: 'agent', target: config.target },
});
try {
  const running = await runAgent(config, logger);
  const stop = (signal: string): void => {
    logger.info('shutting down', { signal });
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  const e = toGitfleetError(err);
  logger.error('agent failed to start', { code: e.code, error: e.message });
  process.exit(1);
}
