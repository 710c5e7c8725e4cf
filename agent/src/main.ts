/** gitfleet-agent entry point. */
import { installClientNodeLightHooks } from './kube/client-node-hooks.ts';

// before anything imports @kubernetes/client-node (see client-node-hooks.ts)
installClientNodeLightHooks();
const { runBinary } = await import('@gitfleet/proto');
const { AGENT_USAGE, loadAgentConfig } = await import('./config.ts');
const { runAgent } = await import('./run.ts');

await runBinary({
  name: 'agent',
  usage: AGENT_USAGE,
  loadConfig: () => loadAgentConfig(),
  logMeta: (c) => ({ component: 'agent', target: c.target }),
  start: runAgent,
});
