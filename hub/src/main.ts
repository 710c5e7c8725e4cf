/** gitfleet-hub entry point: serves, or runs one of its subcommands (registration-token, revoke). */
import { runBinary } from '@gitfleet/proto';
import { isHubSubcommand, runHubSubcommand } from './cli/hub-subcommands.ts';
import { HUB_USAGE, loadHubConfig } from './config.ts';
import { runHub } from './run.ts';

const [sub] = process.argv.slice(2);
if (isHubSubcommand(sub)) {
  process.exitCode = await runHubSubcommand(sub, {
    argv: process.argv.slice(3),
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  await runBinary({
    name: 'hub',
    usage: HUB_USAGE,
    loadConfig: () => loadHubConfig(),
    logMeta: (c) => ({ component: 'hub', replica: c.replica }),
    start: runHub,
  });
}
