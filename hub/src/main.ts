/** gitfleet-hub entry point. */
import { runBinary } from '@gitfleet/proto';
import { HUB_USAGE, loadHubConfig } from './config.ts';
import { runHub } from './run.ts';

await runBinary({
  name: 'hub',
  usage: HUB_USAGE,
  loadConfig: () => loadHubConfig(),
  logMeta: (c) => ({ component: 'hub', replica: c.replica }),
  start: runHub,
});
