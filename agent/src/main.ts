/** gitfleet-agent entry point: load config once, run, stop cleanly on SIGTERM/SIGINT. */
import { installClientNodeLightHooks } from './kube/client-node-hooks.ts';

// before anything imports @kubernetes/client-node (see client-node-hooks.ts)
installClientNodeLightHooks();
const { jsonLogger, toGitfleetError } = await import('@gitfleet/proto');
const { AGENT_USAGE, loadAgentConfig } = await import('./config.ts');
const { runAgent } = await import('./run.ts');

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(AGENT_USAGE);
  process.exit(0);
}

let config: ReturnType<typeof loadAgentConfig>;
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
  let stopping = false;
  const stop = (signal: string): void => {
    // a second signal (the process group and a supervisor may both send TERM) must not cut the
    // graceful shutdown short
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  const e = toGitfleetError(err);
  logger.error('agent failed to start', { code: e.code, error: e.message });
  process.exit(1);
}
